package io.peerpulse.cli;

import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.WebRtcRttSource;

/**
 * The demo's RTT sources for {@code --source}: a {@link DataChannelProbe} on each peer (B answers A's
 * pings), and A's ICE view. Closed before the peers, after the session stopped polling.
 */
final class DemoSources implements AutoCloseable {

    /** What {@code --source} chooses. */
    enum Choice {
        /** The probe for {@code latency}; no second view. */
        probe,
        /** The ICE view for {@code latency}; no probe. */
        ice,
        /** The probe for {@code latency}, the ICE view recorded beside it (default). */
        both
    }

    private final DataChannelProbe probeA;
    private final DataChannelProbe probeB;
    private final WebRtcRttSource ice;
    final RttSource primary;
    final RttSource secondary;

    private DemoSources(DataChannelProbe probeA, DataChannelProbe probeB, WebRtcRttSource ice, RttSource primary,
                        RttSource secondary) {
        this.probeA = probeA;
        this.probeB = probeB;
        this.ice = ice;
        this.primary = primary;
        this.secondary = secondary;
    }

    static DemoSources open(WebRtcPeers peers, Choice choice) {
        WebRtcRttSource ice = WebRtcRttSource.of(peers.peerA());
        peers.onConnectionChangeOfA(ice::onConnectionChange); // the state from webrtc-java's callbacks, never asked
        if (choice == Choice.ice) {
            return new DemoSources(null, null, ice, ice, null);
        }
        DataChannelProbe a = DataChannelProbe.open(peers.peerA());
        DataChannelProbe b;
        try {
            b = DataChannelProbe.open(peers.peerB());
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
        return new DemoSources(a, b, ice, a, choice == Choice.both ? ice : null);
    }

    @Override
    public void close() {
        ice.close(); // the session closed it too: waits for a getStats in progress, before the factory goes
        if (probeA != null) {
            probeA.close();
            probeB.close();
        }
    }
}
