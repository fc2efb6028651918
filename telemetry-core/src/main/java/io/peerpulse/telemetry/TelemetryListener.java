package io.peerpulse.telemetry;

/**
 * Told of every poll of a {@link LatencyTelemetry}, once, right after what it recorded is recorded and
 * outside the telemetry's lock; also the one sink of an {@link RttPoller}, told of every poll it hands on,
 * never under the poller's lock.
 *
 * <p>Calls come on the thread that ended the poll: the scheduler's, or the one that completed the
 * read. They must be quick and must never block; hand anything slow to your own executor. Calls
 * for one telemetry come in recording order, except that a {@link PollOutcome#SKIPPED} poll may be
 * reported while the read in flight is being reported on another thread.
 *
 * <p>A listener that throws is logged and misses nothing else: it still hears later polls, and the
 * other listeners still hear this one. Only a {@link VirtualMachineError} is rethrown.
 *
 * <p>A listener may call any method of its telemetry, {@code stop()}, {@code close()} and {@code start()} too, and
 * its getters then show the poll it is told of recorded; a listener added during a call hears the next poll, one
 * removed may still hear the poll being told.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface TelemetryListener {

    /**
     * A poll ended.
     *
     * @param event how it ended, when, the sample it recorded and the path change, if any
     * @since 0.1.0
     */
    void pollEnded(PollEvent event);
}
