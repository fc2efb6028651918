package io.peerpulse.telemetry;

/**
 * One RTT measurement.
 *
 * @param timestampEpochMs wall-clock time of the measurement, epoch milliseconds
 * @param rttMs            the round-trip time in milliseconds: finite and not negative
 * @since 0.1.0
 */
public record RttSample(long timestampEpochMs, double rttMs) {

    /**
     * Checks the value.
     *
     * @throws IllegalArgumentException when {@code rttMs} is NaN, infinite or negative
     */
    public RttSample {
        if (!(rttMs >= 0) || Double.isInfinite(rttMs)) {
            throw new IllegalArgumentException("rttMs must be finite and >= 0, was " + rttMs);
        }
    }
}
