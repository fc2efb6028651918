package io.peerpulse.session.internal;

import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.shared.FaultLog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shared exporter pool is bounded, queues what is past the bound instead of rejecting it, and
 * runs it once threads free up. Waits are bounded and only for real events.
 */
class SharedExecutorTest {

    private static final long WAIT_SECONDS = 30;
    private static final int BOUND = 3;
    private static final int STUCK = BOUND + 5;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final String prefix = "shared-executor-test-" + POOLS.incrementAndGet() + "-";
    private final ThreadPoolExecutor pool = SharedExecutor.newPool(BOUND, prefix);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void cleanUp() {
        release.countDown();
        pool.shutdownNow();
    }

    /** Blocks in sessionEnded until released. */
    private final class Stuck implements SessionExporter {
        final CountDownLatch entered;
        final AtomicInteger inside;

        Stuck(CountDownLatch entered, AtomicInteger inside) {
            this.entered = entered;
            this.inside = inside;
        }

        @Override
        public void sessionEnded(SessionReport report) throws InterruptedException {
            inside.incrementAndGet();
            entered.countDown();
            release.await(WAIT_SECONDS, TimeUnit.SECONDS); // the test fails on its own bounded waits if not
        }
    }

    /** Records every call in order, with the thread it came on. */
    private static final class Healthy implements SessionExporter {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        final List<Thread> threads = Collections.synchronizedList(new ArrayList<>());

        private void record(String call) {
            calls.add(call);
            threads.add(Thread.currentThread());
        }

        @Override
        public void sessionStarted(String sessionId) {
            record("started");
        }

        @Override
        public void sampleRecorded(String sessionId, RttSample sample) {
            record("sample " + sample.rttMs());
        }

        @Override
        public void sessionEnded(SessionReport report) {
            record("ended");
        }
    }

