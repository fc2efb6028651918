package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import java.util.List;
import java.util.OptionalLong;

/**
 * What analysis needs to line samples up with game events, and what the wall clock did meanwhile. Sample
 * timestamps and every {@code …EpochMs} come from the session clock (the telemetry options' clock, the system
 * clock by default) and are labels only; every duration comes from the session's monotonic clock
 * ({@code TelemetryOptions.nanoClock()}, {@link System#nanoTime()} by default), so a wall-clock step never
 * makes one negative. The monotonic origin maps nanoTime readings the game logged onto the same axis:
 * {@code epochMs ≈ startEpochMs + (nanoTime - startNanoTime) / 1e6}, up to the steps listed.
 *
 * <p>Each round, gap and quality change also carries its place on the monotonic clock, ms since the start
 * ({@code startElapsedMs}, {@code elapsedMs}); a sample's is {@link #sampleElapsedMs(long, long)}.
 *
 * @param startEpochMs        the session start on the session clock, epoch ms
 * @param startNanoTime       the monotonic clock at the same moment
 * @param endEpochMs          the session end on the session clock; {@code null} while it runs
 * @param endNanoTime         the monotonic clock at the end; {@code null} while it runs
 * @param systemClockOffsetMs session clock minus system clock at the start, ms: 0 unless the session
 *                            runs on another clock (e.g. a test's virtual clock)
 * @param pollIntervalMs      the time between polls
 * @param readTimeoutMs       how long a read may take before it counts as failed
 * @param clockStepCount      how many times the wall clock moved {@value #CLOCK_STEP_MS} ms or more against the
 *                            monotonic clock since the last such step (or the start): an NTP correction, a
 *                            manual change, or a slow drift once it adds up
 * @param clockSteps          the first {@value #MAX_LISTED_CLOCK_STEPS} of those steps, in order
 * @since 0.1.0
 */
public record ClockInfo(long startEpochMs, long startNanoTime, @Nullable Long endEpochMs,
                        @Nullable Long endNanoTime, long systemClockOffsetMs, double pollIntervalMs,
                        double readTimeoutMs, long clockStepCount, List<ClockStep> clockSteps) {

    /** The smallest change of (wall clock − monotonic clock) since the last step reported as a step, ms.
     * @since 0.1.0 */
    public static final long CLOCK_STEP_MS = 1_000;
    /** Steps listed at most; the rest are counted.
     * @since 0.1.0 */
    public static final int MAX_LISTED_CLOCK_STEPS = 100;

    /** Copies the list.
     *
     * @param startEpochMs        see the record description
     * @param startNanoTime       see the record description
     * @param endEpochMs          see the record description
     * @param endNanoTime         see the record description
     * @param systemClockOffsetMs see the record description
     * @param pollIntervalMs      see the record description
     * @param readTimeoutMs       see the record description
     * @param clockStepCount      see the record description
     * @param clockSteps          see the record description
     * @since 0.1.0 */
    public ClockInfo {
        clockSteps = List.copyOf(clockSteps);
    }

    /**
     * A sample's place on the session's monotonic clock, ms since the start: its timestamp less {@code startEpochMs}
     * and less the {@code stepMs} of every step listed whose {@link ClockStep#firstSampleIndex()} is at or below the
     * sample's number. Unlike the timestamp it neither goes back nor jumps where the wall clock stepped. To the
     * millisecond where the wall clock only stepped at once, within {@value #CLOCK_STEP_MS} ms where it also drifted
     * (a drift below a step is not listed), while at most
     * {@value #MAX_LISTED_CLOCK_STEPS} steps happened (later ones are counted, not listed), for a sample stamped by
     * the session's clock (a reading that carried its own time keeps it).
     *
     * @param sampleIndex      the sample's session-wide number (see {@link RoundMetrics}): a window's {@code i}-th
     *                         sample is {@code totalSampleCount - sampleCount + i}
     * @param timestampEpochMs the sample's timestamp
     * @return its place, ms since the start; empty when a step listed has no {@code firstSampleIndex} (a file of an
     *         earlier version)
     * @since 0.1.0
     */
    public OptionalLong sampleElapsedMs(long sampleIndex, long timestampEpochMs) {
        long shift = 0;
        for (ClockStep step : clockSteps) {
            Long first = step.firstSampleIndex();
            if (first == null) {
                return OptionalLong.empty();
            }
            if (first <= sampleIndex) {
                shift += step.stepMs();
            }
        }
        return OptionalLong.of(timestampEpochMs - startEpochMs - shift);
    }
}
