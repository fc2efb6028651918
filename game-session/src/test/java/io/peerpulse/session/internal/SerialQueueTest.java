package io.peerpulse.session.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.ThrowingHandler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SerialQueueTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void shutdown() {
        pool.shutdownNow();
    }

    @Test
    void runsTasksInOrderNeverTwoAtOnceEvenWhenSubmittedFromManyThreads() throws Exception {
        SerialQueue queue = new SerialQueue(pool, "test", Integer.MAX_VALUE);
        List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        int perThread = 2_000;
        CountDownLatch done = new CountDownLatch(4 * perThread);
        List<Thread> submitters = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int base = t * perThread;
            Thread submitter = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    int value = base + i;
                    queue.submit(() -> {
                        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                        ran.add(value);
                        running.decrementAndGet();
                        done.countDown();
                    });
                }
            });
            submitters.add(submitter);
            submitter.start();
        }
        for (Thread submitter : submitters) {
            submitter.join(10_000);
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(maxRunning).hasValue(1);
        assertThat(ran).hasSize(4 * perThread);
        for (int t = 0; t < 4; t++) {
            int base = t * perThread;
            assertThat(ran.stream().filter(v -> v >= base && v < base + perThread).toList())
                    .as("tasks of submitter %d keep their order", t).isSorted();
        }
    }

    @Test
    void aFailingTaskDoesNotStopTheNextOnes() {
        SerialQueue queue = new SerialQueue(Runnable::run, "test", Integer.MAX_VALUE);
        List<String> ran = new ArrayList<>();
        queue.submit(() -> ran.add("first"));
        queue.submit(() -> {
            throw new IllegalStateException("boom");
        });
        queue.submit(() -> ran.add("third"));
        assertThat(ran).containsExactly("first", "third");
        assertThat(log.records()).singleElement().satisfies(r -> {
            assertThat(r.getMessage()).isEqualTo("test: a task failed");
            assertThat(r.getThrown()).hasMessage("boom");
        });
    }

    /**
     * A task that leaves its thread interrupted (a quality listener or exporter call that restores the flag after
     * an {@code InterruptedException}, as is customary): a drain runs up to 256 tasks in one pool task, so the next
     * one (another listener of the session, the next call) started interrupted, and its first interruptible wait
     * (a bounded queue's {@code put}, a {@code FileChannel} write) failed at once. Each task now starts as the drain
     * found its thread; a thread interrupted before the drain (the game's own, with an executor that runs tasks on
     * the caller) keeps its interrupt for every task.
     */
    @Test
    void aTaskThatLeavesItsThreadInterruptedDoesNotInterruptTheNext() {
        List<Runnable> scheduled = new ArrayList<>();
        SerialQueue queue = new SerialQueue(scheduled::add, "test", Integer.MAX_VALUE);
        List<Boolean> interrupted = new ArrayList<>();
        queue.submit(() -> Thread.currentThread().interrupt());
        queue.submit(() -> interrupted.add(Thread.currentThread().isInterrupted()));
        try {
            scheduled.remove(0).run();
        } finally {
            Thread.interrupted(); // the test thread's, whatever the last task left
        }
        assertThat(interrupted).as("the task after an interrupting one starts interrupted").containsExactly(false);

        queue.submit(() -> interrupted.add(Thread.currentThread().isInterrupted()));
        queue.submit(() -> interrupted.add(Thread.currentThread().isInterrupted()));
        Thread.currentThread().interrupt(); // the caller's own interrupt, before the drain
        try {
            scheduled.remove(0).run();
            assertThat(Thread.currentThread().isInterrupted()).as("the caller's interrupt kept").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(interrupted).containsExactly(false, true, true);
    }

    @Test
    void dropsOnlyDroppableTasksBeyondTheBoundAndCountsThem() {
        List<Runnable> scheduled = new ArrayList<>();
        SerialQueue queue = new SerialQueue(scheduled::add, "test", 2);
        List<String> ran = new ArrayList<>();
        assertThat(queue.enqueue(() -> ran.add("a"), true)).isTrue();
        assertThat(queue.enqueue(() -> ran.add("b"), true)).isFalse();
        assertThat(queue.enqueue(() -> ran.add("c"), true)).isFalse();
        assertThat(queue.enqueue(() -> ran.add("end"), false)).isFalse();
        queue.startDrain();
        assertThat(queue.dropped()).isEqualTo(1);
        scheduled.get(0).run();
        assertThat(ran).containsExactly("a", "b", "end");
        assertThat(log.warnings(SerialQueue.class)).singleElement().asString()
                .contains("test: 2 calls are waiting", "further sample calls are dropped");
    }

    @Test
    void aLongQueueIsDrainedInBatchesSoOthersGetTheExecutor() {
        List<Runnable> scheduled = new ArrayList<>();
        SerialQueue queue = new SerialQueue(scheduled::add, "test", Integer.MAX_VALUE);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 600; i++) {
            if (queue.enqueue(ran::incrementAndGet, false)) {
                queue.startDrain();
            }
        }
        for (int i = 0; i < scheduled.size(); i++) {
            scheduled.get(i).run();
        }
        assertThat(ran).hasValue(600);
        assertThat(scheduled).hasSize(3);
    }

    @Test
    void aDrainHandingOnToAnotherThreadDoesNotMakeTheNextDrainForgetItsThread() throws Exception {
        // A drain that hands on after a batch returns while the next drain already runs on another thread: the
        // one returning must not clear what the next one set, or a task calling back (an exporter's close())
        // is no longer known to run on the queue's thread.
        List<Thread> drains = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch secondRunsItsTask = new CountDownLatch(1);
        CountDownLatch check = new CountDownLatch(1);
        Executor executor = drain -> {
            Thread thread = new Thread(drain, "drain-" + drains.size());
            drains.add(thread);
            thread.start();
            if (drains.size() == 2) {
                await(secondRunsItsTask); // on the first drain's thread: it returns only once the second runs
            }
        };
        SerialQueue queue = new SerialQueue(executor, "test", Integer.MAX_VALUE);
        AtomicBoolean knownThere = new AtomicBoolean();
        boolean start = false;
        for (int i = 0; i < 256; i++) {
            start |= queue.enqueue(() -> { }, false);
        }
        queue.enqueue(() -> {
            secondRunsItsTask.countDown();
            await(check);
            knownThere.set(queue.runsOn(Thread.currentThread()));
        }, false);
        assertThat(start).isTrue();
        queue.startDrain();
        assertThat(secondRunsItsTask.await(10, TimeUnit.SECONDS)).isTrue();
        Thread first = drains.get(0);
        first.join(10_000);
        assertThat(first.isAlive()).as("the first drain returned").isFalse();
        check.countDown();
        Thread second = drains.get(1);
        second.join(10_000);
        assertThat(second.isAlive()).as("the second drain returned").isFalse();
        assertThat(knownThere).as("runsOn(the thread running the task)").isTrue();
    }

    /**
     * Submitters racing a start the executor rejects: the rejection dropped the tasks it found, then took their
     * number off {@code pending}; a task queued between the two stayed counted with no drain to run it, and the
     * queue never ran anything again (on the old code, in 6 of 8 runs, within the first 40 rounds). Bounded by rounds,
     * not by time.
     */
    @Test
    void aRejectingExecutorNeverLeavesAQueuedTaskWithoutADrain() throws Exception {
        RejectedExecutionException full = new RejectedExecutionException("full"); // one instance: rejecting is cheap
        AtomicBoolean rejecting = new AtomicBoolean();
        Executor executor = task -> {
            if (rejecting.get()) {
                throw full;
            }
            task.run();
        };
        AtomicReference<SerialQueue> queue = new AtomicReference<>();
        CyclicBarrier start = new CyclicBarrier(3);
        CyclicBarrier end = new CyclicBarrier(3);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> submitters = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Thread submitter = new Thread(() -> {
                try {
                    while (true) {
                        start.await(10, TimeUnit.SECONDS);
                        if (stop.get()) {
                            return;
                        }
                        SerialQueue q = queue.get();
                        for (int i = 0; i < 1_000; i++) {
                            q.submit(() -> { });
                        }
                        end.await(10, TimeUnit.SECONDS);
                    }
                } catch (Exception e) {
                    // the test ended: its assertion says why
                }
            });
            submitters.add(submitter);
            submitter.start();
        }
        int deadAfter = -1;
        try {
            for (int round = 0; round < 1_000 && deadAfter < 0; round++) {
                log.clear(); // each rejection logs a WARNING: keep only this round's
                rejecting.set(true);
                queue.set(new SerialQueue(executor, "test", Integer.MAX_VALUE));
                start.await(10, TimeUnit.SECONDS);
                end.await(10, TimeUnit.SECONDS);
                rejecting.set(false);
                AtomicBoolean ran = new AtomicBoolean();
                queue.get().submit(() -> ran.set(true));
                if (!ran.get()) {
                    deadAfter = round;
                }
            }
        } finally {
            stop.set(true);
            try {
                start.await(10, TimeUnit.SECONDS); // the submitters see stop and end
            } catch (BrokenBarrierException | TimeoutException e) {
                // a submitter ended already
            }
            for (Thread submitter : submitters) {
                submitter.join(10_000);
            }
        }
        assertThat(deadAfter).as("the round after which a task no longer ran (-1: none)").isEqualTo(-1);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Measured in a child JVM with {@code ulimit -n 1024} and 1,002 sessions with journals: at close the exporters
     * failed ({@code Too many open files}), and logging that failure threw too — the JDK's {@code SimpleFormatter}
     * could not open {@code tzdb.dat} ({@code NoClassDefFoundError: Could not initialize class
     * sun.util.calendar.ZoneInfoFile}). The error left the queue's drain with the task still counted: three
     * {@code peerpulse-session-*} threads died, and those queues never ran a task again.
     */
    @Test
    void aLoggerThatThrowsDoesNotEndTheQueue() {
        Logger logger = Logger.getLogger(SerialQueue.class.getName());
        Handler throwing = ThrowingHandler.always(
                new NoClassDefFoundError("Could not initialize class sun.util.calendar.ZoneInfoFile"));
        logger.addHandler(throwing);
        try {
            SerialQueue queue = new SerialQueue(Runnable::run, "test", Integer.MAX_VALUE);
            assertThatCode(() -> queue.submit(() -> {
                throw new IllegalStateException("the exporter failed: too many open files");
            })).doesNotThrowAnyException();

            AtomicBoolean ran = new AtomicBoolean();
            queue.submit(() -> ran.set(true));

            assertThat(ran).as("the next task").isTrue();
        } finally {
            logger.removeHandler(throwing);
        }
    }

    /**
     * The game's own executor ({@code GameSession.Builder.executor}) may throw something other than a
     * {@link RejectedExecutionException} from {@code execute}: an {@code IllegalStateException} once a custom executor
     * is shut down, a {@code NullPointerException} from a buggy one. That is a rejection: the tasks are lost and
     * logged, whoever waits for one is released, and the queue tries the executor again for its next task. Old code
     * let the exception out of {@code startDrain} with the task still counted: its waiter waited for good, and the
     * queue never started a drain again.
     */
    @Test
    void anExecutorThatThrowsAnythingLosesTheTaskReleasesItsWaiterAndRunsTheNextOnes() {
        AtomicBoolean shutDown = new AtomicBoolean(true);
        Executor executor = task -> {
            if (shutDown.get()) {
                throw new IllegalStateException("the game's executor is shut down");
            }
            task.run();
        };
        SerialQueue queue = new SerialQueue(executor, "test", Integer.MAX_VALUE);
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        AtomicBoolean lostRan = new AtomicBoolean();

        boolean start = queue.enqueue(() -> lostRan.set(true), done);
        assertThat(start).isTrue();
        assertThatCode(queue::startDrain).as("old code: the executor's exception").doesNotThrowAnyException();

        assertThat(done).as("its waiter, released").isDone();
        assertThat(lostRan).as("the lost task").isFalse();
        assertThat(queue.idle()).isTrue();
        assertThat(queue.dropped()).isEqualTo(1);
        assertThat(log.warnings()).anyMatch(w -> w.contains("test: the executor rejected its tasks; 1 calls are lost"));

        shutDown.set(false);
        AtomicBoolean ran = new AtomicBoolean();
        queue.submit(() -> ran.set(true));
        assertThat(ran).as("the next task (old code: never started, the lost one still counted)").isTrue();
    }

    /** What logs the lost tasks of a rejecting executor may throw too: the waiter is still released, nothing thrown. */
    @Test
    void aLoggerThatThrowsOnARejectionStillReleasesTheWaiter() {
        Logger logger = Logger.getLogger(SerialQueue.class.getName());
        Handler throwing = ThrowingHandler.always(new IllegalStateException("the log handler failed"));
        logger.addHandler(throwing);
        try {
            SerialQueue queue = new SerialQueue(task -> {
                throw new RejectedExecutionException("full");
            }, "test", Integer.MAX_VALUE);
            java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
            queue.enqueue(() -> { }, done);
            assertThatCode(queue::startDrain).as("old code: the handler's exception").doesNotThrowAnyException();
            assertThat(done).isDone();
            assertThat(queue.idle()).isTrue();
        } finally {
            logger.removeHandler(throwing);
        }
    }
}
