package io.peerpulse.export.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.SampleReports;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** docs/RELIABILITY.md: the readers take what the writers produce, whatever a probe plugin hands the session. */
@ExtendWith(LogCapture.class)
class ProbePluginExportTest {

    @TempDir
    Path dir;

    @Test
    void aProbePluginsRefusedStatisticsAreLoggedNotExportedAndTheExportReadsBack(LogCapture log) throws IOException {
        for (double[] bad : new double[][] {{0.042, -0.5}, {Double.NaN, 0.5}}) { // {offsetMs, errorBoundMs}
            log.clear();
            String id = "bad-probe-" + (Double.isNaN(bad[0]) ? "nan" : "negative-bound");
            VirtualScheduler scheduler = new VirtualScheduler();
            GameSession session = GameSession.builder(id)
                    .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                            .clock(scheduler.clock()).build())
                    .exporterProviders(List.of()).executor(Runnable::run).build();
            ScriptedRttSource script = ScriptedRttSource.repeating(RttReading.measured(40));
            ProbeStatsSource probe = new ProbeStatsSource() {
                @Override
                public CompletionStage<RttReading> read() {
                    return script.read();
                }

                @Override
                public ProbeStats probeStats() { // the plugin's values go bad after 3 reads
                    long sent = script.readCount();
                    boolean good = sent <= 3;
                    return SampleReports.record(ProbeStats.class, "sentCount", sent, "answeredCount", sent,
                            "offsetMs", good ? 0.042 : bad[0], "errorBoundMs", good ? 0.5 : bad[1],
                            "offsetEpochMs", 1_767_225_600_000L);
                }
            };
            try {
                session.onDataChannelOpen(probe);
                scheduler.advance(Duration.ofSeconds(10));
            } finally {
                session.close();
                scheduler.shutdownNow();
            }
            SessionReport report = session.exportReport();

            assertThat(SessionReportJson.read(SessionReportJson.export(report, dir))).as(id).isEqualTo(report);
            assertThat(report.validationData().probe()).as(id)
                    .isEqualTo(SampleReports.record(ProbeStats.class, "sentCount", 3L, "answeredCount", 3L,
                            "offsetMs", 0.042, "errorBoundMs", 0.5, "offsetEpochMs", 1_767_225_600_000L));
            assertThat(log.warnings(GameSession.class, "failed in probeStats()")).as(id).singleElement();
            assertThatThrownBy(probe::probeStats).as(id).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(Double.isNaN(bad[0]) ? "offsetMs must be finite, was NaN"
                            : "errorBoundMs must be finite and >= 0, was -0.5");
        }
    }

    /**
     * A hostile peer floods the probe with forged pongs (a reviewer's real run: 108,514 unmatched, 80,148 dropped
     * from the probe's full inbound queue, while pings timed out as "lost"): the refused, unmatched and dropped
     * messages reach {@code validationData.probe} in the file and read back. Before, the export had no trace of
     * them, and the lost pings read as network loss.
     */
    @Test
    void aFloodOfForgedPongsReachesTheExportBesideTheLossItMayExplain() throws IOException {
        SessionReport report = probedSession("flooded", SampleReports.record(ProbeStats.class, "sentCount", 30L,
                "answeredCount", 12L, "lostCount", 18L, "lossRatio", 0.6, "malformedCount", 41L,
                "unknownVersionCount", 2L, "unmatchedCount", 108_514L, "inboundDroppedCount", 80_148L));

        Path file = SessionReportJson.export(report, dir);
        JsonObject probe = Json.createReader(Files.newBufferedReader(file)).readObject()
                .getJsonObject("validationData").getJsonObject("probe");
        assertThat(probe.getJsonNumber("unmatchedCount").longValueExact()).isEqualTo(108_514);
        assertThat(probe.getJsonNumber("inboundDroppedCount").longValueExact()).isEqualTo(80_148);
        assertThat(probe.getJsonNumber("malformedCount").longValueExact()).isEqualTo(41);
        assertThat(probe.getJsonNumber("unknownVersionCount").longValueExact()).isEqualTo(2);
        assertThat(probe.getJsonNumber("lostCount").longValueExact()).isEqualTo(18);
        assertThat(SessionReportJson.read(file)).isEqualTo(report);
    }

    /** A file written before the probe exported its refused and dropped messages reads them as none. */
    @Test
    void anExportWithoutTheRefusedAndDroppedMessagesReadsThemAsNone() throws IOException {
        ProbeStats counted = SampleReports.record(ProbeStats.class, "sentCount", 30L, "answeredCount", 29L,
                "lostCount", 1L, "lossRatio", 1.0 / 30, "peerPingsDroppedCount", 3L, "malformedCount", 1L,
                "unknownVersionCount", 1L, "unmatchedCount", 1L, "inboundDroppedCount", 1L);
        SessionReport report = probedSession("older", counted);
        String json = SessionReportJson.toJson(report);
        String older = json;
        for (String key : List.of("malformedCount", "unknownVersionCount", "unmatchedCount", "inboundDroppedCount")) {
            older = older.replaceAll(",?\\s*\"" + key + "\":\\s*1(?=[,}\\s])", "");
        }
        assertThat(older).doesNotContain("malformedCount", "unknownVersionCount", "unmatchedCount",
                "inboundDroppedCount").contains("\"peerPingsDroppedCount\"");

        ProbeStats read = SessionReportJson.fromJson(older).validationData().probe();

        assertThat(read).isEqualTo(SampleReports.with(counted, "malformedCount", 0L, "unknownVersionCount", 0L,
                "unmatchedCount", 0L, "inboundDroppedCount", 0L));
    }

    /** A session in virtual time whose probe plugin hands it {@code stats}. */
    private static SessionReport probedSession(String id, ProbeStats stats) {
        VirtualScheduler scheduler = new VirtualScheduler();
        GameSession session = GameSession.builder(id)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).build())
                .exporterProviders(List.of()).executor(Runnable::run).build();
        ScriptedRttSource script = ScriptedRttSource.repeating(RttReading.measured(40));
        try {
            session.onDataChannelOpen(new ProbeStatsSource() {
                @Override
                public CompletionStage<RttReading> read() {
                    return script.read();
                }

                @Override
                public ProbeStats probeStats() {
                    return stats;
                }
            });
            scheduler.advance(Duration.ofSeconds(5));
        } finally {
            session.close();
            scheduler.shutdownNow();
        }
        SessionReport report = session.exportReport();
        assertThat(report.validationData().probe()).isEqualTo(stats);
        return report;
    }
}
