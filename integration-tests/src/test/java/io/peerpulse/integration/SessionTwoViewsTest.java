package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.session.CoverageGap;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.ValidationData;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.Test;

/**
 * Two views of RTT in a session on real peers through the relay: the probe with the ICE view beside it,
 * the fallback to the ICE view when the peer has no probe, and coverage of an ICE-measured session that
 * accounts for its 2.5 s refresh period. Each test has its own relay and peers, so the three run side by side
 * (they wait for slow real events, ICE refreshes and the fallback's 4 s, not for the CPU).
 */
@Execution(ExecutionMode.CONCURRENT)
@Tag("integration")
class SessionTwoViewsTest {

    /** How long the healthy ICE-measured session runs before the outage: 8 refresh periods of about 2.5 s. */
    private static final long HEALTHY_MS = 20_000;

    private static final Duration POLL = Duration.ofSeconds(1);

    /**
     * How many ICE samples the fallback test waits for after the fallback (one per refresh period of about 2.5 s,
     * so about 15 s, within the 30 s the coverage test beside it takes): each is judged against the relay's record
     * of exactly the checks it covers, by the lower quartile of the differences, which readings the loaded stack
     * delayed (the near peer's network thread handling a STUN response late, which the relay cannot see) move only
     * when more than half of them are delayed, while a bias of PeerPulse's moves them all. Waiting for 10 s only
     * left one or two samples, so one delayed reading decided the verdict (44 ms, 4 ms above its check as the relay
     * saw it, at load average 5-8 on 2 cores; the source's readings before it were 40 ms).
     */
    private static final int ICE_SAMPLES_AFTER_FALLBACK = 6;

    /** Collects the samples the session hands its exporters; lets a test wait for one that matches. */
    static final class Samples implements SessionExporterProvider, SessionExporter {
        private final List<RttSample> samples = new ArrayList<>();

        @Override
        public String name() {
            return "samples";
        }

        @Override
        public SessionExporter create(ExportSettings settings) {
            return this;
        }

        @Override
        public synchronized void sampleRecorded(String sessionId, RttSample sample) {
            samples.add(sample);
            notifyAll();
        }

        @Override
        public void sessionEnded(io.peerpulse.session.SessionReport report) {
        }

