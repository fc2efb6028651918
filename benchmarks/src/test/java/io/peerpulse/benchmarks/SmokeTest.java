package io.peerpulse.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.LatencyTelemetry;
import org.junit.jupiter.api.Test;

/** Proves the benchmarks start and measure what they claim; the real runs are not part of the tests. */
class SmokeTest {

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
        assertThat(stats[2]).isCloseTo(summary.meanMs(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(stats[3]).isEqualTo(summary.medianMs());
        assertThat(stats[4]).isCloseTo(summary.p95Ms(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(stats[5]).isCloseTo(summary.p99Ms(), org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void aTelemetryWithAFull600WindowTakesAtMost16Kilobytes() {
        // measured by JOL, not timed: the footprint is a property of the data structure
        assertThat(MemoryFootprint.bytesPerTelemetry(600)).isLessThanOrEqualTo(16 * 1024);
    }

    @Test
    void everyBenchmarkStarts() throws Exception {
        PerformanceReport.main(new String[] {"--quick"});
    }
}
