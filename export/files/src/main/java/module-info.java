/**
 * PeerPulse's file rules, shared by every exporter that writes one file per session and by the session
 * journal: {@link io.peerpulse.export.files.ExportFiles} (a safe name from the session id that never leaves the
 * directory, never overwriting, a file that appears whole or not at all) and
 * {@link io.peerpulse.export.files.FileExporterProvider} (an exporter that only says how a report becomes bytes).
 *
 * @since 0.1.0
 */
module io.peerpulse.export.files {
    // JSpecify's @NullMarked and @Nullable: static, as nothing reads them at run time; transitive, as
    // @Nullable is part of the exported signatures
    requires static transitive org.jspecify;
    requires transitive io.peerpulse.session;

    exports io.peerpulse.export.files;
}
