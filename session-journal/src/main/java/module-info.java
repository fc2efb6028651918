/**
 * PeerPulse session journal: appends every event a {@code GameSession} applies to a crash-safe file, one
 * checksummed line each, and rebuilds the session's report from such a file by applying the same events
 * again ({@link io.peerpulse.session.journal.SessionJournal#recover}). A session finds it with
 * {@link java.util.ServiceLoader} when a journal directory is set.
 *
 * @provides io.peerpulse.session.core.EventLogProvider
 * @since 0.1.0
 */
module io.peerpulse.session.journal {
    requires transitive io.peerpulse.session;
    requires io.peerpulse.export.files;
    requires static org.jspecify;

    exports io.peerpulse.session.journal;

    provides io.peerpulse.session.core.EventLogProvider with io.peerpulse.session.journal.internal.JournalProvider;
}
