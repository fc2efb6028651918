package io.peerpulse.benchmarks;

import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeOptions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The set-up that {@link GameLoopRun} and {@link ProbeCpuRun} share: the relay at 80 ms RTT (or none),
 * two real peers through it, a {@link DataChannelProbe} on each (ping timeout 400 ms), warmed up with
 * {@link JitWarmup}. Closing closes them all, the probes first.
 */
final class ProbingPeers implements AutoCloseable {

    /** How the runs poll A's probe: every 100 ms, a read given up after 500 ms (the ping's own timeout is 400 ms). */
    static final TelemetryOptions POLLING_10_HZ = TelemetryOptions.builder()
            .pollInterval(Duration.ofMillis(100)).readTimeout(Duration.ofMillis(500)).build();

    private final ImpairmentRelay relay;
    private final WebRtcPeers peers;
    private final DataChannelProbe probeA;
    private final DataChannelProbe probeB;
    private final String warmup;
    private final boolean direct;

    private ProbingPeers(ImpairmentRelay relay, WebRtcPeers peers, DataChannelProbe probeA, DataChannelProbe probeB,
                         String warmup, boolean direct) {
        this.direct = direct;
        this.relay = relay;
        this.peers = peers;
        this.probeA = probeA;
        this.probeB = probeB;
        this.warmup = warmup;
    }

    /**
     * @param direct           connect the peers without the relay
     * @param jitWarmupSeconds how long {@link JitWarmup} runs, 0 for not at all
     * @return the peers and probes, warmed up
     * @throws Exception when the peers cannot connect or a probe cannot open
     */
    static ProbingPeers open(boolean direct, int jitWarmupSeconds) throws Exception {
        ProbeOptions probeOptions = ProbeOptions.builder().pingTimeout(Duration.ofMillis(400)).build();
        Link link = Link.roundTrip(Duration.ofMillis(80));
        ImpairmentRelay relay = new ImpairmentRelay(5).impair(link);
        WebRtcPeers peers = null;
        DataChannelProbe probeA = null;
        DataChannelProbe probeB = null;
        try {
            peers = WebRtcPeers.open((direct ? Route.direct() : Route.through(relay))
                    .withTimeout(Duration.ofSeconds(30)));
            probeA = DataChannelProbe.open(peers.peerA(), probeOptions);
            probeB = DataChannelProbe.open(peers.peerB(), probeOptions);
            String warmup = JitWarmup.run(direct ? null : relay, link, peers, probeA, jitWarmupSeconds);
            return new ProbingPeers(relay, peers, probeA, probeB, warmup, direct);
        } catch (Exception | Error e) {
            closeAll(relay, peers, probeA, probeB);
            throw e;
        }
    }

    WebRtcPeers peers() {
        return peers;
    }

    /** @return peer A's probe, the one the runs read */
    DataChannelProbe probeA() {
        return probeA;
    }

    /** @return how the peers are connected, for the runs' headings */
    String route() {
        return direct ? "peers connected directly" : "peers through the relay (80 ms RTT)";
    }

    /**
     * Waits {@code seconds} on the calling thread (a plain wait: nothing counts the latch down).
     *
     * @param seconds how long
     * @throws InterruptedException when interrupted meanwhile
     */
    static void pause(int seconds) throws InterruptedException {
        new CountDownLatch(1).await(seconds, TimeUnit.SECONDS);
    }

    /** @return what the JIT warm-up did, a line */
    String warmup() {
        return warmup;
    }

    @Override
    public void close() {
        closeAll(relay, peers, probeA, probeB);
    }

    private static void closeAll(ImpairmentRelay relay, WebRtcPeers peers, DataChannelProbe probeA,
                                 DataChannelProbe probeB) {
        if (probeB != null) {
            probeB.close();
        }
        if (probeA != null) {
            probeA.close();
        }
        if (peers != null) {
            peers.close();
        }
        relay.close();
    }
}
