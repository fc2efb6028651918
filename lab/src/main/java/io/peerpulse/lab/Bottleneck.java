package io.peerpulse.lab;

import io.peerpulse.lab.ImpairmentRelay.RateLimit;

/**
 * One direction's bottleneck: a link of {@link RateLimit#rateBytes()} fed by a FIFO queue of at most
 * {@link RateLimit#queueBytes()} bytes, tail drop when full. A fluid model: the link sends the queued bytes back
 * to back, so all it keeps is when it will have sent everything admitted so far. Pure logic on the times it is
 * given ({@link System#nanoTime()} readings in the relay); used by the relay's receiver thread only.
 */
final class Bottleneck {

    /** What {@link #admit} returns for a packet the full queue drops. */
    static final long TAIL_DROP = -1;

    /** When the link has sent every byte admitted so far; meaningful only while {@code busy}. */
    private long freeAtNanos;
    private boolean busy;

    /**
     * Admits a packet of {@code size} bytes arriving at {@code nowNanos}, or drops it because the bytes still
     * waiting or in transmission plus its own would exceed the queue.
     *
     * @return the time the packet spends at the bottleneck (waiting behind earlier packets, then its own
     *         transmission at the rate), ns, {@code >= 0}; or {@link #TAIL_DROP}
     */
    long admit(long nowNanos, int size, RateLimit limit) {
        long backlogNanos = busy ? Math.max(0, freeAtNanos - nowNanos) : 0;
        double backlogBytes = backlogNanos * (double) limit.rateBytes() / 1e9;
        if (backlogBytes + size > limit.queueBytes()) {
            return TAIL_DROP;
        }
        long transmitNanos = transmitNanos(size, limit.rateBytes());
        freeAtNanos = nowNanos + backlogNanos + transmitNanos;
        busy = true;
        return backlogNanos + transmitNanos;
    }

    /** The time {@code size} bytes take at {@code rateBytes}, rounded up to a whole nanosecond. */
    static long transmitNanos(int size, long rateBytes) {
        return (long) Math.ceil(size * 1e9 / rateBytes);
    }
}
