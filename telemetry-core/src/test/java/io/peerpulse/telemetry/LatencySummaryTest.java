package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.telemetry.fixtures.Records;
import org.junit.jupiter.api.Test;

/**
 * Expected values computed with numpy 2.4 (np.median, np.percentile, np.std, mean |np.diff|), rounded once to
 * 0.001 ms as every statistic but the minimum and maximum is.
 */
class LatencySummaryTest {

    @Test
    void oddCountMatchesNumpy() {
        LatencySummary s = LatencySummary.of(new double[] {10, 20, 30, 40, 100}, 5);
        assertThat(s.sampleCount()).isEqualTo(5);
        assertThat(s.totalSampleCount()).isEqualTo(5);
        assertThat(s.minMs()).isEqualTo(10);
        assertThat(s.maxMs()).isEqualTo(100);
        assertThat(s.meanMs()).isCloseTo(40, within(1e-12));
        assertThat(s.medianMs()).isEqualTo(30);
        assertThat(s.p95Ms()).isCloseTo(88, within(1e-12));
        assertThat(s.p99Ms()).isCloseTo(97.6, within(1e-12));
        assertThat(s.stdDevMs()).isEqualTo(31.623); // numpy: 31.622776601683793
        assertThat(s.jitterMs()).isCloseTo(22.5, within(1e-12));
    }

    @Test
    void evenCountTakesTheMeanOfTheMiddlePairAndJitterFollowsArrivalOrder() {
        LatencySummary s = LatencySummary.of(new double[] {151, 100, 300, 150, 299.9, 120, 300.1, 150}, 8);
        assertThat(s.medianMs()).isEqualTo(150.5);
        assertThat(s.meanMs()).isCloseTo(196.375, within(1e-12));
        assertThat(s.p95Ms()).isCloseTo(300.065, within(1e-12));
        assertThat(s.p99Ms()).isCloseTo(300.093, within(1e-12));
        assertThat(s.stdDevMs()).isEqualTo(81.927); // numpy: 81.92671649102019
        // arrival order: |100-151| + |300-100| + |150-300| + |299.9-150| + |120-299.9| + |300.1-120| + |150-300.1|
        assertThat(s.jitterMs()).isEqualTo(151.571); // (51 + 200 + 150 + 149.9 + 179.9 + 180.1 + 150.1) / 7
    }

    @Test
    void oneValueAndOnlyTheFirstCountValuesAreRead() {
        LatencySummary s = LatencySummary.of(new double[] {5.5, 999, 999}, 1);
        assertThat(s).isEqualTo(Records.record(LatencySummary.class, "sampleCount", 1, "minMs", 5.5, "maxMs", 5.5,
                "meanMs", 5.5, "medianMs", 5.5, "p95Ms", 5.5, "p99Ms", 5.5, "totalSampleCount", 1));
    }

    @Test
    void medianOfUnsortedValuesLeavesThemAlone() {
        double[] values = {83, 80, 82, 81};
        assertThat(LatencySummary.of(values, 4).medianMs()).isEqualTo(81.5);
        assertThat(values).containsExactly(83, 80, 82, 81);
    }

    @Test
    void badInputIsNamed() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LatencySummary.of(new double[] {1}, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("count");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LatencySummary.of(new double[] {1}, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("count");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LatencySummary.of(new double[] {1, Double.NaN}, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rttMs[1]");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LatencySummary.of(new double[] {-1}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rttMs[0]");
    }
}
