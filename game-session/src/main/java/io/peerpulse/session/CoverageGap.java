package io.peerpulse.session;

/**
 * A stretch with no new measurement for longer than the gap threshold.
 *
 * @param startEpochMs the last measurement before it, or when measuring started
 * @param endEpochMs   the next measurement, or the end of measuring (session end or snapshot)
 * @param durationMs   its length on the session's monotonic clock: {@code endEpochMs - startEpochMs} unless the
 *                     wall clock stepped meanwhile (then the two labels differ from it by the step, and may even
 *                     be in reverse order)
 * @since 0.1.0
 */
public record CoverageGap(long startEpochMs, long endEpochMs, long durationMs) {
}
