package io.peerpulse.cli;

import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.GameSession;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.virtualtime.VirtualScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a researcher reads — the JSON file and {@code summarize}'s table — holds the numbers as measured. */
class NumbersAsMeasuredEndToEndTest {

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void aMedianOfTwoMicrosecondValuesIsPrintedWithoutNoise() throws Exception {
        GameSession session = GameSession.builder("two-probe-values")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).build())
                .exporters("json").exportSetting(SessionReportJson.DIRECTORY_SETTING, dir.toString()).build();
        session.onDataChannelOpen(new ScriptedRttSource().thenMeasured(80.721).thenMeasured(80.730)
                .orElse(RttReading.stale()));
        scheduler.advance(Duration.ofMillis(1_500));
        session.close();

        String json = Files.readString(dir.resolve("two-probe-values.json"));
        assertThat(json).contains("\"medianMs\": 80.726").doesNotContain("80.7255", "-0.0")
                .doesNotContainPattern("\\.\\d{7,}"); // no floating-point noise anywhere
        StringWriter out = new StringWriter();
        assertThat(Main.run(new String[] {"summarize", dir.toString()}, new PrintWriter(out, true),
                new PrintWriter(new StringWriter(), true))).isZero();
        List<String> lines = out.toString().lines().toList();
        List<String> header = Arrays.asList(lines.get(0).split(","));
        List<String> row = Arrays.asList(lines.get(1).split(","));
        assertThat(row.get(header.indexOf("median_ms"))).isEqualTo("80.726");
        assertThat(row.get(header.indexOf("mean_ms"))).isEqualTo("80.726");
        assertThat(row.get(header.indexOf("min_ms"))).isEqualTo("80.721");
    }

    @Test
    void summarizeTabulatesTheWholeSessionNotTheLastWindowAsTheJsonLinesDo() throws Exception {
        // 8 samples through a window of 3: the table's row is the session's, as the jsonl line and the page say
        GameSession session = GameSession.builder("longer-than-the-window")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).maxSampleCount(3).build())
                .exporters("json").exportSetting(SessionReportJson.DIRECTORY_SETTING, dir.toString()).build();
        session.onDataChannelOpen(new ScriptedRttSource().thenMeasured(10).thenMeasured(20).thenMeasured(30)
                .thenMeasured(40).thenMeasured(50).thenMeasured(60).thenMeasured(70).thenMeasured(80)
                .orElse(RttReading.stale()));
        scheduler.advance(Duration.ofMillis(8_500));
        session.close();

        StringWriter out = new StringWriter();
        assertThat(Main.run(new String[] {"summarize", dir.toString()}, new PrintWriter(out, true),
                new PrintWriter(new StringWriter(), true))).isZero();
        List<String> lines = out.toString().lines().toList();
        List<String> header = Arrays.asList(lines.get(0).split(","));
        List<String> row = Arrays.asList(lines.get(1).split(","));
        assertThat(row.get(header.indexOf("sample_count"))).isEqualTo("8");   // the window holds 3
        assertThat(row.get(header.indexOf("min_ms"))).isEqualTo("10.0");      // the window's is 60.0
        assertThat(row.get(header.indexOf("mean_ms"))).isEqualTo("45.0");     // the window's is 70.0
        assertThat(row.get(header.indexOf("max_ms"))).isEqualTo("80.0");
        assertThat(Double.parseDouble(row.get(header.indexOf("median_ms")))).isCloseTo(45.0,
                org.assertj.core.data.Percentage.withPercentage(1));           // an estimate within 1 %
    }
}
