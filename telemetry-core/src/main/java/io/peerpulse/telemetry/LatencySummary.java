package io.peerpulse.telemetry;

/**
 * The aggregates of {@link LatencyStats} without the samples: what a game loop reads every frame
 * through {@link LatencyTelemetry#getSummary()}, without locking and without copying the window.
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
}
