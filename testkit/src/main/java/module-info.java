/**
 * PeerPulse testkit: helpers for tests of PeerPulse itself and of its plugins.
 *
 * <ul>
 *   <li>{@link io.peerpulse.testkit.VirtualScheduler}: a virtual-time
 *       {@link java.util.concurrent.ScheduledExecutorService} with its clock, so tests never sleep;</li>
 *   <li>{@link io.peerpulse.testkit.ScriptedRttSource}: an {@link io.peerpulse.telemetry.spi.RttSource}
 *       that answers from a script;</li>
 *   <li>{@link io.peerpulse.testkit.RttSourceContract}: the JUnit 5 contract test that an
 *       {@code RttSource} plugin's own test extends;</li>
 *   <li>{@link io.peerpulse.testkit.SessionExporterContract}: the JUnit 5 contract test that a
 *       {@code SessionExporter} plugin's own test extends;</li>
 *   <li>{@link io.peerpulse.testkit.ImpairmentRelay}: a UDP relay on 127.0.0.1 that adds known delay,
 *       jitter, loss and outages between two endpoints;</li>
 *   <li>{@link io.peerpulse.testkit.WebRtcPeers}: two real webrtc-java peers connected in one JVM,
 *       directly or through the relay. webrtc-java is optional ({@code requires static}): to use
 *       this class add it and its native jar, the latter on the class path or on the module path
 *       with {@code --add-modules webrtc.linux.x86_64} (or your platform's name).</li>
 * </ul>
 *
 * @since 0.1.0
 */
module io.peerpulse.testkit {
    requires transitive io.peerpulse.telemetry;
    // Transitive: SessionExporterContract's signatures use the session's SPI and report types.
    requires transitive io.peerpulse.session;
    requires transitive org.junit.jupiter.api;
    requires org.assertj.core;
    // Optional (static): only WebRtcPeers needs it, so the rest of the testkit runs without webrtc-java.
    // Transitive: its types appear in WebRtcPeers' signatures, so a test module that resolves
    // webrtc.java reads it through the testkit.
    requires static transitive webrtc.java;

    exports io.peerpulse.testkit;
}
