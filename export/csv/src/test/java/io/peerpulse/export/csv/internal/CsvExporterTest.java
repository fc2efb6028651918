package io.peerpulse.export.csv.internal;

import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.export.csv.Csv;
import io.peerpulse.export.csv.SessionReportCsv;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SampleReports;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.testkit.SessionExporterContract;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class CsvExporterTest {

    private static final long T0 = VirtualScheduler.DEFAULT_START.toEpochMilli();

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stopScheduler() {
        scheduler.shutdownNow();
    }

    @Test
    void oneRowPerSampleWithTheRoundItWasRecordedIn() throws IOException {
        ScriptedRttSource source = new ScriptedRttSource();
        for (int i = 1; i <= 12; i++) {
            source.thenMeasured(i + 0.1);
        }
        // a reading carrying its own, much earlier, timestamp still belongs to the round open when recorded
        source.thenMeasured(99.5, T0 - 60_000);
        GameSession session = GameSession.builder("rounds")
                .playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock())
                        .maxSampleCount(10).build())   // the window drops the first 3 of 13 samples
                .exporterProviders(List.of(new CsvExporterProvider()))
                .exportSetting(SessionReportCsv.DIRECTORY_SETTING, dir.toString())
                .executor(Runnable::run)
                .build();
        session.onDataChannelOpen(source);
        scheduler.runDueTasks();          // sample #0 (1.1): no round
        session.beginRound(1);
        advance(3);                       // #1..#3 in round 1
        session.endRound();
        advance(2);                       // #4, #5: no round
        session.beginRound(7);
        advance(4);                       // #6..#9 in round 7
        session.beginRound(8);            // ends round 7
        advance(3);                       // #10..#12 in round 8 (the last one carries its own timestamp)
        session.close();

        List<List<String>> rows = Csv.parse(Files.readString(dir.resolve("rounds.csv")));
        LatencyStats stats = session.getLatencyStats().orElseThrow();
        assertThat(rows.get(0)).containsExactly("session_id", "player_id", "round", "timestamp_epoch_ms", "rtt_ms",
                "elapsed_ms");
        assertThat(rows.subList(1, rows.size())).extracting(row -> row.get(2))
                .containsExactly("1", "", "", "7", "7", "7", "7", "8", "8", "8");
        List<RttSample> samples = new ArrayList<>();
        for (List<String> row : rows.subList(1, rows.size())) {
            assertThat(row.subList(0, 2)).containsExactly("rounds", "p1");
            samples.add(sample(Long.parseLong(row.get(3)), Double.parseDouble(row.get(4))));
        }
        assertThat(samples).isEqualTo(stats.samples());
        assertThat(samples.get(9)).isEqualTo(sample(T0 - 60_000, 99.5));
        assertThat(rows.subList(1, rows.size())).extracting(row -> row.get(5)).as("no step: the labels less the start")
                .containsExactly("3000", "4000", "5000", "6000", "7000", "8000", "9000", "10000", "11000", "-60000");
    }

    /**
     * The wall clock steps back 5 s, then forward 400 days, while a 1 Hz session runs 12 s: {@code timestamp_epoch_ms}
     * shows the steps (a label), {@code elapsed_ms} each sample's place on the session's monotonic clock, so that
     * time since the start, intervals and rates computed from the file are true.
     */
    @Test
    void elapsedMsIsTheSamplesPlaceOnTheMonotonicClockWhereverTheWallClockStepped() throws IOException {
        GameSession session = GameSession.builder("stepped")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).build())
                .exporterProviders(List.of(new CsvExporterProvider()))
                .exportSetting(SessionReportCsv.DIRECTORY_SETTING, dir.toString())
                .executor(Runnable::run)
                .build();
        ScriptedRttSource source = new ScriptedRttSource();
        for (int i = 0; i <= 12; i++) {
            source.thenMeasured(40);
        }
        session.onDataChannelOpen(source);
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofMillis(4_500));
        scheduler.stepWallClock(Duration.ofSeconds(-5));
        scheduler.advance(Duration.ofSeconds(4));
        scheduler.stepWallClock(Duration.ofDays(400));
        scheduler.advance(Duration.ofMillis(3_500));
        session.close();

        List<List<String>> rows = Csv.parse(Files.readString(dir.resolve("stepped.csv")));
        assertThat(rows.get(0)).containsExactly("session_id", "player_id", "round", "timestamp_epoch_ms", "rtt_ms",
                "elapsed_ms");
        List<List<String>> data = rows.subList(1, rows.size());
        assertThat(data).extracting(row -> Long.parseLong(row.get(5)))
                .containsExactly(0L, 1_000L, 2_000L, 3_000L, 4_000L, 5_000L, 6_000L, 7_000L, 8_000L, 9_000L, 10_000L,
                        11_000L, 12_000L);
        long day400 = Duration.ofDays(400).toMillis();
        assertThat(data).extracting(row -> Long.parseLong(row.get(3)) - T0).as("the labels")
                .containsExactly(0L, 1_000L, 2_000L, 3_000L, 4_000L, 0L, 1_000L, 2_000L, 3_000L, day400 + 4_000,
                        day400 + 5_000, day400 + 6_000, day400 + 7_000);
    }

    @Test
    void numbersArePlainDecimalsThatReadBackExactly() throws IOException {
        double[] values = {1e-4, 0.1 + 0.2, 59_999.999, 40, 1 / 3.0};
        ScriptedRttSource source = new ScriptedRttSource();
        for (double value : values) {
            source.thenMeasured(value);
        }
        GameSession session = session("numbers");
        session.onDataChannelOpen(source);
        advance(values.length);
        session.close();

        List<List<String>> rows = Csv.parse(Files.readString(dir.resolve("numbers.csv")));
        assertThat(rows.subList(1, rows.size())).extracting(row -> row.get(4))
                .containsExactly("0.00010", "0.30000000000000004", "59999.999", "40.0", "0.3333333333333333")
                .allSatisfy(text -> assertThat(text).doesNotContain("E"));
        assertThat(rows.subList(1, rows.size())).extracting(row -> Double.parseDouble(row.get(4)))
                .containsExactly(1e-4, 0.1 + 0.2, 59_999.999, 40.0, 1 / 3.0);
        assertThat(rows.get(1).get(1)).as("no player id").isEmpty();
        assertThat(rows.get(1).get(3)).isEqualTo(Long.toString(T0));
    }

    @Test
    void aSessionWithoutSamplesGivesTheHeaderAlone() throws IOException {
        session("empty").close();
        assertThat(dir.resolve("empty.csv")).hasContent("session_id,player_id,round,timestamp_epoch_ms,rtt_ms,elapsed_ms\r\n");
    }

    @Test
    void idsAreQuotedByRfc4180() throws IOException {
        SessionReport report = withIds(SessionExporterContract.fullReport("x"), "a,\"b\"\r\nc", "pl\"ayer");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SessionReportCsv.write(report, out);
        String text = out.toString(StandardCharsets.UTF_8);

        assertThat(text).contains("\r\n\"a,\"\"b\"\"\r\nc\",\"pl\"\"ayer\",1,");
        List<List<String>> rows = Csv.parse(text);
        assertThat(rows).hasSize(41).allSatisfy(row -> assertThat(row).hasSize(SessionReportCsv.COLUMNS.size()));
        assertThat(rows.get(1).subList(0, 2)).containsExactly("a,\"b\"\r\nc", "pl\"ayer");
        assertThat(rows.get(40).get(2)).isEqualTo("2");
    }

    @Test
    void hostileSessionIdsStayInsideTheDirectoryAndASecondExportGetsANewName() throws Exception {
        Path inner = Files.createDirectories(dir.resolve("inner"));
        SessionExporter exporter = new CsvExporterProvider().create(
                ExportSettings.of(Map.of(SessionReportCsv.DIRECTORY_SETTING, inner.toString()), Map.of()));
        SessionReport base = SessionExporterContract.reportWithoutSamples("base");
        List<String> ids = List.of("../x", "/abs", "", "a".repeat(10_000), "a\0b", "séance-😀", "..", ".");
        for (String id : ids) {
            exporter.sessionEnded(withIds(base, id, null));
        }
        exporter.sessionEnded(base);
        exporter.sessionEnded(base);
        try (Stream<Path> all = Files.walk(dir)) {
            assertThat(all.filter(Files::isRegularFile)).hasSize(ids.size() + 2)
                    .allSatisfy(file -> assertThat(file.getParent()).isEqualTo(inner));
        }
        assertThat(inner.resolve("base.csv")).exists();
        assertThat(inner.resolve("base-1.csv")).exists();
    }

    @Test
    void aDirectoryThatCannotBeCreatedFailsNamingItsPathAndLeavesNothing() throws IOException {
        Files.writeString(dir.resolve("file"), "x");
        Path impossible = dir.resolve("file/sessions");
        SessionExporter exporter = new CsvExporterProvider().create(ExportSettings.of(
                Map.of(SessionReportCsv.DIRECTORY_SETTING, impossible.toString()), Map.of()));

        assertThatThrownBy(() -> exporter.sessionEnded(SessionExporterContract.fullReport("s")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(impossible.toAbsolutePath().toString());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(dir.resolve("file"));
        }
    }

    @Test
    void aBlankDirectorySettingIsRefusedWhenTheExporterIsCreated() {
        assertThatThrownBy(() -> new CsvExporterProvider().create(new ExportSettings() {
            @Override
            public java.util.Optional<String> get(String key) {
                return java.util.Optional.of("  ");
            }

            @Override
            public <T> java.util.Optional<T> attribute(Class<T> type) {
                return java.util.Optional.empty();
            }
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("peerpulse.export.csv.directory must not be blank");
    }

    private GameSession session(String id) {
        return GameSession.builder(id)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock()).build())
                .exporterProviders(List.of(new CsvExporterProvider()))
                .exportSetting(SessionReportCsv.DIRECTORY_SETTING, dir.toString())
                .executor(Runnable::run)
                .build();
    }

    private void advance(int seconds) {
        scheduler.advance(Duration.ofSeconds(seconds));
    }

    private static SessionReport withIds(SessionReport report, String id, String playerId) {
        return SampleReports.withEvery(SampleReports.withEvery(report, "sessionId", id), "playerId", playerId);
    }
}
