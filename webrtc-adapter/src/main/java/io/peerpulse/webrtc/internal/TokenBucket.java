package io.peerpulse.webrtc.internal;

/**
 * A token bucket on the monotonic clock: {@code burst} tokens at most, refilled at {@code ratePerSecond}. The
 * probe takes one per peer ping it is about to answer, on webrtc-java's callback thread, before the message is
 * copied or handed to the probe thread: a flood of pings is dropped there, never queued. Thread-safe; allocates
 * nothing.
 */
public final class TokenBucket {

    private final long nanosPerToken;
    private final long capacityNanos;
    /** Tokens as nanoseconds of refill, so that fractions of a token are kept; at most {@link #capacityNanos}. */
    private long levelNanos;
    private long lastNanos;
    private boolean started;
    private long refused;

    /**
     * @param ratePerSecond tokens added per second, at least 1
     * @param burst         tokens the bucket holds (and starts with), at least 1
     * @throws IllegalArgumentException naming the bad value
     */
    public TokenBucket(int ratePerSecond, int burst) {
        if (ratePerSecond < 1) {
            throw new IllegalArgumentException("ratePerSecond must be >= 1: " + ratePerSecond);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be >= 1: " + burst);
        }
        this.nanosPerToken = 1_000_000_000L / ratePerSecond;
        this.capacityNanos = nanosPerToken * burst;
        this.levelNanos = capacityNanos;
    }

    /**
     * Takes a token if there is one.
     *
     * @param nowNanos the monotonic clock now ({@code System.nanoTime})
     * @return whether a token was taken; when not, the refusal is counted
     */
    public synchronized boolean tryTake(long nowNanos) {
        if (started) {
            long elapsed = nowNanos - lastNanos;
            if (elapsed > 0) {
                levelNanos = elapsed >= capacityNanos ? capacityNanos : Math.min(capacityNanos, levelNanos + elapsed);
                lastNanos = nowNanos;
            }
        } else {
            started = true;
            lastNanos = nowNanos;
        }
        if (levelNanos >= nanosPerToken) {
            levelNanos -= nanosPerToken;
            return true;
        }
        refused++;
        return false;
    }

    /** @return how many {@link #tryTake} calls found no token */
    public synchronized long refusedCount() {
        return refused;
    }
}
