package io.peerpulse.virtualtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class VirtualSchedulerTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private final VirtualScheduler scheduler = new VirtualScheduler();
    /** Virtual milliseconds since {@link #START} at which tasks ran, with their labels. */
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    private Runnable logging(String label) {
        return () -> log.add(label + "@" + elapsedMs());
    }

    private long elapsedMs() {
        return Duration.between(START, scheduler.now()).toMillis();
    }

    @Test
    void clockStartsAtNewYear2026AndFollowsTheVirtualTime() {
        assertThat(scheduler.now()).isEqualTo(START);
        assertThat(scheduler.clock().instant()).isEqualTo(START);
        assertThat(scheduler.clock().millis()).isEqualTo(START.toEpochMilli());

        scheduler.advance(Duration.ofNanos(1_500_001));

        assertThat(scheduler.now()).isEqualTo(START.plusNanos(1_500_001));
        assertThat(scheduler.clock().instant()).isEqualTo(START.plusNanos(1_500_001));
        assertThat(scheduler.clock().millis()).isEqualTo(START.toEpochMilli() + 1);
    }

    @Test
    void startsAtTheGivenInstant() {
        Instant start = Instant.parse("2030-06-15T12:00:00.123456789Z");
        VirtualScheduler custom = new VirtualScheduler(start);

        custom.advance(Duration.ofSeconds(2));

        assertThat(custom.clock().instant()).isEqualTo(start.plusSeconds(2));
    }

    @Test
    void rejectsANegativeAdvanceNamingTheArgument() {
        assertThatThrownBy(() -> scheduler.advance(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duration");
        assertThat(scheduler.now()).isEqualTo(START);
    }

    @Test
    void runsTasksInDueTimeOrderAndEqualTimesInSubmissionOrder() {
        scheduler.schedule(logging("c"), 30, TimeUnit.MILLISECONDS);
        scheduler.schedule(logging("a1"), 10, TimeUnit.MILLISECONDS);
        scheduler.schedule(logging("a2"), 10_000, TimeUnit.MICROSECONDS);
        scheduler.schedule(logging("b"), 20, TimeUnit.MILLISECONDS);

        scheduler.advance(Duration.ofSeconds(1));

        assertThat(log).containsExactly("a1@10", "a2@10", "b@20", "c@30");
        assertThat(elapsedMs()).isEqualTo(1000);
    }

    @Test
    void advanceStopsExactlyAtTheEndOfTheWindow() {
        scheduler.schedule(logging("t"), 10, TimeUnit.MILLISECONDS);

        scheduler.advance(Duration.ofMillis(9));
        assertThat(log).isEmpty();
        assertThat(scheduler.pendingTaskCount()).isEqualTo(1);

        scheduler.advance(Duration.ofMillis(1));
        assertThat(log).containsExactly("t@10");
        assertThat(scheduler.pendingTaskCount()).isZero();
    }

    @Test
    void executeQueuesTheTaskForTheNextRunOnTheRunningThread() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();

        scheduler.execute(() -> ranOn.set(Thread.currentThread()));
        assertThat(ranOn.get()).isNull();

        scheduler.runDueTasks();
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
        assertThat(scheduler.now()).isEqualTo(START);
    }

    @Test
    void runDueTasksLeavesFutureTasksAndTheTime() {
        scheduler.schedule(logging("now"), 0, TimeUnit.SECONDS);
        scheduler.schedule(logging("later"), 1, TimeUnit.NANOSECONDS);

        scheduler.runDueTasks();

        assertThat(log).containsExactly("now@0");
        assertThat(scheduler.pendingTaskCount()).isEqualTo(1);
        assertThat(scheduler.now()).isEqualTo(START);
    }

    @Test
    void aNegativeDelayCountsAsZero() {
        ScheduledFuture<?> future = scheduler.schedule(logging("t"), -5, TimeUnit.SECONDS);

        assertThat(future.getDelay(TimeUnit.NANOSECONDS)).isZero();
        scheduler.runDueTasks();
        assertThat(log).containsExactly("t@0");
    }

    @Test
    void rejectsNullsAndNonPositivePeriodsLikeTheJdk() {
        Runnable task = () -> { };
        assertThatThrownBy(() -> scheduler.schedule((Runnable) null, 1, TimeUnit.SECONDS))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> scheduler.schedule((Callable<?>) null, 1, TimeUnit.SECONDS))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> scheduler.schedule(task, 1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> scheduler.execute(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> scheduler.scheduleAtFixedRate(null, 0, 1, TimeUnit.SECONDS))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> scheduler.scheduleWithFixedDelay(task, 0, 1, null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> scheduler.scheduleAtFixedRate(task, 0, 0, TimeUnit.SECONDS))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> scheduler.scheduleWithFixedDelay(task, 0, -1, TimeUnit.SECONDS))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(scheduler.pendingTaskCount()).isZero();
    }

    @Test
    void aCallableCompletesItsFuture() throws Exception {
        ScheduledFuture<Integer> future = scheduler.schedule(() -> 42, 1, TimeUnit.SECONDS);
        Future<String> submitted = scheduler.submit(() -> "now");
        assertThat(future.isDone()).isFalse();

        scheduler.advance(Duration.ofSeconds(1));

        assertThat(future.isDone()).isTrue();
        assertThat(future.get(0, TimeUnit.SECONDS)).isEqualTo(42);
        assertThat(submitted.get(0, TimeUnit.SECONDS)).isEqualTo("now");
    }

    @Test
    void getWaitsInRealTimeForAnotherThreadToAdvance() throws Exception {
        ScheduledFuture<Integer> future = scheduler.schedule(() -> 7, 1, TimeUnit.HOURS);
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Integer> waiter = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            try {
                return future.get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(waiting.await(10, TimeUnit.SECONDS)).isTrue();

        scheduler.advance(Duration.ofHours(1));

        assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo(7);
    }

    @Test
    void anExceptionInAOneShotTaskCompletesItsFutureAndSparesTheOthers() {
        ScheduledFuture<?> failing = scheduler.schedule(() -> {
            throw new IllegalStateException("boom");
        }, 1, TimeUnit.SECONDS);
        scheduler.schedule(logging("after"), 2, TimeUnit.SECONDS);

        scheduler.advance(Duration.ofSeconds(2));

        assertThat(log).containsExactly("after@2000");
        assertThatThrownBy(() -> failing.get(0, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasRootCauseMessage("boom");
    }

    @Test
    void fixedRateRunsEveryPeriodFromTheInitialDelay() {
        ScheduledFuture<?> future = scheduler.scheduleAtFixedRate(logging("r"), 100, 1000, TimeUnit.MILLISECONDS);

        scheduler.advance(Duration.ofMillis(3100));

        assertThat(log).containsExactly("r@100", "r@1100", "r@2100", "r@3100");
        assertThat(future.isDone()).isFalse();
        assertThat(future.getDelay(TimeUnit.MILLISECONDS)).isEqualTo(1000);
        assertThat(scheduler.pendingTaskCount()).isEqualTo(1);
    }

    @Test
    void fixedRateCountsFromTheDueTimeOfTheRun() {
        scheduler.scheduleAtFixedRate(working("rate", 300), 0, 1000, TimeUnit.MILLISECONDS);

        scheduler.advance(Duration.ofMillis(3000));

        assertThat(log).containsExactly("rate@0", "rate@1000", "rate@2000", "rate@3000");
    }

    @Test
    void fixedDelayCountsFromTheEndOfTheRun() {
        scheduler.scheduleWithFixedDelay(working("delay", 300), 0, 1000, TimeUnit.MILLISECONDS);

        scheduler.advance(Duration.ofMillis(3000));

        assertThat(log).containsExactly("delay@0", "delay@1300", "delay@2600");
    }

    @Test
    void aFixedRateTaskThatFellBehindRunsBackToBack() {
        AtomicInteger runs = new AtomicInteger();
        scheduler.scheduleAtFixedRate(() -> {
            log.add("r@" + elapsedMs());
            if (runs.incrementAndGet() == 1) {
                scheduler.advance(Duration.ofMillis(2500));
            }
        }, 0, 1000, TimeUnit.MILLISECONDS);

        scheduler.advance(Duration.ofMillis(3000));

        assertThat(log).containsExactly("r@0", "r@2500", "r@2500", "r@3000");
    }

    /** A task that logs its start and then takes {@code workMs} of virtual time. */
    private Runnable working(String label, long workMs) {
        return () -> {
            log.add(label + "@" + elapsedMs());
            scheduler.advance(Duration.ofMillis(workMs));
        };
    }

    @Test
    void anExceptionCancelsFurtherRunsOfAPeriodicTaskAndCompletesItsFuture() {
        AtomicInteger runs = new AtomicInteger();
        ScheduledFuture<?> rate = scheduler.scheduleAtFixedRate(() -> {
            if (runs.incrementAndGet() == 2) {
                throw new IllegalStateException("second run failed");
            }
        }, 0, 1, TimeUnit.SECONDS);
        ScheduledFuture<?> delay = scheduler.scheduleWithFixedDelay(() -> {
            throw new IllegalArgumentException("first run failed");
        }, 0, 1, TimeUnit.SECONDS);

        scheduler.advance(Duration.ofSeconds(10));

        assertThat(runs).hasValue(2);
        assertThat(rate.isDone()).isTrue();
        assertThat(rate.isCancelled()).isFalse();
        assertThatThrownBy(() -> rate.get(0, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> delay.get(0, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(scheduler.pendingTaskCount()).isZero();
    }

    @Test
    void cancelRemovesTheTask() {
        ScheduledFuture<?> once = scheduler.schedule(logging("once"), 1, TimeUnit.SECONDS);
        ScheduledFuture<?> periodic = scheduler.scheduleAtFixedRate(logging("periodic"), 1, 1, TimeUnit.SECONDS);
        assertThat(scheduler.pendingTaskCount()).isEqualTo(2);

        assertThat(once.cancel(false)).isTrue();
        assertThat(periodic.cancel(true)).isTrue();

        assertThat(scheduler.pendingTaskCount()).isZero();
        assertThat(once.isCancelled()).isTrue();
        assertThat(once.isDone()).isTrue();
        assertThat(once.cancel(false)).isFalse();
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(log).isEmpty();
    }

    @Test
    void aPeriodicTaskCanCancelItselfWithoutInterruptingTheTestThread() {
        AtomicReference<ScheduledFuture<?>> self = new AtomicReference<>();
        AtomicInteger runs = new AtomicInteger();
        self.set(scheduler.scheduleAtFixedRate(() -> {
            if (runs.incrementAndGet() == 3) {
                self.get().cancel(true);
            }
        }, 0, 1, TimeUnit.SECONDS));

        scheduler.advance(Duration.ofSeconds(10));

        assertThat(runs).hasValue(3);
        assertThat(self.get().isCancelled()).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(scheduler.pendingTaskCount()).isZero();
    }

    @Test
    void delaysAreInVirtualTimeAndFuturesCompareByDelay() {
        ScheduledFuture<?> soon = scheduler.schedule(() -> { }, 1, TimeUnit.SECONDS);
        ScheduledFuture<?> late = scheduler.schedule(() -> { }, 5, TimeUnit.SECONDS);

        assertThat(late.getDelay(TimeUnit.MILLISECONDS)).isEqualTo(5000);
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(late.getDelay(TimeUnit.MILLISECONDS)).isEqualTo(3000);

        ScheduledFuture<?> sameTime = scheduler.schedule(() -> { }, 3, TimeUnit.SECONDS);
        assertThat(soon.compareTo(late)).isNegative();
        assertThat(late.compareTo(soon)).isPositive();
        assertThat(late.compareTo(sameTime)).isNegative();
        assertThat(late.compareTo(late)).isZero();
    }

    @Test
    void shutdownRejectsNewTasksCancelsPeriodicOnesAndRunsDelayedOnes() throws Exception {
        ScheduledFuture<?> periodic = scheduler.scheduleWithFixedDelay(logging("periodic"), 1, 1, TimeUnit.SECONDS);
        scheduler.schedule(logging("delayed"), 2, TimeUnit.SECONDS);

        scheduler.shutdown();

        assertThat(scheduler.isShutdown()).isTrue();
        assertThat(periodic.isCancelled()).isTrue();
        assertThat(scheduler.isTerminated()).isFalse();
        assertThat(scheduler.awaitTermination(0, TimeUnit.SECONDS)).isFalse();
        assertThatThrownBy(() -> scheduler.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> scheduler.schedule(() -> { }, 1, TimeUnit.SECONDS))
                .isInstanceOf(RejectedExecutionException.class);

        scheduler.advance(Duration.ofSeconds(5));

        assertThat(log).containsExactly("delayed@2000");
        assertThat(scheduler.isTerminated()).isTrue();
        assertThat(scheduler.awaitTermination(0, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void shutdownNowReturnsTheTasksThatNeverRan() {
        ScheduledFuture<?> first = scheduler.schedule(logging("first"), 1, TimeUnit.SECONDS);
        ScheduledFuture<?> second = scheduler.scheduleAtFixedRate(logging("second"), 2, 1, TimeUnit.SECONDS);

        List<Runnable> neverRun = scheduler.shutdownNow();

        assertThat(neverRun).containsExactly((Runnable) first, (Runnable) second);
        assertThat(scheduler.pendingTaskCount()).isZero();
        assertThat(scheduler.isTerminated()).isTrue();
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(log).isEmpty();
    }

    @Test
    void awaitTerminationWakesWhenTheLastTaskRuns() throws Exception {
        scheduler.schedule(() -> { }, 1, TimeUnit.SECONDS);
        scheduler.shutdown();
        CompletableFuture<Boolean> terminated = CompletableFuture.supplyAsync(() -> {
            try {
                return scheduler.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        scheduler.advance(Duration.ofSeconds(1));

        assertThat(terminated.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void tasksScheduledByRunningTasksRunWhenTheyFallDueInTheWindow() {
        scheduler.schedule(() -> {
            log.add("outer@" + elapsedMs());
            scheduler.schedule(logging("inner"), 500, TimeUnit.MILLISECONDS);
            scheduler.execute(logging("now"));
            scheduler.schedule(logging("outside"), 5, TimeUnit.SECONDS);
        }, 1, TimeUnit.SECONDS);

        scheduler.advance(Duration.ofSeconds(2));

        assertThat(log).containsExactly("outer@1000", "now@1000", "inner@1500");
        assertThat(scheduler.pendingTaskCount()).isEqualTo(1);
    }

    @Test
    void manyThreadsScheduleAndCancelWhileTheTestThreadAdvances() throws Exception {
        int threads = 8;
        int tasksPerThread = 500;
        List<Thread> ranOn = Collections.synchronizedList(new ArrayList<>());
        List<Instant> ranAt = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger cancelled = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService submitters = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(submitters.submit(() -> {
                    go.await();
                    for (int i = 0; i < tasksPerThread; i++) {
                        ScheduledFuture<?> future = scheduler.schedule(() -> {
                            ranOn.add(Thread.currentThread());
                            ranAt.add(scheduler.clock().instant());
                        }, (thread * 7L + i) % 50, TimeUnit.MILLISECONDS);
                        if (i % 10 == 0 && future.cancel(false)) {
                            cancelled.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (int step = 0; step < 100; step++) {
                scheduler.advance(Duration.ofMillis(1));
            }
            for (Future<?> submitter : done) {
                submitter.get(10, TimeUnit.SECONDS);
            }
        } finally {
            submitters.shutdownNow();
        }

        scheduler.advance(Duration.ofMillis(100));

        assertThat(ranOn).hasSize(threads * tasksPerThread - cancelled.get())
                .allMatch(thread -> thread == Thread.currentThread());
        assertThat(ranAt).isSorted();
        assertThat(scheduler.pendingTaskCount()).isZero();
    }

    @Test
    void theNanoClockReadsTheVirtualTimeInEpochNanoseconds() {
        VirtualScheduler scheduler = new VirtualScheduler(Instant.parse("2026-01-01T00:00:00.000000007Z"));
        long start = scheduler.nanoClock().getAsLong();
        assertThat(start).isEqualTo(Instant.parse("2026-01-01T00:00:00Z").getEpochSecond() * 1_000_000_000L + 7);
        scheduler.advance(Duration.ofNanos(1_500));
        assertThat(scheduler.nanoClock().getAsLong() - start).isEqualTo(1_500);
        assertThat(scheduler.nanoClock()).isSameAs(scheduler.nanoClock());
        assertThat(new VirtualScheduler(Instant.MAX.minusSeconds(10)).nanoClock().getAsLong()).isEqualTo(Long.MAX_VALUE);
        assertThat(new VirtualScheduler(Instant.MIN).nanoClock().getAsLong()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void aWallClockStepMovesTheClockButNeitherTheScheduleNorTheNanoClock() {
        VirtualScheduler scheduler = new VirtualScheduler();
        List<Long> ran = new ArrayList<>();
        scheduler.schedule(() -> ran.add(scheduler.nanoClock().getAsLong()), 2, TimeUnit.SECONDS);
        long nanos = scheduler.nanoClock().getAsLong();
        long millis = scheduler.clock().millis();

        scheduler.stepWallClock(Duration.ofSeconds(-5));
        assertThat(scheduler.clock().millis()).isEqualTo(millis - 5_000);
        assertThat(scheduler.nanoClock().getAsLong()).isEqualTo(nanos);
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(ran).containsExactly(nanos + 2_000_000_000L);
        assertThat(scheduler.clock().millis()).isEqualTo(millis + 2_000 - 5_000);
        assertThat(scheduler.now().toEpochMilli()).isEqualTo(millis + 2_000);
        scheduler.stepWallClock(Duration.ofDays(400));
        assertThat(scheduler.clock().millis())
                .isEqualTo(millis + 2_000 - 5_000 + Duration.ofDays(400).toMillis());
    }
}
