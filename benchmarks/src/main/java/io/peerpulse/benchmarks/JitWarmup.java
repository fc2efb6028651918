package io.peerpulse.benchmarks;

import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.Locale;

/**
 * Runs the probe's and the telemetries' code fast for a while, so that the JIT has compiled it at its top
 * tier before anything is measured. At the benchmarks' rates (a ping every 100 ms, ICE stats every second)
 * C2's thresholds (some thousands of calls) take from minutes to hours to reach, and until then the compiler
 * threads keep taking CPU in the middle of the measurement, only while the telemetry runs. Here the relay's
 * delay is 0 for the warm-up, so that the probe's reads follow each other about a millisecond apart
 * (a telemetry reads one at a time), and the ICE telemetry polls every 10 ms.
 */
final class JitWarmup {

    private static final TelemetryOptions FAST_PROBE = TelemetryOptions.builder()
            .pollInterval(Duration.ofMillis(1)).readTimeout(Duration.ofMillis(500)).build();
    private static final TelemetryOptions FAST_ICE = TelemetryOptions.builder()
            .pollInterval(Duration.ofMillis(10)).readTimeout(Duration.ofMillis(500)).build();

    private JitWarmup() {
    }

    /**
     * Polls {@code probe} and peer A's ICE stats fast for {@code seconds}, then puts the relay's link back.
     *
     * @param relay   the relay the peers go through, or {@code null} when they are connected directly
     * @param link    the relay's link to restore afterwards
     * @param peers   the peers
     * @param probe   peer A's probe
     * @param seconds how long; 0 does nothing
     * @return a line saying what ran
     * @throws InterruptedException when interrupted while waiting
     */
    static String run(ImpairmentRelay relay, Link link, WebRtcPeers peers, DataChannelProbe probe, int seconds)
            throws InterruptedException {
        if (seconds == 0) {
            return "no JIT warm-up";
        }
        if (relay != null) {
            relay.impair(Link.roundTrip(Duration.ZERO));
        }
        TelemetryCounters probePolls;
        TelemetryCounters icePolls;
        WebRtcRttSource ice = WebRtcRttSource.of(peers.peerA());
        try (LatencyTelemetry fastProbe = new LatencyTelemetry(probe, FAST_PROBE);
             LatencyTelemetry fastIce = new LatencyTelemetry(ice, FAST_ICE)) {
            fastProbe.start();
            fastIce.start();
            ProbingPeers.pause(seconds);
            fastProbe.stop();
            fastIce.stop();
            probePolls = fastProbe.getCounters();
            icePolls = fastIce.getCounters();
        } finally {
            ice.close(); // a telemetry does not close its source
            if (relay != null) {
                relay.impair(link);
            }
        }
        return String.format(Locale.ROOT, "JIT warm-up: %d s%s; the probe read %d times (%d measured), ICE stats %d times", seconds,
                relay != null ? ", relay delay 0" : "", probePolls.pollCount() - probePolls.skippedCount(), probePolls.measuredCount(),
                icePolls.pollCount());
    }
}
