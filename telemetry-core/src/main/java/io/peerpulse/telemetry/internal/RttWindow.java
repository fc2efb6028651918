package io.peerpulse.telemetry.internal;

import org.jspecify.annotations.Nullable;

/**
 * The last {@code capacity} RTT samples, kept both in arrival order (a ring) and in value order
 * (a sorted copy of the values), so that recording allocates nothing and every order statistic is
 * an index read.
 *
 * <p>The evicted value is found in the sorted copy by a binary search (any equal value will do: the
 * copy holds values, not samples), the new value's place by another, and eviction plus insertion is
 * one array move. Both searches are branch-free, since their comparisons are unpredictable.
 *
 * <p>Timestamps are kept as {@code int} milliseconds after the first sample's, which halves their
 * memory; a window whose timestamps lie more than 24 days apart switches, once, to {@code long}s.
 *
 * <p>Mean, variance and jitter are kept as running sums over values shifted by a reference close to
 * the mean (no catastrophic cancellation), and recomputed exactly every {@code capacity} evictions,
 * so rounding error cannot accumulate over a long session. Not thread-safe: the owner locks.
 */
public final class RttWindow {

    private final int capacity;
    private final double[] values;
    /** Timestamps of the ring, in ms after {@link #timestampBase}; unused once {@link #wideTimestamps} exists. */
    private final int[] timestamps;
    private long timestampBase;
    /** Absolute timestamps, only for a window spanning more than an int of milliseconds. */
    private long @Nullable [] wideTimestamps;
    /** The values of the window, sorted. */
    private final double[] sorted;
    private int head;
    private int count;
    private long total;

    private double shift;
    private double shiftedSum;
    private double shiftedSquares;
    private double jitterSum;
    private int updatesSinceRefresh;

    /**
     * Creates an empty window.
     *
     * @param capacity the number of samples kept, at least 1
     */
    public RttWindow(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.capacity = capacity;
        this.values = new double[capacity];
        this.timestamps = new int[capacity];
        this.sorted = new double[capacity];
    }

    /**
     * Records a sample, evicting the oldest one when the window is full.
     *
     * @param timestamp epoch ms (the telemetry's; any unit of time for {@code shared.RecentRtts})
     * @param rttMs     a finite, non-negative value (the caller has checked plausibility)
     */
    public void add(long timestamp, double rttMs) {
        double value = rttMs + 0.0; // -0.0 becomes 0.0, so that ordering and sums agree
        if (count < capacity) {
            int slot = head + count < capacity ? head + count : head + count - capacity;
            if (count == 0) {
                shift = value;
                timestampBase = timestamp;
            } else {
                jitterSum += Math.abs(value - values[previous(slot)]);
            }
            int position = upperBound(value);
            System.arraycopy(sorted, position, sorted, position + 1, count - position);
            sorted[position] = value;
            values[slot] = value;
            storeTimestamp(slot, timestamp);
            count++;
        } else {
            int slot = head;
            double evicted = values[slot];
            if (capacity > 1) {
                jitterSum += Math.abs(value - values[previous(slot)]) - Math.abs(values[next(slot)] - evicted);
            }
            double evictedShifted = evicted - shift;
            shiftedSum -= evictedShifted;
            shiftedSquares -= evictedShifted * evictedShifted;
            int removeAt = lowerBound(evicted);
            int insertAt = upperBound(value);
            if (insertAt > removeAt) {
                System.arraycopy(sorted, removeAt + 1, sorted, removeAt, insertAt - 1 - removeAt);
                sorted[insertAt - 1] = value;
            } else {
                System.arraycopy(sorted, insertAt, sorted, insertAt + 1, removeAt - insertAt);
                sorted[insertAt] = value;
            }
            values[slot] = value;
            storeTimestamp(slot, timestamp);
            head = next(slot);
            updatesSinceRefresh++;
        }
        double shifted = value - shift;
        shiftedSum += shifted;
        shiftedSquares += shifted * shifted;
        total++;
        if (updatesSinceRefresh >= capacity) {
            refresh();
        }
    }

