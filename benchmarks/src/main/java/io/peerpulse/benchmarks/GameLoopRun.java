package io.peerpulse.benchmarks;

import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.lab.ImpairmentRelay.Link;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeOptions;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * A 60 Hz game loop on two real peers (through the relay, 80 ms RTT) that sends an input over the
 * data channel every frame, with telemetry off and then on: how late the frames start against their
 * fixed schedule. The loop runs on its own thread, as a game's would; the telemetry reads the
 * peer connection at 1 Hz on the shared scheduler. A third phase probes at 10 Hz with a
 * {@link DataChannelProbe} on each peer (pings on a data channel of their own, answered on the probe
 * thread) while the loop sends its inputs.
 */
public final class GameLoopRun {

    private static final long FRAME_NANOS = 1_000_000_000L / 60;

    private GameLoopRun() {
    }

    /**
     * @param args {@code --seconds N} per phase (default 30)
     * @throws Exception when the peers cannot connect
     */
    public static void main(String[] args) throws Exception {
        int seconds = args.length == 2 && args[0].equals("--seconds") ? Integer.parseInt(args[1]) : 30;
        System.out.println("| telemetry | frames | lateness median ms | p99 ms | max ms |");
        System.out.println("|---|---:|---:|---:|---:|");
        try (ImpairmentRelay relay = new ImpairmentRelay(5).impair(Link.roundTrip(Duration.ofMillis(80)));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Duration.ofSeconds(30)))) {
            loop(peers, Math.min(3, seconds), null); // warm-up
            print("off", loop(peers, seconds, null));
            LatencyTelemetry telemetry = new LatencyTelemetry(WebRtcRttSource.of(peers.peerA()),
                    TelemetryOptions.defaults());
            telemetry.start();
            try {
                print("on (1 Hz)", loop(peers, seconds, telemetry));
            } finally {
                telemetry.close();
            }
            ProbeOptions probeOptions = ProbeOptions.builder().pingTimeout(Duration.ofMillis(400)).build();
            try (DataChannelProbe probeA = DataChannelProbe.open(peers.peerA(), probeOptions);
                 DataChannelProbe probeB = DataChannelProbe.open(peers.peerB(), probeOptions)) {
                LatencyTelemetry probing = new LatencyTelemetry(probeA, TelemetryOptions.builder()
                        .pollInterval(Duration.ofMillis(100)).readTimeout(Duration.ofMillis(500)).build());
                probing.start();
                try {
                    print("probe (10 Hz)", loop(peers, seconds, probing));
                } finally {
                    probing.close();
                }
                System.out.printf("%nprobe during the loop: %s, polls %s%n", probeA.counters(), probing.getCounters());
            }
        }
    }

    /** Runs the loop; returns each frame's lateness in nanoseconds. */
    private static long[] loop(WebRtcPeers peers, int seconds, LatencyTelemetry telemetry) throws Exception {
        int frames = seconds * 60;
        long[] lateness = new long[frames];
        long start = System.nanoTime() + FRAME_NANOS;
        for (int frame = 0; frame < frames; frame++) {
            long due = start + frame * FRAME_NANOS;
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(due - now);
            }
            lateness[frame] = now - due;
            byte[] input = ("input " + frame).getBytes(StandardCharsets.UTF_8);
            peers.channelA().send(new RTCDataChannelBuffer(ByteBuffer.wrap(input), false));
            if (telemetry != null) {
                telemetry.getSummary(); // the HUD reads the RTT every frame
            }
        }
        return lateness;
    }

    private static void print(String label, long[] lateness) {
        long[] sorted = lateness.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        System.out.printf("| %s | %d | %.3f | %.3f | %.3f |%n", label, n, sorted[n / 2] / 1e6,
                sorted[(int) Math.ceil(n * 0.99) - 1] / 1e6, sorted[n - 1] / 1e6);
    }
}
