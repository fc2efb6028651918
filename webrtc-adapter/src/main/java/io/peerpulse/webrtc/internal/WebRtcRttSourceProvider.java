package io.peerpulse.webrtc.internal;

import dev.onvoid.webrtc.RTCPeerConnection;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.telemetry.spi.RttSourceProvider;
import io.peerpulse.webrtc.WebRtcRttSource;

/** The {@code webrtc} provider: a {@link WebRtcRttSource} for every {@link RTCPeerConnection}. */
public final class WebRtcRttSourceProvider implements RttSourceProvider {

    /** Called by {@link java.util.ServiceLoader}. */
    public WebRtcRttSourceProvider() {
    }

    @Override
    public String name() {
        return "webrtc";
    }

    @Override
    public boolean supports(Object connection) {
        return connection instanceof RTCPeerConnection;
    }

    @Override
    public RttSource create(Object connection) {
        if (!(connection instanceof RTCPeerConnection peerConnection)) {
            throw new IllegalArgumentException("the webrtc provider measures RTCPeerConnection, not "
                    + (connection == null ? "null" : connection.getClass().getName()));
        }
        return WebRtcRttSource.of(peerConnection);
    }
}
