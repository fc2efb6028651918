/**
 * PeerPulse's Micrometer exporter: the {@link io.peerpulse.session.spi.SessionExporterProvider} named
 * {@code micrometer}. It records every RTT sample of a game session into a Micrometer
 * {@code MeterRegistry} — the one a session gives as {@code exportAttribute(MeterRegistry.class, …)},
 * else {@code Metrics.globalRegistry} — as the timer {@code peerpulse.session.rtt} with a percentile
 * histogram, counts how the session's polls ended ({@code peerpulse.session.polls}) and how many
 * sessions are active ({@code peerpulse.sessions.active}). A session id is never a tag: sessions with
 * the same tags share their meters, which stay registered once made (with the setting
 * {@code peerpulse.export.micrometer.keep-meters=false}, a meter is removed from the registry when the
 * last session using it ends). The module's README lists every meter, unit, tag and setting.
 *
 * <p>No package is exported: sessions find the exporter with {@link java.util.ServiceLoader}.
 *
 * @provides io.peerpulse.session.spi.SessionExporterProvider the exporter named {@code micrometer}
 * @since 0.1.0
 */
@SuppressWarnings("requires-automatic") // Micrometer's jars are automatic modules (micrometer.core)
module io.peerpulse.export.micrometer {
    // JSpecify's @NullMarked and @Nullable: nothing reads them at run time
    requires static org.jspecify;
    requires io.peerpulse.session;
    requires micrometer.core;

    provides io.peerpulse.session.spi.SessionExporterProvider
            with io.peerpulse.export.micrometer.internal.MicrometerExporterProvider;
}
