package io.peerpulse.telemetry.shared;

/**
 * The one rounding rule for RTT statistics: every statistic that is not itself a sample (a mean, a median
 * or quantile, a standard deviation, a jitter) is rounded once to 0.001 ms, so that statistics of values
 * measured in whole microseconds read as measured — the median of 80.721 and 80.730 is 80.726, never
 * 80.72550000000001 — and {@code -0.0} is never written. The minimum and maximum are samples and keep
 * their value.
 *
 * @since 0.1.0
 */
public final class Micros {

    private Micros() {
    }

    /**
     * Rounds a statistic to 0.001 ms, half up: first to whole nanoseconds, which removes the floating-point
     * noise of its computation (far below 1 ns for values up to hours), so that an exact half microsecond
     * always rounds up whatever that noise was.
     *
     * @param ms a statistic in milliseconds
     * @return it rounded to 0.001 ms, {@code 0.0} for either zero; NaN and infinities as given
     */
    public static double round(double ms) {
        if (!Double.isFinite(ms)) {
            return ms;
        }
        double nanos = Math.rint(ms * 1e6);
        return Math.floor(nanos / 1000.0 + 0.5) / 1000.0 + 0.0;
    }
}
