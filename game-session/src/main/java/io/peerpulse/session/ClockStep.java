package io.peerpulse.session;

/**
 * The wall clock stepped during the session: between two events it moved {@code stepMs} more (or less,
 * when negative) than the monotonic clock did. A fact about the clock, not an error: durations never use
 * the wall clock.
 *
 * @param timestampEpochMs the wall clock at the first event after the step, epoch ms (on the stepped clock)
 * @param stepMs           how far the wall clock jumped against the monotonic clock, ms; negative = back
 * @since 0.1.0
 */
public record ClockStep(long timestampEpochMs, long stepMs) {
}
