package io.peerpulse.session.core;

import io.peerpulse.session.spi.ExportSettings;

import java.util.Optional;

/**
 * Opens a session's {@link EventLog}: the journal module provides one, found with
 * {@link java.util.ServiceLoader}. Not for applications: this package is exported only to the journal.
 *
 * @since 0.1.0
 */
public interface EventLogProvider {

    /** The setting (session setting, else system property) naming the journal directory.
     * @since 0.1.0 */
    String DIRECTORY_SETTING = "peerpulse.journal.directory";
    /** The setting that, when {@code true}, has the journal's writer force the lines it wrote to the device, a
     * batch at a time.
     * @since 0.1.0 */
    String FSYNC_SETTING = "peerpulse.journal.fsync";

    /**
     * Opens the log the settings ask for.
     *
     * @param config   the session's configuration (written first, so that a recovery has it)
     * @param start    the session's start
     * @param settings the session's settings: {@value #DIRECTORY_SETTING}, {@value #FSYNC_SETTING}
     * @return the log, empty when the settings ask for none
     * @throws IllegalArgumentException     naming the setting when one is invalid
     * @throws java.io.UncheckedIOException naming the path when the file cannot be created or its header written
     * @since 0.1.0
     */
    Optional<EventLog> open(SessionConfig config, SessionStart start, ExportSettings settings);
}
