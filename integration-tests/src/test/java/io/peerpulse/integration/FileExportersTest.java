package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.export.csv.SessionReportCsv;
import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The json and csv exporters found by ServiceLoader — through {@code provides} on the module path, through
 * {@code META-INF/services} on the class path — write real files at the end of a session, and one that
 * fails never stops the others. Virtual time: no peers, no sleeping.
 */
@Tag("classpath")
class FileExportersTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private static final boolean MODULE_PATH = !"class".equals(System.getProperty("peerpulse.test.path"));

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stopScheduler() {
        scheduler.shutdownNow();
    }

    @Test
    void jsonAndCsvAreFoundAndWriteRealFiles() throws IOException {
        assertThat(SessionReportJson.class.getModule().isNamed()).isEqualTo(MODULE_PATH);
        assertThat(SessionReportCsv.class.getModule().isNamed()).isEqualTo(MODULE_PATH);
        GameSession session = session("files-1", dir.toString());
        assertThat(session.exporterNames()).contains("json", "csv", "recording");

        session.onDataChannelOpen(new ScriptedRttSource().thenMeasured(42.5).thenMeasured(43.25).thenMeasured(41));
        session.beginRound(1);
        scheduler.advance(Duration.ofSeconds(2));
        session.endRound();
        session.close();
        SessionReport report = session.exportReport();

        assertThat(SessionReportJson.read(dir.resolve("files-1.json"))).isEqualTo(report);
        assertThat(Files.readString(dir.resolve("files-1.csv"))).isEqualTo(String.join("\r\n",
                "session_id,player_id,round,timestamp_epoch_ms,rtt_ms,elapsed_ms",
                "files-1,p1,1," + VirtualScheduler.DEFAULT_START.toEpochMilli() + ",42.5,0",
                "files-1,p1,1," + (VirtualScheduler.DEFAULT_START.toEpochMilli() + 1000) + ",43.25,1000",
                "files-1,p1,1," + (VirtualScheduler.DEFAULT_START.toEpochMilli() + 2000) + ",41.0,2000", ""));
        assertThat(RecordingExporterProvider.CALLS.get("files-1")).endsWith("ended");
    }

    @Test
    void aJsonExporterThatCannotWriteNeverStopsTheOthers() throws IOException {
        Path blocked = Files.writeString(dir.resolve("not-a-directory"), "x");
        Path csvDir = dir.resolve("csv");
        GameSession session = GameSession.builder("files-2").playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock()).build())
                .exportSetting(SessionReportJson.DIRECTORY_SETTING, blocked.resolve("sessions").toString())
                .exportSetting(SessionReportCsv.DIRECTORY_SETTING, csvDir.toString())
                .build();
        assertThat(session.exporterNames()).contains("json", "csv", "recording");
        session.onDataChannelOpen(new ScriptedRttSource().thenMeasured(10).thenMeasured(11));
        scheduler.advance(Duration.ofSeconds(2));
        session.close();

        assertThat(Files.readAllLines(csvDir.resolve("files-2.csv"))).hasSize(3);
        assertThat(RecordingExporterProvider.CALLS.get("files-2")).endsWith("ended");
        // other classes run beside this one and log too: this session's lines only
        assertThat(log.warnings()).filteredOn(w -> w.contains("session 'files-2'")).singleElement().asString()
                .contains("exporter 'json' of session 'files-2' failed in sessionEnded", "the other exporters still run");
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()))
                    .as("the failing json exporter left nothing behind")
                    .containsExactlyInAnyOrder("not-a-directory", Path.of("csv", "files-2.csv").toString());
        }
    }

    private GameSession session(String id, String directory) {
        return GameSession.builder(id).playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock()).build())
                .exportSetting(SessionReportJson.DIRECTORY_SETTING, directory)
                .exportSetting(SessionReportCsv.DIRECTORY_SETTING, directory)
                .build();
    }
}
