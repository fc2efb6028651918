package io.peerpulse.session.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where a session's applied events are appended as they happen (the journal): called under the session
 * core's lock, in the order the events are applied, so it must be quick — no disk I/O on the caller's thread —
 * and must not call back into the session. A failure to append is counted, never thrown.
 *
 * @since 0.1.0
 */
public interface EventLog {

    /** Appends nothing.
     * @since 0.1.0 */
    EventLog NONE = new EventLog() {
        @Override
        public void append(SessionEvent event) {
        }

        @Override
        public void close() {
        }
    };

    /**
     * Appends an applied event.
     *
     * @param event the event
     * @since 0.1.0
     */
    void append(SessionEvent event);

    /** Closes the log after the {@link SessionEvent.Ended} event, under the core's lock: must not wait for I/O
     * ({@link #awaitClosed} waits).
     * @since 0.1.0 */
    void close();

    /**
     * Waits, after {@link #close()} and outside the core's lock, until what was appended is written and the log
     * closed, at most {@code timeout}; keeps the caller's interrupt. A log that writes as it appends returns at once.
     *
     * @param timeout how long to wait at most
     * @return whether everything appended was written (when not, the log has said so)
     * @since 0.1.0
     */
    default boolean awaitClosed(Duration timeout) {
        return true;
    }

    /**
     * @return the file appended to, empty when none
     * @since 0.1.0
     */
    default Optional<Path> path() {
        return Optional.empty();
    }

    /**
     * @return events that could not be appended
     * @since 0.1.0
     */
    default long failureCount() {
        return 0;
    }
}
