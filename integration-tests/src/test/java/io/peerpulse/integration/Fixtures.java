package io.peerpulse.integration;

import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;

/** Two real peers, optionally through the relay, with a telemetry on peer A; closed in the safe order. */
final class Fixtures implements AutoCloseable {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    final ImpairmentRelay relay;
    final WebRtcPeers peers;
    final WebRtcRttSource source;
    /** The source with its readings' response counts, which the telemetry reads; {@code null} unless counted. */
    final CountedIce counted;
    final LatencyTelemetry telemetry;
    final Recorder recorder = new Recorder();

    private Fixtures(ImpairmentRelay relay, WebRtcPeers peers, WebRtcRttSource.Mode mode, Duration pollInterval) {
        this(relay, peers, mode, pollInterval, false);
    }

    private Fixtures(ImpairmentRelay relay, WebRtcPeers peers, WebRtcRttSource.Mode mode, Duration pollInterval,
                     boolean counted) {
        this.relay = relay;
        this.peers = peers;
        this.source = WebRtcRttSource.of(peers.peerA(), mode);
        this.counted = counted ? new CountedIce(source) : null;
        this.telemetry = new LatencyTelemetry(counted ? this.counted : source,
                TelemetryOptions.builder().pollInterval(pollInterval).readTimeout(Duration.ofSeconds(2)).build());
        telemetry.addListener(recorder);
    }

    static Fixtures direct(Duration pollInterval) throws InterruptedException {
        return new Fixtures(null, WebRtcPeers.open(Route.direct().withTimeout(CONNECT_TIMEOUT)), WebRtcRttSource.Mode.RESPONSES,
                pollInterval);
    }

    static Fixtures throughRelay(Duration roundTrip, Duration jitter, WebRtcRttSource.Mode mode, Duration pollInterval)
            throws InterruptedException {
        return throughRelay(roundTrip, jitter, mode, pollInterval, false);
    }

    /** As {@link #throughRelay}, in {@code RESPONSES} mode, the telemetry reading a {@link CountedIce}. */
    static Fixtures counted(Duration roundTrip, Duration jitter, Duration pollInterval) throws InterruptedException {
        return throughRelay(roundTrip, jitter, WebRtcRttSource.Mode.RESPONSES, pollInterval, true);
    }

    private static Fixtures throughRelay(Duration roundTrip, Duration jitter, WebRtcRttSource.Mode mode,
                                         Duration pollInterval, boolean counted) throws InterruptedException {
        ImpairmentRelay relay = new ImpairmentRelay(42).impair(Link.roundTrip(roundTrip).withJitter(jitter));
        try {
            return new Fixtures(relay, WebRtcPeers.open(Route.through(relay).withTimeout(CONNECT_TIMEOUT)), mode,
                    pollInterval, counted);
        } catch (RuntimeException | InterruptedException | Error e) {
            relay.close();
            throw e;
        }
    }

    /** Stop telemetry, close its source, then the peers (connections, factory, audio module), then the relay. */
    @Override
    public void close() {
        telemetry.close();
        if (counted != null) {
            counted.close(); // its own calls into webrtc-java first
        }
        source.close();
        peers.close();
        if (relay != null) {
            relay.close();
        }
    }
}
