package io.peerpulse.integration;

import io.peerpulse.telemetry.fixtures.BusyThreads;

import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.testkit.RttSourceContract;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

/**
 * The ICE source keeps the testkit's contract on real webrtc-java peers, with two busy threads of the test's
 * own beside it: its read() makes no call into webrtc-java on the caller's thread. Its state comes from A's
 * observer ({@link WebRtcRttSource#onConnectionChange}).
 */
@Tag("integration")
class WebRtcRttSourceContractTest extends RttSourceContract {

    private final Map<RttSource, AutoCloseable> resources = new ConcurrentHashMap<>();
    private BusyThreads busy;

    @BeforeEach
    void loadTheMachine() {
        busy = new BusyThreads(2);
    }

    @AfterEach
    void unload() throws InterruptedException {
        if (busy != null) {
            busy.close();
        }
    }

    @Override
    protected RttSource createSource() throws Exception {
        WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT));
        WebRtcRttSource source = WebRtcRttSource.of(peers.peerA());
        peers.onConnectionChangeOfA(source::onConnectionChange);
        resources.put(source, peers);
        return source;
    }

    @Override
    protected RttSource createSourceWithSlowPeer(Duration answerDelay) throws Exception {
        ImpairmentRelay relay = new ImpairmentRelay(7).impair(Link.roundTrip(answerDelay));
        WebRtcPeers peers;
        try {
            peers = WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT));
        } catch (RuntimeException | InterruptedException e) {
            relay.close();
            throw e;
        }
        WebRtcRttSource source = WebRtcRttSource.of(peers.peerA());
        peers.onConnectionChangeOfA(source::onConnectionChange);
        resources.put(source, () -> {
            peers.close();
            relay.close();
        });
        return source;
    }

    @Override
    protected void closeSource(RttSource source) throws Exception {
        AutoCloseable owned = resources.remove(source);
        if (owned != null) {
            source.close(); // waits for a call into webrtc-java in progress: then the factory can go
            owned.close(); // nothing reads the source any more: the contract awaited every answer
        }
    }
}
