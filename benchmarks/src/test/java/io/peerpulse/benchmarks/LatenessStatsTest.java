package io.peerpulse.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.benchmarks.LatenessStats.Ratio;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The statistics of {@link GameLoopRun}, on data whose answers are known. */
class LatenessStatsTest {

    /** 1..n in a scrambled order. */
    private static long[] oneTo(int n) {
        long[] values = LongStream.rangeClosed(1, n).toArray();
        Random random = new Random(7);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
        return values;
    }

    /**
     * Rounds whose levels differ tenfold from one to the next, as a drifting machine's would; each value of
     * round {@code r} is {@code scale × level(r) × (1 + noise)}.
     */
    private static long[][] driftingRounds(int rounds, int perRound, double scale, long seed) {
        Random random = new Random(seed);
        long[][] blocks = new long[rounds][perRound];
        for (int r = 0; r < rounds; r++) {
            long level = r % 2 == 0 ? 100_000 : 1_000_000;
            for (int i = 0; i < perRound; i++) {
                blocks[r][i] = Math.round(scale * level * (1 + random.nextDouble()));
            }
        }
        return blocks;
    }

    @Test
    void percentilesOfKnownDataAreTheirNearestRanks() {
        long[] values = oneTo(1000);
        long[] before = values.clone();

        assertThat(LatenessStats.percentile(values, 0.5)).isEqualTo(500);
        assertThat(LatenessStats.percentile(values, 0.99)).isEqualTo(990);
        assertThat(LatenessStats.percentile(values, 0.999)).isEqualTo(999);
        assertThat(LatenessStats.percentile(values, 1)).isEqualTo(1000);
        assertThat(LatenessStats.percentile(values, 0.0001)).isEqualTo(1);
        assertThat(LatenessStats.percentile(oneTo(100), 0.99)).isEqualTo(99);
        // between ranks: the next rank up (10 × 0.99 = 9.9 → the 10th, 10 × 0.25 = 2.5 → the 3rd)
        assertThat(LatenessStats.percentile(oneTo(10), 0.99)).isEqualTo(10);
        assertThat(LatenessStats.percentile(oneTo(10), 0.25)).isEqualTo(3);
        assertThat(LatenessStats.percentile(new long[] {42}, 0.99)).isEqualTo(42);
        assertThat(values).as("the input is not sorted in place").isEqualTo(before);
    }

    @Test
    void aPooledPercentileIsThePercentileOfAllBlocksTogether() {
        long[] all = oneTo(1000);
        long[][] blocks = {
            Arrays.copyOfRange(all, 0, 100),
            Arrays.copyOfRange(all, 100, 700),
            Arrays.copyOfRange(all, 700, 1000)};

        for (double p : new double[] {0.5, 0.99, 0.999, 1}) {
            assertThat(LatenessStats.pooledPercentile(blocks, p)).as("p = %s", p)
                    .isEqualTo(LatenessStats.percentile(all, p));
        }
    }

    @Test
    void theIntervalHoldsTheEstimateAndIsTheSameForTheSameSeed() {
        long[][] baseline = driftingRounds(20, 100, 1, 1);
        long[][] treated = driftingRounds(20, 100, 1.3, 2);

        Ratio ratio = LatenessStats.pairedBootstrapRatio(treated, baseline, 0.99, 2000, 5);

        assertThat(ratio.estimate()).isEqualTo((double) LatenessStats.pooledPercentile(treated, 0.99)
                / LatenessStats.pooledPercentile(baseline, 0.99));
        assertThat(ratio.low()).isLessThanOrEqualTo(ratio.estimate()).isGreaterThan(1);
        assertThat(ratio.high()).isGreaterThanOrEqualTo(ratio.estimate()).isGreaterThan(ratio.low());
        assertThat(LatenessStats.pairedBootstrapRatio(treated, baseline, 0.99, 2000, 5)).isEqualTo(ratio);
        assertThat(LatenessStats.pairedBootstrapRatio(treated, baseline, 0.99, 2000, 6)).isNotEqualTo(ratio);
    }

    /** Resampling pairs the rounds: unpaired, the tenfold drift between rounds would widen the interval. */
    @Test
    void identicalConditionsGiveOneWithAnIntervalOfOne() {
        long[][] baseline = driftingRounds(20, 100, 1, 1);
        long[][] same = driftingRounds(20, 100, 1, 1);

        assertThat(LatenessStats.pairedBootstrapRatio(same, baseline, 0.99, 2000, 5))
                .isEqualTo(new Ratio(1, 1, 1));
    }

    @Test
    void emptyOrMismatchedInputIsRefused() {
        assertThatThrownBy(() -> LatenessStats.percentile(new long[0], 0.99))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no values");
        assertThatThrownBy(() -> LatenessStats.pooledPercentile(new long[][] {{}, {}}, 0.99))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no values");
        assertThatThrownBy(() -> LatenessStats.percentile(new long[] {1}, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p must be in (0, 1]: 0.0");
        assertThatThrownBy(() -> LatenessStats.pairedBootstrapRatio(new long[0][], new long[0][], 0.99, 2000, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 and 0");
        assertThatThrownBy(() -> LatenessStats.pairedBootstrapRatio(new long[][] {{1}}, new long[][] {{1}, {2}},
                0.99, 2000, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 and 2");
        assertThatThrownBy(() -> LatenessStats.pairedBootstrapRatio(new long[][] {{1}}, new long[][] {{1}}, 0.99, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resamples must be >= 1: 0");
    }
}
