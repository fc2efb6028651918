package io.peerpulse.integration;

import io.peerpulse.lab.ImpairmentRelay;
import static io.peerpulse.telemetry.fixtures.Records.path;
import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.NetworkPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Ground truth: RTT imposed by the relay between two real webrtc-java peers, measured by PeerPulse. The truth is
 * what the relay recorded for the very ICE checks each reading covers ({@link RelayTruth#iceDifferences}): the
 * actual holds of request and response, which on a busy machine exceed the asked delay, plus B's turnaround as
 * the relay saw it, at the readings' 1 ms resolution (libwebrtc and the relay read the same monotonic clock). The
 * lower quartile of (reading − truth) must lie in [-{@value #BELOW_MS}, +{@value #ABOVE_MS}] ms: A's own sockets
 * and thread add what the relay cannot see, 0 or 1 ms at this resolution (a busy machine delays some readings far
 * more, hence not the median). Pairing each reading with its own checks also takes the jitter out of the
 * comparison. Readings 2 ms off fail. Module path only: nothing it measures depends on how the modules are
 * found (the class-path pass is for discovery, see the pom).
 */
@Tag("integration")
class WebRtcRttAccuracyTest {

    /** libwebrtc pings a stable pair about every 2.5 s: a dozen measurements take about 30 s. */
    private static final int SAMPLES = 12;
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration BOUND = Duration.ofSeconds(90);
    /** Below the truth: none is possible on one clock (readings are paired with their own checks by count), ms. */
    static final double BELOW_MS = 1.0;
    /** Above it: A's own overhead (loopback sockets, network thread) crossing a millisecond boundary, ms. */
    static final double ABOVE_MS = 1.0;

    @Test
    void theMeasuredRttIsTheInjectedRoundTrip() throws Exception {
        List<Fixtures> all = new ArrayList<>();
        try {
            // every case at once: they wait for the same slow STUN pings side by side
            Fixtures loopback = add(all, Fixtures.direct(POLL));
            Fixtures rtt20 = add(all, relay(20, 0));
            Fixtures rtt80 = add(all, relay(80, 0));
            Fixtures rtt200 = add(all, relay(200, 0));
            // 5 ms of jitter on the round trip: each direction varies uniformly by ±2.5 ms
            Fixtures jitter = add(all, Fixtures.counted(Duration.ofMillis(80), Duration.ofMillis(2).plusNanos(500_000),
                    POLL));
            long from = System.nanoTime();
            all.forEach(f -> f.telemetry.start());
            for (Fixtures f : all) {
                assertThat(f.recorder.awaitMeasured(SAMPLES, BOUND))
                        .as("%d measurements within %s", SAMPLES, BOUND).isTrue();
            }
            all.forEach(f -> f.telemetry.stop());
            long to = System.nanoTime();
            for (Fixtures f : all) {
                if (f.relay != null) {
                    LatencyStats s = stats(f);
                    RelayTruth truth = RelayTruth.of(f.relay, from, to);
                    System.out.printf("ICE %s: measured median %.3f mean %.3f; differences %s; %s%n", f.relay.impairment(
                            ImpairmentRelay.Direction.A_TO_B), s.medianMs(), s.meanMs(),
                            java.util.Arrays.toString(truth.iceDifferences(s.samples(), f.counted.reads())), truth);
                    System.out.printf("ICE %s: reads (rtt, before/after count, read start to the source's answer,"
                                    + " answer to the report after, ms) %s%n",
                            f.relay.impairment(ImpairmentRelay.Direction.A_TO_B), f.counted.reads().stream()
                                    .map(r -> String.format(java.util.Locale.ROOT, "%.3f %d/%d %.1f %.1f", r.rttMs(),
                                            r.before(), r.after(), (r.doneNanos() - r.readNanos()) / 1e6,
                                            (r.toNanos() - r.doneNanos()) / 1e6)).toList());
                }
            }

            assertThat(stats(loopback).medianMs()).as("loopback").isLessThanOrEqualTo(2);
            for (Fixtures f : List.of(rtt20, rtt80, rtt200, jitter)) {
                RelayTruth.of(f.relay, from, to).assertIceAgrees("ICE readings through " + f.relay.impairment(
                        ImpairmentRelay.Direction.A_TO_B), stats(f).samples(), f.counted.reads(), BELOW_MS, ABOVE_MS);
            }
            assertThat(stats(jitter).stdDevMs()).as("the jitter is really there").isPositive();

            for (Fixtures f : all) {
                assertThat(f.telemetry.getCounters().failedCount()).as("no read failed").isZero();
                // through the relay a peer may see its own end as peer-reflexive: types, never addresses
                NetworkPath path = f.telemetry.getPath().orElseThrow();
                assertThat(path.protocol()).isEqualTo("udp");
                assertThat(List.of(path.localType(), path.remoteType())).allSatisfy(type ->
                        assertThat(type).isIn("host", "srflx", "prflx", "relay"));
            }
            assertThat(loopback.telemetry.getPath()).contains(path("host", "host", "udp"));
            for (Fixtures f : all) {
                LatencyStats s = stats(f);
                System.out.printf("%s: n=%d median=%.3f mean=%.3f min=%.3f max=%.3f sd=%.3f path=%s%n",
                        f.relay == null ? "loopback" : f.relay.impairment(
                                io.peerpulse.lab.ImpairmentRelay.Direction.A_TO_B),
                        s.sampleCount(), s.medianMs(), s.meanMs(), s.minMs(), s.maxMs(), s.stdDevMs(),
                        f.telemetry.getPath().orElse(null));
            }
            assertThat(rtt80.relay.counters(io.peerpulse.lab.ImpairmentRelay.Direction.A_TO_B).forwardedCount())
                    .as("the path really went through the relay").isPositive();
        } finally {
            all.forEach(Fixtures::close);
        }
    }

    private static Fixtures relay(int rttMs, int jitterMs) throws InterruptedException {
        return Fixtures.counted(Duration.ofMillis(rttMs), Duration.ofMillis(jitterMs), POLL);
    }

    private static Fixtures add(List<Fixtures> all, Fixtures fixture) {
        all.add(fixture);
        return fixture;
    }

    private static LatencyStats stats(Fixtures f) {
        return f.telemetry.getStats().orElseThrow();
    }
}
