package io.peerpulse.lab;

import io.peerpulse.lab.ImpairmentRelay.RateLimit;
import java.util.ArrayDeque;

/**
 * One direction's bottleneck: a link of {@link RateLimit#rateBytes()} fed by a FIFO queue of at most
 * {@link RateLimit#queueBytes()} bytes, tail drop when full. A fluid model: the link sends the queued bytes back
 * to back, so all it keeps is when it will have sent the bytes admitted at each rate. A new rate applies to the
 * packets admitted from then on: those queued keep their times, and their bytes still count in the queue as they
 * are (not as the time they still take, converted at the new rate). Pure logic on the times it is given
 * ({@link System#nanoTime()} readings in the relay); used by the relay's receiver thread only.
 */
final class Bottleneck {

    /** What {@link #admit} returns for a packet the full queue drops. */
    static final long TAIL_DROP = -1;

    /**
     * The bytes admitted and not yet sent, as runs sent back to back, oldest first: each run's end (when the link
     * will have sent it) and the rate it is sent at; one run per rate in force while they were admitted.
     */
    private final ArrayDeque<long[]> runs = new ArrayDeque<>();

    /**
     * Admits a packet of {@code size} bytes arriving at {@code nowNanos}, or drops it because the bytes still
     * waiting or in transmission plus its own would exceed the queue.
     *
     * @return the time the packet spends at the bottleneck (waiting behind earlier packets, then its own
     *         transmission at the rate), ns, {@code >= 0}; or {@link #TAIL_DROP}
     */
    long admit(long nowNanos, int size, RateLimit limit) {
        while (!runs.isEmpty() && runs.peekFirst()[0] - nowNanos <= 0) {
            runs.pollFirst();
        }
        double backlogBytes = 0;
        long from = nowNanos;
        for (long[] run : runs) {
            backlogBytes += (run[0] - from) * (double) run[1] / 1e9;
            from = run[0];
        }
        if (backlogBytes + size > limit.queueBytes()) {
            return TAIL_DROP;
        }
        long[] last = runs.peekLast();
        long backlogNanos = last == null ? 0 : last[0] - nowNanos;
        long transmitNanos = transmitNanos(size, limit.rateBytes());
        long end = nowNanos + backlogNanos + transmitNanos;
        if (last != null && last[1] == limit.rateBytes()) {
            last[0] = end;
        } else {
            runs.addLast(new long[] {end, limit.rateBytes()});
        }
        return backlogNanos + transmitNanos;
    }

    /** The time {@code size} bytes take at {@code rateBytes}, rounded up to a whole nanosecond. */
    static long transmitNanos(int size, long rateBytes) {
        return (long) Math.ceil(size * 1e9 / rateBytes);
    }
}
