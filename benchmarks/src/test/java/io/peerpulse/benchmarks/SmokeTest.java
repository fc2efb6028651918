package io.peerpulse.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.LatencyTelemetry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Proves the benchmarks run and measure what they claim, checking what ran (which benchmarks, their scores
 * and units); the real measurement runs are not part of the tests.
 */
class SmokeTest {

    /**
     * JMH refuses to start while another JMH run on the machine holds {@code /tmp/jmh.lock} (e.g. someone's
     * {@code benchmarks/run}), which would fail the build; the smoke runs' numbers mean nothing, so they
     * ignore the lock. Read by JMH when a run starts; this is the test JVM of this module only.
     */
    @BeforeAll
    static void ignoreJmhLock() {
        System.setProperty("jmh.ignoreLock", "true");
    }

    @Test
    void theFilledTelemetryHoldsAFullWindow() {
        LatencyTelemetry telemetry = Windows.fullTelemetry(600, Windows.rtts(600, 1));
        assertThat(telemetry.getStats().orElseThrow().sampleCount()).isEqualTo(600);
    }

    @Test
    void theNaivePortComputesTheSameStatisticsAsPeerPulse() {
        double[] values = Windows.rtts(600, 5);
        NaiveWindow naive = new NaiveWindow(600);
        for (double v : values) {
            naive.add(v);
        }
        var summary = Windows.fullTelemetry(600, values).getSummary().orElseThrow();
        double[] stats = naive.stats();
        assertThat(stats[0]).isEqualTo(summary.minMs());
        assertThat(stats[1]).isEqualTo(summary.maxMs());
        // PeerPulse rounds every statistic but min and max once to 0.001 ms (half up); the naive port does not
        assertThat(micros(stats[2])).isEqualTo(summary.meanMs());
        assertThat(micros(stats[3])).isEqualTo(summary.medianMs());
        assertThat(micros(stats[4])).isEqualTo(summary.p95Ms());
        assertThat(micros(stats[5])).isEqualTo(summary.p99Ms());
    }

    @Test
    void aTelemetryWithAFull600WindowTakesAtMost16Kilobytes() {
        // measured by JOL, not timed: the footprint is a property of the data structure
        assertThat(MemoryFootprint.bytesPerTelemetry(600)).isLessThanOrEqualTo(16 * 1024);
    }

    /**
     * Runs each JMH class the way {@code PerformanceReport --quick} does and checks what ran: every
     * {@code @Benchmark} method of the class, each with a finite positive time per operation in ns/op and
     * its allocation per operation from the GC profiler.
     */
    @ParameterizedTest
    @ValueSource(classes = {RecordBenchmark.class, StatsBenchmark.class})
    @Tag("integration")
    void everyJmhBenchmarkRunsAndScores(Class<?> benchmarkClass) throws Exception {
        Set<String> expected = Arrays.stream(benchmarkClass.getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(Benchmark.class)).map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        // the comparison the numbers exist for: PeerPulse beside Dropwizard
        assertThat(expected).as("@Benchmark methods of %s", benchmarkClass.getSimpleName())
                .anyMatch(name -> name.startsWith("peerpulse")).anyMatch(name -> name.startsWith("dropwizard"));

        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(benchmarkClass.getName() + ".")
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .forks(0).warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .param("window", "60")
                .build()).run();

