package io.peerpulse.webrtc.internal;

import io.peerpulse.webrtc.ClockOffset;
import java.util.Optional;

/**
 * NTP-style clock offset from the lowest-delay exchange among the most recent ones. Times are
 * nanoseconds on each side's own wall-clock timeline. Not thread-safe: the engine guards it.
 */
public final class ClockOffsetEstimator {

    /** t2 travels as whole microseconds: it may be up to 1 µs early, and so may the offset. */
    static final long WIRE_RESOLUTION_NANOS = 1_000;

    private final long[] offsets;
    private final long[] delays;
    private final long[] endedEpochMs;
    private final boolean[] capped;
    private int next;
    private int size;

    /** @param window how many recent exchanges to keep, at least 1 */
    public ClockOffsetEstimator(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1: " + window);
        }
        offsets = new long[window];
        delays = new long[window];
        endedEpochMs = new long[window];
        capped = new boolean[window];
    }

    /**
     * Adds one exchange.
     *
     * @param t1 our send time, our wall clock, ns
     * @param t2 the peer's receive time, its wall clock, ns
     * @param t3 the peer's send time, its wall clock, ns
     * @param t4 our receive time, our wall clock, ns
     */
    public void add(long t1, long t2, long t3, long t4) {
        add(t1, t2, t3, t4, false);
    }

    /**
     * Adds one exchange, noting whether the peer's claimed hold time was capped (t3 then uses the cap):
     * an estimate chosen from such an exchange is not verified.
     *
     * @param t1         our send time, our wall clock, ns
     * @param t2         the peer's receive time, its wall clock, ns
     * @param t3         the peer's send time, its wall clock, ns (t2 plus the hold subtracted)
     * @param t4         our receive time, our wall clock, ns
     * @param holdCapped whether the peer claimed a longer hold than the trusted bound
     */
    public void add(long t1, long t2, long t3, long t4, boolean holdCapped) {
        long delay = (t4 - t1) - (t3 - t2);
        // (a + b) / 2 without overflow for epoch nanoseconds far apart
        long a = t2 - t1;
        long b = t3 - t4;
        long offset = (a >> 1) + (b >> 1) + (a & b & 1);
        offsets[next] = offset;
        delays[next] = Math.max(delay, 0);
        endedEpochMs[next] = Math.floorDiv(t4, 1_000_000);
        capped[next] = holdCapped;
        next = (next + 1) % offsets.length;
        size = Math.min(size + 1, offsets.length);
    }

    /** @return the estimate, or empty before the first exchange */
    public Optional<ClockOffset> estimate() {
        if (size == 0) {
            return Optional.empty();
        }
        int best = -1;
        for (int i = 0; i < size; i++) {
            // ties: the most recent wins
            int index = Math.floorMod(next - 1 - i, offsets.length);
            if (best < 0 || delays[index] < delays[best]) {
                best = index;
            }
        }
        long delay = delays[best];
        return Optional.of(new ClockOffset(millis(offsets[best]), millisUp(delay / 2 + delay % 2 + WIRE_RESOLUTION_NANOS),
                millis(delay), endedEpochMs[best], size, !capped[best]));
    }

    /** A bound: rounded up to the microsecond, so that rounding never makes it tighter. */
    static double millisUp(long nanos) {
        return -Math.floorDiv(-nanos, 1_000) / 1000.0;
    }

    /** Nanoseconds to milliseconds rounded to the microsecond, without floating-point noise. */
    public static double millis(long nanos) {
        return Math.floorDiv(nanos + 500, 1_000) / 1000.0;
    }
}
