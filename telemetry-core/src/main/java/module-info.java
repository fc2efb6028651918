/**
 * PeerPulse telemetry core: polls an {@link io.peerpulse.telemetry.spi.RttSource} without ever
 * blocking, keeps a window of RTT samples with exact statistics, and whole-session aggregates.
 *
 * <p>Depends on {@code java.base} only at run time; JSpecify's null-safety annotations are read at compile
 * time ({@code requires static}).
 *
 * @uses io.peerpulse.telemetry.spi.RttSourceProvider
 * @since 0.1.0
 */
module io.peerpulse.telemetry {
    requires static transitive org.jspecify;

    exports io.peerpulse.telemetry;
    exports io.peerpulse.telemetry.spi;
    // Not API: the plugin rules, plugin warnings and the text rule (ids, redaction) that PeerPulse's sibling modules share, only for them.
    // io.peerpulse.telemetry.internal is exported to nobody.
    exports io.peerpulse.telemetry.shared to io.peerpulse.session, io.peerpulse.session.journal,
            io.peerpulse.export.files, io.peerpulse.export.json, io.peerpulse.export.html, io.peerpulse.export.micrometer,
            io.peerpulse.testkit, io.peerpulse.cli;

    uses io.peerpulse.telemetry.spi.RttSourceProvider;
}
