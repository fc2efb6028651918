package io.peerpulse.telemetry;


/**
 * Told what a {@link LatencyTelemetry} records, right after it is recorded and outside its lock.
 *
 * <p>Calls come on the thread that ended the poll: the scheduler's, or the one that completed the
 * read. They must be quick and must never block; hand anything slow to your own executor. Calls
 * for one telemetry come in recording order, except that a {@link PollOutcome#SKIPPED} poll may be
 * reported while the read in flight is being reported on another thread. An exception thrown by a
 * listener is logged and changes nothing else.
 *
 * @since 0.1.0
 */
public interface TelemetryListener {

    /**
     * A poll ended.
     *
     * @param outcome          how it ended
     * @param timestampEpochMs the telemetry clock's time when it ended
     */
    default void pollEnded(PollOutcome outcome, long timestampEpochMs) {
    }

    /**
     * A sample was recorded; called before {@link #pollEnded} of the same poll.
     *
     * @param sample the sample
     */
    default void sampleRecorded(RttSample sample) {
    }

    /**
     * A reading named another network path than the previous one; called before {@link #pollEnded}
     * of the same poll.
     *
     * @param previous the previous path, {@code null} for the first path named
     * @param current  the new path
     */
    default void pathChanged(NetworkPath previous, NetworkPath current) {
    }
}
