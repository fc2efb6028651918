/**
 * PeerPulse's JSON exporter: at the end of each session, the exporter named {@code json} writes its
 * {@link io.peerpulse.session.SessionReport} to {@code <directory>/<sessionId>.json} (setting
 * {@code peerpulse.export.json.directory}, default {@code peerpulse-sessions}), by the file rules of
 * {@link io.peerpulse.export.files.ExportFiles}: a safe name, never overwriting, whole or not at all.
 * {@link io.peerpulse.export.json.SessionReportJson} reads such files back and writes reports anywhere.
 *
 * <p>Serialisation is Jakarta JSON-B 3 by Eclipse Yasson, on Eclipse Parsson. Yasson and Parsson are
 * required here, not only found through {@link java.util.ServiceLoader}, so that they are resolved
 * wherever this module is (module path or class path, any service binding) and the exporter never
 * depends on which JSON-B implementation happens to be found first. Yasson reads the report records
 * through public lookups: they live in packages that {@code io.peerpulse.session} and
 * {@code io.peerpulse.telemetry} export to everyone.
 *
 * @provides io.peerpulse.session.spi.SessionExporterProvider the exporter named {@code json}
 * @since 0.1.0
 */
module io.peerpulse.export.json {
    // JSpecify's @NullMarked and @Nullable: static, as nothing reads them at run time; transitive, as
    // @Nullable is part of the exported signatures
    requires static transitive org.jspecify;
    requires transitive io.peerpulse.session;
    requires io.peerpulse.export.files;
    requires jakarta.json.bind;
    requires transitive jakarta.json; // SessionReportJson.checkShape takes a JsonValue
    requires org.eclipse.yasson;
    requires org.eclipse.parsson;

    exports io.peerpulse.export.json;

    provides io.peerpulse.session.spi.SessionExporterProvider
            with io.peerpulse.export.json.internal.JsonExporterProvider;
}
