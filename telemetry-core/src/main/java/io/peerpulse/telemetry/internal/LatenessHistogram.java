package io.peerpulse.telemetry.internal;

/**
 * How late a telemetry's late polls started (polls on time are only counted by the owner), in constant memory:
 * the exact maximum, and the 99th percentile from log buckets, four per doubling. Bucket 0 holds lateness up to
 * 1 ms, bucket {@code i >= 1} lateness in {@code (2^((i-1)/4), 2^(i/4)]} ms, the last everything beyond 2^24 ms.
 * A percentile is its bucket's upper edge, never more than the maximum: at most 19 % above the true value, never
 * below it. Its owner makes it at the first late poll, so that a telemetry that is never late carries none. Not
 * thread-safe: the owner locks.
 */
public final class LatenessHistogram {

    private static final int PER_DOUBLING = 4;
    private static final int LAST = 24 * PER_DOUBLING + 1;

    private final long[] counts = new long[LAST + 1];
    private long count;
    private double max;

    /**
     * Counts one late poll.
     *
     * @param lateMs how late it started, ms, above 0
     */
    public void recordLate(double lateMs) {
        counts[bucketOf(lateMs)]++;
        count++;
        if (lateMs > max) {
            max = lateMs;
        }
    }

    static int bucketOf(double lateMs) {
        if (!(lateMs > 1)) {
            return 0;
        }
        int bucket = (int) Math.ceil(Math.log(lateMs) / Math.log(2) * PER_DOUBLING - 1e-9);
        return Math.min(Math.max(bucket, 1), LAST);
    }

    /** The upper edge of bucket {@code i}, ms. */
    static double upperEdge(int bucket) {
        return Math.pow(2, bucket / (double) PER_DOUBLING);
    }

    /** @return the greatest lateness, ms */
    public double max() {
        return max;
    }

    /**
     * The lateness that 99 % of all polls did not exceed, a poll on time counting 0.
     *
     * @param allPolls every poll counted, on time or late
     * @return ms, at most 19 % above the true percentile and never above {@link #max()}; 0 when at least 99 % of
     *         the polls were on time
     */
    public double p99(long allPolls) {
        long rank = (long) Math.ceil(allPolls * 0.99);
        long seen = allPolls - count; // on time
        if (seen >= rank) {
            return 0;
        }
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return i == LAST ? max : Math.min(upperEdge(i), max);
            }
        }
        return max;
    }
}
