package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.LatencySummary;

/**
 * One round of the game and the latency of the samples recorded while it was open.
 *
 * <p>The statistics are exact, with the definitions of {@link io.peerpulse.telemetry.LatencyStats}
 * (median = mean of the middle pair, quantiles by linear interpolation as numpy computes them), over
 * every sample of the round whatever the telemetry's window size; {@code totalSampleCount} equals
 * {@code sampleCount}.
 *
 * <p>Which samples were the round's: samples are numbered in recording order over the whole session,
 * from 0, evicted ones included. The round's are the {@code latency.sampleCount()} consecutive numbers
 * from {@code firstSampleIndex}; the samples of a {@link io.peerpulse.telemetry.LatencyStats} window are
 * numbered {@code totalSampleCount - sampleCount} up to {@code totalSampleCount - 1}, oldest first. So a
 * window sample belongs to a round exactly, without comparing timestamps (a sample belongs to the round
 * open when it was recorded, whatever timestamp its reading carried).
 *
 * @param roundNumber      the number the game gave it
 * @param startEpochMs     when it began
 * @param endEpochMs       when it ended; {@code null} while open
 * @param durationMs       until its end, or the snapshot while open
 * @param latency          the round's statistics; {@code null} when no sample was recorded during it
 * @param firstSampleIndex the session-wide number of the round's first sample (see above); {@code null}
 *                         when no sample was recorded during it
 * @param quality          time in each connection quality while the round was open and the scores judged
 *                         then; {@code null} in a file of an earlier version
 * @param startElapsedMs   when it began on the session's monotonic clock, ms since the session's start
 *                         ({@link SessionMetrics#startEpochMs()}): its place in time whatever the wall clock did (it
 *                         ends {@code durationMs} later); {@code null} in a file of an earlier version
 * @since 0.1.0
 */
public record RoundMetrics(int roundNumber, long startEpochMs, @Nullable Long endEpochMs, long durationMs,
                           @Nullable LatencySummary latency, @Nullable Long firstSampleIndex,
                           @Nullable QualitySummary quality, @Nullable Long startElapsedMs) {

    /**
     * Whether a sample was recorded during this round.
     *
     * @param sampleIndex the sample's session-wide number (see the class description)
     * @return whether it is one of the round's samples
     * @since 0.1.0
     */
    public boolean containsSample(long sampleIndex) {
        return firstSampleIndex != null && latency != null && sampleIndex >= firstSampleIndex
                && sampleIndex - firstSampleIndex < latency.sampleCount();
    }
}
