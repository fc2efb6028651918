package io.peerpulse.telemetry;

/**
 * Aggregates over every sample a telemetry recorded since it was created, including those the
 * window has evicted.
 *
 * <p><b>While every sample is still in the window</b> ({@code sampleCount} equals the window's), every
 * value is the window's exact one ({@link LatencySummary}): one answer per question. <b>Past that</b>,
 * {@code sampleCount}, {@code minMs}, {@code maxMs} and {@code meanMs} are exact (the mean uses
 * compensated summation) and the quantiles are estimates: they come from a fixed-size histogram with logarithmic
 * buckets (about 3 KB per telemetry, whatever the session length): each is within
 * {@link #QUANTILE_RELATIVE_ERROR} (1 %) of the exact quantile that {@code numpy.percentile} would
 * give over all samples, for values from {@value #QUANTILE_MIN_TRACKED_MS} ms to 60,000 ms; values
 * below {@value #QUANTILE_MIN_TRACKED_MS} ms are estimated within
 * {@value #QUANTILE_MIN_TRACKED_MS} ms. Estimates are clamped to {@code [minMs, maxMs]}. Either way the mean
 * and the quantiles are rounded once to 0.001 ms, as {@link LatencySummary}'s.
 *
 * @param sampleCount how many samples were recorded, evicted ones included
 * @param minMs       smallest RTT ever recorded
 * @param maxMs       largest RTT ever recorded
 * @param meanMs      arithmetic mean of every sample
 * @param medianMs    median estimate
 * @param p95Ms       95th percentile estimate
 * @param p99Ms       99th percentile estimate
 * @since 0.1.0
 */
public record SessionLatencyStats(long sampleCount, double minMs, double maxMs, double meanMs,
                                  double medianMs, double p95Ms, double p99Ms) {

    /** Bound on the relative error of {@link #medianMs()}, {@link #p95Ms()} and {@link #p99Ms()}. */
    public static final double QUANTILE_RELATIVE_ERROR = 0.01;

    /** Smallest value whose quantile estimate keeps the relative error bound, in milliseconds. */
    public static final double QUANTILE_MIN_TRACKED_MS = 0.01;
}
