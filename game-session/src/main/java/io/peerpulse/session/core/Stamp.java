package io.peerpulse.session.core;

/**
 * When a session event happened: its wall-clock label and its place on the session's monotonic clock.
 * Every duration, gap and coverage comes from {@code nanoTime}; {@code epochMs} only labels the event for
 * lining it up with other data, so a wall-clock step (NTP) never yields a negative or inflated duration.
 *
 * @param epochMs  the session clock (wall clock) at the event, epoch ms
 * @param nanoTime the session's monotonic clock at the event, ns (an arbitrary origin, as {@link System#nanoTime()})
 * @since 0.1.0
 */
public record Stamp(long epochMs, long nanoTime) {

    /**
     * Milliseconds from {@code earlier} to this stamp on the monotonic clock, rounded down.
     *
     * <p>Not clamped: the core applies events in stamp order, so a later event's stamp is never before an
     * earlier one's, and a negative result would show a broken order rather than hide it.
     *
     * @param earlier a stamp not after this one
     * @return the whole milliseconds between them
     * @since 0.1.0
     */
    public long msSince(Stamp earlier) {
        return (nanoTime - earlier.nanoTime) / 1_000_000;
    }
}
