package io.peerpulse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.testkit.SampleReports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code peerpulse report} of a 1,000,000-sample session: the export (about 400 MB of JSON, written by the
 * JSON exporter's own writer) is read and drawn in a child JVM limited to {@code -Xmx512m}, and the page's
 * size does not grow with the sample count (it is about that of a 10,000-sample session's page). The files
 * are written once, into {@code target/big-report}, for the whole class. How long the child takes is printed,
 * not asserted (docs/PERFORMANCE.md records it).
 */
@Tag("integration")
class BigSessionReportTest {

    private static final long T0 = 1_767_225_600_000L;
    /** Only a guard against a hung child: no assertion is made on how long a report takes. */
    private static final long HANG_GUARD_MINUTES = 10;

    private static final Path WORK = Path.of(System.getProperty("user.dir"), "target", "big-report");
    private static Path million;
    private static Path tenThousand;

    @BeforeAll
    static void writeExports() throws IOException {
        Files.createDirectories(WORK);
        million = export("million", 1_000_000);
        tenThousand = export("ten-thousand", 10_000);
    }

    /** A full report (rounds, gaps, probe, secondary) whose three windows hold {@code count} samples, 10 per second. */
    private static Path export(String name, int count) throws IOException {
        Path file = WORK.resolve(name + ".json");
        Files.deleteIfExists(file);
        List<RttSample> samples = new ArrayList<>(count);
        double min = Double.MAX_VALUE;
        double max = 0;
        for (int i = 0; i < count; i++) {
            double rtt = 20 + (i * 7919L % 1000) / 8.0 + (i % 50_000 == 0 ? 400 : 0); // a few spikes
            samples.add(SampleReports.record(RttSample.class, "timestampEpochMs", T0 + i * 100L, "rttMs", rtt));
            min = Math.min(min, rtt);
            max = Math.max(max, rtt);
        }
        LatencyStats stats = SampleReports.record(LatencyStats.class, "sampleCount", count, "minMs", min, "maxMs", max,
                "meanMs", 82.0, "medianMs", 82.0, "p95Ms", 140.0, "p99Ms", 150.0, "stdDevMs", 36.0, "jitterMs", 40.0,
                "totalSampleCount", (long) count, "samples", samples);
        long end = T0 + count * 100L;
        SessionReport report = SampleReports.with(SampleReports.full(name),
                "sessionMetrics.startEpochMs", T0, "sessionMetrics.endEpochMs", end,
                "sessionMetrics.durationMs", end - T0,
                "sessionMetrics.latency", stats, "validationData.latency", stats, "multiplayerMetrics.latency", stats);
        try (var out = Files.newOutputStream(file)) {
            SessionReportJson.write(report, new java.io.BufferedOutputStream(out, 1 << 16));
        }
        return file;
    }

    @Test
    void aMillionSampleExportIsDrawnUnder512MbOnAPageNoLargerThanTenThousandSamplesMake() throws Exception {
        assertThat(Files.size(million)).as("the export").isGreaterThan(300L * 1000 * 1000);

        Child big = report(million);
        Child small = report(tenThousand);

        assertThat(big.exitCode()).as(big.output()).isZero();
        assertThat(small.exitCode()).as(small.output()).isZero();
        long bigPage = Files.size(big.page());
        long smallPage = Files.size(small.page());
        // both are drawn per pixel column: at most four points a column, whatever the count
        assertThat(bigPage).as("the page of 1,000,000 samples").isLessThan(smallPage + smallPage / 2)
                .isLessThan(300_000);
        String html = Files.readString(big.page());
        assertThat(html).contains("1000000 samples, drawn per pixel column");
        assertThat(html.split("<circle ", -1)).as("the lowest and the highest sample").hasSize(3);
        System.out.printf("report of a %d-byte export (1,000,000 samples) under -Xmx512m: %d ms, page %d bytes "
                + "(10,000 samples: %d ms, page %d bytes)%n", Files.size(million), big.tookMs(), bigPage,
                small.tookMs(), smallPage);
    }

    private record Child(int exitCode, String output, Path page, long tookMs) {
    }

    /** Runs {@code peerpulse report} on {@code export} in a child JVM with {@code -Xmx512m}. */
    private static Child report(Path export) throws Exception {
        Path page = WORK.resolve(export.getFileName() + ".html");
        Files.deleteIfExists(page);
        Path log = WORK.resolve(export.getFileName() + ".log");
        List<String> command = List.of(ChildJava.java(),
                "-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "-cp", ChildJava.classPath(), Main.class.getName(), "report",
                export.toString(), "--out", page.toString());
        // the command, to measure it by hand (docs/PERFORMANCE.md)
        Files.writeString(WORK.resolve(export.getFileName() + ".command"), String.join(" ", command) + "\n");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove(StandardOutput.ENV);
        long begin = System.nanoTime();
        Process child = builder.start();
        boolean exited = child.waitFor(HANG_GUARD_MINUTES, TimeUnit.MINUTES);
        long tookMs = (System.nanoTime() - begin) / 1_000_000;
        if (!exited) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        return new Child(exited ? child.exitValue() : -1, Files.readString(log), page, tookMs);
    }
}
