/**
 * PeerPulse telemetry core: polls an {@link io.peerpulse.telemetry.spi.RttSource} without ever
 * blocking, keeps a window of RTT samples with exact statistics, and whole-session aggregates.
 *
 * <p>Depends on {@code java.base} only.
 *
 * @uses io.peerpulse.telemetry.spi.RttSourceProvider
 * @since 0.1.0
 */
module io.peerpulse.telemetry {
    exports io.peerpulse.telemetry;
    exports io.peerpulse.telemetry.spi;
    // The shared plugin rules (discovery that survives a broken provider, provider names): for the
    // sibling modules with plugin points of their own, not for applications.
    exports io.peerpulse.telemetry.internal to io.peerpulse.session, io.peerpulse.testkit;

    uses io.peerpulse.telemetry.spi.RttSourceProvider;
}
