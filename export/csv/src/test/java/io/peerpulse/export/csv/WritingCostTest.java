package io.peerpulse.export.csv;

import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SampleReports;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A row per sample, its numbers written as digits: what the {@code rtt_ms} cell holds, and what a row costs. */
@ExtendWith(LogCapture.class) // the session that makes the report logs the faults it is given
class WritingCostTest {

    private static final long T0 = 1_767_225_600_000L;

    /** The report of {@link SampleReports#full} with its three windows holding {@code rtts}, a second apart. */
    private static SessionReport report(double[] rtts) {
        List<RttSample> samples = new ArrayList<>(rtts.length);
        for (int i = 0; i < rtts.length; i++) {
            samples.add(sample(T0 + i * 1000L, rtts[i]));
        }
        LatencyStats stats = SampleReports.record(LatencyStats.class, "sampleCount", rtts.length, "minMs", 0.0,
                "maxMs", 1.0, "meanMs", 0.5, "medianMs", 0.5, "p95Ms", 1.0, "p99Ms", 1.0,
                "totalSampleCount", (long) rtts.length, "samples", samples);
        return SampleReports.with(SampleReports.full("cost"), "sessionMetrics.latency", stats,
                "validationData.latency", stats, "multiplayerMetrics.latency", stats);
    }

    @Test
    void rttMsIsWhatBigDecimalToPlainStringWrites() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        List<Double> values = new ArrayList<>(List.of(0.0, 0.001, 0.000999, 0.0009999999999999998, 1e-3 + 1e-18,
                9_999_999.999999998, 1e7, 1.0e7 + 1, 40.0, 0.1 + 0.2, Double.MIN_VALUE, 1e300, Double.MAX_VALUE));
        for (int i = 0; i < 20_000; i++) {
            values.add(Math.pow(10, random.nextDouble(-8, 12)) * random.nextDouble());
        }
        double[] rtts = values.stream().mapToDouble(Double::doubleValue).toArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SessionReportCsv.write(report(rtts), out);

        List<List<String>> rows = Csv.parse(out.toString(StandardCharsets.UTF_8));
        assertThat(rows).hasSize(rtts.length + 1);
        for (int i = 0; i < rtts.length; i++) {
            assertThat(rows.get(i + 1).get(4)).as("rtt %s", rtts[i]).isEqualTo(BigDecimal.valueOf(rtts[i]).toPlainString());
        }
    }

    /** The rule of every number cell, the summary table's too: the same digits as {@code rtt_ms}, empty for none. */
    @Test
    void aNumberCellIsAPlainDecimalAndEmptyWhenNotFinite() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 20_000; i++) {
            double value = Math.pow(10, random.nextDouble(-8, 12)) * random.nextDouble();
            assertThat(SessionReportCsv.number(value)).as("%s", value)
                    .isEqualTo(BigDecimal.valueOf(value).toPlainString());
        }
        assertThat(SessionReportCsv.number(0.0005)).isEqualTo("0.00050");
        assertThat(SessionReportCsv.number(1e7)).isEqualTo("10000000");
        assertThat(SessionReportCsv.number(-2.5)).isEqualTo("-2.5");
        assertThat(SessionReportCsv.number(Double.NaN)).isEmpty();
        assertThat(SessionReportCsv.number(Double.POSITIVE_INFINITY)).isEmpty();
        assertThat(SessionReportCsv.number(Double.NEGATIVE_INFINITY)).isEmpty();
    }

    /**
     * Counted in bytes by the JVM, not timed: each row was four strings and a {@code BigDecimal} with its text
     * (516 B a row in the test JVM, JDK 17, C1), now the row's own builder, reused; what remains is the
     * sample record the window's list makes when read and the row's {@code OptionalLong} (56 B).
     */
    @Test
    void aRowMakesNoStringPerNumber() throws Exception {
        int count = 50_000;
        double[] rtts = new double[count];
        for (int i = 0; i < count; i++) {
            rtts[i] = 20 + (i * 7919L % 100_000) / 997.0;
        }
        SessionReport report = report(rtts);
        OutputStream discard = OutputStream.nullOutputStream();
        SessionReportCsv.write(report, discard); // warms up
        long before = allocatedBytes();
        SessionReportCsv.write(report, discard);
        long perRow = (allocatedBytes() - before) / count;
        assertThat(perRow).as("bytes per row").isLessThan(150);
    }

    private static long allocatedBytes() throws ReflectiveOperationException {
        // java.management through reflection, as telemetry-core's AllocationTest
        Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getThreadAllocatedBytes", long.class);
        return (long) allocated.invoke(threads, Thread.currentThread().getId());
    }
}
