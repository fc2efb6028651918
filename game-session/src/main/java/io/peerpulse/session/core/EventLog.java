package io.peerpulse.session.core;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a session's applied events are appended as they happen (the journal): called under the session
 * core's lock, in the order the events are applied, so it must be quick and must not call back into the
 * session. A failure to append is counted, never thrown.
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

    /** Closes the log after the {@link SessionEvent.Ended} event.
     * @since 0.1.0 */
    void close();

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
