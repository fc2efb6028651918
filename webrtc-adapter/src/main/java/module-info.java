/**
 * PeerPulse's RTT source for webrtc-java: {@link io.peerpulse.webrtc.WebRtcRttSource} reads the
 * selected ICE candidate pair of an {@code RTCPeerConnection} and reports a measurement only when
 * new STUN responses arrived since the previous read.
 *
 * <p>The native library comes in a separate classifier jar (e.g. {@code webrtc-java-0.14.0-linux-x86_64.jar},
 * automatic module {@code webrtc.linux.x86_64}); on the module path add
 * {@code --add-modules webrtc.linux.x86_64}, or keep that jar on the class path.
 *
 * @provides io.peerpulse.telemetry.spi.RttSourceProvider the provider named {@code webrtc}
 * @since 0.1.0
 */
module io.peerpulse.webrtc {
    // JSpecify's @NullMarked and @Nullable: static, as nothing reads them at run time; transitive, as
    // @Nullable is part of the exported signatures
    requires static transitive org.jspecify;
    requires transitive io.peerpulse.telemetry;
    requires transitive webrtc.java;

    exports io.peerpulse.webrtc;

    provides io.peerpulse.telemetry.spi.RttSourceProvider with io.peerpulse.webrtc.internal.WebRtcRttSourceProvider;
}
