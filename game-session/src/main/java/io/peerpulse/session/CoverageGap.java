package io.peerpulse.session;

/**
 * A stretch with no new measurement for longer than the gap threshold.
 *
 * @param startEpochMs the last measurement before it, or when measuring started
 * @param endEpochMs   the next measurement, or the end of measuring (session end or snapshot)
 * @param durationMs   {@code endEpochMs - startEpochMs}
 * @since 0.1.0
 */
public record CoverageGap(long startEpochMs, long endEpochMs, long durationMs) {
}
