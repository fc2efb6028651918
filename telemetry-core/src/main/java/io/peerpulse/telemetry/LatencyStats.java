package io.peerpulse.telemetry;

import io.peerpulse.telemetry.internal.SampleList;
import java.util.List;
import java.util.Objects;

/**
 * Aggregates over the samples currently in a telemetry's window (the last {@code maxSampleCount};
 * older ones are evicted).
 *
 * <p>Quantiles use linear interpolation between closest ranks, as {@code numpy.percentile} and
 * {@code pandas.Series.quantile} do by default: for sorted values {@code x[0..n-1]} and
 * {@code h = q·(n-1)}, {@code x[⌊h⌋] + (h-⌊h⌋)·(x[⌊h⌋+1]-x[⌊h⌋])}.
 *
 * @param sampleCount      samples in the window ({@code == samples().size()})
 * @param minMs            smallest RTT in the window
 * @param maxMs            largest RTT in the window
 * @param meanMs           arithmetic mean
 * @param medianMs         middle value; the mean of the two middle values when the count is even
 * @param p95Ms            95th percentile, linear interpolation
 * @param p99Ms            99th percentile, linear interpolation
 * @param stdDevMs         population standard deviation (ddof = 0)
 * @param jitterMs         mean {@code |rtt[i] - rtt[i-1]|} over consecutive window samples; 0 with one sample
 * @param totalSampleCount every sample recorded since start, evicted ones included
 * @param samples          the window, oldest first, unmodifiable
 * @since 0.1.0
 */
public record LatencyStats(
        int sampleCount,
        double minMs,
        double maxMs,
        double meanMs,
        double medianMs,
        double p95Ms,
        double p99Ms,
        double stdDevMs,
        double jitterMs,
        long totalSampleCount,
        List<RttSample> samples) {

    /**
     * Checks consistency and makes {@code samples} unmodifiable.
     *
     * @param sampleCount      see the record description
     * @param minMs            see the record description
     * @param maxMs            see the record description
     * @param meanMs           see the record description
     * @param medianMs         see the record description
     * @param p95Ms            see the record description
     * @param p99Ms            see the record description
     * @param stdDevMs         see the record description
     * @param jitterMs         see the record description
     * @param totalSampleCount see the record description
     * @param samples          see the record description
     * @throws IllegalArgumentException when {@code sampleCount} is not the size of {@code samples},
     *                                  the window is empty, or {@code totalSampleCount < sampleCount}
     * @since 0.1.0
     */
    public LatencyStats {
        // A SampleList (a telemetry's snapshot) is already an immutable copy; any other list is copied.
        Objects.requireNonNull(samples, "samples");
        samples = samples instanceof SampleList ? samples : List.copyOf(samples);
        if (sampleCount != samples.size()) {
            throw new IllegalArgumentException("sampleCount (" + sampleCount + ") must equal samples.size() ("
                    + samples.size() + ")");
        }
        if (sampleCount < 1) {
            throw new IllegalArgumentException("sampleCount must be >= 1, was " + sampleCount);
        }
        if (totalSampleCount < sampleCount) {
            throw new IllegalArgumentException("totalSampleCount (" + totalSampleCount
                    + ") must be >= sampleCount (" + sampleCount + ")");
        }
    }

    /**
     * The same aggregates without the samples.
     *
     * @return the summary
     * @since 0.1.0
     */
    public LatencySummary summary() {
        return new LatencySummary(sampleCount, minMs, maxMs, meanMs, medianMs, p95Ms, p99Ms, stdDevMs, jitterMs,
                totalSampleCount);
    }
}
