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
 * hand-run loop on a virtual clock that, as {@link ProbeLoop}, runs due timers before waiting tasks.
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
        elapse(900); // past the timeout; the sweep has not run yet (the thread is busy elsewhere)
        pongArrives(sent.get(1));
        loop.runAll();

        assertThat(lost.join()).isEqualTo(RttReading.stale());
        ProbeCounters counters = engine.counters();
        assertThat(counters.lostCount()).isEqualTo(1);
        assertThat(counters.lateCount()).isEqualTo(1);
        assertThat(counters.processedLateCount()).isZero();
    }
}
