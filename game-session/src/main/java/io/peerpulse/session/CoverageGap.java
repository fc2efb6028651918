package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

/**
 * A stretch with no new measurement for longer than the gap threshold.
 *
 * @param startEpochMs the last measurement before it, or when measuring started
 * @param endEpochMs   the next measurement, or the end of measuring (session end or snapshot)
 * @param durationMs   its length on the session's monotonic clock: {@code endEpochMs - startEpochMs} unless the
 *                     wall clock stepped meanwhile (then the two labels differ from it by the step, and may even
 *                     be in reverse order)
 * @param startElapsedMs when it started on the session's monotonic clock, ms since the session's start
 *                       ({@link SessionMetrics#startEpochMs()}): its place in time whatever the wall clock did (it
 *                       ends {@code durationMs} later); {@code null} in a file of an earlier version
 * @since 0.1.0
 */
public record CoverageGap(long startEpochMs, long endEpochMs, long durationMs, @Nullable Long startElapsedMs) {
}
