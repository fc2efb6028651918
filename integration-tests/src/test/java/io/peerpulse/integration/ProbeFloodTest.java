package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.testkit.SampleReports;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeCounters;
import io.peerpulse.webrtc.ProbeOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Issue 23 (b): one peer floods its partner's probe channel with pings (at least 8,000 a second for 10 s) while
 * an honest pair in the same JVM, whose probes share the same probe thread, probes at 10 Hz. Before the answer
 * rate limit the flood filled the shared probe thread's queue (2,816 tasks) and the honest pair measured 47 to 71
 * of about 100 polls. Now the flooded probe answers at most 50 pings a second (bursts of 20) and drops the rest
 * on arrival: the honest pair misses (skipped or failed) no more of its polls than a control pair does at the same
 * time plus 5 % (none in the strict, timing-tagged form), and the flooded probe counts what it dropped. The
 * control is a second pair at 10 Hz whose probes run on a thread of their own, not the shared probe thread: a
 * stall of the machine (other builds, the flood's own SCTP/DTLS work) misses its polls too, a flood that reaches
 * the shared probe thread does not. Counts, not times: the flood's own pace is measured and reported; when the
 * machine is too busy to send 8,000 a second the run is inconclusive (aborted, saying so), after the other checks.
 */
@Isolated
@Tag("integration")
class ProbeFloodTest {

    private static final Duration FLOOD = Duration.ofSeconds(10);
    /** Aimed above the required 8,000/s: a busy machine sends somewhat fewer than it aims at. */
    private static final int FLOOD_RATE = 10_000;
    private static final int REQUIRED_RATE = 8_000;

    /** What one run of the scenario measured. */
    private record Outcome(long polls, long measured, long failed, long skipped, ProbeCounters victim, double floodRate,
                           double floodSeconds, long controlPolls, long controlMissed) { }

    /**
     * Counts only, so that it holds on a busy machine: the honest pair misses (skipped or failed) at most what the
     * control pair missed during the same flood plus 5 % of its polls; the flooded probe answers at most its burst
     * plus its rate and reports the rest dropped. A poll is skipped when its read is still in flight 100 ms later,
     * failed when unanswered within the telemetry's read timeout; CPU starvation of the whole chain does both, and
     * it hits the control pair as well: 3 of 99 skipped at load average 10-11 (the flooded probe queueing
     * nothing), 6 of about 110 in two bursts at load 10-17, and 10 of 124 at load 15 while the control missed 9 of
     * 123; the last two failed the fixed 95 % this test had. With the rate limit and the inbound bound taken out
     * the honest pair measured 72 of 334 polls, the control 325 of 334: this check fails.
     */
    @Test
    void aFloodOfPingsNeitherStallsAnotherPairNorGetsAnswered() throws Exception {
        Outcome o = flood();
        assertThat(o.skipped() + o.failed()).as("skipped or failed polls of the honest pair, against the control"
                        + " pair's %d of %d at the same time (plus 5 %% of %d)", o.controlMissed(), o.controlPolls(),
                        o.polls())
                .isLessThanOrEqualTo(o.controlMissed() + (long) Math.floor(0.05 * o.polls()));
    }

    /** The strict form: not a single poll skipped. Holds on an idle machine; tagged for the timing run. */
    @Test
    @Tag("timing")
    void aFloodOfPingsSkipsNoPollOfAnotherPair() throws Exception {
        Outcome o = flood();
        assertThat(o.skipped()).as("skipped polls").isZero();
        assertThat(o.failed()).as("failed polls").isZero();
    }

    private Outcome flood() throws Exception {
        WebRtcPeers flooded = null;
        HostilePeer flooder = null;
        DataChannelProbe victim = null;
        ProbePeers honest = null;
        ProbePeers control = null;
        ScheduledExecutorService controlThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "control-probe");
            t.setDaemon(true);
            return t;
        });
        try {
            flooded = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT));
            victim = DataChannelProbe.open(flooded.peerB());
            flooder = HostilePeer.on(flooded.peerA());
            assertThat(flooder.awaitOpen(Duration.ofSeconds(30))).as("the flooder's probe channel opens").isTrue();

            ProbeOptions tenHertz = ProbeOptions.builder().pingTimeout(Duration.ofMillis(90)).build();
            honest = ProbePeers.direct(tenHertz, tenHertz, ProbePeers.polling(Duration.ofMillis(100)));
            // the control: the same polling on a pair whose probes have a thread of their own, out of the flood's way
            ProbeOptions ownThread = ProbeOptions.builder().pingTimeout(Duration.ofMillis(90))
                    .scheduler(controlThread).build();
            control = ProbePeers.direct(ownThread, ownThread, ProbePeers.polling(Duration.ofMillis(100)));
            // both pairs answer first, then the flood starts, and the polls counted are those during it
            honest.telemetry.start();
            control.telemetry.start();
            assertThat(honest.recorder.await(p -> p.stream().anyMatch(x -> x.outcome() == PollOutcome.MEASURED),
                    Duration.ofSeconds(30))).as("the honest pair measures before the flood").isTrue();
            assertThat(control.recorder.await(p -> p.stream().anyMatch(x -> x.outcome() == PollOutcome.MEASURED),
                    Duration.ofSeconds(30))).as("the control pair measures before the flood").isTrue();

            HostilePeer sender = flooder;
            AtomicLong sent = new AtomicLong();
            AtomicLong floodNanos = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            TelemetryCounters before = honest.telemetry.getCounters();
            TelemetryCounters controlBefore = control.telemetry.getCounters();
            int pollsBefore = honest.polls().size();
            Thread flood = new Thread(() -> {
                try {
                    long start = System.nanoTime();
                    long end = start + FLOOD.toNanos();
                    long perPing = 1_000_000_000L / FLOOD_RATE;
                    int sequence = 0;
                    for (long now = start; now - end < 0; now = System.nanoTime()) {
                        long due = (now - start) / perPing + 1; // pings due by now
                        while (sent.get() < due) {
                            sender.sendPing(sequence++, 1);
                            sent.incrementAndGet();
                        }
                        LockSupport.parkNanos(200_000);
                    }
                    floodNanos.set(System.nanoTime() - start);
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    done.countDown();
                }
            }, "flood");
            flood.setDaemon(true);
            flood.start();
            assertThat(done.await(FLOOD.toSeconds() + 60, TimeUnit.SECONDS)).as("the flood ends").isTrue();
            assertThat(failure.get()).as("the flood's sends").isNull();
            TelemetryCounters after = honest.telemetry.getCounters();
            TelemetryCounters controlAfter = control.telemetry.getCounters();
            honest.telemetry.stop();
            control.telemetry.stop();
            long controlPolls = controlAfter.pollCount() - controlBefore.pollCount();
            long controlMissed = controlAfter.skippedCount() - controlBefore.skippedCount()
                    + controlAfter.failedCount() - controlBefore.failedCount();

            List<Recorder.Poll> during = honest.polls().subList(pollsBefore, honest.polls().size());
            long polls = after.pollCount() - before.pollCount();
            long measured = after.measuredCount() - before.measuredCount();
            double floodRate = sent.get() / (floodNanos.get() / 1e9);
            ProbeCounters victimCounters = victim.getCounters();
            System.out.printf("flood: %d pings in %.2f s (%.0f/s); honest pair at 10 Hz: %d polls, %d measured, %s;"
                            + " flooded probe: %s; flooder got %d pongs; honest probe A: %s%n",
                    sent.get(), floodNanos.get() / 1e9, floodRate, polls, measured,
                    SampleReports.record(TelemetryCounters.class, "pollCount", polls, "measuredCount", measured,
                            "staleCount", after.staleCount() - before.staleCount(),
                            "unavailableCount", after.unavailableCount() - before.unavailableCount(),
                            "failedCount", after.failedCount() - before.failedCount(),
                            "rejectedCount", after.rejectedCount() - before.rejectedCount(),
                            "skippedCount", after.skippedCount() - before.skippedCount()),
                    victimCounters, flooder.pongsReceived.get(), honest.probeA.getCounters());
            System.out.printf("control pair (own probe thread) at 10 Hz: %d polls, %d measured, %d skipped or"
                            + " failed%n", controlPolls, controlAfter.measuredCount() - controlBefore.measuredCount(),
                    controlMissed);

            assertThat(measured + controlMissed).as("measured polls of the honest pair during the flood, with the"
                            + " %d of %d the control pair missed meanwhile: %s", controlMissed, controlPolls, during)
                    .isGreaterThanOrEqualTo((long) Math.ceil(0.95 * polls));
            long seconds = (long) Math.ceil(floodNanos.get() / 1e9) + 1;
            assertThat(victimCounters.peerPingsAnsweredCount()).as("answers at most the burst plus the rate")
                    .isLessThanOrEqualTo(DataChannelProbe.PEER_PING_BURST + DataChannelProbe.PEER_PING_RATE * seconds);
            assertThat(victimCounters.peerPingsDroppedCount() + victimCounters.inboundDroppedCount())
                    .as("the flooded probe reports what it dropped")
                    .isGreaterThan(0);
            // last: the other checks hold at any pace, but only a flood of 8,000/s or more is the case. A
            // machine too busy to send that many (7,164/s once here) makes the run inconclusive, not failed
            Assumptions.assumeTrue(floodRate >= REQUIRED_RATE, () -> String.format(
                    "the flood reached only %.0f pings/s, below the %d/s the issue asks for: machine too busy",
                    floodRate, REQUIRED_RATE));
            return new Outcome(polls, measured, after.failedCount() - before.failedCount(),
                    after.skippedCount() - before.skippedCount(), victimCounters, floodRate, floodNanos.get() / 1e9,
                    controlPolls, controlMissed);
        } finally {
            if (honest != null) {
                honest.close();
            }
            if (control != null) {
                control.close();
            }
            controlThread.shutdownNow();
            if (victim != null) {
                victim.close();
            }
            if (flooder != null) {
                flooder.close();
            }
            if (flooded != null) {
                flooded.close();
            }
        }
    }
}
