/**
 * PeerPulse's HTML report: {@link io.peerpulse.export.html.HtmlReport} renders a session report as
 * one self-contained page (SVG chart of RTT over time with gaps and rounds, drawn per pixel column for
 * long sessions; histogram; summary with the secondary view beside the primary one; the probe's loss and
 * clock offset), and the {@code html} exporter writes that page at the end of every session.
 *
 * @provides io.peerpulse.session.spi.SessionExporterProvider the exporter named {@code html}
 * @since 0.1.0
 */
module io.peerpulse.export.html {
    // JSpecify's @NullMarked and @Nullable: static, as nothing reads them at run time; transitive, as
    // @Nullable is part of the exported signatures
    requires static transitive org.jspecify;
    requires transitive io.peerpulse.session;
    requires io.peerpulse.export.files;

    exports io.peerpulse.export.html;

    provides io.peerpulse.session.spi.SessionExporterProvider
            with io.peerpulse.export.html.internal.HtmlExporterProvider;
}
