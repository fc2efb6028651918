package io.peerpulse.session.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.telemetry.fixtures.LogCapture;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One stuck exporter plugin holds at most its bulkhead's share of the pool, and is counted as stuck. */
class BulkheadsTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private static final long WAIT_SECONDS = 10;
    private final ThreadPoolExecutor pool = SharedExecutor.newPool(4, "bulkheads-test-");
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        pool.shutdownNow();
    }

    @Test
    void aStuckPluginHoldsAtMostItsShareAndTheOtherPluginsKeepTheRest() throws Exception {
        Bulkheads bulkheads = new Bulkheads(pool, 2);
        AtomicInteger inside = new AtomicInteger();
        CountDownLatch twoInside = new CountDownLatch(2);
        CountDownLatch allInside = new CountDownLatch(6);
        {
            for (int i = 0; i < 6; i++) {
                bulkheads.forPlugin("stuck").execute(() -> {
                    inside.incrementAndGet();
                    twoInside.countDown();
                    allInside.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThat(twoInside.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            CountDownLatch healthy = new CountDownLatch(20);
            for (int i = 0; i < 20; i++) {
                bulkheads.forPlugin("fine").execute(healthy::countDown);
            }
            assertThat(healthy.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("the other plugin's calls all ran").isTrue();
            assertThat(inside).as("the stuck plugin holds only its share").hasValue(2);

            release.countDown();
            CountDownLatch after = new CountDownLatch(1);
            bulkheads.forPlugin("stuck").execute(after::countDown);
            assertThat(after.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("its queued calls run once released").isTrue();
            // with two slots, the last queued call may still be starting on the other one when `after` ran
            assertThat(allInside.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("every queued call ran").isTrue();
            assertThat(inside).hasValue(6);
        }
    }

    @Test
    void theSharedShareIsHalfThePoolAndAtLeastOne() {
        assertThat(Bulkheads.sharedLimit(8)).isEqualTo(4);
        assertThat(Bulkheads.sharedLimit(9)).isEqualTo(4);
        assertThat(Bulkheads.sharedLimit(1)).isEqualTo(1);
        assertThatThrownBy(() -> new Bulkheads(pool, 0)).hasMessageContaining("limit must be >= 1, was 0");
    }

    @Test
    void anExporterIsStuckOnceItsOldestUnfinishedCallIsOlderThanTheTimeoutRunningOrWaiting() throws Exception {
        Bulkheads bulkheads = new Bulkheads(pool, 1);
        CountDownLatch entered = new CountDownLatch(1);
        SessionExporter hanging = new SessionExporter() {
            @Override
            public void sessionStarted(String sessionId) throws RuntimeException {
                entered.countDown();
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
        Duration timeout = Duration.ofSeconds(1);
        LongSupplier clock = () -> System.nanoTime(); // this test's own: no other test's hang silences its first line
        ExporterChannel running = new ExporterChannel("hang", "s-1", hanging, bulkheads.forPlugin("hang"), 100,
                SharedExecutorTest.faults("s-1", clock));
        assertThat(running.stuck(System.nanoTime() + timeout.toNanos() * 2, timeout)).as("idle").isFalse();
        if (running.enqueueNotice("sessionStarted", (e, id) -> e.sessionStarted(id))) {
            running.startDrain();
        }
        assertThat(entered.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        ExporterChannel waiting = new ExporterChannel("hang", "s-2", hanging, bulkheads.forPlugin("hang"), 100,
                SharedExecutorTest.faults("s-2", clock));
        if (waiting.enqueueNotice("sessionStarted", (e, id) -> e.sessionStarted(id))) {
            waiting.startDrain(); // waits in the bulkhead: the plugin's one thread is taken
        }
        long now = System.nanoTime();
        assertThat(running.stuck(now, timeout)).as("running, not yet past the timeout").isFalse();
        assertThat(running.stuck(now + timeout.toNanos() * 2, timeout)).as("running past the timeout").isTrue();
        assertThat(waiting.stuck(now + timeout.toNanos() * 2, timeout)).as("waiting past the timeout").isTrue();
        assertThat(running.stuck(now + timeout.toNanos() * 3, timeout)).isTrue();
        // one fault of one exporter in two sessions: the JVM's first line names the first; the second is counted
        assertThat(log.warnings(ExporterFanOut.class)).singleElement().asString().contains(
                "exporter 'hang' of session 's-1' hangs", "past the exporter timeout");

        release.countDown();
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (waiting.enqueueEnded(null, done)) {
            waiting.startDrain();
        }
        done.get(WAIT_SECONDS, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (waiting.stuck(System.nanoTime() + timeout.toNanos() * 2, timeout) && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // until the drain that completed `done` has returned
        }
        assertThat(waiting.stuck(System.nanoTime() + timeout.toNanos() * 2, timeout)).as("caught up").isFalse();
    }

    /**
     * A pool that can start no thread and has none refuses the call ({@code DaemonPool}: at the process's thread
     * limit); the {@link SerialQueue} above logs its calls as lost. The refused call must not keep its place: else,
     * after as many refusals as the bulkhead's limit, every later call of that plugin, in every session, waited in
     * the bulkhead for good, also once threads could be had again.
     */
    @Test
    void aCallThePoolRefusedGivesItsPlaceBack() {
        AtomicInteger refusals = new AtomicInteger(2);
        Executor noThreadThenThreads = task -> {
            if (refusals.getAndDecrement() > 0) {
                throw new RejectedExecutionException("no thread could be started");
            }
            task.run();
        };
        Executor plugin = new Bulkheads(noThreadThenThreads, 2).forPlugin("json");
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> plugin.execute(() -> { }))
                    .isInstanceOf(RejectedExecutionException.class);
        }

        AtomicInteger ran = new AtomicInteger();
        plugin.execute(ran::incrementAndGet);
        plugin.execute(ran::incrementAndGet);

        assertThat(ran).as("calls once the pool has threads again").hasValue(2);
    }
}
