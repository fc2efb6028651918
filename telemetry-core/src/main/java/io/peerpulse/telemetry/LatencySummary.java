package io.peerpulse.telemetry;

import io.peerpulse.telemetry.internal.RttWindow;
import io.peerpulse.telemetry.shared.Micros;

/**
 * The aggregates of {@link LatencyStats} without the samples: what a game loop reads every frame
 * through {@link LatencyTelemetry#getSummary()}, without locking and without copying the window.
 *
 * <p><b>Numbers as measured.</b> {@code minMs} and {@code maxMs} are samples, as recorded; every other
 * statistic is computed in {@code double} and rounded once to 0.001 ms (half up), so that statistics of
 * values measured in whole microseconds are exact to the microsecond and print without floating-point
 * noise (the median of 80.721 and 80.730 is 80.726); none is ever {@code -0.0}.
 *
 * @param sampleCount      samples in the window
 * @param minMs            smallest RTT in the window
 * @param maxMs            largest RTT in the window
 * @param meanMs           arithmetic mean
 * @param medianMs         middle value; the mean of the two middle values when the count is even
 * @param p95Ms            95th percentile, linear interpolation
 * @param p99Ms            99th percentile, linear interpolation
 * @param stdDevMs         population standard deviation (ddof = 0)
 * @param jitterMs         mean {@code |rtt[i] - rtt[i-1]|} over consecutive window samples
 * @param totalSampleCount every sample recorded since start, evicted ones included
 * @since 0.1.0
 */
public record LatencySummary(
        int sampleCount,
        double minMs,
        double maxMs,
        double meanMs,
        double medianMs,
        double p95Ms,
        double p99Ms,
        double stdDevMs,
        double jitterMs,
        long totalSampleCount) {

    /**
     * The exact statistics of some RTTs, e.g. those of one round, computed as a telemetry computes
     * those of its window.
     *
     * @param rttMs values in arrival order (jitter depends on the order); only the first {@code count}
     *              are read, none is changed
     * @param count how many values, at least 1
     * @return the summary, with {@code totalSampleCount == sampleCount}
     * @throws IllegalArgumentException when {@code count} is out of range or a value is NaN, infinite or negative
     * @since 0.1.0
     */
    public static LatencySummary of(double[] rttMs, int count) {
        if (count < 1 || count > rttMs.length) {
            throw new IllegalArgumentException("count must be between 1 and " + rttMs.length + ", was " + count);
        }
        RttWindow window = new RttWindow(count);
        for (int i = 0; i < count; i++) {
            double value = rttMs[i];
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException("rttMs[" + i + "] must be finite and >= 0, was " + value);
            }
            window.add(0, value);
        }
        return of(window);
    }

    /** The statistics of a window that is not empty; the caller holds whatever lock guards it. */
    static LatencySummary of(RttWindow window) {
        return new LatencySummary(window.count(), window.min(), window.max(), Micros.round(window.mean()),
                Micros.round(window.median()), Micros.round(window.quantile(0.95)),
                Micros.round(window.quantile(0.99)), Micros.round(window.stdDev()), Micros.round(window.jitter()),
                window.total());
    }
}
