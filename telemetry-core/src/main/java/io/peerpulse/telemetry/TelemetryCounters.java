package io.peerpulse.telemetry;

/**
 * How every poll of a telemetry ended, counted since it was created.
 *
 * <p>{@code pollCount == measuredCount + staleCount + unavailableCount + failedCount + rejectedCount
 * + skippedCount} holds in every snapshot. A poll is counted when it ends; a read still in flight when the
 * telemetry stops is abandoned and never counted, and no poll of a later start() is skipped for it.
 *
 * @param pollCount        every poll that ended
 * @param measuredCount    a new RTT was recorded
 * @param staleCount       connected, but no new measurement since the previous poll
 * @param unavailableCount not connected, no selected path, or closed
 * @param failedCount      the source threw, completed exceptionally, answered {@code null}, or did not
 *                         answer within the read timeout
 * @param rejectedCount    the source answered a value that is not a plausible RTT (NaN, infinite,
 *                         negative, above 60,000 ms): never stored
 * @param skippedCount     a poll fell due while the previous read was still in flight
 * @param latePollCount    polls (of any outcome) that started more than
 *                         {@link TelemetryOptions#latePollThreshold()} behind their fixed-rate schedule: the
 *                         machine or the polling thread did not keep up
 * @param latenessP99Ms    how late 99 % of the polls started at most, ms, a poll on time counting 0 (so 0 while
 *                         at least 99 % were on time); from log buckets, at most 19 % above the true value
 * @param latenessMaxMs    the latest start of a poll behind its schedule, ms; 0 when none was late
 * @since 0.1.0
 */
public record TelemetryCounters(long pollCount, long measuredCount, long staleCount, long unavailableCount,
                                long failedCount, long rejectedCount, long skippedCount, long latePollCount,
                                double latenessP99Ms, double latenessMaxMs) {

    /** Counters of a telemetry that has not polled yet. */
    public static final TelemetryCounters ZERO = new TelemetryCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /**
     * Checks that every count is non-negative, that {@code pollCount} is the sum of the outcomes and that the
     * lateness fits.
     *
     * @param pollCount        see the record description
     * @param measuredCount    see the record description
     * @param staleCount       see the record description
     * @param unavailableCount see the record description
     * @param failedCount      see the record description
     * @param rejectedCount    see the record description
     * @param skippedCount     see the record description
     * @param latePollCount    see the record description
     * @param latenessP99Ms    see the record description
     * @param latenessMaxMs    see the record description
     * @throws IllegalArgumentException when a count is negative, the sum does not hold, more polls are late than
     *                                  polled, or a lateness is negative, not finite, or its p99 above its max
     * @since 0.1.0
     */
    public TelemetryCounters {
        if (latePollCount < 0 || latePollCount > pollCount) {
            throw new IllegalArgumentException("latePollCount must be in [0, pollCount=" + pollCount + "], was "
                    + latePollCount);
        }
        if (!(latenessP99Ms >= 0) || !(latenessMaxMs >= latenessP99Ms) || Double.isInfinite(latenessMaxMs)) {
            throw new IllegalArgumentException("latenessP99Ms and latenessMaxMs must be finite, >= 0 and p99 <= max,"
                    + " were " + latenessP99Ms + " and " + latenessMaxMs);
        }
        latenessP99Ms += 0.0;
        latenessMaxMs += 0.0;
        if (measuredCount < 0 || staleCount < 0 || unavailableCount < 0 || failedCount < 0 || rejectedCount < 0
                || skippedCount < 0) {
            throw new IllegalArgumentException("counters must be >= 0: " + describe(pollCount, measuredCount,
                    staleCount, unavailableCount, failedCount, rejectedCount, skippedCount));
        }
        if (pollCount != measuredCount + staleCount + unavailableCount + failedCount + rejectedCount + skippedCount) {
            throw new IllegalArgumentException("pollCount must equal the sum of the outcomes: " + describe(pollCount,
                    measuredCount, staleCount, unavailableCount, failedCount, rejectedCount, skippedCount));
        }
    }

    /**
     * The share of ended polls that recorded a new measurement.
     *
     * @return {@code measuredCount / pollCount}, or 0 before the first poll
     * @since 0.1.0
     */
    public double measuredRatio() {
        return pollCount == 0 ? 0 : (double) measuredCount / pollCount;
    }

    private static String describe(long pollCount, long measuredCount, long staleCount, long unavailableCount,
                                   long failedCount, long rejectedCount, long skippedCount) {
        return "pollCount=" + pollCount + ", measuredCount=" + measuredCount + ", staleCount=" + staleCount
                + ", unavailableCount=" + unavailableCount + ", failedCount=" + failedCount + ", rejectedCount="
                + rejectedCount + ", skippedCount=" + skippedCount;
    }
}
