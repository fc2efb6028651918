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
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
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
                    return new ProbeStats(sent, sent, 0, 0, 0, 0, good ? 0.042 : bad[0], good ? 0.5 : bad[1],
                            1_767_225_600_000L, 0, 0, 0, 0);
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
                    .isEqualTo(new ProbeStats(3, 3, 0, 0, 0, 0, 0.042, 0.5, 1_767_225_600_000L, 0, 0, 0, 0));
            assertThat(log.warnings(GameSession.class, "failed in probeStats()")).as(id).singleElement();
            assertThatThrownBy(probe::probeStats).as(id).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(Double.isNaN(bad[0]) ? "offsetMs must be finite, was NaN"
                            : "errorBoundMs must be finite and >= 0, was -0.5");
        }
    }
}