    @Test
    void stuckExportersPastTheBoundHoldOnlyTheBoundsThreadsAndQueuedCallsRunOnceTheyAreReleased()
            throws Exception {
        SessionReport report = report();
        CountDownLatch entered = new CountDownLatch(BOUND);
        AtomicInteger inside = new AtomicInteger();
        List<CompletableFuture<Void>> stuckDone = new ArrayList<>();
        for (int i = 0; i < STUCK; i++) {
            ExporterChannel channel = new ExporterChannel("stuck", "stuck-" + i, new Stuck(entered, inside), pool, 100,
                    faults("stuck-" + i, System::nanoTime));
            CompletableFuture<Void> done = new CompletableFuture<>();
            stuckDone.add(done);
            if (channel.enqueueEnded(report, done)) {
                channel.startDrain();
            }
        }
        assertThat(entered.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("the first %d exporters entered", BOUND).isTrue();

        // Every thread is held by a stuck exporter, so nothing else can start: the other 5 wait in the queue.
        assertThat(inside).hasValue(BOUND);
        assertThat(pool.getPoolSize()).isEqualTo(BOUND);
        assertThat(pool.getQueue()).hasSize(STUCK - BOUND);
        assertThat(liveThreads()).hasSize(BOUND);

        List<Healthy> healthy = new ArrayList<>();
        List<CompletableFuture<Void>> healthyDone = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Healthy exporter = new Healthy();
            healthy.add(exporter);
            ExporterChannel channel = new ExporterChannel("healthy", "healthy-" + i, exporter, pool, 100,
                    faults("healthy-" + i, System::nanoTime));
            boolean drain = channel.enqueueNotice("sessionStarted", (e, id) -> e.sessionStarted(id));
            for (int s = 0; s < 5; s++) {
                drain |= channel.enqueueSample(sample(1_000 + s, 10 + s));
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            healthyDone.add(done);
            drain |= channel.enqueueEnded(report, done);
            assertThat(drain).as("one drain per channel").isTrue();
            channel.startDrain();
        }
        assertThat(pool.getQueue()).as("queued, not rejected").hasSize(STUCK - BOUND + 3);
        assertThat(healthy).allSatisfy(exporter -> assertThat(exporter.calls).isEmpty());

        release.countDown();

        CompletableFuture.allOf(stuckDone.toArray(CompletableFuture[]::new)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        CompletableFuture.allOf(healthyDone.toArray(CompletableFuture[]::new)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(inside).as("every stuck exporter ran once released").hasValue(STUCK);
        for (Healthy exporter : healthy) {
            assertThat(exporter.calls).containsExactly("started", "sample 10.0", "sample 11.0", "sample 12.0",
                    "sample 13.0", "sample 14.0", "ended");
            assertThat(exporter.threads).allSatisfy(thread -> {
                assertThat(thread.getName()).startsWith(prefix);
                assertThat(thread.isDaemon()).isTrue();
                assertThat(thread).isNotSameAs(Thread.currentThread());
            });
        }
        assertThat(pool.getLargestPoolSize()).as("never more threads than the bound").isEqualTo(BOUND);
    }

    @Test
    void aSessionOnTheDefaultExecutorCallsItsExportersOnNamedDaemonThreadsOfTheSharedPool() {
        Healthy exporter = new Healthy();
        SessionExporterProvider provider = new SessionExporterProvider() {
            @Override
            public String name() {
                return "healthy";
            }

            @Override
            public SessionExporter create(ExportSettings settings) {
                return exporter;
            }
        };
        GameSession session = GameSession.builder("default-executor").exporterProviders(List.of(provider)).build();
        session.close(); // waits for sessionEnded (at most the exporter timeout)

        assertThat(exporter.calls).containsExactly("started", "ended");
        assertThat(exporter.threads).allSatisfy(thread -> {
            assertThat(thread.getName()).startsWith("peerpulse-session-");
            assertThat(thread.isDaemon()).isTrue();
        });
    }

    @Test
    void theDefaultBoundIsFourThreadsPerCoreAndAtLeastEight() {
        assertThat(SharedExecutor.maxThreads(null, 1)).isEqualTo(8);
        assertThat(SharedExecutor.maxThreads(null, 2)).isEqualTo(8);
        assertThat(SharedExecutor.maxThreads(null, 3)).isEqualTo(12);
        assertThat(SharedExecutor.maxThreads(null, 16)).isEqualTo(64);
    }

    @Test
    void theSystemPropertyOverridesTheBound() {
        assertThat(SharedExecutor.maxThreads("1", 16)).isEqualTo(1);
        assertThat(SharedExecutor.maxThreads(" 200 ", 2)).isEqualTo(200);
        assertThat(SharedExecutor.maxThreads("10000", 2)).isEqualTo(10_000);
    }

    @Test
    void aBadBoundFailsNamingThePropertyAndTheValue() {
        for (String bad : List.of("0", "-4", "", "eight", "8.5", "10001", "99999999999")) {
            assertThatThrownBy(() -> SharedExecutor.maxThreads(bad, 2)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("peerpulse.session.executor.maxThreads must be an integer from 1 to 10000, was '"
                            + bad + "'");
        }
        assertThatThrownBy(() -> SharedExecutor.newPool(0, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxThreads must be >= 1, was 0");
    }

    private List<Thread> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).toList();
    }

    /** A real report of a session closed without samples. */
    private static SessionReport report() {
        GameSession session = GameSession.builder("report").exporterProviders(List.of()).executor(Runnable::run)
                .build();
        session.close();
        return session.exportReport();
    }

    /**
     * Where the exporters' faults of session {@code sessionId} are logged, as the session logs them, on
     * {@code nanoClock}: faults logged on one clock share the JVM-wide rate limit.
     */
    static FaultLog faults(String sessionId, java.util.function.LongSupplier nanoClock) {
        return new FaultLog(System.getLogger(ExporterFanOut.class.getName()), nanoClock, "session '" + sessionId + "'",
                "sessions");
    }
}
