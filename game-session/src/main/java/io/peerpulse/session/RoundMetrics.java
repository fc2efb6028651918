package io.peerpulse.session;

import io.peerpulse.telemetry.LatencySummary;

/**
 * One round of the game and the latency of the samples recorded while it was open.
 *
 * <p>The statistics are exact, with the definitions of {@link io.peerpulse.telemetry.LatencyStats}
 * (median = mean of the middle pair, quantiles by linear interpolation as numpy computes them), over
 * every sample of the round whatever the telemetry's window size; {@code totalSampleCount} equals
 * {@code sampleCount}.
 *
 * @param roundNumber  the number the game gave it
 * @param startEpochMs when it began
 * @param endEpochMs   when it ended; {@code null} while open
 * @param durationMs   until its end, or the snapshot while open
 * @param latency      the round's statistics; {@code null} when no sample was recorded during it
 * @since 0.1.0
 */
public record RoundMetrics(int roundNumber, long startEpochMs, Long endEpochMs, long durationMs,
                           LatencySummary latency) {
}
