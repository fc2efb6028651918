package io.peerpulse.telemetry.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The shared scheduler holds no thread once no telemetry runs: a web app that loaded its own copy of PeerPulse
 * leaves, when undeployed, no thread that keeps its class loader (and every class in it) alive. Idleness is judged
 * by the watchdog's {@code check(now)}, here called with the times the test chooses.
 */
class SharedSchedulerIdleTest {

    private static final long IDLE = SharedScheduler.IDLE_NANOS;
    private static final long BOUND_MS = TimeUnit.SECONDS.toMillis(60);

    private static Thread workerOf(SharedScheduler.Watched scheduler, long delayMs) throws Exception {
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        scheduler.schedule(() -> ran.complete(Thread.currentThread()), delayMs, TimeUnit.MILLISECONDS);
        return ran.get(60, TimeUnit.SECONDS);
    }

    /**
     * Until the worker is out of the task that answered (it completes its future from inside the task): nothing
     * signals that moment, so the count is polled, parked between looks rather than spinning a shared core.
     */
    private static void awaitNothingRunning(SharedScheduler.Watched scheduler) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MS);
        while (scheduler.getActiveCount() > 0) {
            assertThat(System.nanoTime() - deadline).as("the task ended within the bound").isNegative();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Shuts the scheduler down and waits for its threads: other tests count the scheduler threads alive. */
    private static void stop(SharedScheduler.Watched scheduler, Thread... threads) throws InterruptedException {
        scheduler.shutdownNow();
        for (Thread thread : threads) {
            if (thread != null) {
                thread.join(BOUND_MS);
            }
        }
        Thread watchdog = scheduler.watchdog;
        if (watchdog != null) {
            watchdog.join(BOUND_MS);
        }
    }

    @Test
    void theWorkerEndsOnceIdleForTheIdleTimeAndTheNextTaskMakesAnother() throws Exception {
        SharedScheduler.Watched scheduler = SharedScheduler.Watched.unwatched();
        Thread worker = null;
        Thread next = null;
        try {
            worker = workerOf(scheduler, 0);
            awaitNothingRunning(scheduler);
            long now = System.nanoTime();
            scheduler.check(now);
            scheduler.check(now + IDLE - 1);
            assertThat(worker.isAlive()).as("idle for less than the idle time").isTrue();

            scheduler.check(now + IDLE);
            worker.join(BOUND_MS);
            assertThat(worker.isAlive()).as("the idle worker ended").isFalse();
            assertThat(scheduler.getPoolSize()).isZero();

            next = workerOf(scheduler, 0);
            assertThat(next).isNotSameAs(worker);
        } finally {
            stop(scheduler, worker, next);
        }
    }

    @Test
    void aQueuedTaskKeepsTheWorkerHoweverLongItIsAhead() throws Exception {
        SharedScheduler.Watched scheduler = SharedScheduler.Watched.unwatched();
        Thread worker = null;
        try {
            worker = workerOf(scheduler, 0);
            ScheduledFuture<?> nextPoll = scheduler.schedule(() -> { }, 1, TimeUnit.HOURS);
            awaitNothingRunning(scheduler);
            long now = System.nanoTime();
            scheduler.check(now);
            scheduler.check(now + 2 * IDLE);
            assertThat(scheduler.getCorePoolSize()).isOne();
            assertThat(worker.isAlive()).isTrue();
            nextPoll.cancel(false);
        } finally {
            stop(scheduler, worker);
        }
    }

    @Test
    void theWatchdogEndsAfterTheLastWorkerAndTheNextWorkerStartsAnother() throws Exception {
        SharedScheduler.Watched scheduler = SharedScheduler.Watched.start(0); // idle at its second look
        Thread worker = null;
        Thread next = null;
        try {
            worker = workerOf(scheduler, 0);
            Thread watchdog = scheduler.watchdog;
            assertThat(watchdog).isNotNull();
            worker.join(BOUND_MS);
            watchdog.join(BOUND_MS);
            assertThat(worker.isAlive()).as("the idle worker ended").isFalse();
            assertThat(watchdog.isAlive()).as("the watchdog ended after it").isFalse();

            next = workerOf(scheduler, 0);
            assertThat(scheduler.watchdog).as("a new watchdog for the new worker").isNotSameAs(watchdog);
        } finally {
            stop(scheduler, worker, next);
        }
    }
}
