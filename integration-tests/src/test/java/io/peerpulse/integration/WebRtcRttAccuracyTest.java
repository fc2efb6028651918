package io.peerpulse.integration;

import io.peerpulse.lab.ImpairmentRelay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Ground truth: RTT injected by the relay between two real webrtc-java peers, measured by PeerPulse.
 * Tagged {@code classpath}: it runs on the module path and again on the class path.
 */
@ResourceLock(value = CpuLock.NAME, mode = ResourceAccessMode.READ)
@Tag("classpath")
@Tag("integration")
class WebRtcRttAccuracyTest {

    /** libwebrtc pings a stable pair about every 2.5 s: a dozen measurements take about 30 s. */
    private static final int SAMPLES = 12;
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration BOUND = Duration.ofSeconds(90);

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
            Fixtures jitter = add(all, Fixtures.throughRelay(Duration.ofMillis(80), Duration.ofMillis(2).plusNanos(500_000),
                    WebRtcRttSource.Mode.RESPONSES, POLL));
            all.forEach(f -> f.telemetry.start());
            for (Fixtures f : all) {
                assertThat(f.recorder.awaitMeasured(SAMPLES, BOUND))
                        .as("%d measurements within %s", SAMPLES, BOUND).isTrue();
            }
            all.forEach(f -> f.telemetry.stop());

            assertThat(stats(loopback).medianMs()).as("loopback").isLessThanOrEqualTo(2);
            assertMedian(rtt20, 20);
            assertMedian(rtt80, 80);
            assertMedian(rtt200, 200);
            assertThat(stats(jitter).meanMs()).as("mean with 5 ms jitter").isCloseTo(80, within(2.0));
            assertThat(stats(jitter).stdDevMs()).as("the jitter is really there").isPositive();

            for (Fixtures f : all) {
                assertThat(f.telemetry.getCounters().failedCount()).as("no read failed").isZero();
                // through the relay a peer may see its own end as peer-reflexive: types, never addresses
                NetworkPath path = f.telemetry.getPath().orElseThrow();
                assertThat(path.protocol()).isEqualTo("udp");
                assertThat(List.of(path.localType(), path.remoteType())).allSatisfy(type ->
                        assertThat(type).isIn("host", "srflx", "prflx", "relay"));
            }
            assertThat(loopback.telemetry.getPath()).contains(new NetworkPath("host", "host", "udp"));
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
        return Fixtures.throughRelay(Duration.ofMillis(rttMs), Duration.ofMillis(jitterMs),
                WebRtcRttSource.Mode.RESPONSES, POLL);
    }

    private static Fixtures add(List<Fixtures> all, Fixtures fixture) {
        all.add(fixture);
        return fixture;
    }

    private static LatencyStats stats(Fixtures f) {
        return f.telemetry.getStats().orElseThrow();
    }

    private static void assertMedian(Fixtures f, double injectedMs) {
        double tolerance = Math.max(1, 0.02 * injectedMs);
        assertThat(stats(f).medianMs()).as("median with %s ms injected; samples %s", injectedMs,
                stats(f).samples()).isCloseTo(injectedMs, within(tolerance));
    }
}
