package io.peerpulse.integration;

import io.peerpulse.telemetry.fixtures.BusyThreads;

import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.testkit.RttSourceContract;
import io.peerpulse.webrtc.DataChannelProbe;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

/**
 * The probe keeps the testkit's contract on real webrtc-java peers, each running a probe, with two busy
 * threads of the test's own beside it: read() sends nothing on the caller's thread, and against a peer
 * answering after 100 ms (the relay) it does not wait for the pong.
 */
@Tag("integration")
class DataChannelProbeContractTest extends RttSourceContract {

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
        return probes(WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT)), null);
    }

    @Override
    protected RttSource createSourceWithSlowPeer(Duration answerDelay) throws Exception {
        ImpairmentRelay relay = new ImpairmentRelay(11).impair(Link.roundTrip(answerDelay));
        try {
            return probes(WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT)), relay);
        } catch (RuntimeException | InterruptedException e) {
            relay.close();
            throw e;
        }
    }

    private RttSource probes(WebRtcPeers peers, ImpairmentRelay relay) {
        DataChannelProbe a = DataChannelProbe.open(peers.peerA());
        DataChannelProbe b = DataChannelProbe.open(peers.peerB());
        resources.put(a, () -> {
            a.close();
            b.close();
            peers.close();
            if (relay != null) {
                relay.close();
            }
        });
        return a;
    }

    @Override
    protected void closeSource(RttSource source) throws Exception {
        AutoCloseable owned = resources.remove(source);
        if (owned != null) {
            owned.close();
        }
    }
}
