package io.peerpulse.session;

/**
 * What analysis needs to line samples up with game events. Sample timestamps and every
 * {@code …EpochMs} come from the session clock (the telemetry options' clock, the system clock by
 * default); the monotonic origin maps {@link System#nanoTime()} readings the game logged onto the
 * same axis: {@code epochMs ≈ startEpochMs + (nanoTime - startNanoTime) / 1e6}.
 *
 * @param startEpochMs       the session start on the session clock, epoch ms
 * @param startNanoTime      {@link System#nanoTime()} at the same moment
 * @param endEpochMs         the session end on the session clock; {@code null} while it runs
 * @param endNanoTime        {@link System#nanoTime()} at the end; {@code null} while it runs
 * @param systemClockOffsetMs session clock minus system clock at the start, ms: 0 unless the session
 *                           runs on another clock (e.g. a test's virtual clock)
 * @param pollIntervalMs     the time between polls
 * @param readTimeoutMs      how long a read may take before it counts as failed
 * @since 0.1.0
 */
public record ClockInfo(long startEpochMs, long startNanoTime, Long endEpochMs, Long endNanoTime,
                        long systemClockOffsetMs, double pollIntervalMs, double readTimeoutMs) {
}