    /** Recomputes the running sums exactly, around the current mean. */
    private void refresh() {
        updatesSinceRefresh = 0;
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += values[i];
        }
        shift = sum / count;
        double s1 = 0;
        double s2 = 0;
        double jitter = 0;
        int slot = head;
        for (int i = 0; i < count; i++) {
            double shifted = values[slot] - shift;
            s1 += shifted;
            s2 += shifted * shifted;
            if (i > 0) {
                jitter += Math.abs(values[slot] - values[previous(slot)]);
            }
            slot = next(slot);
        }
        shiftedSum = s1;
        shiftedSquares = s2;
        jitterSum = jitter;
    }

    private void storeTimestamp(int slot, long timestamp) {
        if (wideTimestamps != null) {
            wideTimestamps[slot] = timestamp;
            return;
        }
        long offset = timestamp - timestampBase;
        if (offset == (int) offset) {
            timestamps[slot] = (int) offset;
            return;
        }
        // More than 24 days between samples of one window: keep absolute timestamps from now on.
        wideTimestamps = new long[capacity];
        for (int i = 0; i < capacity; i++) {
            wideTimestamps[i] = timestampBase + timestamps[i];
        }
        wideTimestamps[slot] = timestamp;
    }

    private int next(int slot) {
        return slot + 1 == capacity ? 0 : slot + 1;
    }

    private int previous(int slot) {
        return slot == 0 ? capacity - 1 : slot - 1;
    }

    /** First position whose value is >= {@code value}. Branch-free: the comparisons are unpredictable. */
    private int lowerBound(double value) {
        int n = count;
        if (n == 0) {
            return 0;
        }
        int base = 0;
        while (n > 1) {
            int half = n >>> 1;
            base = sorted[base + half - 1] < value ? base + half : base;
            n -= half;
        }
        return sorted[base] < value ? base + 1 : base;
    }

    /** First position whose value is > {@code value}. Branch-free, like {@link #lowerBound}. */
    private int upperBound(double value) {
        int n = count;
        if (n == 0) {
            return 0;
        }
        int base = 0;
        while (n > 1) {
            int half = n >>> 1;
            base = sorted[base + half - 1] <= value ? base + half : base;
            n -= half;
        }
        return sorted[base] <= value ? base + 1 : base;
    }

    /**
     * A sample's timestamp, as given to {@link #add}.
     *
     * @param i 0 for the oldest sample, {@code count() - 1} for the newest
     * @return its timestamp
     */
    public long timestampAt(int i) {
        int slot = head + i < capacity ? head + i : head + i - capacity;
        return wideTimestamps != null ? wideTimestamps[slot] : timestampBase + timestamps[slot];
    }

    /** @return the number of samples in the window */
    public int count() {
        return count;
    }

    /** @return the number of samples ever added */
    public long total() {
        return total;
    }

    /** @return the window's capacity */
    public int capacity() {
        return capacity;
    }

    /**
     * The value at a rank of the value order; the window must not be empty.
     *
     * @param rank 0 for the smallest, {@code count() - 1} for the largest
     * @return the value
     */
    public double valueAtRank(int rank) {
        return sorted[rank];
    }

    /** @return the smallest value; the window must not be empty */
    public double min() {
        return sorted[0];
    }

    /** @return the largest value; the window must not be empty */
    public double max() {
        return sorted[count - 1];
    }

    /** @return the median, the mean of the middle pair for an even count; the window must not be empty */
    public double median() {
        int half = count >>> 1;
        if ((count & 1) == 1) {
            return sorted[half];
        }
        return (sorted[half - 1] + sorted[half]) / 2;
    }

    /**
     * The q-quantile by linear interpolation between closest ranks (numpy's default).
     *
     * @param q in [0, 1]
     * @return the quantile; the window must not be empty
     */
    public double quantile(double q) {
        double h = q * (count - 1);
        int low = (int) h;
        double fraction = h - low;
        double a = sorted[low];
        if (fraction == 0 || low + 1 >= count) {
            return a;
        }
        return Quantiles.lerp(a, sorted[low + 1], fraction);
    }

    /** @return the arithmetic mean, within [min, max]; the window must not be empty */
    public double mean() {
        double mean = shift + shiftedSum / count;
        return Math.min(max(), Math.max(min(), mean));
    }

    /** @return the population standard deviation; the window must not be empty */
    public double stdDev() {
        if (count < 2) {
            return 0;
        }
        double variance = (shiftedSquares - shiftedSum * shiftedSum / count) / count;
        return variance > 0 ? Math.sqrt(variance) : 0;
    }

    /** @return the mean absolute difference of consecutive samples, 0 with fewer than two */
    public double jitter() {
        return count < 2 || jitterSum <= 0 ? 0 : jitterSum / (count - 1);
    }

    /**
     * The samples of the window, oldest first, as an unmodifiable list independent of later changes:
     * one copy of the arrays, no record made until one is read.
     *
     * @return the samples, empty when the window is
     */
    public SampleList snapshot() {
        // The ring is two runs, head..end then 0..; each array is copied as it is stored.
        int first = Math.min(count, capacity - head);
        int second = count - first;
        double[] valuesOut = new double[count];
        System.arraycopy(values, head, valuesOut, 0, first);
        System.arraycopy(values, 0, valuesOut, first, second);
        if (wideTimestamps != null) {
            long[] timestampsOut = new long[count];
            System.arraycopy(wideTimestamps, head, timestampsOut, 0, first);
            System.arraycopy(wideTimestamps, 0, timestampsOut, first, second);
            return SampleList.wrap(timestampsOut, valuesOut);
        }
        int[] offsetsOut = new int[count];
        System.arraycopy(timestamps, head, offsetsOut, 0, first);
        System.arraycopy(timestamps, 0, offsetsOut, first, second);
        return SampleList.wrap(timestampBase, offsetsOut, valuesOut);
    }
}
