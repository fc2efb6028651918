package io.peerpulse.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Thousands of sessions driven from virtual threads (JDK 21+), as a game server that runs each match on one: every
 * call of the API from a virtual thread, {@code close()} racing rounds and reads, and closes while stuck exporters
 * hold every thread of the shared pool. Each close() returns within its bound, every exporter is told
 * {@code sessionEnded} once with the final report, whose figures hold. Virtual threads are made by reflection, since
 * the tests compile for release 17; skipped below JDK 21 (run on JDK 25 by scripts/jdk25-check.sh).
 */
class VirtualThreadSessionsTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private static final int SESSIONS = 2_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** {@code Thread.startVirtualThread}, or {@code null} below JDK 21. */
    private static Method startVirtual() {
        try {
            return Thread.class.getMethod("startVirtualThread", Runnable.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** Starts {@code task} on a new virtual thread. */
    private static Thread virtual(Runnable task) {
        try {
            return (Thread) startVirtual().invoke(null, task);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Records what one session's exporter was told. */
    static final class Counting implements SessionExporter {
        final AtomicInteger started = new AtomicInteger();
        final AtomicLong samples = new AtomicLong();
        final AtomicInteger ended = new AtomicInteger();
        final CompletableFuture<SessionReport> report = new CompletableFuture<>();

        @Override
        public void sessionStarted(String sessionId) {
            started.incrementAndGet();
        }

        @Override
        public void sampleRecorded(String sessionId, RttSample sample) {
            samples.incrementAndGet();
        }

        @Override
        public void sessionEnded(SessionReport report) {
            ended.incrementAndGet();
            this.report.complete(report);
        }
    }

    private static final class Provider implements SessionExporterProvider {
        private final ConcurrentLinkedQueue<Counting> made;

        Provider(ConcurrentLinkedQueue<Counting> made) {
            this.made = made;
        }

        @Override
        public String name() {
            return "counting";
        }

        @Override
        public SessionExporter create(ExportSettings settings) {
            Counting exporter = new Counting();
            made.add(exporter);
            return exporter;
        }
    }

    private record Run(GameSession session, Counting exporter, long[] closeNanos, Throwable[] failure) {
    }

    @Test
    void thousandsOfSessionsOnVirtualThreadsCloseWithinTheirBoundAndReportConsistently() throws Exception {
        assumeTrue(startVirtual() != null, "virtual threads need JDK 21+");
        long began = System.nanoTime();
        Random random = new Random(42);
        List<Run> runs = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < SESSIONS; i++) {
            int index = i;
            int closeAt = random.nextInt(12);
            ConcurrentLinkedQueue<Counting> made = new ConcurrentLinkedQueue<>();
            long[] closeNanos = new long[2];
            Throwable[] failure = new Throwable[1];
            CountDownLatch closeNow = new CountDownLatch(1);
            CompletableFuture<Run> built = new CompletableFuture<>();
            VirtualScheduler scheduler = new VirtualScheduler();
            // the match: builds, opens, plays rounds on virtual time, reads; a closer races it
            threads.add(virtual(() -> {
                try {
                    go.await();
                    GameSession session = GameSession.builder("vt-" + index).playerId("p" + index)
                            .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO)
                                    .scheduler(scheduler).clock(scheduler.clock()).nanoClock(scheduler.nanoClock())
                                    .build())
                            .exporterProviders(List.of(new Provider(made)))
                            .exporterTimeout(TIMEOUT)
                            .build();
                    Run run = new Run(session, made.peek(), closeNanos, failure);
                    built.complete(run);
                    session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(10 + index % 50)));
                    for (int round = 0; round < 12; round++) {
                        if (round == closeAt) {
                            closeNow.countDown();
                        }
                        try {
                            session.beginRound(round);
                        } catch (IllegalStateException closed) {
                            assertThat(session.isClosed()).isTrue();
                        }
                        scheduler.advance(Duration.ofSeconds(1));
                        session.latest();
                        session.exportReport();
                        session.endRound();
                    }
                    closeNow.countDown();
                    long t0 = System.nanoTime();
                    session.close();
                    closeNanos[0] = System.nanoTime() - t0;
                } catch (Throwable t) {
                    failure[0] = t;
                    built.completeExceptionally(t);
                    closeNow.countDown();
                }
            }));
            threads.add(virtual(() -> {
                try {
                    closeNow.await();
                    Run run = built.get(60, TimeUnit.SECONDS);
                    long t0 = System.nanoTime();
                    run.session().close();
                    closeNanos[1] = System.nanoTime() - t0;
                } catch (Throwable t) {
                    if (failure[0] == null) {
                        failure[0] = t;
                    }
                }
            }));
            runs.add(null);
            int slot = i;
            built.thenAccept(run -> runs.set(slot, run));
        }
        go.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (Thread thread : threads) {
            thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            assertThat(thread.isAlive()).as("thread %s still running", thread).isFalse();
        }
        long tookMs = (System.nanoTime() - began) / 1_000_000;
        long maxClose = 0;
        long sumSamples = 0;
        for (Run run : runs) {
            assertThat(run).as("built").isNotNull();
            assertThat(run.failure()[0]).as("what the match or its closer threw").isNull();
            maxClose = Math.max(maxClose, Math.max(run.closeNanos()[0], run.closeNanos()[1]));
            assertThat(run.closeNanos()[0]).isLessThanOrEqualTo(TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(1));
            assertThat(run.closeNanos()[1]).isLessThanOrEqualTo(TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(1));
            Counting exporter = run.exporter();
            SessionReport report = exporter.report.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertThat(exporter.started.get()).isEqualTo(1);
            assertThat(exporter.ended.get()).isEqualTo(1);
            assertThat(run.session().exportReport()).isSameAs(report);
            assertThat(report.sessionMetrics().durationMs()).isNotNegative();
            long inStats = report.sessionMetrics().latency() == null ? 0
                    : report.sessionMetrics().latency().sampleCount();
            assertThat(exporter.samples.get()).isGreaterThanOrEqualTo(inStats);
            sumSamples += inStats;
            for (RoundMetrics round : report.multiplayerMetrics().rounds()) {
                assertThat(round.durationMs()).isNotNegative();
            }
        }
        System.out.println(SESSIONS + " sessions on virtual threads, JDK " + Runtime.version() + ": " + tookMs
                + " ms, the longest close() " + maxClose / 1_000_000 + " ms, " + sumSamples + " samples in the reports");
    }

    private static final class Named implements SessionExporterProvider {
        private final String name;
        private final java.util.function.Supplier<SessionExporter> make;

        Named(String name, java.util.function.Supplier<SessionExporter> make) {
            this.name = name;
            this.make = make;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public SessionExporter create(ExportSettings settings) {
            return make.get();
        }
    }

    /** Every thread of the shared pool held by two stuck plugins; sessions closed from virtual threads meanwhile. */
    @Test
    void closeFromVirtualThreadsWhileTheSharedPoolIsSaturatedReturnsWithinItsBound() throws Exception {
        assumeTrue(startVirtual() != null, "virtual threads need JDK 21+");
        int threads = io.peerpulse.session.internal.SharedExecutor.maxThreads();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(threads);
        SessionExporter stuck = new SessionExporter() {
            @Override
            public void sessionStarted(String sessionId) {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void sessionEnded(SessionReport report) {
            }
        };
        List<GameSession> holders = new ArrayList<>();
        Duration timeout = Duration.ofSeconds(1);
        try {
            for (int i = 0; i < threads; i++) {
                holders.add(GameSession.builder("holder-" + i).exporterTimeout(timeout)
                        .exporterProviders(List.of(new Named(i % 2 == 0 ? "stuck-a" : "stuck-b", () -> stuck))).build());
            }
            assertThat(holding.await(30, TimeUnit.SECONDS)).as("every pool thread held").isTrue();
            int n = SESSIONS / 4;
            List<Counting> exporters = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<GameSession> sessions = new java.util.concurrent.CopyOnWriteArrayList<>();
            long[] closeNanos = new long[n];
            Throwable[] failures = new Throwable[n];
            List<Thread> started = new ArrayList<>();
            long began = System.nanoTime();
            for (int i = 0; i < n; i++) {
                int index = i;
                started.add(virtual(() -> {
                    try {
                        VirtualScheduler scheduler = new VirtualScheduler();
                        Counting counting = new Counting();
                        exporters.add(counting);
                        GameSession session = GameSession.builder("sat-" + index).exporterTimeout(timeout)
                                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO)
                                        .scheduler(scheduler).clock(scheduler.clock())
                                        .nanoClock(scheduler.nanoClock()).build())
                                .exporterProviders(List.of(new Named("counting", () -> counting))).build();
                        sessions.add(session);
                        AtomicInteger sourceClosed = new AtomicInteger();
                        ScriptedRttSource script = ScriptedRttSource.repeating(RttReading.measured(20));
                        session.onDataChannelOpen(new io.peerpulse.telemetry.spi.RttSource() {
                            @Override
                            public java.util.concurrent.CompletionStage<RttReading> read() {
                                return script.read();
                            }

                            @Override
                            public void close() {
                                sourceClosed.incrementAndGet();
                            }
                        });
                        session.beginRound(1);
                        scheduler.advance(Duration.ofSeconds(3));
                        session.latest();
                        session.exportReport();
                        long t0 = System.nanoTime();
                        session.close();
                        closeNanos[index] = System.nanoTime() - t0;
                        assertThat(sourceClosed.get()).as("its source closed when close() returned").isEqualTo(1);
                    } catch (Throwable t) {
                        failures[index] = t;
                    }
                }));
            }
            for (Thread thread : started) {
                thread.join(60_000);
                assertThat(thread.isAlive()).isFalse();
            }
            long all = (System.nanoTime() - began) / 1_000_000;
            long max = 0;
            for (int i = 0; i < n; i++) {
                assertThat(failures[i]).isNull();
                max = Math.max(max, closeNanos[i]);
            }
            System.out.println("shared pool of " + threads + " held by stuck exporters: " + n + " closes from virtual"
                    + " threads in " + all + " ms, the longest " + max / 1_000_000 + " ms");
            assertThat(max).isLessThanOrEqualTo(timeout.toNanos() + TimeUnit.SECONDS.toNanos(1));
            assertThat(log.warnings(GameSession.class)).isEmpty(); // no source left open
            release.countDown();
            assertThat(exporters).hasSize(n);
            for (Counting exporter : exporters) { // once the stuck ones let go, every call runs, each once
                SessionReport report = exporter.report.get(30, TimeUnit.SECONDS);
                assertThat(exporter.ended.get()).isEqualTo(1);
                assertThat(report.sessionMetrics().durationMs()).isNotNegative();
            }
            for (GameSession s : sessions) {
                assertThat(s.exportReport().sessionMetrics().endEpochMs()).isNotNull();
            }
        } finally {
            release.countDown();
            holders.forEach(GameSession::close);
        }
    }
}
