package io.peerpulse.integration;

import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeOptions;
import java.time.Duration;
import java.util.List;

/**
 * Two real peers through the relay (or directly), a {@link DataChannelProbe} on each, and a
 * telemetry polling A's probe; closed in the safe order: telemetry, probes, peers, relay.
 */
final class ProbePeers implements AutoCloseable {

    final ImpairmentRelay relay;
    final WebRtcPeers peers;
    final DataChannelProbe probeA;
    final DataChannelProbe probeB;
    final LatencyTelemetry telemetry;
    final Recorder recorder = new Recorder();

    private ProbePeers(ImpairmentRelay relay, WebRtcPeers peers, ProbeOptions optionsA, ProbeOptions optionsB,
                       TelemetryOptions telemetryOptions) {
        this.relay = relay;
        this.peers = peers;
        DataChannelProbe a = null;
        try {
            a = DataChannelProbe.open(peers.peerA(), optionsA);
            this.probeB = DataChannelProbe.open(peers.peerB(), optionsB);
        } catch (RuntimeException | Error e) {
            if (a != null) {
                a.close();
            }
            throw e;
        }
        this.probeA = a;
        this.telemetry = new LatencyTelemetry(probeA, telemetryOptions);
        telemetry.addListener(recorder);
    }

    /** Connects through a relay impaired by {@code link}, then opens both probes. */
    static ProbePeers throughRelay(Link link, ProbeOptions optionsA, ProbeOptions optionsB,
                                   TelemetryOptions telemetryOptions) throws InterruptedException {
        ImpairmentRelay relay = new ImpairmentRelay(42).impair(link);
        WebRtcPeers peers = null;
        try {
            peers = WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT));
            return new ProbePeers(relay, peers, optionsA, optionsB, telemetryOptions);
        } catch (RuntimeException | InterruptedException | Error e) {
            if (peers != null) {
                peers.close();
            }
            relay.close();
            throw e;
        }
    }

    static TelemetryOptions polling(Duration interval) {
        return TelemetryOptions.builder().pollInterval(interval).build();
    }

    static ProbeOptions timeout(Duration pingTimeout) {
        return ProbeOptions.builder().pingTimeout(pingTimeout).build();
    }

    LatencyStats stats() {
        return telemetry.getStats().orElseThrow();
    }

    List<Recorder.Poll> polls() {
        return recorder.polls();
    }

    @Override
    public void close() {
        telemetry.close();
        probeA.close();
        probeB.close();
        peers.close();
        if (relay != null) {
            relay.close();
        }
    }
}
