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
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.Test;

/**
 * Ground truth for the probe view: RTT injected by the relay between two real webrtc-java peers,
 * polled at 1 Hz, as a game session polls (31 polls, about 32 s; the three cases run side by side).
 * The bounds are absolute, so a machine starved of CPU by other work fails them: the probe's
 * timestamps are taken on webrtc-java's callback thread, and a descheduled thread adds its delay.
 */
@ResourceLock(value = CpuLock.NAME, mode = ResourceAccessMode.READ)
@Tag("integration")
class ProbeAccuracyTest {

    private static final Duration POLL = Duration.ofSeconds(1);
    private static final int POLLS = 31;
    private static final Duration BOUND = Duration.ofSeconds(90);

    @Test
    void everyPollMeasuresTheInjectedRoundTripToTheMillisecond() throws Exception {
        int[] injected = {20, 80, 200};
        List<ProbePeers> all = new ArrayList<>();
        try {
            for (int rtt : injected) {
                all.add(ProbePeers.throughRelay(Link.roundTrip(Duration.ofMillis(rtt)), ProbeOptions.defaults(),
                        ProbeOptions.defaults(), ProbePeers.polling(POLL)));
            }
            // side by side: the three take the time of one
            all.forEach(p -> p.telemetry.start());
            for (ProbePeers p : all) {
                assertThat(p.recorder.await(polls -> polls.size() >= POLLS, BOUND))
                        .as("%d polls within %s", POLLS, BOUND).isTrue();
            }
            all.forEach(p -> p.telemetry.stop());

            for (int i = 0; i < injected.length; i++) {
                ProbePeers p = all.get(i);
                System.out.printf("probe, %d ms injected, samples: %s%n", injected[i],
                        p.stats().samples().stream().map(RttSample::rttMs).toList());
            }
            for (int i = 0; i < injected.length; i++) {
                ProbePeers p = all.get(i);
                int rtt = injected[i];
                List<Recorder.Poll> polls = p.polls();
                LatencyStats stats = p.stats();
                ProbeCounters counters = p.probeA.getCounters();
                System.out.printf("probe, %d ms injected: polls=%d measured=%d median=%.3f p95=%.3f min=%.3f max=%.3f"
                                + " %s offset=%s%n", rtt, polls.size(), p.recorder.count(PollOutcome.MEASURED),
                        stats.medianMs(), stats.p95Ms(), stats.minMs(), stats.maxMs(), counters,
                        p.probeA.getClockOffset().orElse(null));
                assertThat(p.recorder.count(PollOutcome.MEASURED)).as("measured polls of %s", polls)
                        .isGreaterThanOrEqualTo((long) Math.ceil(0.95 * polls.size()));
                assertThat(stats.medianMs()).as("median with %d ms injected; samples %s", rtt, stats.samples())
                        .isBetween((double) rtt, rtt + 2.0);
                assertThat(stats.p95Ms()).as("p95 with %d ms injected", rtt).isLessThanOrEqualTo(rtt + 5.0);
                assertThat(stats.minMs()).as("no sample below the injected round trip").isGreaterThanOrEqualTo(rtt);
                for (RttSample sample : stats.samples()) {
                    assertThat(BigDecimal.valueOf(sample.rttMs()).scale()).as("1 µs resolution: %s", sample.rttMs())
                            .isLessThanOrEqualTo(3);
                }
                assertThat(counters.lostCount()).as("no loss on a clean link").isZero();
                assertThat(p.telemetry.getCounters().failedCount()).isZero();
                // B answered every ping A saw answered; the telemetries poll at phases of their own, so A's last
                // ping may still be on its way back (its answer counted at B, not yet at A)
                assertThat(p.probeB.getCounters().peerPingsAnsweredCount())
                        .isBetween(counters.answeredCount() + counters.lateCount(), counters.answeredCount() + counters.lateCount()
                                + counters.inFlightCount());
            }
        } finally {
            all.forEach(ProbePeers::close);
        }
    }
}
