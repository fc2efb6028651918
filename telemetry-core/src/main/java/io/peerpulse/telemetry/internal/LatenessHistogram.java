package io.peerpulse.telemetry.internal;

/**
 * How late a telemetry's polls started, in constant memory (131 counts): exact count and maximum, and the
 * 99th percentile from log buckets, four per doubling. Bucket 0 holds the polls that started on time (lateness
 * 0: within the late threshold); bucket {@code i >= 1} holds lateness in {@code (2^((i-2)/4), 2^((i-1)/4)]} ms,
 * the first from 0 to 1 ms, the last everything beyond 2^32 ms. A percentile is its bucket's upper edge, never
 * more than the maximum: at most 19 % above the true value, never below it. Not thread-safe: the owner locks.
 */
public final class LatenessHistogram {

    private static final int PER_DOUBLING = 4;
    private static final int BUCKETS = 2 + 32 * PER_DOUBLING;

    private final long[] counts = new long[BUCKETS + 1];
    private long count;
    private double max;

    /**
     * Counts one poll.
     *
     * @param lateMs how late it started, ms; 0 for a poll on time
     */
    public void record(double lateMs) {
        counts[bucketOf(lateMs)]++;
        count++;
        if (lateMs > max) {
            max = lateMs;
        }
    }

    static int bucketOf(double lateMs) {
        if (!(lateMs > 0)) {
            return 0;
        }
        if (lateMs <= 1) {
            return 1;
        }
        int bucket = 2 + (int) Math.ceil(Math.log(lateMs) / Math.log(2) * PER_DOUBLING - 1e-9) - 1;
        return Math.min(Math.max(bucket, 2), BUCKETS);
    }

    /** The upper edge of bucket {@code i}, ms. */
    static double upperEdge(int bucket) {
        return bucket == 0 ? 0 : Math.pow(2, (bucket - 1) / (double) PER_DOUBLING);
    }

    /** @return the polls counted */
    public long count() {
        return count;
    }

    /** @return the greatest lateness, ms; 0 when none was late */
    public double max() {
        return max;
    }

    /**
     * The lateness that 99 % of the polls did not exceed.
     *
     * @return ms, at most 19 % above the true percentile and never above {@link #max()}; 0 before any poll or
     *         when at least 99 % started on time
     */
    public double p99() {
        if (count == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(count * 0.99);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return i == BUCKETS ? max : Math.min(upperEdge(i), max);
            }
        }
        return max;
    }
}
