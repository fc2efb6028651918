/**
 * PeerPulse's JSON-lines exporter: at the end of each session, the exporter named {@code jsonl} appends one
 * line — the session's summary ({@link io.peerpulse.export.jsonl.SessionJsonLines#line}) — to one file shared
 * by every session (setting {@code peerpulse.export.jsonl.file}, default
 * {@code peerpulse-sessions/sessions.jsonl}), with {@link io.peerpulse.export.files.ExportFiles#append}: safe
 * across threads and processes, durable, a torn line never merged with the next.
 *
 * @provides io.peerpulse.session.spi.SessionExporterProvider the exporter named {@code jsonl}
 * @since 0.1.0
 */
module io.peerpulse.export.jsonl {
    requires static transitive org.jspecify;
    requires transitive io.peerpulse.session;
    requires io.peerpulse.export.files;
    requires jakarta.json;
    requires org.eclipse.parsson;

    exports io.peerpulse.export.jsonl;

    provides io.peerpulse.session.spi.SessionExporterProvider
            with io.peerpulse.export.jsonl.internal.JsonLinesExporterProvider;
}
