package io.peerpulse.integration;

import io.peerpulse.lab.BrowserPeer;
import io.peerpulse.lab.Chromium;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeOptions;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A webrtc-java peer with a {@link DataChannelProbe}, connected through a relay to a page in real
 * headless Chromium ({@link BrowserPeer}); closed in the safe order: probe, peer, browser, relay.
 */
final class ChromiumPeer implements AutoCloseable {

    final ImpairmentRelay relay;
    final BrowserPeer peer;
    final DataChannelProbe probe;
    final Chromium chromium;

    private ChromiumPeer(ImpairmentRelay relay, BrowserPeer peer, DataChannelProbe probe, Chromium chromium) {
        this.relay = relay;
        this.peer = peer;
        this.probe = probe;
        this.chromium = chromium;
    }

    /**
     * The browser, or the test is skipped saying why on standard error too (surefire's summary shows only
     * "Skipped"). Nothing is installed here: {@code scripts/setup.sh --for-tests} installs Debian's package.
     */
    static Path chromiumOrSkip(String test) {
        return Chromium.find().orElseGet(() -> {
            String reason = Chromium.missingReason();
            System.err.println("[PeerPulse] SKIPPED " + test + ": " + reason);
            Assumptions.abort(reason);
            throw new AssertionError("unreachable");
        });
    }

    /** Starts the page, the browser on it and connects through {@code relay} (closed on failure, relay too). */
    static ChromiumPeer connect(Path binary, ImpairmentRelay relay, BrowserPeer.PageOptions page, ProbeOptions probe)
            throws InterruptedException, IOException {
        BrowserPeer peer = null;
        DataChannelProbe javaProbe = null;
        Chromium chromium = null;
        try {
            peer = BrowserPeer.create(DataChannelProbe.browserScript(), page);
            javaProbe = DataChannelProbe.open(peer.peerConnection(), probe); // before the offer: it carries SCTP
            chromium = Chromium.launch(binary, peer.pageUri());
            try {
                peer.connect(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT));
            } catch (IllegalStateException e) {
                throw new IllegalStateException(e.getMessage() + "; chromium: " + chromium.log(), e);
            }
            return new ChromiumPeer(relay, peer, javaProbe, chromium);
        } catch (InterruptedException | IOException | RuntimeException | Error e) {
            if (javaProbe != null) {
                javaProbe.close();
            }
            if (peer != null) {
                peer.close();
            }
            if (chromium != null) {
                chromium.close();
            }
            relay.close();
            throw e;
        }
    }

    static JsonObject json(String text) {
        try (JsonReader reader = Json.createReader(new StringReader(text))) {
            return reader.readObject();
        }
    }

    @Override
    public void close() {
        probe.close();
        peer.close();
        chromium.close();
        relay.close();
    }
}
