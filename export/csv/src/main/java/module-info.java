/**
 * PeerPulse's CSV exporter: at the end of each session, the exporter named {@code csv} writes one tidy
 * row per RTT sample ({@code session_id,player_id,round,timestamp_epoch_ms,rtt_ms,elapsed_ms}) to
 * {@code <directory>/<sessionId>.csv} (setting {@code peerpulse.export.csv.directory}, default
 * {@code peerpulse-sessions}), by the file rules of {@link io.peerpulse.export.files.ExportFiles}: a safe
 * name, never overwriting, whole or not at all. {@link io.peerpulse.export.csv.SessionReportCsv} writes
 * the same rows anywhere. Needs nothing beyond the game session.
 *
 * @provides io.peerpulse.session.spi.SessionExporterProvider the exporter named {@code csv}
 * @since 0.1.0
 */
module io.peerpulse.export.csv {
    // JSpecify's @NullMarked and @Nullable: static, as nothing reads them at run time; transitive, as
    // @Nullable is part of the exported signatures
    requires static transitive org.jspecify;
    requires transitive io.peerpulse.session;
    requires io.peerpulse.export.files;

    exports io.peerpulse.export.csv;

    provides io.peerpulse.session.spi.SessionExporterProvider
            with io.peerpulse.export.csv.internal.CsvExporterProvider;
}
