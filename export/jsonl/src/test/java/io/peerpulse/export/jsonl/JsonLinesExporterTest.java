package io.peerpulse.export.jsonl;

import io.peerpulse.export.jsonl.internal.JsonLinesExporterProvider;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.testkit.SessionExporterContract;
import io.peerpulse.virtualtime.VirtualScheduler;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The testkit's exporter contract, then what a shared file must survive: racing sessions and a torn line. */
@ExtendWith(LogCapture.class) // the contract's full reports come from sessions given source faults, which they log
class JsonLinesExporterTest extends SessionExporterContract {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("experiment").resolve("sessions.jsonl");
    }

    @Override
    protected SessionExporterProvider createProvider() {
        return new JsonLinesExporterProvider();
    }

    @Override
    protected ExportSettings exportSettings() {
        return ExportSettings.of(Map.of(SessionJsonLines.FILE_SETTING, file().toString()), Map.of());
    }

    @Override
    protected void verifyExport(SessionReport report) throws Exception {
        List<JsonObject> lines = lines(file());
        assertThat(lines).anySatisfy(line -> {
            assertThat(line.getString("sessionId")).isEqualTo(report.sessionMetrics().sessionId());
            assertThat(line.keySet()).containsExactlyElementsOf(SessionJsonLines.KEYS);
        });
    }

    /**
     * The wall clock jumps 400 days forward 5.5 s into an 11 s session (a laptop resumed): the line's labels are 400
     * days apart, its duration 11 s, and {@code clockStepCount} says which to believe.
     */
    @Test
    void aLineWhoseLabelsDisagreeWithItsDurationCountsTheClockSteps() {
        VirtualScheduler scheduler = new VirtualScheduler();
        GameSession session = GameSession.builder("resumed").exporterProviders(List.of()).executor(Runnable::run)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).build())
                .build();
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40)));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofMillis(5_500));
        scheduler.stepWallClock(Duration.ofDays(400));
        scheduler.advance(Duration.ofMillis(5_500));
        session.close();
        scheduler.shutdownNow();

        JsonObject line = Json.createReader(new StringReader(SessionJsonLines.line(session.exportReport()))).readObject();
        assertThat(line.getJsonNumber("endEpochMs").longValueExact() - line.getJsonNumber("startEpochMs").longValueExact())
                .isEqualTo(Duration.ofDays(400).toMillis() + 11_000);
        assertThat(line.getJsonNumber("durationMs").longValueExact()).isEqualTo(11_000);
        assertThat(line.getJsonNumber("clockStepCount").longValueExact()).isEqualTo(1);
        assertThat(line.keySet()).containsExactlyElementsOf(SessionJsonLines.KEYS);
    }

    @Test
    void racingSessionsOnEightThreadsEachAppendOneWholeLine() throws Exception {
        SessionExporterProvider provider = createProvider();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                String id = "race-" + i;
                done.add(pool.submit(() -> {
                    go.await();
                    provider.create(exportSettings()).sessionEnded(SessionExporterContract.fullReport(id));
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> call : done) {
                call.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(lines(file())).extracting(line -> line.getString("sessionId")).hasSize(40).doesNotHaveDuplicates();
    }

    @Test
    void aTornLineStaysOneBadLineAndTheNextRecordIsWhole() throws Exception {
        Files.createDirectories(file().getParent());
        Files.writeString(file(), "{\"sessionId\":\"killed-mid-wr"); // a writer killed in the middle of a record
        createProvider().create(exportSettings()).sessionEnded(SessionExporterContract.fullReport("after"));
        List<String> raw = Files.readAllLines(file(), StandardCharsets.UTF_8);
        assertThat(raw).hasSize(2);
        assertThat(raw.get(0)).isEqualTo("{\"sessionId\":\"killed-mid-wr");
        assertThat(parse(raw.get(1)).getString("sessionId")).isEqualTo("after");
    }

    @Test
    void aLineHoldsTheWholeSessionsStatisticsAndEscapesText() {
        SessionReport report = SessionExporterContract.fullReport("quote\"and\\slash");
        JsonObject line = parse(SessionJsonLines.line(report));
        assertThat(line.getString("sessionId")).isEqualTo("quote\"and\\slash");
        assertThat(line.getJsonNumber("sampleCount").longValue())
                .isEqualTo(report.validationData().sessionLatency().sampleCount());
        assertThat(line.getJsonNumber("medianMs").doubleValue())
                .isEqualTo(report.validationData().sessionLatency().medianMs());
        assertThat(SessionJsonLines.line(report)).doesNotContain("\n");
    }

    @Test
    void aFileSettingThatNamesNoFileIsRefusedNamingIt() {
        for (String bad : new String[] {" ", dir.toString(), "~/sessions.jsonl"}) { // ~: no shell expanded it
            assertThatThrownBy(() -> createProvider().create(ExportSettings.of(
                    Map.of(SessionJsonLines.FILE_SETTING, bad), Map.of())))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(SessionJsonLines.FILE_SETTING);
        }
    }

    /**
     * {@code runs.txt/sessions.jsonl} where {@code runs.txt} is a file: refused at {@code build()} naming the
     * setting and the folder in the way, as the file exporters refuse a directory setting naming a file, not
     * found only when the session ends (a WARNING, the line lost).
     */
    @Test
    void aFileSettingWhoseFolderIsAFileIsRefusedAtCreate() throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("runs.txt"), "x");
        Path file = notAFolder.resolve("sessions.jsonl");
        assertThatThrownBy(() -> createProvider().create(ExportSettings.of(
                Map.of(SessionJsonLines.FILE_SETTING, file.toString()), Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(SessionJsonLines.FILE_SETTING + " is '" + file + "', whose folder " + notAFolder
                        + " is a file, not a directory");
        assertThat(createProvider().create(ExportSettings.of(Map.of(SessionJsonLines.FILE_SETTING,
                dir.resolve("new/sessions.jsonl").toString()), Map.of()))).as("a missing folder is created later")
                .isNotNull();
    }

    /**
     * A link ({@code /dev/stdout}, or a link to the experiment's file), a pipe or a device: {@link
     * io.peerpulse.export.files.ExportFiles#append} opens the file without following a link and locks it, so the line
     * was lost when the session ended ("too many levels of symbolic links (NOFOLLOW_LINKS specified)", "invalid
     * argument"). Refused at {@code build()} naming the setting and what the path is.
     */
    @Test
    void aFileSettingNamingALinkOrADeviceIsRefusedAtCreate() throws Exception {
        Path real = Files.writeString(dir.resolve("all.jsonl"), "");
        Path link = Files.createSymbolicLink(dir.resolve("sessions.jsonl"), real);
        assertThatThrownBy(() -> createProvider().create(ExportSettings.of(
                Map.of(SessionJsonLines.FILE_SETTING, link.toString()), Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(SessionJsonLines.FILE_SETTING + " is '" + link + "', a symbolic link (to " + real + "): the"
                        + " line is appended, under a lock, only to a regular file named by its own path; give that file");
        assertThat(createProvider().create(ExportSettings.of(Map.of(SessionJsonLines.FILE_SETTING, real.toString()),
                Map.of()))).as("the file itself").isNotNull();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/dev/null")), "a Unix device");
        assertThatThrownBy(() -> createProvider().create(ExportSettings.of(
                Map.of(SessionJsonLines.FILE_SETTING, "/dev/null"), Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(SessionJsonLines.FILE_SETTING + " is '/dev/null', not a regular file (a pipe or"
                        + " a device)");
    }

    private static List<JsonObject> lines(Path file) throws Exception {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(JsonLinesExporterTest::parse).toList();
    }

    private static JsonObject parse(String line) {
        try (var reader = Json.createReader(new StringReader(line))) {
            return reader.readObject();
        }
    }
}
