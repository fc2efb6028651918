package io.peerpulse.session.core;

import io.peerpulse.telemetry.shared.Micros;

import java.util.Arrays;

/**
 * The median of the last {@code capacity} values, updated per value in {@code O(capacity)} without
 * allocating: a ring in arrival order beside the same values kept sorted. The median is the middle value,
 * or the mean of the two middle values ({@code (a + b) / 2}) when the count is even, rounded once to
 * 0.001 ms, as the telemetry's window computes it. Not thread-safe.
 */
final class MedianRing {

    private final double[] ring;
    private final double[] sorted;
    private int count;
    private int next;

    /** @param capacity how many latest values count, at least 1 */
    MedianRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.ring = new double[capacity];
        this.sorted = new double[capacity];
    }

    /**
     * Adds a value, evicting the oldest when full.
     *
     * @param value a finite value
     * @throws IllegalArgumentException when the value is NaN or infinite
     */
    void add(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value must be finite, was " + value);
        }
        if (count == ring.length) {
            remove(ring[next]);
        }
        value += 0.0; // -0.0 is 0.0
        ring[next] = value;
        next = (next + 1) % ring.length;
        int at = Arrays.binarySearch(sorted, 0, count, value);
        int index = at >= 0 ? at : -at - 1;
        System.arraycopy(sorted, index, sorted, index + 1, count - index);
        sorted[index] = value;
        count++;
    }

    private void remove(double value) {
        int index = Arrays.binarySearch(sorted, 0, count, value);
        System.arraycopy(sorted, index + 1, sorted, index, count - index - 1);
        count--;
    }

    /** Forgets every value. */
    void clear() {
        count = 0;
        next = 0;
    }

    /**
     * @param i from 0 to {@code count() - 1}
     * @return the {@code i}-th of the values that count, oldest first
     */
    double valueAt(int i) {
        int oldest = count < ring.length ? 0 : next;
        return ring[(oldest + i) % ring.length];
    }

    /** @return how many values count now */
    int count() {
        return count;
    }

    /** @return the median of the values that count, NaN when there is none */
    double median() {
        if (count == 0) {
            return Double.NaN;
        }
        int half = count >>> 1;
        return Micros.round((count & 1) == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2);
    }
}
