package io.peerpulse.session;

import io.peerpulse.session.internal.ExporterFanOut;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import static io.peerpulse.telemetry.fixtures.Records.path;
import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exporter dispatch and listeners on real threads: order, isolation of a failing exporter, a slow one
 * never delaying polling, exactly-once sessionEnded under concurrent close, a hanging one bounded.
 * Polling still runs in virtual time; waits are bounded and only for real events.
 */
class GameSessionExportersTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private static final long WAIT_SECONDS = 10;

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void cleanUp() throws InterruptedException {
        release.countDown();
        pool.shutdown();
        // a released exporter returns (and what it logs is captured) before the test ends, not in a later one
        if (!pool.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS)) {
            pool.shutdownNow();
        }
        scheduler.shutdownNow();
    }

    /** Records every call, in order, with the thread it came on. */
    static final class Recording implements SessionExporter {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        final List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();
        final CountDownLatch ended = new CountDownLatch(1);

        private void enter(String call) {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            calls.add(call);
            threads.add(Thread.currentThread());
        }

        @Override
        public void sessionStarted(String sessionId) {
            enter("started " + sessionId);
            running.decrementAndGet();
        }

        @Override
        public void sampleRecorded(String sessionId, RttSample sample) {
            enter("sample " + sample.rttMs());
            running.decrementAndGet();
        }

        @Override
        public void sessionEnded(SessionReport report) {
            enter("ended " + report.sessionMetrics().latency().totalSampleCount());
            running.decrementAndGet();
            ended.countDown();
        }
    }

    record Provider(String name, Supplier<SessionExporter> exporter) implements SessionExporterProvider {
        @Override
        public SessionExporter create(ExportSettings settings) {
            return exporter.get();
        }
    }

    private GameSession.Builder builder(SessionExporterProvider... providers) {
        return GameSession.builder("session-x")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock()).build())
                .exporterProviders(List.of(providers))
                .executor(pool);
    }

    private static List<String> expectedCalls(int samples) {
        List<String> calls = new ArrayList<>();
        calls.add("started session-x");
        for (int i = 0; i < samples; i++) {
            calls.add("sample " + (double) (10 + i));
        }
        calls.add("ended " + samples);
        return calls;
    }

    private static ScriptedRttSource counting(int samples) {
        ScriptedRttSource source = new ScriptedRttSource();
        for (int i = 0; i < samples; i++) {
            source.thenMeasured(10 + i);
        }
        return source;
    }

    @Test
    void callsComeInOrderNeverOverlapAndNeverOnThePollingThread() {
        Recording exporter = new Recording();
        GameSession session = builder(new Provider("rec", () -> exporter)).build();
        session.onDataChannelOpen(counting(200));
        scheduler.advance(Duration.ofSeconds(199));
        session.close();

        assertThat(exporter.calls).isEqualTo(expectedCalls(200));
        assertThat(exporter.maxRunning).hasValue(1);
        assertThat(exporter.threads).doesNotContain(Thread.currentThread());
    }

    /**
     * Issue 26: an exporter hears the connection history, the source and the path among the samples, each
     * once (a second close and an open of an open channel are no entries). Fails on main, where
     * {@code SessionExporter} has no such calls.
     */
    @Test
    void connectionSourceAndPathChangesComeInOrderAmongTheSamples() {
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        SessionExporter exporter = new SessionExporter() {
            @Override
            public void connectionChanged(String sessionId, ConnectionEvent event) {
                calls.add("connection " + event.type() + " " + event.reason());
            }

            @Override
            public void sourceChanged(String sessionId, String sourceName) {
                calls.add("source " + sourceName);
            }

            @Override
            public void pathChanged(String sessionId, PathChange change) {
                calls.add("path " + change.previous() + " -> " + change.current());
            }

            @Override
            public void sampleRecorded(String sessionId, RttSample sample) {
                calls.add("sample " + sample.rttMs());
            }

            @Override
            public void sessionEnded(SessionReport report) {
                calls.add("ended");
            }
        };
        NetworkPath relay = path("relay", "srflx", "udp");
        GameSession session = builder(new Provider("rec", () -> exporter)).build();
        ScriptedRttSource first = new ScriptedRttSource().then(RttReading.measured(20, relay)).thenMeasured(21)
                .orElseHang();
        session.onDataChannelOpen(first);
        scheduler.advance(Duration.ofSeconds(1));
        session.onDataChannelClose("peer left");
        session.onDataChannelClose("twice");
        session.onDataChannelOpen(first);
        session.onDataChannelOpen(first);
        ScriptedRttSource probe = new ScriptedRttSource().thenMeasured(30).orElseHang();
        session.onDataChannelOpen(new RttSource() {
            @Override
            public java.util.concurrent.CompletionStage<RttReading> read() {
                return probe.read();
            }

            @Override
            public String name() {
                return "probe";
            }
        });
        scheduler.advance(Duration.ofSeconds(1));
        session.close();

        assertThat(calls).containsExactly("source unnamed", "connection OPENED null",
                "path null -> " + relay, "sample 20.0", "sample 21.0", "connection CLOSED peer left",
                "connection REOPENED null", "source probe", "connection RECONNECTED null", "sample 30.0", "ended");
    }

    @Test
    void aSlowExporterNeverDelaysPolling() throws Exception {
        CountDownLatch firstSampleReached = new CountDownLatch(1);
        Recording recording = new Recording();
        SessionExporter slow = new SessionExporter() {
            @Override
            public void sampleRecorded(String sessionId, RttSample sample) {
                firstSampleReached.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                recording.sampleRecorded(sessionId, sample);
            }

            @Override
            public void sessionEnded(SessionReport report) {
                recording.sessionEnded(report);
            }
        };
        GameSession session = builder(new Provider("slow", () -> slow)).build();
        session.onDataChannelOpen(counting(11));
        scheduler.runDueTasks();
        assertThat(firstSampleReached.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

        scheduler.advance(Duration.ofSeconds(10)); // returns at once although the exporter is stuck
        assertThat(session.getLatencyStats().orElseThrow().sampleCount()).isEqualTo(11);

        release.countDown();
        session.close(); // waits for sessionEnded, after every sample
        assertThat(recording.ended.getCount()).isZero();
        assertThat(recording.calls).hasSize(12).endsWith("ended 11");
    }

    @Test
    void aThrowingExporterIsLoggedAndTheOthersStillRun() {
        AtomicInteger throwingEnded = new AtomicInteger();
        SessionExporter throwing = new SessionExporter() {
            @Override
            public void sessionStarted(String sessionId) {
                throw new IllegalStateException("started");
            }

            @Override
            public void sampleRecorded(String sessionId, RttSample sample) {
                throw new IllegalStateException("sample");
            }

            @Override
            public void sessionEnded(SessionReport report) throws Exception {
                throwingEnded.incrementAndGet();
                throw new java.io.IOException("disk full");
            }
        };
        Recording before = new Recording();
        Recording after = new Recording();
        GameSession session = builder(new Provider("before", () -> before),
                new Provider("throwing", () -> throwing), new Provider("after", () -> after)).build();
        session.onDataChannelOpen(counting(5));
        scheduler.advance(Duration.ofSeconds(4));
        session.close();

        assertThat(before.calls).isEqualTo(expectedCalls(5));
        assertThat(after.calls).isEqualTo(expectedCalls(5));
        assertThat(throwingEnded).hasValue(1);
        // one WARNING per call kind (five failed samples: one line), each naming exporter and session
        assertThat(log.warnings(ExporterFanOut.class)).hasSize(3).allSatisfy(w -> assertThat(w)
                .contains("exporter 'throwing' of session 'session-x'", "the other exporters still run"));
        assertThat(log.warnings(ExporterFanOut.class)).anySatisfy(w -> assertThat(w).contains("failed in sessionStarted"))
                .anySatisfy(w -> assertThat(w).contains("failed in sampleRecorded"))
                .anySatisfy(w -> assertThat(w).contains("failed in sessionEnded"));
    }

    @Test
    void laterExporterFailuresAreSummedUpAtMostEveryMinuteOfTheSessionClock() {
        SessionExporter throwing = new SessionExporter() {
            @Override
            public void sampleRecorded(String sessionId, RttSample sample) {
                throw new IllegalStateException("sample");
            }

            @Override
            public void sessionEnded(SessionReport report) {
            }
        };
        GameSession session = builder(new Provider("throwing", () -> throwing)).executor(Runnable::run).build();
        ScriptedRttSource source = new ScriptedRttSource().orElse(RttReading.measured(12));
        session.onDataChannelOpen(source);
        scheduler.advance(Duration.ofSeconds(59)); // samples at t = 0 … 59 s
        assertThat(log.warnings(ExporterFanOut.class)).singleElement().asString().contains("failed in sampleRecorded");
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(log.warnings(ExporterFanOut.class)).hasSize(2);
        assertThat(log.warnings(ExporterFanOut.class).get(1)).contains(
                "exporter 'throwing': failed in sampleRecorded 60 more times in the last 60 s",
                "in 1 of the JVM's sessions, latest in session 'session-x'", "61 in all");
        session.close();
    }

    @Test
    void sessionEndedRunsExactlyOnceWhenEightThreadsCloseAtOnce() throws Exception {
        Recording first = new Recording();
        Recording second = new Recording();
        GameSession session = builder(new Provider("a", () -> first), new Provider("b", () -> second)).build();
        session.onDataChannelOpen(counting(3));
        scheduler.advance(Duration.ofSeconds(2));

        CyclicBarrier start = new CyclicBarrier(8);
        ExecutorService closers = Executors.newFixedThreadPool(8);
        try {
            List<Future<SessionReport>> closes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                closes.add(closers.submit(() -> {
                    start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                    session.close();
                    return session.exportReport(); // every close() returns with the session closed
                }));
            }
            SessionReport report = closes.get(0).get(WAIT_SECONDS, TimeUnit.SECONDS);
            for (Future<SessionReport> close : closes) {
                assertThat(close.get(WAIT_SECONDS, TimeUnit.SECONDS)).isSameAs(report);
            }
        } finally {
            closers.shutdownNow();
        }
        assertThat(first.calls).isEqualTo(expectedCalls(3));
        assertThat(second.calls).isEqualTo(expectedCalls(3));
    }

    @Test
    void aHangingExporterDelaysCloseOnlyUntilTheExporterTimeout() throws Exception {
        CountDownLatch hangingEntered = new CountDownLatch(1);
        AtomicInteger hangingReturned = new AtomicInteger();
        SessionExporter hanging = report -> {
            hangingEntered.countDown();
            release.await();
            hangingReturned.incrementAndGet();
        };
        Recording fine = new Recording();
        GameSession session = builder(new Provider("hanging", () -> hanging), new Provider("fine", () -> fine))
                .exporterTimeout(Duration.ofMillis(300))
                .build();
        session.onDataChannelOpen(counting(2));
        scheduler.advance(Duration.ofSeconds(1));

        long started = System.nanoTime();
        Future<?> close = pool.submit(session::close);
        // close() returns although the hanging exporter never does: it gave up at the exporter timeout
        close.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).as("waited for the timeout")
                .isGreaterThanOrEqualTo(250L);
        assertThat(hangingEntered.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(hangingReturned).as("still hanging when close() returned").hasValue(0);
        assertThat(fine.ended.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(fine.calls).isEqualTo(expectedCalls(2));

        pool.submit(session::close).get(WAIT_SECONDS, TimeUnit.SECONDS); // already closed: does not wait for it
        assertThat(hangingReturned).as("still hanging when the second close() returned").hasValue(0);
        release.countDown();
    }

    /**
     * A game thread whose interrupt flag is set when it closes the session (a cancelled task closing it in a finally,
     * a catch that re-asserted the interrupt) gets the close() promised: it waits for the exporters up to the exporter
     * timeout, as it waits for the journal, and keeps the interrupt for its caller. Old code returned at once, the
     * exporters unfinished and unlogged ("was interrupted while waiting"): a JVM ending next lost their files.
     */
    @Test
    void closeFromAnInterruptedThreadStillWaitsForTheExportersAndKeepsTheInterrupt() throws Exception {
        AtomicInteger hangingReturned = new AtomicInteger();
        SessionExporter hanging = report -> {
            release.await();
            hangingReturned.incrementAndGet();
        };
        GameSession session = builder(new Provider("hanging", () -> hanging))
                .exporterTimeout(Duration.ofMillis(300))
                .build();
        session.onDataChannelOpen(counting(2));
        scheduler.advance(Duration.ofSeconds(1));

        Future<Boolean> close = pool.submit(() -> {
            Thread.currentThread().interrupt();
            session.close();
            return Thread.interrupted();
        });
        assertThat(close.get(WAIT_SECONDS, TimeUnit.SECONDS)).as("the interrupt kept").isTrue();
        assertThat(log.warnings()).as("waited for it up to the exporter timeout, then logged it")
                .anyMatch(w -> w.contains("exporter 'hanging'") && w.contains("did not finish sessionEnded"))
                .noneMatch(w -> w.contains("interrupted"));
        assertThat(hangingReturned).hasValue(0);
    }

    /**
     * What logs a late exporter may throw (a handler of the application's, or the JDK's formatter once the process is
     * out of file descriptors): close() still returns normally and still waits for, and logs, the rest. Old code threw
     * the handler's exception out of close() (out of a try-with-resources, over the game's own exception), skipping
     * the waits for the listeners, the sources and the journal.
     */
    @Test
    void closeReturnsNormallyWhenLoggingALateExporterThrows() throws Exception {
        SessionExporter hanging = report -> release.await();
        GameSession session = builder(new Provider("hanging", () -> hanging))
                .exporterTimeout(Duration.ofMillis(300))
                .build();
        ScriptedRttSource scripted = counting(2);
        session.onDataChannelOpen(new RttSource() {
            @Override
            public java.util.concurrent.CompletionStage<RttReading> read() {
                return scripted.read();
            }

            @Override
            public void close() {
                awaitQuietly(release); // hangs too: close() logs it after the exporter's line failed
            }
        });
        scheduler.advance(Duration.ofSeconds(1));
        java.util.logging.Logger fanOut = java.util.logging.Logger.getLogger(ExporterFanOut.class.getName());
        java.util.logging.Handler throwing = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (record.getMessage() != null && record.getMessage().contains("hangs")) {
                    throw new IllegalStateException("the log handler failed");
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        fanOut.addHandler(throwing);
        try {
            pool.submit(session::close).get(WAIT_SECONDS, TimeUnit.SECONDS); // old code: ExecutionException
        } finally {
            fanOut.removeHandler(throwing);
        }
        assertThat(log.warnings()).as("the source still waited for and logged")
                .anyMatch(w -> w.contains("did not return from close()"));
    }

    /**
     * An exporter that closes the session from its own call: close() does not wait for that exporter's
     * sessionEnded (it can only run once the calling call returns), nor call it hung; it still runs once.
     */
    @Test
    void anExporterClosingTheSessionFromItsOwnCallIsNotWaitedForNorCalledHung() throws Exception {
        java.util.concurrent.atomic.AtomicReference<GameSession> self = new java.util.concurrent.atomic.AtomicReference<>();
        CountDownLatch closedFromTheExporter = new CountDownLatch(1);
        AtomicInteger ended = new AtomicInteger();
        CountDownLatch endedOnce = new CountDownLatch(1);
        SessionExporter closing = new SessionExporter() {
            @Override
            public void sampleRecorded(String sessionId, RttSample sample) {
                self.get().close(); // the first sample ends the session
                closedFromTheExporter.countDown();
            }

            @Override
            public void sessionEnded(SessionReport report) {
                ended.incrementAndGet();
                endedOnce.countDown();
            }
        };
        GameSession session = builder(new Provider("closing", () -> closing))
                .exporterTimeout(Duration.ofHours(1)) // were it waited for, the bounded waits below would fail
                .build();
        self.set(session);
        session.onDataChannelOpen(counting(2));
        scheduler.advance(Duration.ofSeconds(1));

        assertThat(closedFromTheExporter.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("close() returned").isTrue();
        assertThat(endedOnce.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        pool.submit(session::close).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(ended).hasValue(1);
        assertThat(log.warnings()).noneMatch(w -> w.contains("hangs"));
    }

    /**
     * The caller's executor refuses work (shut down): the exporters' calls are lost, which the queue logs, and
     * close() does not wait the exporter timeout for a sessionEnded that can never run, nor call the exporter hung.
     */
    @Test
    void anExecutorThatRejectsTheCallsDoesNotMakeCloseWaitTheExporterTimeout() throws Exception {
        Recording exporter = new Recording();
        java.util.concurrent.Executor rejecting = task -> {
            throw new java.util.concurrent.RejectedExecutionException("the game's pool is shut down");
        };
        GameSession session = builder(new Provider("rec", () -> exporter)).executor(rejecting)
                .exporterTimeout(Duration.ofHours(1)) // were it waited for, the bounded wait below would fail
                .build();
        session.onDataChannelOpen(counting(2));
        scheduler.advance(Duration.ofSeconds(1));

        pool.submit(session::close).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(session.exportReport().sessionMetrics().endEpochMs()).isNotNull();
        assertThat(exporter.calls).isEmpty();
        assertThat(log.warnings()).anyMatch(w -> w.contains("the executor rejected its tasks"))
                .noneMatch(w -> w.contains("hangs"));
    }

    /**
     * An exporter calls close() from its own call while another thread's close() is under way: that call waited for
     * the closing one, which waited for this exporter's sessionEnded, queued behind the very call that waited: a
     * cycle that only the exporter timeout broke, the exporter then logged as hung.
     */
    @Test
    void anExporterClosingTheSessionWhileAnotherThreadClosesItIsNotWaitedForNorCalledHung() throws Exception {
        java.util.concurrent.atomic.AtomicReference<GameSession> self = new java.util.concurrent.atomic.AtomicReference<>();
        CountDownLatch inSample = new CountDownLatch(1);
        CountDownLatch otherIsClosing = new CountDownLatch(1);
        CountDownLatch closedFromTheExporter = new CountDownLatch(1);
        AtomicInteger ended = new AtomicInteger();
        SessionExporter closing = new SessionExporter() {
            @Override
            public void sampleRecorded(String sessionId, RttSample sample) {
                inSample.countDown();
                awaitQuietly(otherIsClosing);
                self.get().close(); // the other thread's close() is under way
                closedFromTheExporter.countDown();
            }

            @Override
            public void sessionEnded(SessionReport report) {
                ended.incrementAndGet();
            }
        };
        GameSession session = builder(new Provider("closing", () -> closing))
                .exporterTimeout(Duration.ofHours(1)) // were it waited for, the bounded waits below would fail
                .build();
        self.set(session);
        ScriptedRttSource scripted = counting(1);
        CountDownLatch sourceClosed = new CountDownLatch(1); // the other close() is under way: it closes the source
        session.onDataChannelOpen(new io.peerpulse.telemetry.spi.RttSource() {
            @Override
            public java.util.concurrent.CompletionStage<io.peerpulse.telemetry.spi.RttReading> read() {
                return scripted.read();
            }

            @Override
            public void close() {
                sourceClosed.countDown();
            }
        });
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(inSample.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        Future<?> other = pool.submit(session::close);
        assertThat(sourceClosed.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("the other close() began").isTrue();
        assertThat(session.isClosed()).isTrue();
        otherIsClosing.countDown();

        assertThat(closedFromTheExporter.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("the exporter's close() returned")
                .isTrue();
        other.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(ended).hasValue(1);
        assertThat(log.warnings()).noneMatch(w -> w.contains("hangs"));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void qualityListenersRunOffThePollingThreadInOrder() throws Exception {
        GameSession session = builder().qualityThresholds(QualityThresholds.rttOnly(150, 300, 5, 3))
                .qualityRecentSamples(1).build();
        BlockingQueue<QualityChange> heard = new LinkedBlockingQueue<>();
        List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
        session.addQualityListener(change -> {
            threads.add(Thread.currentThread());
            heard.add(change);
        });
        session.addQualityListener(change -> {
            throw new IllegalStateException("a broken listener changes nothing");
        });
        session.onDataChannelOpen(new ScriptedRttSource().thenMeasured(100).thenMeasured(200).thenMeasured(400)
                .orElse(RttReading.unavailable("gone")));
        scheduler.advance(Duration.ofSeconds(6));
        assertThat(session.latest().quality()).isEqualTo(ConnectionQuality.LOST);

        List<ConnectionQuality> order = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            QualityChange change = heard.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(change).as("change %d", i + 1).isNotNull();
            order.add(change.current());
        }
        assertThat(order).containsExactly(ConnectionQuality.GOOD, ConnectionQuality.FAIR, ConnectionQuality.POOR,
                ConnectionQuality.LOST);
        assertThat(threads).doesNotContain(Thread.currentThread());
        session.close();
    }
}
