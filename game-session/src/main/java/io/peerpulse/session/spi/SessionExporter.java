package io.peerpulse.session.spi;

import io.peerpulse.session.QualityChange;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.RttSample;

/**
 * Receives one session's data.
 *
 * <p>Calls to one exporter never overlap and come in order: {@link #sessionStarted}, every
 * {@link #sampleRecorded} and {@link #qualityChanged} in the order the session recorded them (a change after
 * the sample of the poll that made it), then {@link #sessionEnded} once, after the last of them.
 * They come on the session's executor, never on the thread that polls RTT, so a slow exporter never
 * delays measuring; still, {@code sessionEnded} should finish within the session's exporter timeout
 * (default 10 s), after which {@code GameSession.close()} stops waiting for it. Whatever a method
 * throws is logged with the exporter's name and the session id; the other exporters and the later
 * calls to this one still run.
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
     * The session ended; called exactly once, after every other call.
     *
     * @param report everything the session exports
     * @throws Exception when the export fails; logged, the other exporters still run
     * @since 0.1.0
     */
    void sessionEnded(SessionReport report) throws Exception;
}
