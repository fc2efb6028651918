package io.peerpulse.telemetry.shared;

import io.peerpulse.telemetry.internal.RttWindow;

/**
 * The latest {@code capacity} RTTs with their median, lowest and jitter, by the telemetry window's own code (the ring
 * beside a sorted copy that a {@code LatencyStats} window is computed from) and rounded by {@link Micros}: the
 * one window of PeerPulse, also for what a session judges from its recent samples (quality, a suspect source).
 * Recording allocates nothing. Not thread-safe: the owner locks.
 *
 * @since 0.1.0
 */
public final class RecentRtts {

    private final int capacity;
    private RttWindow window;

    /**
     * @param capacity how many latest RTTs count, at least 1
     * @throws IllegalArgumentException when it is below 1
     * @since 0.1.0
     */
    public RecentRtts(int capacity) {
        this.capacity = capacity;
        this.window = new RttWindow(capacity);
    }

    /**
     * Adds an RTT, evicting the oldest when full.
     *
     * @param timestamp when it was measured, in any unit of the caller's (e.g. monotonic nanoseconds); only
     *                  differences are read, by {@link #span()}
     * @param rttMs     a finite RTT
     * @throws IllegalArgumentException when the RTT is NaN or infinite
     * @since 0.1.0
     */
    public void add(long timestamp, double rttMs) {
        if (!Double.isFinite(rttMs)) {
            throw new IllegalArgumentException("rttMs must be finite, was " + rttMs);
        }
        window.add(timestamp, rttMs);
    }

    /**
     * Forgets every RTT.
     *
     * @since 0.1.0
     */
    public void clear() {
        window = new RttWindow(capacity);
    }

    /**
     * @return how many RTTs count now
     * @since 0.1.0
     */
    public int count() {
        return window.count();
    }

    /**
     * @return the median (the mean of the middle pair for an even count) rounded by {@link Micros}; NaN when
     *         empty
     * @since 0.1.0
     */
    public double median() {
        return window.count() == 0 ? Double.NaN : Micros.round(window.median());
    }

    /**
     * @return the lowest RTT, rounded by {@link Micros}; NaN when empty
     * @since 0.1.0
     */
    public double min() {
        return window.count() == 0 ? Double.NaN : Micros.round(window.min());
    }

    /**
     * @return the mean absolute difference of consecutive RTTs in arrival order, rounded by {@link Micros}; 0
     *         with fewer than two
     * @since 0.1.0
     */
    public double jitter() {
        return Micros.round(window.jitter());
    }

    /**
     * @return the newest RTT's timestamp less the oldest's, in the unit given to {@link #add}; 0 when empty
     * @since 0.1.0
     */
    public long span() {
        int count = window.count();
        return count == 0 ? 0 : window.timestampAt(count - 1) - window.timestampAt(0);
    }
}