        assertThat(results).extracting(r -> methodName(r.getParams().getBenchmark()))
                .as("the benchmarks that ran").containsExactlyInAnyOrderElementsOf(expected);
        for (RunResult result : results) {
            String name = methodName(result.getParams().getBenchmark());
            assertThat(result.getParams().getParam("window")).as("%s: window", name).isEqualTo("60");
            Result<?> time = result.getPrimaryResult();
            assertThat(time.getScoreUnit()).as("%s: unit", name).isEqualTo("ns/op");
            assertThat(time.getScore()).as("%s: ns/op", name).isFinite().isPositive();
            assertThat(time.getStatistics().getN()).as("%s: measurements", name).isPositive();
            Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
            assertThat(alloc).as("%s: the GC profiler's allocation per operation", name).isNotNull();
            assertThat(alloc.getScoreUnit()).as("%s: allocation unit", name).isEqualTo("B/op");
            assertThat(alloc.getScore()).as("%s: B/op", name).isFinite().isNotNegative();
        }
    }

    /**
     * Issue 26: the {@code jfr} exporter's benchmark finds the exporter by ServiceLoader and scores a sample
     * with and without a recording, as {@code PerformanceReport --quick} runs it.
     */
    @Test
    @Tag("integration")
    void theJfrExporterBenchmarkScoresASampleWithAndWithoutARecording() throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(JfrExporterBenchmark.class.getName() + ".")
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .forks(0).warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .build()).run();

        assertThat(results).extracting(r -> r.getParams().getParam("recording")).containsExactlyInAnyOrder("off", "on");
        for (RunResult result : results) {
            assertThat(result.getPrimaryResult().getScoreUnit()).isEqualTo("ns/op");
            assertThat(result.getPrimaryResult().getScore()).isFinite().isPositive();
            assertThat(result.getSecondaryResults().get("gc.alloc.rate.norm")).isNotNull();
        }
    }

    /**
     * The export benchmark (not part of {@code benchmarks/run}: docs/PERFORMANCE.md has its command) writes and
     * reads a real session's exports, here a 10-minute one: every method scores, with its allocation.
     */
    @Test
    @Tag("integration")
    void theExportBenchmarkWritesAndReadsARealSessionsExports() throws Exception {
        assertThat(ExportBenchmark.longSession(600).multiplayerMetrics().latency().samples()).hasSize(600);
        assertThat(ExportBenchmark.longSession(600).multiplayerMetrics().rounds()).hasSize(10);
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(ExportBenchmark.class.getName() + ".")
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .forks(0).warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .param("seconds", "600")
                .build()).run();

        assertThat(results).extracting(r -> methodName(r.getParams().getBenchmark()))
                .containsExactlyInAnyOrder("jsonWrite", "jsonRead", "csvWrite", "jsonlLine");
        for (RunResult result : results) {
            assertThat(result.getPrimaryResult().getScore()).isFinite().isPositive();
            assertThat(result.getSecondaryResults().get("gc.alloc.rate.norm")).isNotNull();
        }
    }

    /**
     * The quick report ({@code benchmarks/run} without the measurement) prints every section: a JMH row with
     * a time for each benchmark method, the JOL footprint, the scale run, the game loop on real peers, and the
     * real-peer scale run at 2 pairs (a complete row in both its tables; no number is judged).
     */
    @Test
    @Tag("integration")
    void theQuickReportHasARowInEverySection() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            PerformanceReport.main(new String[] {"--quick"});
        } finally {
            System.setOut(original);
        }
        String report = buffer.toString(StandardCharsets.UTF_8);
        original.println(report);
        String report60 = report.substring(report.indexOf("### Recording one sample"));

        for (Class<?> benchmarkClass : List.of(RecordBenchmark.class, StatsBenchmark.class)) {
            for (Method method : benchmarkClass.getDeclaredMethods()) {
                if (method.isAnnotationPresent(Benchmark.class)) {
                    // | name | <ns> ± <error> ns, <bytes> B | – | – |: a time in the window-60 column
                    assertThat(report60).as("a row for %s.%s", benchmarkClass.getSimpleName(), method.getName())
                            .containsPattern("\\| " + method.getName() + " \\| [0-9,.]+ ± [0-9,.]+ ns, [0-9,]+ B \\|");
                }
            }
        }
        assertThat(report60).containsPattern("\\| with a recording \\| [0-9,.]+ ± [0-9,.]+ ns, [0-9,]+ B \\|") // jfr
                .containsPattern("\\| without a recording \\| [0-9,.]+ ± [0-9,.]+ ns, [0-9,]+ B \\|")
                .containsPattern("\\| 600 \\| [1-9][0-9]* \\|") // JOL: bytes for a 600 window
                .containsPattern("\\| 100 \\| [0-9.]+ \\|") // the scale run with 100 telemetries
                .containsPattern("\\| off \\| [1-9][0-9]* \\|") // game-loop frames without telemetry
                .containsPattern("\\| ice \\(1 Hz\\) \\| [1-9][0-9]* \\|") // with the ICE telemetry
                .containsPattern("\\| probe \\(10 Hz\\) \\| [1-9][0-9]* \\|") // with the probe
                .containsPattern("\\| probe \\(10 Hz\\) \\| [0-9.]+× \\| [0-9.]+–[0-9.]+× \\|"); // its p99 ratio
        String n = "-?[0-9.,]+";
        String change = n + " → " + n;
        String rtt = n + " / " + n;
        String counts = "[0-9]+ / [0-9]+";
        // the real-peer scale run at 2 pairs: CPU (process, relays, webrtc, PeerPulse, JVM), heap, threads
        assertThat(report).containsPattern("\\| 2 \\| " + String.join(" \\| ", change, change, change, n, change, n,
                        change, change) + " \\|")
                // RTT (probe, relays, raw echo, relays), samples a second, gaps (none with one sample each), polls,
                // pings lost / late, ICE polls, late polls (count, p99 / max), pongs handled late, WARNINGs
                .containsPattern("\\| 2 \\| " + String.join(" \\| ", rtt, rtt, rtt, rtt, n + " \\(" + n + "\\)",
                        "(" + rtt + "|– / –)", counts + " / [0-9]+", counts, counts + " / [0-9]+", "[0-9]+, " + rtt,
                        "[0-9]+", "[0-9]+, [0-9]+ \\([0-9]+\\)") + " \\|");
    }

    private static String methodName(String benchmark) {
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    /** PeerPulse's rounding of a statistic: to whole ns first (the computation's noise), then 0.001 ms half up. */
    private static double micros(double ms) {
        return Math.floor(Math.rint(ms * 1e6) / 1000.0 + 0.5) / 1000.0;
    }
}
