package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.ClockOffset;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeCounters;
import io.peerpulse.webrtc.ProbeOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/**
 * Issue 23 (a): a far peer that answers the probe's pings itself, claiming it held each ping for all but 2 ms of
 * an 80 ms round trip and that its clock is an hour ahead. Without a bound the probe reported a 3.63 ms median and
 * a clock offset of 3,600,038.9 ± 1.1 ms; with the 5 ms hold cap the median stays within 5 ms of the truth (at
 * least 72 ms asked), every pong counts as capped, and the offset is not presented as verified (nor exported).
 */
@Tag("integration")
class ProbeForgedHoldTest {

    private static final Duration RTT = Duration.ofMillis(80);
    private static final int POLLS = 21;

    @Test
    void aPeerForgingItsHoldTimeCannotShrinkTheRoundTripNorVerifyItsClock() throws Exception {
        ImpairmentRelay relay = new ImpairmentRelay(23).impair(Link.roundTrip(RTT));
        WebRtcPeers peers = null;
        DataChannelProbe probe = null;
        HostilePeer cheat = null;
        LatencyTelemetry telemetry = null;
        try {
            peers = WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT));
            probe = DataChannelProbe.open(peers.peerA(),
                    ProbeOptions.builder().pingTimeout(Duration.ofMillis(400)).build());
            cheat = HostilePeer.on(peers.peerB())
                    .forgingPongs(RTT.minusMillis(2), Duration.ofHours(1));
            assertThat(cheat.awaitOpen(Duration.ofSeconds(30))).as("the cheat's probe channel opens").isTrue();
            telemetry = new LatencyTelemetry(probe, TelemetryOptions.builder()
                    .pollInterval(Duration.ofMillis(500)).build());
            Recorder recorder = new Recorder();
            telemetry.addListener(recorder);
            telemetry.start();
            assertThat(recorder.await(p -> p.stream().filter(x -> x.outcome() == PollOutcome.MEASURED).count() >= POLLS,
                    Duration.ofSeconds(60))).as("%d measured polls", POLLS).isTrue();
            telemetry.stop();

            LatencyStats stats = telemetry.getStats().orElseThrow();
            ProbeCounters counters = probe.getCounters();
            ClockOffset offset = probe.getClockOffset().orElseThrow();
            ProbeStats exported = probe.probeStats();
            System.out.printf("forged hold %s on %s: median=%.3f min=%.3f max=%.3f %s offset=%s exported=%s%n",
                    RTT.minusMillis(2), RTT, stats.medianMs(), stats.minMs(), stats.maxMs(), counters, offset, exported);

            assertThat(stats.medianMs()).as("median with a forged hold; samples %s", stats.samples())
                    .isGreaterThanOrEqualTo(72.0);
            assertThat(counters.cappedHoldCount()).as("every answered pong claimed 78 ms")
                    .isEqualTo(counters.answeredCount());
            assertThat(counters.maxHoldMs()).as("the raw claim is kept").isEqualTo(78.0);
            assertThat(offset.verified()).as("an offset from forged pongs is not verified").isFalse();
            assertThat(exported.offsetMs()).as("and not exported as if it were").isNull();
        } finally {
            if (telemetry != null) {
                telemetry.close();
            }
            if (probe != null) {
                probe.close();
            }
            if (cheat != null) {
                cheat.close();
            }
            if (peers != null) {
                peers.close();
            }
            relay.close();
        }
    }
}
