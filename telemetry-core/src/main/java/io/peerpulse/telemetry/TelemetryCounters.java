package io.peerpulse.telemetry;

/**
 * How every poll of a telemetry ended, counted since it was created.
 *
 * <p>{@code polls == measured + stale + unavailable + failed + rejected + skipped} holds in every
 * snapshot. A poll is counted when it ends; a read still in flight when the telemetry stops is
 * abandoned and never counted.
 *
 * @param polls       every poll that ended
 * @param measured    a new RTT was recorded
 * @param stale       connected, but no new measurement since the previous poll
 * @param unavailable not connected, no selected path, or closed
 * @param failed      the source threw, completed exceptionally, answered {@code null}, or did not
 *                    answer within the read timeout
 * @param rejected    the source answered a value that is not a plausible RTT (NaN, infinite,
 *                    negative, above 60,000 ms): never stored
 * @param skipped     a poll fell due while the previous read was still in flight
 * @since 0.1.0
 */
public record TelemetryCounters(long polls, long measured, long stale, long unavailable,
                                long failed, long rejected, long skipped) {

    /** Counters of a telemetry that has not polled yet. */
    public static final TelemetryCounters ZERO = new TelemetryCounters(0, 0, 0, 0, 0, 0, 0);

    /**
     * Checks that every count is non-negative and that {@code polls} is their sum.
     *
     * @throws IllegalArgumentException when a count is negative or the sum does not hold
     */
    public TelemetryCounters {
        if (measured < 0 || stale < 0 || unavailable < 0 || failed < 0 || rejected < 0 || skipped < 0) {
            throw new IllegalArgumentException("counters must be >= 0: " + describe(polls, measured, stale,
                    unavailable, failed, rejected, skipped));
        }
        if (polls != measured + stale + unavailable + failed + rejected + skipped) {
            throw new IllegalArgumentException("polls must equal the sum of the outcomes: " + describe(polls,
                    measured, stale, unavailable, failed, rejected, skipped));
        }
    }

    /**
     * The share of ended polls that recorded a new measurement.
     *
     * @return {@code measured / polls}, or 0 before the first poll
     */
    public double measuredRatio() {
        return polls == 0 ? 0 : (double) measured / polls;
    }

    private static String describe(long polls, long measured, long stale, long unavailable, long failed,
                                   long rejected, long skipped) {
        return "polls=" + polls + ", measured=" + measured + ", stale=" + stale + ", unavailable=" + unavailable
                + ", failed=" + failed + ", rejected=" + rejected + ", skipped=" + skipped;
    }
}
