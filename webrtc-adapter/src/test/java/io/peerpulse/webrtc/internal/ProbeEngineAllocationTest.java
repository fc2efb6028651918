package io.peerpulse.webrtc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.virtualtime.VirtualScheduler;
import io.peerpulse.webrtc.ProbeOptions;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A ping allocates nothing beyond its reading: bytes counted by the JVM for this thread, not timed.
 * Two engines answer each other synchronously over an in-memory link (each message copied into a
 * fixed array, as webrtc-java copies it natively), on a virtual monotonic clock: one {@code read()}
 * is a whole round trip on this thread. The clock moves 100 ms per ping (10 Hz) and the timeout task
 * is never due, so this counts the per-ping path; the timeout task's own cost (at most one scheduled
 * task per ping timeout) is measured by {@code ProbeAllocationRun} in the benchmarks.
 */
class ProbeEngineAllocationTest {

    private static final int WARM_UP = 30_000;
    private static final int PINGS = 20_000;

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private long nowNanos = 1_000_000_000L;
    /** Keeps each reading reachable, as a caller would: the allocation cannot be optimized away. */
    private final Object[] sink = new Object[64];

    /** Delivers each message at once, copied into its own fixed array. */
    private final class Loopback implements ProbeEngine.Link {
        final byte[] wire = new byte[ProbeCodec.PONG_LENGTH];
        ProbeEngine to;

        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public void send(byte[] message) {
            System.arraycopy(message, 0, wire, 0, message.length);
            nowNanos += 20_000; // 20 µs one way
            to.onMessage(wire, message.length, true, nowNanos);
        }
    }

    @Test
    void aPingAllocatesNoMoreThanItsReading() throws Exception {
        AllocatedBytes allocated = new AllocatedBytes();
        Thread thread = Thread.currentThread();

        Loopback aToB = new Loopback();
        Loopback bToA = new Loopback();
        // a's pings are sent at once on this thread, as the probe's own loop sends them without a task object;
        // a virtual scheduler's task per hand-off is not the engine's allocation
        ProbeExecutor virtual = ProbeExecutor.of(scheduler);
        ProbeExecutor inline = new ProbeExecutor() {
            @Override
            public void execute(Runnable task) {
                task.run();
            }

            @Override
            public void schedule(Runnable task, long delayNanos) {
                virtual.schedule(task, delayNanos);
            }

            @Override
            public boolean isShutdown() {
                return false;
            }
        };
        ProbeEngine a = new ProbeEngine(aToB, inline, scheduler.clock(), () -> nowNanos,
                ProbeOptions.DEFAULT_PING_TIMEOUT, 64);
        ProbeEngine b = new ProbeEngine(bToA, ProbeExecutor.of(scheduler), scheduler.clock(), () -> nowNanos,
                ProbeOptions.DEFAULT_PING_TIMEOUT, 64);
        aToB.to = b;
        bToA.to = a;

        // the reading on its own, measured the same way: the future and a measured RttReading
        readingsOnly(WARM_UP);
        long before = allocated.of(thread);
        readingsOnly(PINGS);
        double readingBytes = (allocated.of(thread) - before) / (double) PINGS;

        ping(a, WARM_UP); // the JIT compiles the path; the ring and the timeout task exist
        before = allocated.of(thread);
        ping(a, PINGS);
        double pingBytes = (allocated.of(thread) - before) / (double) PINGS;

        assertThat(a.counters().answeredCount()).isEqualTo(WARM_UP + PINGS);
        assertThat(readingBytes).as("the reading itself (future + RttReading)").isGreaterThan(0);
        // the old engine allocated ~800 B per round trip here (map node, boxed key, records, arrays, tasks)
        System.out.printf("allocation per ping: %.1f B; the reading itself: %.1f B%n", pingBytes, readingBytes);
        assertThat(pingBytes).as("bytes per ping, reading itself %.1f B", readingBytes)
                .isLessThanOrEqualTo(readingBytes + 8);
    }

    private void ping(ProbeEngine a, int n) {
        for (int i = 0; i < n; i++) {
            CompletableFuture<RttReading> read = a.read().toCompletableFuture();
            if (!read.isDone()) {
                scheduler.runDueTasks(); // an engine that hands its ping to the scheduler
            }
            if (!(read.getNow(null) instanceof RttReading.Measured)) {
                throw new AssertionError("not measured: " + read.getNow(null));
            }
            sink[i & (sink.length - 1)] = read;
            nowNanos += 100_000_000L - 40_000; // 10 Hz
        }
    }

    private void readingsOnly(int n) {
        for (int i = 0; i < n; i++) {
            CompletableFuture<RttReading> read = new CompletableFuture<>();
            read.complete(RttReading.measured(ClockOffsetEstimator.millis(40_000 + (i & 7))));
            sink[i & (sink.length - 1)] = read;
        }
    }
}
