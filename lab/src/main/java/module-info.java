/**
 * PeerPulse network lab: what the demo, the benchmarks and the tests use to put a known network
 * between two real peers. No JUnit, no AssertJ: it ships with the {@code peerpulse} command.
 *
 * <ul>
 *   <li>{@link io.peerpulse.lab.ImpairmentRelay}: a UDP relay on 127.0.0.1 that adds known delay,
 *       jitter, loss and outages between two endpoints;</li>
 *   <li>{@link io.peerpulse.lab.WebRtcPeers}: two real webrtc-java peers connected in one JVM,
 *       directly or through the relay. webrtc-java's native jar must be on the class path, or on the
 *       module path with {@code --add-modules webrtc.linux.x86_64} (or your platform's name).</li>
 *   <li>{@link io.peerpulse.lab.BrowserPeer} and {@link io.peerpulse.lab.Chromium}: one webrtc-java peer
 *       whose far end is a page in headless Chromium, signalling over HTTP on 127.0.0.1.</li>
 * </ul>
 *
 * @since 0.1.0
 */
module io.peerpulse.lab {
    // JSpecify's @NullMarked and @Nullable: static, as nothing reads them at run time; transitive, as
    // @Nullable is part of the exported signatures
    requires static transitive org.jspecify;
    // Transitive: webrtc-java's types appear in WebRtcPeers' signatures.
    requires transitive webrtc.java;
    // BrowserPeer serves its page and signalling on 127.0.0.1
    requires jdk.httpserver;

    exports io.peerpulse.lab;
}
