package io.peerpulse.webrtc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.webrtc.ProbeCounters;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A probe whose thread is starved of CPU: pongs arrive in time (the arrival time read where webrtc-java delivers
 * them) but wait for the thread until after their ping's timeout. They are answers, not loss. The probe thread is a
 * hand-run loop on a virtual clock that, as {@link ProbeLoop}, runs due timers before waiting tasks. And a probe whose
 * whole process stalls (a GC pause): the callback thread reads a pong's arrival only after the stall, which the probe
 * thread sees as its own late wake-up.
 */
class ProbeStarvationTest {

    private static final Duration TIMEOUT = Duration.ofMillis(800);

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final HandRunLoop loop = new HandRunLoop();
    private final List<byte[]> sent = new ArrayList<>();
    /** Messages handed to the loop and not handled yet, as DataChannelProbe counts them. */
    private int waiting;
    private final ProbeEngine engine = new ProbeEngine(new ProbeEngine.Link() {
        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public int waitingMessages() {
            return waiting;
        }

        @Override
        public void send(byte[] message) {
            sent.add(message.clone());
        }
    }, loop, InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z")), nanos::get, TIMEOUT, 4);

    /** The probe thread: timers by due time and tasks in order, run only when the test says. */
    private final class HandRunLoop implements ProbeExecutor {
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        private final PriorityQueue<long[]> timerDue = new PriorityQueue<>((x, y) -> Long.compare(x[0], y[0]));
        private final List<Runnable> timerTasks = new ArrayList<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        @Override
        public void schedule(Runnable task, long delayNanos) {
            timerTasks.add(task);
            timerDue.add(new long[] {nanos.get() + delayNanos, timerTasks.size() - 1});
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        /** Runs what is runnable now as ProbeLoop does: the earliest due timer first, else the oldest task. */
        void runAll() {
            while (true) {
                long[] timer = timerDue.peek();
                if (timer != null && timer[0] <= nanos.get()) {
                    timerDue.poll();
                    timerTasks.get((int) timer[1]).run();
                } else if (!tasks.isEmpty()) {
                    tasks.poll().run();
                } else {
                    return;
                }
            }
        }
    }

    private CompletableFuture<RttReading> ping() {
        CompletableFuture<RttReading> read = engine.read().toCompletableFuture();
        loop.runAll(); // the ping is sent
        return read;
    }

    /** webrtc-java delivers a pong now: its arrival time is read, and it waits for the probe thread. */
    private void pongArrives(byte[] ping) {
        ProbeCodec.Ping p = (ProbeCodec.Ping) ProbeCodec.decode(ping, ping.length, true);
        byte[] pong = ProbeCodec.pong(p.sequence(), p.t1Micros(), p.t1Micros() + 25_000, 0);
        long receivedNanos = nanos.get();
        waiting++;
        loop.execute(() -> {
            waiting--;
            engine.onMessage(pong, pong.length, true, receivedNanos);
        });
    }

    private void elapse(long millis) {
        nanos.addAndGet(Duration.ofMillis(millis).toNanos());
    }

    @Test
    void aPongThatArrivedInTimeButWasHandledAfterTheTimeoutIsAnAnswerNotLoss() {
        CompletableFuture<RttReading> first = ping();
        elapse(50);
        pongArrives(sent.get(0));
        loop.runAll();
        assertThat(first.join()).isEqualTo(RttReading.measured(50.0)); // the peer has answered once

        CompletableFuture<RttReading> starved = ping();
        elapse(50);
        pongArrives(sent.get(1)); // in time
        elapse(1_000); // the probe thread gets no CPU until well after the 800 ms timeout
        loop.runAll(); // the sweep is due first, the pong waits behind it

        assertThat(starved.join()).as("measured from the arrival time").isEqualTo(RttReading.measured(50.0));
        ProbeCounters counters = engine.counters();
        assertThat(counters.lostCount()).as("not loss").isZero();
        assertThat(counters.lateCount()).isZero();
        assertThat(counters.answeredCount()).isEqualTo(2);
        assertThat(counters.processedLateCount()).as("local lateness, counted apart").isEqualTo(1);
    }

    @Test
    void aPongThatArrivedAfterTheTimeoutIsLossAndLateHoweverSoonItIsHandled() {
        CompletableFuture<RttReading> first = ping();
        elapse(50);
        pongArrives(sent.get(0));
        loop.runAll();
        assertThat(first.join()).isEqualTo(RttReading.measured(50.0));

        CompletableFuture<RttReading> lost = ping();
        elapse(750);
        loop.runAll(); // 1.800 s: the thread on time (no stall), the sweep finds nothing due: re-armed for 1.860 s
        elapse(55); // past the timeout, before the sweep's tick (20 ms grid): the pong is handled first, at once
        pongArrives(sent.get(1));
        loop.runAll();

        assertThat(lost.join()).isEqualTo(RttReading.stale());
        ProbeCounters counters = engine.counters();
        assertThat(counters.lostCount()).isEqualTo(1);
        assertThat(counters.lateCount()).isEqualTo(1);
        assertThat(counters.processedLateCount()).isZero();
    }

    /**
     * A busy probe thread takes a pong at its next 10 ms tick, not when it arrives ({@code DataChannelProbe} hands
     * pongs off with {@code executeBatched}): one that arrived 2 ms before its ping's deadline waits into the tick at
     * which the sweep is due too. The sweep (a timer: first) lets it go first; it is measured and counted in
     * {@code processedLateCount}, never lost. One that arrived 1 ms after its deadline, taken at the same tick, is lost
     * and late.
     */
    @Test
    void aPongHeldForTheTickAcrossItsDeadlineIsMeasuredOneAfterItIsLost() {
        answeredOnce();
        CompletableFuture<RttReading> held = ping(); // t1 = 1.050 s, deadline 1.850 s
        elapse(750);
        loop.runAll(); // 1.800 s: the sweep finds nothing due, re-armed for the 1.860 s tick
        elapse(48);
        pongArrives(sent.get(1)); // 1.848 s: in time, waiting for the thread's tick
        elapse(12);
        loop.runAll(); // 1.860 s: the tick and the sweep together
        assertThat(held.join()).isEqualTo(RttReading.measured(798.0));
        ProbeCounters counters = engine.counters();
        assertThat(counters.lostCount()).isZero();
        assertThat(counters.lateCount()).isZero();
        assertThat(counters.processedLateCount()).isEqualTo(1);

        CompletableFuture<RttReading> lost = ping(); // t1 = 1.860 s, deadline 2.660 s; the sweep at 2.660 s
        elapse(790);
        loop.runAll(); // 2.650 s
        elapse(11);
        pongArrives(sent.get(2)); // 2.661 s: after the deadline, before the thread's next tick
        elapse(9);
        loop.runAll(); // 2.670 s: the sweep lets the pong go first, which arrived too late: lost and late
        assertThat(lost.join()).isEqualTo(RttReading.stale());
        counters = engine.counters();
        assertThat(counters.lostCount()).isEqualTo(1);
        assertThat(counters.lateCount()).isEqualTo(1);
        assertThat(counters.processedLateCount()).isEqualTo(1);
        assertIdentity(counters);
    }

    // ---- a stall of the whole process (a stop-the-world GC pause): webrtc-java's callback thread, blocked too, reads
    // a pong that reached the socket in time only after the stall, past its ping's deadline

    private CompletableFuture<RttReading> answeredOnce() {
        CompletableFuture<RttReading> first = ping(); // t1 = 1.000 s: the sweep is armed for 1.800 s
        elapse(50);
        pongArrives(sent.get(0));
        loop.runAll();
        assertThat(first.join()).isEqualTo(RttReading.measured(50.0));
        return first;
    }

    private void pong(byte[] ping, long t1Delta, long holdNanos) {
        ProbeCodec.Ping p = (ProbeCodec.Ping) ProbeCodec.decode(ping, ping.length, true);
        byte[] pong = ProbeCodec.pong(p.sequence(), p.t1Micros() + t1Delta, p.t1Micros() + 25_000, holdNanos);
        long receivedNanos = nanos.get();
        waiting++;
        loop.execute(() -> {
            waiting--;
            engine.onMessage(pong, pong.length, true, receivedNanos);
        });
    }

    private static void assertIdentity(ProbeCounters c) {
        assertThat(c.sentCount()).isEqualTo(c.answeredCount() + c.lostCount() + c.unansweredCount()
                + c.inFlightCount());
        assertThat(c.inFlightCount()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void aStallOfTheProcessOverTheDeadlineThenThePongIsAnAnswerHandledLateNotLoss() {
        answeredOnce();
        CompletableFuture<RttReading> stalled = ping(); // t1 = 1.050 s, deadline 1.850 s
        elapse(2_000); // a 2 s GC pause from 1.051 s: the pong reached the socket at 1.100 s, its callback waits
        loop.runAll(); // the probe thread first: its sweep, due at 1.800 s, runs 1.25 s late, nothing waiting yet

        assertThat(stalled.join()).as("its reading at once, as at any timeout: no sample").isEqualTo(RttReading.stale());
        ProbeCounters held = engine.counters();
        assertThat(held.lostCount()).as("not lost yet: the grace").isZero();
        assertThat(held.inFlightCount()).isEqualTo(1);
        assertIdentity(held);

        elapse(3); // webrtc-java's callback thread delivers the pong: its arrival read 3 ms after the stall
        pongArrives(sent.get(1));
        loop.runAll();

        ProbeCounters counters = engine.counters();
        assertThat(counters.lostCount()).as("not loss").isZero();
        assertThat(counters.lateCount()).isZero();
        assertThat(counters.answeredCount()).isEqualTo(2);
        assertThat(counters.processedLateCount()).as("local lateness, counted apart").isEqualTo(1);
        assertThat(counters.inFlightCount()).isZero();
        assertIdentity(counters);

        pongArrives(sent.get(1)); // a replay: no answer, and not late
        elapse(500);
        loop.runAll();
        counters = engine.counters();
        assertThat(counters.unmatchedCount()).isEqualTo(1);
        assertThat(counters.lateCount()).isZero();
        assertThat(counters.lostCount()).isZero();
    }

    @Test
    void aStallOfTheProcessWhoseCallbackRunsBeforeTheProbeThreadIsAnAnswerToo() {
        answeredOnce();
        CompletableFuture<RttReading> stalled = ping();
        elapse(2_000);
        pongArrives(sent.get(1)); // after the pause the callback thread runs first: arrival read at 3.050 s
        loop.runAll(); // the overdue sweep first (timers first), which lets the waiting pong go first

        assertThat(stalled.join()).isEqualTo(RttReading.stale());
        ProbeCounters counters = engine.counters();
        assertThat(counters.lostCount()).as("not loss").isZero();
        assertThat(counters.lateCount()).isZero();
        assertThat(counters.answeredCount()).isEqualTo(2);
        assertThat(counters.processedLateCount()).isEqualTo(1);
        assertIdentity(counters);
    }

    @Test
    void aStallOfTheProcessWithNoPongWithinTheGraceIsLossAndItsPongLate() {
        answeredOnce();
        CompletableFuture<RttReading> stalled = ping();
        elapse(2_000);
        loop.runAll(); // stalled: the grace runs to 3.150 s
        assertThat(stalled.join()).isEqualTo(RttReading.stale());
        assertThat(engine.counters().lostCount()).isZero();

        elapse(101); // 1 ms after the grace, before the sweep's tick (3.160 s): the pong is handled first
        pongArrives(sent.get(1));
        pongArrives(sent.get(1)); // and a replay of it
        loop.runAll();
        ProbeCounters counters = engine.counters();
        assertThat(counters.lostCount()).isEqualTo(1);
        assertThat(counters.lateCount()).as("one late pong per ping").isEqualTo(1);
        assertThat(counters.unmatchedCount()).isEqualTo(1);
        assertThat(counters.processedLateCount()).isZero();
        assertIdentity(counters);

        CompletableFuture<RttReading> next = ping(); // nothing heard at all: the grace ends, then lost
        elapse(2_000);
        loop.runAll();
        assertThat(next.join()).isEqualTo(RttReading.stale());
        elapse(120);
        loop.runAll(); // the grace's sweep
        counters = engine.counters();
        assertThat(counters.lostCount()).isEqualTo(2);
        assertThat(counters.inFlightCount()).isZero();
        pongArrives(sent.get(2));
        loop.runAll();
        assertThat(engine.counters().lateCount()).isEqualTo(2);
        assertIdentity(engine.counters());
    }

    @Test
    void aPongRefusedInTheGraceSpendsThePingAsEver() {
        answeredOnce();
        ping();
        elapse(2_000);
        loop.runAll();
        pong(sent.get(1), 1, 0); // another t1: a guess at the secret
        pong(sent.get(1), 0, 0); // the true pong, after it
        loop.runAll();
        ProbeCounters counters = engine.counters();
        assertThat(counters.unmatchedCount()).isEqualTo(2);
        assertThat(counters.answeredCount()).isEqualTo(1);

        ping();
        elapse(2_000);
        loop.runAll();
        pong(sent.get(2), 0, 3_000_000_000L); // a hold beyond even the stalled round trip
        pong(sent.get(2), 0, 0);
        loop.runAll();
        elapse(120);
        loop.runAll(); // both graces are over
        counters = engine.counters();
        assertThat(counters.malformedCount()).isEqualTo(1);
        assertThat(counters.unmatchedCount()).isEqualTo(3);
        assertThat(counters.lostCount()).as("spent pings time out").isEqualTo(2);
        assertThat(counters.lateCount()).as("a spent ping has no late pong").isZero();
        assertThat(counters.processedLateCount()).isZero();
        assertIdentity(counters);
    }

    @Test
    void aSweepLateByAtMostTheStallThresholdIsNoStallAPongAfterTheDeadlineIsLoss() {
        answeredOnce();
        ping(); // deadline 1.850 s
        elapse(750);
        loop.runAll(); // 1.800 s: the sweep on time finds nothing due; re-armed for 1.860 s
        elapse(110); // 1.910 s: the sweep runs exactly STALL_NANOS late, the pong waiting (arrived at 1.910 s)
        pongArrives(sent.get(1));
        loop.runAll();
        ProbeCounters counters = engine.counters();
        assertThat(counters.lostCount()).isEqualTo(1);
        assertThat(counters.lateCount()).isEqualTo(1);
        assertThat(counters.processedLateCount()).isZero();

        ping(); // t1 = 1.910 s, deadline 2.710 s; the sweep is armed for 2.720 s
        elapse(851); // 2.761 s: it runs 41 ms late; then, on time, the pong 10 ms later
        loop.runAll();
        counters = engine.counters();
        assertThat(counters.lostCount()).isEqualTo(2);
        elapse(10);
        pongArrives(sent.get(2));
        loop.runAll();
        counters = engine.counters();
        assertThat(counters.lateCount()).isEqualTo(2);
        assertThat(counters.processedLateCount()).isZero();

        ping(); // t1 = 2.771 s, deadline 3.571 s, sweep armed for 3.580 s
        elapse(860); // 3.631 s: 51 ms late, the pong waiting: a stall
        pongArrives(sent.get(3));
        loop.runAll();
        counters = engine.counters();
        assertThat(counters.lostCount()).isEqualTo(2);
        assertThat(counters.processedLateCount()).isEqualTo(1);
        assertIdentity(counters);
    }

    @Test
    void aPingInItsGraceKeepsItWhenTheRingGrows() {
        answeredOnce();
        for (int i = 0; i < 16; i++) {
            ping(); // 16 in flight: every slot of the ring taken
        }
        elapse(2_000);
        loop.runAll(); // stalled: all 16 in their grace
        ping(); // the 17th: the ring grows, moving the 16
        elapse(3);
        pongArrives(sent.get(5));
        loop.runAll();
        ProbeCounters counters = engine.counters();
        assertThat(counters.answeredCount()).isEqualTo(2);
        assertThat(counters.processedLateCount()).isEqualTo(1);
        assertThat(counters.lateCount()).isZero();

        elapse(200);
        loop.runAll(); // the graces are over
        counters = engine.counters();
        assertThat(counters.lostCount()).isEqualTo(15);
        assertThat(counters.inFlightCount()).as("the 17th, not due yet").isEqualTo(1);
        assertIdentity(counters);
    }
}
