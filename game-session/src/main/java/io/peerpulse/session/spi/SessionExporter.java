package io.peerpulse.session.spi;

import io.peerpulse.session.ConnectionEvent;
import io.peerpulse.session.PathChange;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.RttSample;

/**
 * Receives one session's data.
 *
 * <p>Calls to one exporter never overlap and come in order: {@link #sessionStarted}, every
 * {@link #sourceChanged}, {@link #connectionChanged}, {@link #pathChanged}, {@link #sampleRecorded} and
 * {@link #qualityChanged} in the order the session recorded them (at an open of a new source: the source, then
 * the connection change; at one poll: a path change, then its sample, then a fallback's source change, then the
 * quality change it made), then {@link #sessionEnded} once, after the
 * last of them. A session recovered from its journal makes the same calls, each once, to its own exporters.
 * They come on the session's executor, never on the thread that polls RTT, so a slow exporter never
 * delays measuring; still, {@code sessionEnded} should finish within the session's exporter timeout
 * (default 10 s), after which {@code GameSession.close()} stops waiting for it. Whatever a method
 * throws is logged with the exporter's name and the session id; the other exporters and the later
 * calls to this one still run.
 *
 * <p>A call may call its session back: its exports and inputs, and {@code close()}, which then waits for no
 * exporter ({@code sessionEnded} comes after the call returns). In {@code sessionEnded} the session is closed:
 * {@code exportReport()} returns the report given, and an input that needs an open session (e.g.
 * {@code beginRound}) throws an {@link IllegalStateException} saying it is closed.
 *
 * @since 0.1.0
 */
public interface SessionExporter {

    /**
     * The session was built. Does nothing by default.
     *
     * @param sessionId the session's id
     * @since 0.1.0
     */
    default void sessionStarted(String sessionId) {
    }

    /**
     * A sample was recorded. Does nothing by default.
     *
     * @param sessionId the session's id
     * @param sample    the sample
     * @since 0.1.0
     */
    default void sampleRecorded(String sessionId, RttSample sample) {
    }

    /**
     * The connection quality changed (the change a {@code QualityListener} hears, with its reasons). Never
     * dropped, unlike samples of an exporter far behind. Does nothing by default.
     *
     * @param sessionId the session's id
     * @param change    the change
     * @since 0.1.0
     */
    default void qualityChanged(String sessionId, QualityChange change) {
    }

    /**
     * The data channel opened, reopened, reconnected or closed: each entry of the connection history as the
     * session records it (an open of a channel already open, or a close of one already closed, is none).
     * Never dropped. Does nothing by default.
     *
     * @param sessionId the session's id
     * @param event     the change
     * @since 0.1.0
     */
    default void connectionChanged(String sessionId, ConnectionEvent event) {
    }

    /**
     * The samples come from another source from now on: at the first open and at each reconnection on a new
     * connection, the source's name; at a fallback to the second source, that one's name. Never dropped. Does
     * nothing by default.
     *
     * @param sessionId  the session's id
     * @param sourceName the source's name as the report has it (addresses redacted)
     * @since 0.1.0
     */
    default void sourceChanged(String sessionId, String sourceName) {
    }

    /**
     * The readings of the source measuring named another network path (as the report's path changes). Never
     * dropped. Does nothing by default.
     *
     * @param sessionId the session's id
     * @param change    the change
     * @since 0.1.0
     */
    default void pathChanged(String sessionId, PathChange change) {
    }

    /**
     * The session ended; called exactly once, after every other call.
     *
     * @param report everything the session exports
     * @throws Exception when the export fails; logged, the other exporters still run
     * @since 0.1.0
     */
    void sessionEnded(SessionReport report) throws Exception;
}
