package io.peerpulse.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.Records;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Callbacks of the game's and the plugins' code that call back into the session: a quality listener, an exporter,
 * an RTT source and a probe's statistics calling close(), the exports and the inputs, also while another thread
 * closes the session. Polling runs in virtual time; every wait is bounded and a deadlock fails with a thread dump.
 */
class CallbacksCallingBackTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private static final long WAIT_SECONDS = 10;

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final ExecutorService caller = Executors.newCachedThreadPool();
    /** What a session on {@link #trackedPool} handed to the pool. */
    private final List<CompletableFuture<Void>> poolTasks = Collections.synchronizedList(new ArrayList<>());
    /** The pool, its tasks awaited by {@link #awaitPoolTasks()}. */
    private final Executor trackedPool = task -> poolTasks.add(CompletableFuture.runAsync(task, pool));

    @AfterEach
    void cleanUp() throws InterruptedException {
        pool.shutdown();
        caller.shutdownNow();
        if (!pool.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS)) {
            pool.shutdownNow();
        }
        scheduler.shutdownNow();
    }

    record Provider(String name, Supplier<SessionExporter> exporter) implements SessionExporterProvider {
        @Override
        public SessionExporter create(ExportSettings settings) {
            return exporter.get();
        }
    }

    /** Counts sessionEnded. */
    static class Counting implements SessionExporter {
        final AtomicInteger ended = new AtomicInteger();
        final CountDownLatch endedLatch = new CountDownLatch(1);

        @Override
        public void sessionEnded(SessionReport report) {
            ended.incrementAndGet();
            endedLatch.countDown();
        }
    }

    private GameSession.Builder builder(SessionExporter... exporters) {
        List<SessionExporterProvider> providers = new ArrayList<>();
        for (int i = 0; i < exporters.length; i++) {
            SessionExporter e = exporters[i];
            providers.add(new Provider("x" + i, () -> e));
        }
        return GameSession.builder("callbacks-1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).build())
                .qualityThresholds(QualityThresholds.rttOnly(150, 300, 1, 3))
                .exporterProviders(providers)
                .exporterTimeout(Duration.ofHours(1)) // a wait for a cycle fails the bounded waits below
                .executor(pool);
    }

    /**
     * Waits for every task handed to {@link #trackedPool} so far: onDataChannelOpen reads a probe's statistics there,
     * and a poll while that read holds the probe skips its own read, so a test that counts the polls' probeStats()
     * calls waits for it first (on a slow first run the open's read held the probe through every virtual poll).
     */
    private void awaitPoolTasks() throws Exception {
        CompletableFuture<?>[] tasks;
        synchronized (poolTasks) {
            tasks = poolTasks.toArray(CompletableFuture[]::new);
        }
        CompletableFuture.allOf(tasks).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** Runs {@code call} on another thread; fails with a thread dump when it does not end within the bound. */
    private <T> T within(String what, Callable<T> call) throws Exception {
        Future<T> future = caller.submit(call);
        try {
            return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            StringBuilder dump = new StringBuilder();
            Thread.getAllStackTraces().forEach((thread, stack) -> {
                dump.append(thread).append(' ').append(thread.getState()).append('\n');
                for (StackTraceElement frame : stack) {
                    dump.append("    at ").append(frame).append('\n');
                }
            });
            return fail(what + " did not end within " + WAIT_SECONDS + " s:\n" + dump);
        }
    }

    private void within(String what, Runnable call) throws Exception {
        within(what, () -> {
            call.run();
            return null;
        });
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertThat(latch.await(WAIT_SECONDS, TimeUnit.SECONDS)).as(what).isTrue();
    }

    // ---- quality listeners ----------------------------------------------------------------------------------

    @Test
    void aQualityListenerClosingTheSessionEndsItOnce() throws Exception {
        Counting exporter = new Counting();
        GameSession session = builder(exporter).build();
        CountDownLatch closed = new CountDownLatch(1);
        session.addQualityListener(change -> {
            session.close();
            closed.countDown();
        });
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(50)));
        within("advance", () -> scheduler.advance(Duration.ofSeconds(1)));
        await(closed, "the listener's close() returned");
        within("close", session::close);
        assertThat(exporter.ended).hasValue(1);
        assertThat(log.warnings()).noneMatch(w -> w.contains("hangs"));
    }

    @Test
    void aQualityListenerClosingTheSessionWhileAnotherThreadClosesItReturns() throws Exception {
        Counting exporter = new Counting();
        GameSession session = builder(exporter).build();
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch otherClosing = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        session.addQualityListener(change -> {
            inListener.countDown();
            try {
                otherClosing.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            session.close();
            closed.countDown();
        });
        CountDownLatch sourceClosed = new CountDownLatch(1);
        ScriptedRttSource scripted = ScriptedRttSource.repeating(RttReading.measured(50));
        session.onDataChannelOpen(new RttSource() {
            @Override
            public CompletionStage<RttReading> read() {
                return scripted.read();
            }

            @Override
            public void close() {
                sourceClosed.countDown();
            }
        });
        within("advance", () -> scheduler.advance(Duration.ofSeconds(1)));
        await(inListener, "the listener runs");
        Future<?> other = caller.submit(session::close);
        await(sourceClosed, "the other close() is under way");
        otherClosing.countDown();
        await(closed, "the listener's close() returned");
        other.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(exporter.ended).hasValue(1);
    }

    @Test
    void aQualityListenerReadsAndDrivesTheSession() throws Exception {
        GameSession session = builder().build();
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        session.addQualityListener(change -> {
            seen.add("stats " + session.getLatencyStats().isPresent());
            seen.add("summary " + session.getLatencySummary().isPresent());
            seen.add("report " + session.exportReport().sessionMetrics().sessionId());
            session.beginRound(7);
            seen.add("round " + session.endRound().map(RoundMetrics::roundNumber).orElse(-1));
            session.onDataChannelClose("from a listener");
            session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(60)));
            done.countDown();
        });
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(50)));
        within("advance", () -> scheduler.advance(Duration.ofSeconds(1)));
        await(done, "the listener ran");
        assertThat(seen).containsExactly("stats true", "summary true", "report callbacks-1", "round 7");
        within("close", session::close);
    }

    @Test
    void aListenerRemovingItselfAndAddingAnotherDuringDispatch() throws Exception {
        GameSession session = builder().build();
        List<String> heard = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch second = new CountDownLatch(1);
        QualityListener later = change -> {
            heard.add("later " + change.current());
            second.countDown();
        };
        QualityListener[] self = new QualityListener[1];
        self[0] = change -> {
            heard.add("once " + change.current());
            session.removeQualityListener(self[0]);
            session.addQualityListener(later);
        };
        session.addQualityListener(self[0]);
        session.onDataChannelOpen(new ScriptedRttSource().thenMeasured(50).thenMeasured(200).thenMeasured(200)
                .orElse(RttReading.measured(200)));
        within("advance", () -> scheduler.advance(Duration.ofSeconds(5)));
        await(second, "the listener added during dispatch heard the next change");
        within("close", session::close);
        assertThat(heard).containsExactly("once GOOD", "later FAIR");
    }

    // ---- exporters --------------------------------------------------------------------------------------------

    @Test
    void anExporterReadsAndDrivesTheSessionFromItsCalls() throws Exception {
        AtomicReference<GameSession> self = new AtomicReference<>();
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch ended = new CountDownLatch(1);
        SessionExporter exporter = new SessionExporter() {
            @Override
            public void sampleRecorded(String sessionId, RttSample sample) {
                GameSession s = self.get();
                seen.add("sample report " + s.exportReport().sessionMetrics().sessionId());
                s.getLatencyStats();
                s.beginRound(1);
                s.endRound();
            }

            @Override
            public void qualityChanged(String sessionId, QualityChange change) {
                self.get().close();
                seen.add("closed from qualityChanged");
            }

            @Override
            public void connectionChanged(String sessionId, ConnectionEvent event) {
                self.get().onDataChannelClose("nope"); // a change from the change
            }

            @Override
            public void sessionEnded(SessionReport report) {
                GameSession s = self.get();
                seen.add("ended report same " + (s.exportReport() == report));
                try {
                    s.beginRound(2);
                } catch (IllegalStateException e) {
                    seen.add("beginRound " + e.getMessage());
                }
                s.close();
                ended.countDown();
            }
        };
        GameSession session = builder(exporter).build();
        self.set(session);
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(50)));
        within("advance", () -> scheduler.advance(Duration.ofSeconds(3)));
        await(ended, "sessionEnded ran");
        within("close", session::close);
        assertThat(seen).contains("closed from qualityChanged", "ended report same true",
                "beginRound session 'callbacks-1' is closed");
        assertThat(log.warnings()).noneMatch(w -> w.contains("hangs"));
    }

    // ---- RTT sources ------------------------------------------------------------------------------------------

    @Test
    void aSourceClosingTheSessionFromReadReturns() throws Exception {
        Counting exporter = new Counting();
        GameSession session = builder(exporter).build();
        ScriptedRttSource scripted = ScriptedRttSource.repeating(RttReading.measured(50));
        AtomicInteger reads = new AtomicInteger();
        session.onDataChannelOpen(() -> {
            if (reads.incrementAndGet() == 2) {
                session.exportReport();
                session.close();
            }
            return scripted.read();
        });
        within("advance", () -> scheduler.advance(Duration.ofSeconds(3)));
        assertThat(session.isClosed()).isTrue();
        await(exporter.endedLatch, "sessionEnded");
        assertThat(exporter.ended).hasValue(1);
        assertThat(reads).hasValue(2);
    }

    /**
     * A source whose close() closes the session (the game's handler of its connection's close): close() waited for
     * that close(), which waited for close(): a cycle that only the exporter timeout broke, the source then logged
     * as not returning.
     */
    @Test
    void aSourceWhoseCloseClosesTheSessionDoesNotHoldClose() throws Exception {
        Counting exporter = new Counting();
        GameSession session = builder(exporter).build();
        ScriptedRttSource scripted = ScriptedRttSource.repeating(RttReading.measured(50));
        AtomicInteger closes = new AtomicInteger();
        session.onDataChannelOpen(new RttSource() {
            @Override
            public CompletionStage<RttReading> read() {
                return scripted.read();
            }

            @Override
            public void close() {
                closes.incrementAndGet();
                session.close();
            }
        });
        within("advance", () -> scheduler.advance(Duration.ofSeconds(1)));
        within("close", session::close);
        assertThat(closes).hasValue(1);
        assertThat(exporter.ended).hasValue(1);
        assertThat(log.warnings()).noneMatch(w -> w.contains("did not return"));
    }

    @Test
    void aProbeClosingTheSessionFromProbeStatsReturns() throws Exception {
        GameSession session = builder().executor(trackedPool).build();
        ScriptedRttSource scripted = ScriptedRttSource.repeating(RttReading.measured(50));
        AtomicInteger calls = new AtomicInteger();
        session.onDataChannelOpen(new ProbeStatsSource() {
            @Override
            public CompletionStage<RttReading> read() {
                return scripted.read();
            }

            @Override
            public ProbeStats probeStats() {
                if (calls.incrementAndGet() == 3) {
                    session.exportReport();
                    session.close();
                }
                return Records.record(ProbeStats.class, "sentCount", calls.get(), "answeredCount", calls.get());
            }
        });
        awaitPoolTasks(); // the read at open: else the polls may find the probe held and skip their reads
        within("advance", () -> scheduler.advance(Duration.ofSeconds(3)));
        assertThat(session.isClosed()).isTrue();
    }

    /**
     * A probe that closes the session from probeStats() whenever its peer is gone: close() reads the probe's last
     * statistics, so it called probeStats() again, which called close() again, which waited for the first.
     */
    @Test
    void aProbeClosingTheSessionFromEveryProbeStatsCallReturns() throws Exception {
        Counting exporter = new Counting();
        GameSession session = builder(exporter).executor(trackedPool).build();
        ScriptedRttSource scripted = ScriptedRttSource.repeating(RttReading.measured(50));
        java.util.concurrent.atomic.AtomicBoolean peerGone = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger calls = new AtomicInteger();
        session.onDataChannelOpen(new ProbeStatsSource() {
            @Override
            public CompletionStage<RttReading> read() {
                return scripted.read();
            }

            @Override
            public ProbeStats probeStats() {
                int n = calls.incrementAndGet();
                if (peerGone.get()) {
                    session.close();
                }
                return Records.record(ProbeStats.class, "sentCount", n, "answeredCount", n);
            }
        });
        awaitPoolTasks(); // the read at open: else the poll after peerGone may find the probe held and skip its read
        within("advance", () -> scheduler.advance(Duration.ofSeconds(1)));
        peerGone.set(true);
        within("advance", () -> scheduler.advance(Duration.ofSeconds(1)));
        assertThat(session.isClosed()).isTrue();
        await(exporter.endedLatch, "sessionEnded");
        assertThat(exporter.ended).hasValue(1);
        assertThat(session.exportValidationData().probe().sentCount()).as("the last statistics read")
                .isEqualTo(calls.get());
    }

    /**
     * A probe's probeStats() calls close() while another thread's close() is under way: that one waited for the
     * probe's statistics being read, the probe's close() for it.
     */
    @Test
    void aProbeClosingTheSessionWhileAnotherThreadClosesItReturns() throws Exception {
        GameSession session = builder().executor(trackedPool).build();
        ScriptedRttSource scripted = ScriptedRttSource.repeating(RttReading.measured(50));
        CountDownLatch inProbeStats = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        session.onDataChannelOpen(new ProbeStatsSource() {
            @Override
            public CompletionStage<RttReading> read() {
                return scripted.read();
            }

            @Override
            public ProbeStats probeStats() {
                int n = calls.incrementAndGet();
                if (n == 3) { // the second poll's: another thread closes meanwhile
                    inProbeStats.countDown();
                    for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                         !session.isClosed() && System.nanoTime() < end; ) {
                        Thread.onSpinWait();
                    }
                    session.close();
                }
                return Records.record(ProbeStats.class, "sentCount", n, "answeredCount", n);
            }
        });
        awaitPoolTasks(); // the read at open: else the first poll may find the probe held and skip its read
        within("advance", () -> scheduler.advance(Duration.ofSeconds(0)));
        Future<?> polling = caller.submit(() -> scheduler.advance(Duration.ofSeconds(1)));
        await(inProbeStats, "the poll reads the probe");
        within("the other close", session::close);
        polling.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * A quality change made before close() was still queued for the listeners when close() returned: the game's
     * listener heard it afterwards (a HUD already torn down). close() waits for the listeners as for the exporters.
     * The executor runs the closing thread's tasks at once and queues the others', so the listeners run only when the
     * test says: once the closing thread finished or waits.
     */
    @Test
    void noQualityListenerCallAfterCloseReturned() throws Exception {
        java.util.concurrent.BlockingQueue<Runnable> queued = new java.util.concurrent.LinkedBlockingQueue<>();
        AtomicReference<Thread> closer = new AtomicReference<>();
        GameSession session = builder().executor(task -> {
            if (Thread.currentThread() == closer.get()) {
                task.run();
            } else {
                queued.add(task);
            }
        }).build();
        java.util.concurrent.atomic.AtomicBoolean closeReturned = new java.util.concurrent.atomic.AtomicBoolean();
        List<String> heard = Collections.synchronizedList(new ArrayList<>());
        session.addQualityListener(change -> heard.add(change.current() + (closeReturned.get() ? " after close()" : "")));
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(50)));
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(queued).as("the listeners' drain").hasSize(1);

        Thread closing = new Thread(() -> {
            session.close();
            closeReturned.set(true);
        }, "closer");
        closer.set(closing);
        closing.start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (closing.isAlive() && closing.getState() != Thread.State.WAITING
                && closing.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime() - end).as("the closing thread finishes or waits").isNegative();
            Thread.onSpinWait();
        }
        for (Runnable task; (task = queued.poll()) != null; ) {
            task.run();
        }
        closing.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertThat(closing.isAlive()).as("close() returned").isFalse();
        assertThat(heard).containsExactly("GOOD");
    }

    /** A listener that hangs holds close() only until the exporter timeout, and is logged. */
    @Test
    void aHangingQualityListenerDelaysCloseOnlyUntilTheExporterTimeout() throws Exception {
        GameSession session = builder().exporterTimeout(Duration.ofMillis(200)).build();
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        session.addQualityListener(change -> {
            inListener.countDown();
            try {
                release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(50)));
        scheduler.advance(Duration.ofSeconds(1));
        await(inListener, "the listener runs");
        try {
            within("close", session::close);
        } finally {
            release.countDown();
        }
        assertThat(log.warnings()).anyMatch(w -> w.contains("a QualityListener did not return within the exporter"
                + " timeout PT0.2S; close() returns without waiting for it"));
    }

    /**
     * A listener closes the session (close() returns at once) and an exporter's sessionEnded hangs: nobody waits for
     * it, but it is logged at the exporter timeout as when close() waits, not left silent for good.
     */
    @Test
    void aHangingExporterAfterAListenerClosedTheSessionIsLogged() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        SessionExporter hanging = new SessionExporter() {
            @Override
            public void sessionEnded(SessionReport report) {
                try {
                    release.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        CountDownLatch logged = new CountDownLatch(1);
        java.util.logging.Handler watch = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                String text = String.valueOf(record.getMessage());
                if (text.contains("hangs") && text.contains("sessionEnded")) {
                    logged.countDown();
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.addHandler(watch);
        try {
            GameSession session = builder(hanging).exporterTimeout(Duration.ofMillis(200)).build();
            CountDownLatch closed = new CountDownLatch(1);
            session.addQualityListener(change -> {
                session.close();
                closed.countDown();
            });
            session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(50)));
            within("advance", () -> scheduler.advance(Duration.ofSeconds(1)));
            await(closed, "the listener's close() returned");
            await(logged, "the exporter hanging in sessionEnded is logged");
        } finally {
            root.removeHandler(watch);
            release.countDown();
        }
    }

    /** The game's own single-thread executor: a listener there closes the session; the exporters need that thread. */
    @Test
    void aQualityListenerClosingTheSessionOnASingleThreadExecutor() throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            Counting exporter = new Counting();
            GameSession session = builder(exporter).executor(single).build();
            CountDownLatch closed = new CountDownLatch(1);
            session.addQualityListener(change -> {
                session.close();
                closed.countDown();
            });
            session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(50)));
            within("advance", () -> scheduler.advance(Duration.ofSeconds(1)));
            await(closed, "the listener's close() returned");
            await(exporter.endedLatch, "sessionEnded");
            assertThat(log.warnings()).noneMatch(w -> w.contains("hangs"));
        } finally {
            single.shutdownNow();
        }
    }

    /** A source that reconnects (a new source) and closes the channel from its own read(). */
    @Test
    void aSourceReconnectingFromReadIsRecordedOnceAndTheOldOneClosed() throws Exception {
        GameSession session = builder().build();
        ScriptedRttSource next = ScriptedRttSource.repeating(RttReading.measured(70));
        ScriptedRttSource scripted = ScriptedRttSource.repeating(RttReading.measured(50));
        AtomicInteger reads = new AtomicInteger();
        CountDownLatch firstClosed = new CountDownLatch(1);
        session.onDataChannelOpen(new RttSource() {
            @Override
            public CompletionStage<RttReading> read() {
                if (reads.incrementAndGet() == 2) {
                    session.onDataChannelClose("peer left");
                    session.onDataChannelOpen(next);
                }
                return scripted.read();
            }

            @Override
            public void close() {
                firstClosed.countDown();
            }
        });
        within("advance", () -> scheduler.advance(Duration.ofSeconds(3)));
        await(firstClosed, "the replaced source closed");
        assertThat(reads).hasValue(2);
        assertThat(next.readCount()).isEqualTo(2);
        assertThat(session.exportMultiplayerMetrics().reconnections()).hasSize(1);
        within("close", session::close);
    }

    /** A listener reconnects while another thread's close() is under way: refused, clearly; nothing left polling. */
    @Test
    void aQualityListenerReconnectingWhileAnotherThreadClosesIsRefusedClearly() throws Exception {
        GameSession session = builder().build();
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch otherClosing = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        ScriptedRttSource next = ScriptedRttSource.repeating(RttReading.measured(70));
        session.addQualityListener(change -> {
            inListener.countDown();
            try {
                otherClosing.await(WAIT_SECONDS, TimeUnit.SECONDS);
                session.onDataChannelOpen(next);
            } catch (Throwable t) {
                thrown.set(t);
            } finally {
                done.countDown();
            }
        });
        CountDownLatch sourceClosed = new CountDownLatch(1);
        ScriptedRttSource scripted = ScriptedRttSource.repeating(RttReading.measured(50));
        session.onDataChannelOpen(new RttSource() {
            @Override
            public CompletionStage<RttReading> read() {
                return scripted.read();
            }

            @Override
            public void close() {
                sourceClosed.countDown();
            }
        });
        within("advance", () -> scheduler.advance(Duration.ofSeconds(1)));
        await(inListener, "the listener runs");
        Future<?> other = caller.submit(session::close);
        await(sourceClosed, "the other close() is under way");
        otherClosing.countDown();
        await(done, "the listener's open returned");
        other.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class)
                .hasMessage("session 'callbacks-1' is closed");
        within("advance", () -> scheduler.advance(Duration.ofSeconds(5)));
        assertThat(next.readCount()).isZero();
    }

    /**
     * The game's one-thread executor serves two sessions; a listener of one closes the other (the match ends for
     * everyone): that close() waited for the other session's exporters, queued on the very thread it held.
     */
    @Test
    void aQualityListenerClosingAnotherSessionOnTheSameSingleThreadExecutor() throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            Counting exporterOfB = new Counting();
            GameSession a = builder().executor(single).build();
            GameSession b = GameSession.builder("callbacks-2")
                    .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                            .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).build())
                    .exporterProviders(List.of(new Provider("b", () -> exporterOfB)))
                    .exporterTimeout(Duration.ofHours(1)).executor(single).build();
            CountDownLatch closed = new CountDownLatch(1);
            a.addQualityListener(change -> {
                b.close();
                closed.countDown();
            });
            a.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(50)));
            within("advance", () -> scheduler.advance(Duration.ofSeconds(1)));
            await(closed, "the listener's close() of the other session returned");
            within("close", b::close); // another thread's close() waits for b's exporters
            assertThat(exporterOfB.ended).hasValue(1);
            within("close", a::close);
            assertThat(log.warnings()).noneMatch(w -> w.contains("hangs"));
        } finally {
            single.shutdownNow();
        }
    }

    /**
     * As above, but the game thread is closing the other session already: the listener's close() of it must return
     * at once, not wait for that close(), which waits for the other session's exporters queued behind the listener
     * on the one thread (game-session's README, close(): "called back from an exporter's or listener's call (of any
     * session) ... while a close() is under way, it returns at once").
     */
    @Test
    void aQualityListenerClosingAnotherSessionWhileTheGameThreadClosesItReturns() throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            Counting exporterOfB = new Counting();
            GameSession a = builder().executor(single).build();
            GameSession b = GameSession.builder("callbacks-2")
                    .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                            .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).build())
                    .exporterProviders(List.of(new Provider("b", () -> exporterOfB)))
                    .exporterTimeout(Duration.ofHours(1)).executor(single).build();
            CountDownLatch inListener = new CountDownLatch(1);
            CountDownLatch bClosing = new CountDownLatch(1);
            CountDownLatch closed = new CountDownLatch(1);
            a.addQualityListener(change -> {
                inListener.countDown();
                try {
                    bClosing.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                b.close();
                closed.countDown();
            });
            ScriptedRttSource scriptedB = ScriptedRttSource.repeating(RttReading.measured(50));
            b.onDataChannelOpen(new ProbeStatsSource() {
                @Override
                public CompletionStage<RttReading> read() {
                    return scriptedB.read();
                }

                @Override
                public ProbeStats probeStats() {
                    if (b.isClosed()) {
                        bClosing.countDown(); // the game thread's close() reads the last statistics: under way
                    }
                    return Records.record(ProbeStats.class);
                }
            });
            a.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(50)));
            within("advance", () -> scheduler.advance(Duration.ofSeconds(1)));
            await(inListener, "A's listener runs on the one thread");
            Future<?> gameThread = caller.submit(b::close);
            await(closed, "the listener's close() of B returned while the game thread closes B");
            gameThread.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(exporterOfB.ended).hasValue(1);
            within("close", a::close);
            assertThat(log.warnings()).noneMatch(w -> w.contains("hangs"));
        } finally {
            single.shutdownNow();
        }
    }

    /** A provider's create() builds, uses and closes a session of its own (found by ServiceLoader) meanwhile. */
    @Test
    void aProviderBuildingASessionInCreate() throws Exception {
        Counting exporter = new Counting();
        SessionExporterProvider nesting = new SessionExporterProvider() {
            @Override
            public String name() {
                return "nesting";
            }

            @Override
            public SessionExporter create(ExportSettings settings) {
                try (GameSession inner = GameSession.builder("inner-1").build()) { // every provider found
                    inner.beginRound(1);
                }
                return exporter;
            }
        };
        GameSession session = within("build", () -> builder().exporterProviders(List.of(nesting)).build());
        within("close", session::close);
        assertThat(exporter.ended).hasValue(1);
    }

    /**
     * The game's one-thread executor serves two sessions; the close handler of one's connection (its source's
     * close(), run on that executor) closes the other: that close() waited for the other session's exporters, queued
     * on the very thread it held, until the exporter timeout.
     */
    @Test
    void aSourceCloseClosingAnotherSessionOnTheSameSingleThreadExecutor() throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            Counting exporterOfB = new Counting();
            GameSession a = builder().executor(single).build();
            GameSession b = GameSession.builder("callbacks-2")
                    .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                            .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).build())
                    .exporterProviders(List.of(new Provider("b", () -> exporterOfB)))
                    .exporterTimeout(Duration.ofHours(1)).executor(single).build();
            ScriptedRttSource scripted = ScriptedRttSource.repeating(RttReading.measured(50));
            CountDownLatch closed = new CountDownLatch(1);
            a.onDataChannelOpen(new RttSource() {
                @Override
                public CompletionStage<RttReading> read() {
                    return scripted.read();
                }

                @Override
                public void close() {
                    b.close();
                    closed.countDown();
                }
            });
            within("advance", () -> scheduler.advance(Duration.ofSeconds(1)));
            a.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(60))); // the old source is closed
            await(closed, "the source's close() of the other session returned");
            await(exporterOfB.endedLatch, "the other session's sessionEnded");
            within("close", b::close);
            within("close", a::close);
            assertThat(exporterOfB.ended).hasValue(1);
        } finally {
            single.shutdownNow();
        }
    }


    // ---- an executor of the caller's: running the calls on the thread that queued them, or blocking it -----------

    /** A source with a name of the test's, read from a script; counts its close() calls. */
    record Named(String name, ScriptedRttSource script, AtomicInteger closes) implements RttSource {
        Named(String name) {
            this(name, ScriptedRttSource.repeating(RttReading.measured(50)), new AtomicInteger());
        }

        @Override
        public CompletionStage<RttReading> read() {
            return script.read();
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    /** Records the calls it gets, in order, as "started", "source NAME", "connection TYPE", "ended". */
    static class Recording implements SessionExporter {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void sessionStarted(String sessionId) {
            calls.add("started");
        }

        @Override
        public void sourceChanged(String sessionId, String sourceName) {
            calls.add("source " + sourceName);
        }

        @Override
        public void connectionChanged(String sessionId, ConnectionEvent event) {
            calls.add("connection " + event.type());
        }

        @Override
        public void sessionEnded(SessionReport report) {
            calls.add("ended");
        }
    }

    /**
     * A game loop's executor that runs each call on the thread handing it over (as {@code Runnable::run}, or a
     * saturated pool's {@code CallerRunsPolicy}): the exporter calls an open queued ran under the pollers' lock, so
     * an exporter stuck in {@code sourceChanged} held another thread's reconnection and {@code close()} for good.
     * Now they run after the lock: the other threads' calls return ({@code close()} after the exporter timeout, the
     * stuck exporter logged), and the exporter gets every call once, in the order the events were applied.
     */
    @Test
    void aCallerRunsExecutorRunsAnOpensExporterCallsHoldingNoLockOfTheSession() throws Exception {
        CountDownLatch inSourceChanged = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Recording exporter = new Recording() {
            @Override
            public void sourceChanged(String sessionId, String sourceName) {
                super.sourceChanged(sessionId, sourceName);
                if (sourceName.equals("first")) {
                    inSourceChanged.countDown();
                    try {
                        release.await(); // until the test ends: for good, as far as the session knows
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        GameSession session = builder(exporter).executor(Runnable::run).exporterTimeout(Duration.ofSeconds(1))
                .build();
        Named first = new Named("first");
        Named second = new Named("second");
        Future<?> opening = caller.submit(() -> session.onDataChannelOpen(first));
        try {
            await(inSourceChanged, "the open's sourceChanged runs on the opening thread");
            within("another thread's reconnection", () -> session.onDataChannelOpen(second));
            within("another thread's onDataChannelClose", () -> session.onDataChannelClose("peer left"));
            within("another thread's close()", session::close); // after the exporter timeout
            assertThat(log.warnings()).anyMatch(w -> w.contains("exporter 'x0'") && w.contains("hangs"));
        } finally {
            release.countDown();
        }
        opening.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(exporter.calls).containsExactly("started", "source first", "connection OPENED", "source second",
                "connection RECONNECTED", "connection CLOSED", "ended");
        assertThat(session.exportValidationData().latencySource()).isEqualTo("second");
        assertThat(first.closes()).hasValue(1);
        assertThat(second.closes()).hasValue(1);
    }

    /**
     * An exporter reconnecting from its own {@code sourceChanged} on an executor that runs it on the opening thread:
     * that ran in the middle of the open, after its event was applied but before its pollers were set up, so the
     * reconnection was refused as a second first open (logged as the exporter's failure) and the session went on
     * polling the first source. Now it runs after the open: recorded as a reconnection, the new source polled, the
     * first one closed.
     */
    @Test
    void anExporterReconnectingFromSourceChangedOnACallerRunsExecutor() throws Exception {
        AtomicReference<GameSession> self = new AtomicReference<>();
        Named first = new Named("first");
        Named second = new Named("second");
        Recording exporter = new Recording() {
            @Override
            public void sourceChanged(String sessionId, String sourceName) {
                super.sourceChanged(sessionId, sourceName);
                GameSession s = self.get();
                // reads from the callback's thread: no lock of the session's is held here
                calls.add("read " + s.latest().quality() + " " + s.getLatencyStats().isPresent() + " "
                        + s.exportReport().validationData().latencySource());
                if (sourceName.equals("first")) {
                    s.onDataChannelOpen(second);
                }
            }
        };
        GameSession session = builder(exporter).executor(Runnable::run).build();
        self.set(session);
        within("open", () -> session.onDataChannelOpen(first));
        within("advance", () -> scheduler.advance(Duration.ofSeconds(3)));
        assertThat(log.warnings()).noneMatch(w -> w.contains("failed in sourceChanged"));
        assertThat(session.exportValidationData().latencySource()).isEqualTo("second");
        assertThat(second.script().readCount()).as("reads of the source opened last").isPositive();
        assertThat(first.script().readCount()).as("reads of the replaced source").isZero();
        assertThat(first.closes()).hasValue(1);
        assertThat(second.closes()).hasValue(0);
        within("close", session::close);
        assertThat(exporter.calls).containsExactly("started", "source first", "read UNKNOWN false first",
                "connection OPENED", "source second", "read UNKNOWN false second", "connection RECONNECTED", "ended");
    }

    /**
     * A game loop's executor of one thread whose {@code execute} waits while that thread is busy (a hand-off): a
     * quality listener holding the thread closes the session while another thread reconnects. The reconnection
     * handed its exporter call to the executor under the pollers' lock, waiting there for the thread the listener
     * held, while the listener's {@code close()} waited for that lock: a deadlock. Now the reconnection hands it over
     * after the lock.
     */
    @Test
    void anExecutorWhoseExecuteWaitsForItsThreadIsNotCalledUnderTheSessionsLock() throws Exception {
        java.util.concurrent.SynchronousQueue<Runnable> handOff = new java.util.concurrent.SynchronousQueue<>();
        java.util.concurrent.atomic.AtomicBoolean listenerHolds = new java.util.concurrent.atomic.AtomicBoolean();
        CountDownLatch handedWhileHeld = new CountDownLatch(1);
        Executor oneThread = task -> {
            if (listenerHolds.get()) {
                handedWhileHeld.countDown();
            }
            try {
                handOff.put(task);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.util.concurrent.RejectedExecutionException(e);
            }
        };
        Thread worker = new Thread(() -> {
            try {
                while (true) {
                    handOff.take().run();
                }
            } catch (InterruptedException e) {
                // the test ended
            }
        }, "game-loop");
        worker.setDaemon(true);
        worker.start();
        try {
            Recording exporter = new Recording();
            GameSession session = builder(exporter).executor(oneThread).build();
            CountDownLatch inListener = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch closed = new CountDownLatch(1);
            session.addQualityListener(change -> {
                listenerHolds.set(true);
                inListener.countDown();
                try {
                    release.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                session.close();
                closed.countDown();
            });
            session.onDataChannelOpen(new Named("first"));
            // the first poll only: each later one would hand its sample to the thread the listener holds
            within("the first poll", scheduler::runDueTasks);
            await(inListener, "the listener holds the executor's thread");
            Future<?> reconnecting = caller.submit(() -> session.onDataChannelOpen(new Named("second")));
            await(handedWhileHeld, "the reconnection hands its exporter call to the executor");
            release.countDown();
            await(closed, "the listener's close() returned");
            reconnecting.get(WAIT_SECONDS, TimeUnit.SECONDS);
            within("close", session::close);
            assertThat(exporter.calls).containsExactly("started", "source first", "connection OPENED",
                    "source second", "connection RECONNECTED", "ended");
        } finally {
            worker.interrupt();
        }
    }
}
