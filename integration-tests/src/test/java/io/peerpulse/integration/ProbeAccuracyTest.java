package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.webrtc.ProbeCounters;
import io.peerpulse.webrtc.ProbeOptions;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Ground truth for the probe view: RTT imposed by the relay between two real webrtc-java peers,
 * polled at 1 Hz, as a game session polls (31 polls, about 32 s; the three cases run side by side).
 * The truth is what the relay recorded for the data-channel packets of the measurement window
 * ({@link RelayTruth#dataChannel()}: each direction's actual holds; encrypted, so not paired): on a busy
 * machine the relay's sender wakes late and the link really is slower than asked. The probe adds its own
 * overhead, which the relay cannot see: the peers' SCTP and DTLS stacks, webrtc-java's callback thread, the
 * loopback hops and the relay's receiver wake-ups. Its floor is about 0.7–1.2 ms on this 2-core machine, quiet or
 * busy, while a busy machine (two busy loops beside the suite) delays many samples by several milliseconds. (Measuring
 * it with a directly connected pair would hide a bias of PeerPulse's own, which that pair would share.) So the
 * fastest sample must lie within [-{@value #BELOW_MS}, +{@value #ABOVE_MS}] ms of the fastest round trip the relay
 * imposed: a probe 2 ms off fails. The median within [-{@value #BELOW_MS}, +{@value #MEDIAN_ABOVE_MS}] ms of the
 * imposed median and the p95 within {@value #TAIL_MS} ms of the imposed p95 hold on a quiet machine only: tagged
 * {@code timing}. One run of the three pairs serves both tests.
 *
 * <p>At least 95 % of the probe's polls must measure. A poll that the telemetry recorded as SKIPPED <em>and</em> late
 * ({@link io.peerpulse.telemetry.PollEvent#lateMs()} above the late threshold, 100 ms at 1 Hz) is not the probe's:
 * it fell due while the polling thread was held (a JVM held 4.4 s on a loaded machine), and the scheduler ran the
 * overdue polls together, each finding the first one's read still in flight. Such polls are left out of the count,
 * and the run waits for {@value #POLLS} polls of the probe's. A skipped poll that started on time still counts: a
 * read that outlives the poll interval (a probe that answers slowly, or never) is the probe's.
 */
@Tag("integration")
class ProbeAccuracyTest {

    private static final Duration POLL = Duration.ofSeconds(1);
    private static final int POLLS = 31;
    private static final Duration BOUND = Duration.ofSeconds(90);
    /** How far below the truth the probe may lie: µs rounding, and the medians are of different packets, ms. */
    static final double BELOW_MS = 0.5;
    /** How far above the fastest imposed round trip the fastest sample may lie: the probe's overhead's floor, ms. */
    static final double ABOVE_MS = 2.0;
    /** How far above the imposed median the probe's median may lie on a quiet machine (0.8 ms measured), ms. */
    static final double MEDIAN_ABOVE_MS = 2.2;
    /** How far above the imposed p95 the probe's may lie, ms. */
    static final double TAIL_MS = 5.0;

    private static final int[] INJECTED = {20, 80, 200};

    /** One run of the three pairs, shared by both tests: whichever runs first records it. */
    private static Run run;

    /** What one relayed pair measured, and what the relay recorded meanwhile. */
    private record Case(int rtt, List<Recorder.Poll> polls, long measuredCount, LatencyStats stats,
                        ProbeCounters counters, long peerPingsAnsweredByB, long failedCount, RelayTruth truth) {
    }

    /** The relayed cases. */
    private record Run(List<Case> cases) {
    }

    @Test
    void everyPollMeasuresTheRoundTripTheRelayImposedToTheMillisecond() throws Exception {
        Run r = run();
        for (Case c : r.cases()) {
            LatencyStats stats = c.stats();
            ProbeCounters counters = c.counters();
            assertThat(c.measuredCount()).as("measured polls of %s", c.polls())
                    .isGreaterThanOrEqualTo((long) Math.ceil(0.95 * probesPolls(c.polls())));
            c.truth().assertDataChannelFloor("probe", stats.samples(), BELOW_MS, ABOVE_MS);
            // exact: the relay never sends early, and the probe subtracts no more than the peer held the ping
            assertThat(stats.minMs()).as("no sample below the asked round trip").isGreaterThanOrEqualTo(c.rtt());
            for (RttSample sample : stats.samples()) {
                assertThat(BigDecimal.valueOf(sample.rttMs()).scale()).as("1 µs resolution: %s", sample.rttMs())
                        .isLessThanOrEqualTo(3);
            }
            assertThat(counters.lostCount()).as("no loss on a clean link").isZero();
            assertThat(c.failedCount()).isZero();
            // B answered every ping A saw answered; the telemetries poll at phases of their own, so A's last
            // ping may still be on its way back (its answer counted at B, not yet at A)
            assertThat(c.peerPingsAnsweredByB())
                    .isBetween(counters.answeredCount() + counters.lateCount(), counters.answeredCount() + counters.lateCount()
                            + counters.inFlightCount());
        }
    }

    @Test
    @Tag("timing")
    void theMedianAndTheTailStayNearWhatTheRelayImposed() throws Exception {
        Run r = run();
        for (Case c : r.cases()) {
            c.truth().assertAgrees("probe median, samples " + c.stats().samples(), c.stats().medianMs(),
                    c.truth().dataChannel().medianMs(), BELOW_MS, MEDIAN_ABOVE_MS);
            c.truth().assertAgrees("probe p95 vs imposed p95", c.stats().p95Ms(), c.truth().dataChannel().p95Ms(),
                    Double.POSITIVE_INFINITY, TAIL_MS);
        }
    }

    /**
     * The polls that are the probe's: all but those the telemetry recorded as skipped while late, which fell due in
     * a stall of the polling thread (see the class description).
     */
    static long probesPolls(List<Recorder.Poll> polls) {
        return polls.stream().filter(p -> !(p.outcome() == PollOutcome.SKIPPED && p.lateMs() > 0)).count();
    }

    private static synchronized Run run() throws Exception {
        if (run == null) {
            run = measure();
        }
        return run;
    }

    private static Run measure() throws Exception {
        List<ProbePeers> all = new ArrayList<>();
        try {
            for (int rtt : INJECTED) {
                all.add(ProbePeers.throughRelay(Link.roundTrip(Duration.ofMillis(rtt)), ProbeOptions.defaults(),
                        ProbeOptions.defaults(), ProbePeers.polling(POLL)));
            }
            // side by side: the three take the time of one
            long from = System.nanoTime();
            all.forEach(p -> p.telemetry.start());
            for (ProbePeers p : all) {
                assertThat(p.recorder.await(polls -> probesPolls(polls) >= POLLS, BOUND))
                        .as("%d polls of the probe's within %s: %s", POLLS, BOUND, p.polls()).isTrue();
            }
            all.forEach(p -> p.telemetry.stop());
            long to = System.nanoTime();
            List<Case> cases = new ArrayList<>();
            for (int i = 0; i < INJECTED.length; i++) {
                ProbePeers p = all.get(i);
                int rtt = INJECTED[i];
                LatencyStats stats = p.stats();
                ProbeCounters counters = p.probeA.getCounters();
                RelayTruth truth = RelayTruth.of(p.relay, from, to);
                System.out.printf("probe, %d ms injected, samples: %s%n", rtt,
                        stats.samples().stream().map(RttSample::rttMs).toList());
                System.out.printf("probe, %d ms injected: polls=%d measured=%d median=%.3f p95=%.3f min=%.3f max=%.3f"
                                + " %s offset=%s; %s%n", rtt, p.polls().size(), p.recorder.count(PollOutcome.MEASURED),
                        stats.medianMs(), stats.p95Ms(), stats.minMs(), stats.maxMs(), counters,
                        p.probeA.getClockOffset().orElse(null), truth);
                cases.add(new Case(rtt, p.polls(), p.recorder.count(PollOutcome.MEASURED), stats, counters,
                        p.probeB.getCounters().peerPingsAnsweredCount(), p.telemetry.getCounters().failedCount(), truth));
            }
            return new Run(List.copyOf(cases));
        } finally {
            all.forEach(ProbePeers::close);
        }
    }
}
