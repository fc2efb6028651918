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

    /**
     * A call ends while another of its plugin waits, and the pool refuses the waiting one (a pool shut down, or no
     * thread and no memory to be had): it runs on the place the ended call held, and that place is given back after.
     * Old code: the waiting call was lost, the refusal thrown out of the ended call's thread, and the place held for
     * good, so that with a limit of 1 every later call of that plugin waited forever.
     */
    @Test
    void aWaitingCallThePoolRefusesRunsOnThePlaceOfTheCallBeforeIt() {
        RefusingPool pool = new RefusingPool();
        java.util.List<Runnable> handedOver = pool.handedOver;
        java.util.concurrent.atomic.AtomicBoolean refusing = pool.refusing;
        Executor manual = pool;
        Executor plugin = new Bulkheads(manual, 1).forPlugin("json");
        java.util.List<String> ran = new java.util.ArrayList<>();
        plugin.execute(() -> ran.add("first"));
        plugin.execute(() -> ran.add("waiting")); // the plugin's one place is taken: waits in the bulkhead
        assertThat(handedOver).hasSize(1);

        refusing.set(true);
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> handedOver.get(0).run());

        assertThat(thrown).as("old code: the refusal").isNull();
        assertThat(ran).as("old code: [first], the waiting call lost").containsExactly("first", "waiting");
        refusing.set(false);
        plugin.execute(() -> ran.add("later"));
        assertThat(handedOver).as("old code: 1, the later call waits for a place never given back").hasSize(2);
        handedOver.get(1).run();
        assertThat(ran).containsExactly("first", "waiting", "later");
    }

    /** What a call throws still reaches its thread, after the waiting call the pool refused has run there. */
    @Test
    void aCallThatThrowsStillLeavesItsPlaceToTheWaitingCallThePoolRefuses() {
        RefusingPool pool = new RefusingPool();
        java.util.List<Runnable> handedOver = pool.handedOver;
        java.util.concurrent.atomic.AtomicBoolean refusing = pool.refusing;
        Executor manual = pool;
        Executor plugin = new Bulkheads(manual, 1).forPlugin("json");
        AtomicInteger ran = new AtomicInteger();
        plugin.execute(() -> {
            throw new IllegalStateException("the call failed");
        });
        plugin.execute(ran::incrementAndGet);

        refusing.set(true);
        assertThatThrownBy(() -> handedOver.get(0).run()).hasMessage("the call failed");

        assertThat(ran).as("the waiting call ran").hasValue(1);
        refusing.set(false);
        plugin.execute(ran::incrementAndGet);
        assertThat(handedOver).as("its place was given back").hasSize(2);
    }

    /** A pool run by hand: keeps what it is given, or refuses it (a pool shut down) while {@link #refusing} is set. */
    private static final class RefusingPool implements Executor {
        final java.util.List<Runnable> handedOver = new java.util.ArrayList<>();
        final java.util.concurrent.atomic.AtomicBoolean refusing = new java.util.concurrent.atomic.AtomicBoolean();

        @Override
        public void execute(Runnable task) {
            if (refusing.get()) {
                throw new RejectedExecutionException("the pool is shut down");
            }
            handedOver.add(task);
        }
    }
}
