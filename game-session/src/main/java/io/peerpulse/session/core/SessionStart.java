package io.peerpulse.session.core;

/**
 * When a session started: the origin of its durations.
 *
 * @param startEpochMs        the session clock (wall clock) at the start, epoch ms
 * @param startNanoTime       the session's monotonic clock at the start, ns
 * @param systemClockOffsetMs the session clock minus the system clock at the start (0 unless a clock of the
 *                            caller's own, e.g. virtual time)
 * @since 0.1.0
 */
public record SessionStart(long startEpochMs, long startNanoTime, long systemClockOffsetMs) {

    /**
     * @return the start as a stamp
     * @since 0.1.0
     */
    public Stamp stamp() {
        return new Stamp(startEpochMs, startNanoTime);
    }
}
