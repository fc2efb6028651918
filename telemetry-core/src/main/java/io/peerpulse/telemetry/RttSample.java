package io.peerpulse.telemetry;

/**
 * One RTT measurement.
 *
 * @param timestampEpochMs wall-clock time of the measurement, epoch milliseconds
 * @param rttMs            the round-trip time in milliseconds: finite and not negative ({@code -0.0} is
 *                         taken as {@code 0.0}, so that no export holds {@code -0.0})
 * @since 0.1.0
 */
public record RttSample(long timestampEpochMs, double rttMs) {

    /**
     * Checks the value.
     *
     * @param timestampEpochMs see the record description
     * @param rttMs            see the record description
     * @throws IllegalArgumentException when {@code rttMs} is NaN, infinite or negative
     * @since 0.1.0
     */
    public RttSample {
        if (!(rttMs >= 0) || Double.isInfinite(rttMs)) {
            throw new IllegalArgumentException("rttMs must be finite and >= 0, was " + rttMs);
        }
        rttMs += 0.0; // -0.0 + 0.0 is 0.0
    }
}
