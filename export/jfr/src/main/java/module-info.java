/**
 * PeerPulse's JDK Flight Recorder exporter: the exporter named {@code jfr} turns every session into JFR events
 * — {@code io.peerpulse.RttSample} for each RTT sample (with its source and network path),
 * {@code io.peerpulse.QualityChange} for each quality change (with its reasons), {@code io.peerpulse.Connection}
 * for each open, reopen, reconnection and close of the data channel, and {@code io.peerpulse.SessionEnd} with
 * the session's summary — in the category {@code PeerPulse}, so that a recording made by
 * {@code -XX:StartFlightRecording}, {@code jcmd JFR.start} or {@code jdk.jfr.Recording} shows them beside the
 * JDK's own events. While no recording enables them it builds nothing: each call checks its event type first.
 * It has no settings; without a flight recorder in the JVM it does nothing.
 *
 * <p>No package is exported: sessions find the exporter with {@link java.util.ServiceLoader}.
 *
 * @provides io.peerpulse.session.spi.SessionExporterProvider the exporter named {@code jfr}
 * @since 0.1.0
 */
module io.peerpulse.export.jfr {
    // JSpecify's @NullMarked and @Nullable: nothing reads them at run time
    requires static org.jspecify;
    requires io.peerpulse.session;
    requires jdk.jfr;

    provides io.peerpulse.session.spi.SessionExporterProvider
            with io.peerpulse.export.jfr.internal.JfrExporterProvider;
}