        /** Waits for at least {@code count} samples; the bound only fails a hung test. */
        synchronized boolean awaitCount(int count, Duration bound) throws InterruptedException {
            long deadline = System.nanoTime() + bound.toNanos();
            while (samples.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }

        synchronized List<RttSample> copy() {
            return List.copyOf(samples);
        }

        /** Waits for a sample matching {@code condition}; the bound only fails a hung test. */
        synchronized boolean await(Predicate<RttSample> condition, Duration bound) throws InterruptedException {
            long deadline = System.nanoTime() + bound.toNanos();
            while (samples.stream().noneMatch(condition)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    private static GameSession session(String id, Samples samples) {
        return GameSession.builder(id)
                .telemetryOptions(TelemetryOptions.builder().pollInterval(POLL).build())
                .exporterProviders(List.of(samples))
                .fallbackAfter(Duration.ofSeconds(4))
                .build();
    }

    @Test
    void withAProbeOnBothPeersTheProbeMeasuresEveryPollAndTheIceViewIsRecordedBeside() throws Exception {
        Samples samples = new Samples();
        try (ImpairmentRelay relay = new ImpairmentRelay(7).impair(Link.roundTrip(Duration.ofMillis(80)));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            DataChannelProbe probeA = DataChannelProbe.open(peers.peerA());
            DataChannelProbe probeB = DataChannelProbe.open(peers.peerB());
            GameSession session = session("two-views", samples);
            long start = System.currentTimeMillis();
            long from = System.nanoTime();
            try {
                session.onDataChannelOpen(probeA, WebRtcRttSource.of(peers.peerA()));
                assertThat(samples.await(s -> s.timestampEpochMs() >= start + 15_000, Duration.ofSeconds(60))).isTrue();
            } finally {
                session.close();
                probeA.close();
                probeB.close();
            }
            // what the relay really imposed meanwhile: the truth, as a busy machine does not keep the asked 80 ms
            RelayTruth truth = RelayTruth.of(relay, from, System.nanoTime());
            ValidationData data = session.exportValidationData();
            System.out.printf("two views: %s %s %s %s%n", data.counters(), data.probe(), data.secondary(),
                    data.latency().medianMs());
            assertThat(data.latencySource()).isEqualTo("probe");
            assertThat(data.fallback()).isNull();
            // every poll measured but what the telemetry itself says the machine held back: a poll it counted late
            // (started behind its schedule: the JVM or the polling thread did not keep up, not the network nor the
            // probe) may lose its read, and the next poll, due while that read is still in flight, is skipped.
            // Of the polls the machine did not hold back, at least 95 % measured, the old bound on a quiet machine;
            // and at least 8 of the 15 or so polls in any case, so that a telemetry whose own polls all ran late
            // cannot pass by counting them as the machine's
            TelemetryCounters counters = data.counters();
            long heldBack = counters.latePollCount() + counters.skippedCount();
            long notHeldBack = counters.pollCount() - heldBack;
            assertThat(counters.measuredCount()).as("measured polls of %s, of which %d not held back by the machine;"
                    + " coverage %s", counters, notHeldBack, data.coverage())
                    .isGreaterThanOrEqualTo((long) Math.ceil(0.95 * notHeldBack))
                    .isGreaterThanOrEqualTo(8);
            // whole microseconds: the double nearest a whole number of µs. Not rttMs * 1000 == rint(rttMs * 1000):
            // the product is off by an ulp for some such doubles (129.365 * 1000 = 129365.00000000001), which a
            // loaded machine's slower round trips reach
            assertThat(data.latency().samples()).allSatisfy(s ->
                    assertThat(s.rttMs()).isEqualTo(Math.rint(s.rttMs() * 1000) / 1000));
            assertThat(data.latency().minMs()).as("never below the asked round trip").isGreaterThanOrEqualTo(80.0);
            truth.assertDataChannelFloor("probe", data.latency().samples(), ProbeAccuracyTest.BELOW_MS,
                    ProbeAccuracyTest.ABOVE_MS);
            assertThat(data.probe().lostCount()).isZero();
            assertThat(data.probe().answeredCount()).isEqualTo(data.counters().measuredCount());
            assertThat(Math.abs(data.probe().offsetMs())).isLessThanOrEqualTo(data.probe().errorBoundMs());
            assertThat(data.secondary().source()).isEqualTo("ice");
            truth.assertIceFloor("ICE view beside the probe", data.secondary().latency().minMs(),
                    WebRtcRttAccuracyTest.BELOW_MS, WebRtcRttAccuracyTest.ABOVE_MS);
            assertThat(data.secondary().counters().measuredCount()).isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void whenThePeerHasNoProbeTheSessionFallsBackToTheIceViewAndSaysSo() throws Exception {
        Samples samples = new Samples();
        try (ImpairmentRelay relay = new ImpairmentRelay(8).impair(Link.roundTrip(Duration.ofMillis(40)));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            DataChannelProbe probeA = DataChannelProbe.open(peers.peerA()); // peer B: an old client, no probe
            CountedIce ice = new CountedIce(WebRtcRttSource.of(peers.peerA()));
            GameSession session = session("fallback", samples);
            long opened;
            long from = System.nanoTime();
            try {
                opened = System.currentTimeMillis();
                session.onDataChannelOpen(probeA, ice);
                assertThat(samples.await(s -> true, Duration.ofSeconds(60))).as("a sample after the fallback").isTrue();
                assertThat(samples.await(s -> s.timestampEpochMs() >= opened + 10_000, Duration.ofSeconds(60))).isTrue();
                assertThat(samples.awaitCount(ICE_SAMPLES_AFTER_FALLBACK, Duration.ofSeconds(90)))
                        .as("%d ICE samples after the fallback", ICE_SAMPLES_AFTER_FALLBACK).isTrue();
            } finally {
                session.close();
                ice.close();
                probeA.close();
            }
            RelayTruth truth = RelayTruth.of(relay, from, System.nanoTime());
            ValidationData data = session.exportValidationData();
            System.out.printf("fallback: %s %s %s; ICE reads %s%n", data.fallback(), data.probe(), data.counters(),
                    ice.reads());
            assertThat(data.latencySource()).isEqualTo("ice");
            assertThat(data.fallback().fromSource()).isEqualTo("probe");
            assertThat(data.fallback().toSource()).isEqualTo("ice");
            assertThat(data.fallback().reason()).contains("never answered the probe");
            assertThat(data.fallback().timestampEpochMs()).isGreaterThanOrEqualTo(opened + 4_000);
            assertThat(data.latency().samples()).allSatisfy(s -> {
                assertThat(s.timestampEpochMs()).isGreaterThanOrEqualTo(data.fallback().timestampEpochMs());
                assertThat(s.rttMs()).as("never below the asked round trip").isGreaterThanOrEqualTo(40.0);
            });
            // how far above: what the relay really imposed on the same checks
            truth.assertIceAgrees("ICE view after the fallback", data.latency().samples(), ice.reads(),
                    WebRtcRttAccuracyTest.BELOW_MS, WebRtcRttAccuracyTest.ABOVE_MS);
            assertThat(data.probe().answeredCount()).isZero();
            assertThat(data.probe().lostCount()).isZero();
            assertThat(data.probe().unansweredCount()).isGreaterThanOrEqualTo(4);
            assertThat(data.probe().offsetMs()).isNull();
        }
    }

    @Test
    void aHealthyIceMeasuredSessionHasNoGapsWhileARealOutageIsOne() throws Exception {
        Samples samples = new Samples();
        try (ImpairmentRelay relay = new ImpairmentRelay(9).impair(Link.roundTrip(Duration.ofMillis(80)));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            GameSession session = session("ice-coverage", samples);
            try {
                long opened = System.currentTimeMillis();
                session.onDataChannelOpen(WebRtcRttSource.of(peers.peerA()));
                assertThat(samples.await(s -> s.timestampEpochMs() >= opened + HEALTHY_MS, Duration.ofSeconds(90))).isTrue();
                ValidationData healthy = session.exportValidationData();
                List<Long> times = samples.copy().stream().map(RttSample::timestampEpochMs).toList();
                System.out.printf("ICE, healthy: %s coverage %s; measured at %s%n", healthy.counters(),
                        healthy.coverage(), times.stream().map(t -> t - opened).toList());
                assertThat(healthy.coverage().measuringMs()).isGreaterThanOrEqualTo(HEALTHY_MS);
                assertThat(healthy.coverage().gaps()).isEmpty();
                assertThat(healthy.coverage().coveredRatio()).isGreaterThanOrEqualTo(0.95);
                assertThat(healthy.coverage().gapThresholdMs()).isEqualTo(5000.0);

                long outageStart = System.currentTimeMillis();
                relay.outage(Duration.ofSeconds(8));
                long outageEnd = outageStart + 8_000;
                assertThat(samples.await(s -> s.timestampEpochMs() > outageEnd, Duration.ofSeconds(60))).isTrue();
                ValidationData after = session.exportValidationData();
                System.out.printf("ICE, 8 s outage: %s%n", after.coverage());
                assertThat(after.coverage().gaps()).hasSize(1);
                CoverageGap gap = after.coverage().gaps().get(0);
                // the gap starts at the stamp of the last reading before the outage, stamped when its poll ended:
                // a fresh ICE reading is asked at the first poll at least a refresh period after the previous
                // one, and a read takes at most the read timeout (the poll interval here), so the reading of the
                // last check before the outage may be stamped up to that much after the outage began (seen once
                // on a loaded machine: 2.97 s). No measurement lies inside the gap.
                long latestStamp = outageStart + WebRtcRttSource.REFRESH_PERIOD.toMillis() + 2 * POLL.toMillis();
                assertThat(gap.startEpochMs()).isLessThanOrEqualTo(latestStamp);
                assertThat(samples.copy()).noneMatch(sample -> sample.timestampEpochMs() > gap.startEpochMs()
                        && sample.timestampEpochMs() < gap.endEpochMs());
                assertThat(gap.endEpochMs()).isGreaterThanOrEqualTo(outageEnd);
            } finally {
                session.close();
            }
        }
    }
}
