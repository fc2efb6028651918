package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

/**
 * The wall clock stepped during the session: since the last step listed (or the start) it moved {@code stepMs}
 * more (or less, when negative) than the monotonic clock did — at once (an NTP step, a manual change) or little by
 * little (a slew), once that adds up to {@link ClockInfo#CLOCK_STEP_MS}. A fact about the clock, not an error:
 * durations never use the wall clock.
 *
 * @param timestampEpochMs the wall clock at the first event after the step, epoch ms (on the stepped clock)
 * @param stepMs           how far the wall clock moved against the monotonic clock since the last step, ms; negative = back
 * @param firstSampleIndex the session-wide number (as {@link RoundMetrics#firstSampleIndex()}) of the first sample
 *                         recorded at or after that event, so the first whose timestamp is on the stepped clock:
 *                         the samples from it on, up to the next step listed, are the same {@code stepMs} further
 *                         from the session's monotonic time than those before it; {@code null} in a file of an
 *                         earlier version
 * @since 0.1.0
 */
public record ClockStep(long timestampEpochMs, long stepMs, @Nullable Long firstSampleIndex) {
}
