package io.peerpulse.webrtc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The probe's own thread: order, timers, faults, growth, and no allocation per task (bytes, not time). */
class ProbeLoopTest {

    private static final long WAIT_SECONDS = 30;

    private final ProbeLoop loop = new ProbeLoop("probe-loop-test");

    @Test
    void theLoopsThreadHasPeerPulsesContextLoaderNotItsMakers() throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (java.net.URLClassLoader foreign = new java.net.URLClassLoader("another-web-app", new java.net.URL[0], null)) {
            thread.setContextClassLoader(foreign);
            ProbeLoop made;
            try {
                made = new ProbeLoop("probe-loop-loader-test");
            } finally {
                thread.setContextClassLoader(before);
            }
            assertThat(made.thread().getContextClassLoader()).isSameAs(ProbeLoop.class.getClassLoader());
        }
    }

    /**
     * A task that sets another context loader and does not restore it (a reading's dependent, run here by
     * {@code complete}: another web app's plugin, or a framework setting its own): the next task, another probe's,
     * must find PeerPulse's loader again, or the loop's thread keeps the foreign one alive for the life of the JVM.
     */
    @Test
    void aTaskThatSetsAnotherContextLoaderLeavesPeerPulsesBehind() throws Exception {
        try (java.net.URLClassLoader foreign = new java.net.URLClassLoader("another-web-app", new java.net.URL[0], null)) {
            loop.execute(() -> Thread.currentThread().setContextClassLoader(foreign));
            AtomicReference<ClassLoader> seen = new AtomicReference<>();
            CountDownLatch ran = new CountDownLatch(1);
            loop.execute(() -> {
                seen.set(Thread.currentThread().getContextClassLoader());
                ran.countDown();
            });
            assertThat(ran.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(seen.get()).isSameAs(ProbeLoop.class.getClassLoader());
        }
    }

    /**
     * The loop's thread lives until the JVM exits: an inheritable thread local of the thread that made it (a game
     * server's per-match context, set on the match's virtual thread that opened the first probe) would stay
     * reachable for good and be seen by every probe's tasks.
     */
    @Test
    void theLoopsThreadInheritsNoThreadLocalOfItsMaker() throws Exception {
        InheritableThreadLocal<String> match = new InheritableThreadLocal<>();
        match.set("match-7");
        ProbeLoop made;
        try {
            made = new ProbeLoop("probe-loop-inherit-test");
        } finally {
            match.remove();
        }
        AtomicReference<String> seen = new AtomicReference<>("not run");
        CountDownLatch ran = new CountDownLatch(1);
        made.execute(() -> {
            seen.set(String.valueOf(match.get()));
            ran.countDown();
        });
        assertThat(ran.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(seen.get()).isEqualTo("null");
    }

    @Test
    void tasksRunInSubmissionOrderOnTheLoopThread() throws Exception {
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(100);
        for (int i = 0; i < 100; i++) {
            int n = i;
            loop.execute(() -> {
                order.add(n);
                threads.add(Thread.currentThread());
                done.countDown();
            });
        }
        assertThat(done.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(order).isSortedAccordingTo(Integer::compare).hasSize(100);
        assertThat(threads).containsOnly(loop.thread());
        assertThat(loop.thread().isDaemon()).isTrue();
    }

    /**
     * Tasks given to {@code executeBatched} are batched: while tasks come faster than one per tick the loop takes them
     * at its ticks and a producer wakes nobody. No task may be forgotten at the switches between ticking and
     * sleeping: bursts, then single tasks each awaited (the loop goes back to sleep between them), then bursts again;
     * tasks queued with {@code execute} (the peer's pings, stats reports: never wait for the tick) among them, in one
     * order.
     */
    @Test
    void batchedTasksRunWhateverThePaceInOneOrderWithTheOthers() throws Exception {
        List<Integer> order = new CopyOnWriteArrayList<>();
        int submitted = 0;
        for (int round = 0; round < 3; round++) {
            CountDownLatch burst = new CountDownLatch(200);
            for (int i = 0; i < 200; i++) {
                int n = submitted++;
                Runnable task = () -> {
                    order.add(n);
                    burst.countDown();
                };
                if (i % 10 == 9) {
                    loop.execute(task);
                } else {
                    loop.executeBatched(task);
                }
                if (i % 20 == 0) {
                    Thread.yield();
                }
            }
            assertThat(burst.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("burst " + round).isTrue();
            for (int i = 0; i < 5; i++) {
                CountDownLatch single = new CountDownLatch(1);
                if (i % 2 == 0) {
                    loop.executeBatched(single::countDown);
                } else {
                    loop.execute(single::countDown);
                }
                assertThat(single.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("single task " + i).isTrue();
            }
        }
        assertThat(order).hasSize(600).isSortedAccordingTo(Integer::compare);
    }

    @Test
    void timersRunInDueOrderAndNeverEarly() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(3);
        long[] delaysMs = {300, 100, 200};
        long[] ranLate = new long[3];
        for (int i = 0; i < 3; i++) {
            int n = i;
            long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delaysMs[i]);
            loop.schedule(() -> {
                ranLate[n] = System.nanoTime() - due;
                order.add(delaysMs[n] + " ms");
                done.countDown();
            }, TimeUnit.MILLISECONDS.toNanos(delaysMs[i]));
        }
        assertThat(done.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(order).containsExactly("100 ms", "200 ms", "300 ms");
        assertThat(java.util.Arrays.stream(ranLate).min().getAsLong()).as("earliest run against its due time").isNotNegative();
    }

    @Test
    void anEarlierTimerWakesALoopWaitingForALaterOne() throws Exception {
        CountDownLatch early = new CountDownLatch(1);
        CountDownLatch parkedForLate = new CountDownLatch(1);
        loop.execute(parkedForLate::countDown);
        assertThat(parkedForLate.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        loop.schedule(() -> { }, TimeUnit.HOURS.toNanos(1)); // the loop now waits an hour for it
        loop.schedule(early::countDown, TimeUnit.MILLISECONDS.toNanos(10));
        assertThat(early.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("the 10 ms timer ran").isTrue();
    }

    @Test
    void aThrowingTaskIsReportedAndTheLoopGoesOn() throws Exception {
        AtomicReference<Throwable> reported = new AtomicReference<>();
        loop.thread().setUncaughtExceptionHandler((thread, e) -> reported.set(e));
        CountDownLatch after = new CountDownLatch(2);
        loop.execute(() -> {
            throw new IllegalStateException("a plugin's bug");
        });
        loop.schedule(() -> {
            throw new AssertionError("a timer's bug");
        }, 0);
        loop.execute(after::countDown);
        loop.schedule(after::countDown, TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(after.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(reported.get()).isNotNull();
    }

    /**
     * A task or timer that leaves the thread interrupted (a reading's dependent, run on the loop by {@code complete},
     * that catches an {@code InterruptedException} and restores the flag, as is customary): the next task, another
     * probe's, must not start interrupted; nor may the loop wait with the flag set ({@code LockSupport.park} returns
     * at once while it is: the idle thread spun on a core, 1,999 ms of CPU in 2 s measured).
     */
    @Test
    void aTaskThatInterruptsTheThreadLeavesNoInterruptBehind() throws Exception {
        assertThat(interruptedAfter(() -> loop.execute(() -> Thread.currentThread().interrupt())))
                .as("the task after an interrupting task starts interrupted").isFalse();
        assertThat(interruptedAfter(() -> loop.schedule(() -> Thread.currentThread().interrupt(), 0)))
                .as("the task after an interrupting timer starts interrupted").isFalse();
    }

    /** Whether a task queued after what {@code handOff} hands the loop finds its thread interrupted. */
    private boolean interruptedAfter(Runnable handOff) throws InterruptedException {
        CountDownLatch interrupting = new CountDownLatch(1);
        loop.execute(() -> {
            handOff.run(); // from the loop's own thread: what it hands over runs after this task
            interrupting.countDown();
        });
        assertThat(interrupting.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Boolean> interrupted = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        loop.execute(() -> {
            interrupted.set(Thread.currentThread().isInterrupted());
            ran.countDown();
        });
        assertThat(ran.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        return interrupted.get();
    }

    @Test
    void growsWhenMoreArePendingThanItsInitialRoom() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<Integer> tasks = new CopyOnWriteArrayList<>();
        List<Integer> timers = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1000 + 100);
        for (int i = 0; i < 1000; i++) {
            int n = i;
            loop.execute(() -> {
                tasks.add(n);
                done.countDown();
            });
        }
        for (int i = 0; i < 100; i++) {
            int n = i;
            loop.schedule(() -> {
                timers.add(n);
                done.countDown();
            }, 100 - i); // due in reverse order of scheduling, all due at once
        }
        release.countDown();
        assertThat(done.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(tasks).hasSize(1000).isSortedAccordingTo(Integer::compare);
        assertThat(timers).hasSize(100);
    }

    @Test
    void runningTasksAndTimersAllocatesNothing() throws Exception {
        AllocatedBytes allocated = new AllocatedBytes();
        Thread caller = Thread.currentThread();
        AtomicLong ran = new AtomicLong();
        Runnable task = ran::incrementAndGet;
        Runnable wakeCaller = () -> {
            ran.incrementAndGet();
            LockSupport.unpark(caller);
        };

        bursts(20_000, task, wakeCaller, ran); // warm-up: the JIT compiles the loop, the arrays reach their size
        long loopBefore = allocated.of(loop.thread());
        long callerBefore = allocated.of(caller);
        int handedOff = bursts(20_000, task, wakeCaller, ran);
        long callerBytes = allocated.of(caller) - callerBefore;
        long loopBytes = allocated.of(loop.thread()) - loopBefore;

        System.out.printf("probe loop: %d B on its thread, %d B on the caller, for %d tasks and timers%n",
                loopBytes, callerBytes, handedOff);
        // a ScheduledThreadPoolExecutor allocates ~96 B per task and ~32 B per wake-up: millions here
        assertThat(loopBytes).as("bytes allocated by the loop thread").isLessThan(handedOff / 10);
        assertThat(callerBytes).as("bytes allocated handing off").isLessThan(handedOff / 10);
    }

    /** Hands off {@code total} tasks in bursts of 16 tasks and a timer, waiting for each burst (allocating nothing); returns the count. */
    private int bursts(int total, Runnable task, Runnable wakeCaller, AtomicLong ran) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        int handedOff = 0;
        while (handedOff < total) {
            long target = ran.get() + 17;
            for (int i = 0; i < 15; i++) {
                loop.execute(task);
            }
            loop.schedule(wakeCaller, 0); // either of the last two may run last: both wake the caller
            loop.execute(wakeCaller);
            handedOff += 17;
            while (ran.get() < target) { // parks until the burst's last task unparks us, bounded
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the loop did not run a burst within " + WAIT_SECONDS + " s");
                }
                LockSupport.parkNanos(this, left);
            }
        }
        return handedOff;
    }
}
