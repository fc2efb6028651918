/**
 * PeerPulse game session: {@link io.peerpulse.session.GameSession} owns one session's RTT telemetry
 * and records what a multiplayer experiment needs beside it (connection history, rounds, connection
 * quality, coverage), then hands a {@link io.peerpulse.session.SessionReport} to every exporter.
 *
 * <p>Every input becomes an {@code io.peerpulse.session.core.SessionEvent} applied by the session's core;
 * the journal (module {@code io.peerpulse.session.journal}, optional) appends those events and rebuilds a
 * report from them, which is why the core package is exported to it alone.
 *
 * <p>Exporters are plugins found with {@link java.util.ServiceLoader}: a module
 * {@code provides io.peerpulse.session.spi.SessionExporterProvider with …} and also ships
 * {@code META-INF/services/io.peerpulse.session.spi.SessionExporterProvider} for class-path users.
 * Knows nothing of WebRTC, JSON-B or Micrometer.
 *
 * @uses io.peerpulse.session.spi.SessionExporterProvider
 * @uses io.peerpulse.session.core.EventLogProvider
 * @since 0.1.0
 */
module io.peerpulse.session {
    requires transitive io.peerpulse.telemetry;
    requires static transitive org.jspecify;

    exports io.peerpulse.session;
    exports io.peerpulse.session.spi;
    exports io.peerpulse.session.core to io.peerpulse.session.journal;

    uses io.peerpulse.session.spi.SessionExporterProvider;
    uses io.peerpulse.session.core.EventLogProvider;
}
