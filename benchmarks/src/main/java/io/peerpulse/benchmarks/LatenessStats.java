package io.peerpulse.benchmarks;

import java.util.Arrays;
import java.util.Random;

/**
 * Percentiles of frame lateness (nanoseconds) and a paired bootstrap of the ratio of two conditions'
 * percentiles, for {@link GameLoopRun}. Percentiles are nearest-rank: the smallest value with at least
 * {@code p} of the values at or below it ({@code p = 1} is the maximum).
 */
final class LatenessStats {

    private LatenessStats() {
    }

    /**
     * A ratio with its confidence interval.
     *
     * @param estimate the ratio over all rounds
     * @param low      lower bound of the interval
     * @param high     upper bound of the interval
     */
    record Ratio(double estimate, double low, double high) {
    }

    /**
     * @param nanos the values; not modified
     * @param p     the percentile as a fraction in (0, 1]
     * @return the nearest-rank {@code p} percentile of {@code nanos}
     * @throws IllegalArgumentException when {@code nanos} is empty or {@code p} is outside (0, 1]
     */
    static long percentile(long[] nanos, double p) {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("no values to take a percentile of");
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return percentileOfSorted(sorted, p);
    }

    /**
     * @param blocks blocks of values, pooled as if they were one array
     * @param p      the percentile as a fraction in (0, 1]
     * @return the nearest-rank {@code p} percentile of all values of all blocks
     * @throws IllegalArgumentException when there is no value or {@code p} is outside (0, 1]
     */
    static long pooledPercentile(long[][] blocks, double p) {
        return percentile(pooled(blocks), p);
    }

    /**
     * @param blocks blocks of values
     * @return all values of all blocks in one new array, in block order
     */
    static long[] pooled(long[][] blocks) {
        long[] pooled = new long[Arrays.stream(blocks).mapToInt(block -> block.length).sum()];
        int at = 0;
        for (long[] block : blocks) {
            System.arraycopy(block, 0, pooled, at, block.length);
            at += block.length;
        }
        return pooled;
    }

    /**
     * @param sorted values in ascending order, at least one
     * @param p      the percentile as a fraction in (0, 1]
     * @return the nearest-rank {@code p} percentile, without copying or sorting
     * @throws IllegalArgumentException when {@code p} is outside (0, 1]
     */
    static long percentileOfSorted(long[] sorted, double p) {
        return sorted[rank(sorted.length, p)];
    }

    /**
     * The ratio of {@code treated}'s pooled {@code p} percentile to {@code baseline}'s, with a 95 % percentile
     * bootstrap interval. Each resample draws as many rounds as there are, with replacement, and takes the
     * ratio over the blocks of the drawn rounds in both conditions (paired: drift between rounds affects
     * numerator and denominator alike).
     *
     * @param treated   one block per round
     * @param baseline  one block per round, round {@code i} measured alongside {@code treated[i]}
     * @param p         the percentile as a fraction in (0, 1]
     * @param resamples how many bootstrap resamples
     * @param seed      seed of the resampling
     * @return the ratio over all rounds and its interval
     * @throws IllegalArgumentException when there are no rounds, the round counts differ, a condition has no
     *                                  value, {@code resamples < 1} or {@code p} is outside (0, 1]
     */
    static Ratio pairedBootstrapRatio(long[][] treated, long[][] baseline, double p, int resamples, long seed) {
        if (treated.length == 0 || treated.length != baseline.length) {
            throw new IllegalArgumentException("need the same number of rounds, at least one, in both conditions: "
                    + treated.length + " and " + baseline.length);
        }
        if (resamples < 1) {
            throw new IllegalArgumentException("resamples must be >= 1: " + resamples);
        }
        int rounds = treated.length;
        long[][] drawnTreated = new long[rounds][];
        long[][] drawnBaseline = new long[rounds][];
        double[] ratios = new double[resamples];
        Random random = new Random(seed);
        for (int r = 0; r < resamples; r++) {
            for (int i = 0; i < rounds; i++) {
                int round = random.nextInt(rounds);
                drawnTreated[i] = treated[round];
                drawnBaseline[i] = baseline[round];
            }
            ratios[r] = ratio(drawnTreated, drawnBaseline, p);
        }
        Arrays.sort(ratios);
        return new Ratio(ratio(treated, baseline, p), ratios[rank(resamples, 0.025)], ratios[rank(resamples, 0.975)]);
    }

    private static double ratio(long[][] treated, long[][] baseline, double p) {
        return (double) pooledPercentile(treated, p) / pooledPercentile(baseline, p);
    }

    /** Index of the nearest-rank {@code p} percentile in a sorted array of {@code n} values. */
    private static int rank(int n, double p) {
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("p must be in (0, 1]: " + p);
        }
        return Math.max(0, (int) Math.ceil(n * p) - 1);
    }
}
