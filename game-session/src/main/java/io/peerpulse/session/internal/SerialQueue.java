package io.peerpulse.session.internal;

import io.peerpulse.telemetry.shared.FaultLog;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs tasks one at a time, in submission order, on a shared executor: never two at once, never on
 * the submitting thread unless the executor runs tasks there. Adding a task never blocks.
 *
 * <p>Two steps so that callers can enqueue under their own lock (fixing the order) and start the
 * drain after releasing it: {@link #enqueue} returns {@code true} for exactly the caller that must
 * then call {@link #startDrain()}. A drain runs a batch of tasks and resubmits itself, so one busy
 * queue cannot keep an executor thread from others for long.
 */
public final class SerialQueue {

    private static final System.Logger LOG = System.getLogger(SerialQueue.class.getName());
    private static final int BATCH = 256;

    private final Executor executor;
    private final String name;
    private final int maxDroppable;
    private final Queue<Timed> tasks = new ConcurrentLinkedQueue<>();
    /** When the running task started ({@link System#nanoTime()}), {@link #IDLE} when none runs. */
    private volatile long runningSince = IDLE;
    private static final long IDLE = Long.MIN_VALUE;
    /** Tasks queued and not yet run; the drain is scheduled or running whenever it is above 0. */
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    /**
     * The thread running the drain, {@code null} between drains. A drain that ends may find the next one already
     * running on another thread (it handed on after a batch, or a task was queued as it ended): it clears only its
     * own thread.
     */
    private final AtomicReference<@Nullable Thread> drainer = new AtomicReference<>();

    /**
     * @param executor     runs the drains
     * @param name         for log lines
     * @param maxDroppable droppable tasks are dropped while this many tasks are pending
     */
    public SerialQueue(Executor executor, String name, int maxDroppable) {
        this.executor = executor;
        this.name = name;
        this.maxDroppable = maxDroppable;
    }

    /**
     * Queues a task.
     *
     * @param task      the task; what it throws is logged
     * @param droppable whether it may be dropped when the queue is full
     * @return {@code true} when the caller must call {@link #startDrain()} (now or after its lock)
     */
    public boolean enqueue(Runnable task, boolean droppable) {
        return enqueue(task, droppable, null);
    }

    /**
     * Queues a task that someone waits for, never dropped.
     *
     * @param task the task; what it throws is logged
     * @param done completed once the task returned or threw, or was lost (the executor rejected the drain): a waiter
     *             is never left waiting for a task that will not run
     * @return {@code true} when the caller must call {@link #startDrain()} (now or after its lock)
     */
    public boolean enqueue(Runnable task, CompletableFuture<Void> done) {
        return enqueue(task, false, done);
    }

    private boolean enqueue(Runnable task, boolean droppable, @Nullable CompletableFuture<Void> done) {
        if (droppable && pending.get() >= maxDroppable) {
            if (dropped.getAndIncrement() == 0) {
                LOG.log(Level.WARNING, () -> name + ": " + maxDroppable + " calls are waiting; further sample calls"
                        + " are dropped until it catches up");
            }
            return false;
        }
        tasks.add(new Timed(task, System.nanoTime(), done));
        return pending.getAndIncrement() == 0;
    }

    /** Queues a task and starts the drain when needed. */
    public void submit(Runnable task) {
        if (enqueue(task, false)) {
            startDrain();
        }
    }

    /**
     * Starts draining; only after {@link #enqueue} said so. When the executor throws (a
     * {@link RejectedExecutionException}, or anything else a game's executor throws), the queued tasks are lost,
     * logged and their waiters released; nothing is thrown.
     */
    public void startDrain() {
        try {
            executor.execute(this::drain);
        } catch (RuntimeException e) {
            // Nothing can run these tasks: drop them, so that later submissions try the executor again. Anything the
            // executor throws is a rejection (the game's own executor, shut down, throws IllegalStateException; a
            // buggy one a NullPointerException): the drain did not start either way. Like a
            // drain, this owns the queue until `pending` falls to 0, one task at a time: a task queued meanwhile is
            // dropped too, or finds `pending` at 0 and starts a drain itself; never counted with no drain to come.
            int lost = 0;
            do {
                Timed task = tasks.poll();
                if (task != null) {
                    lost++;
                    task.finished();
                }
            } while (pending.decrementAndGet() != 0);
            dropped.addAndGet(lost);
            int count = lost;
            // a logger that throws: the tasks are lost and their waiters released all the same; the caller (a
            // session's close(), between ending the session and closing its sources) goes on
            FaultLog.quietly(() -> LOG.log(Level.WARNING, () -> name + ": the executor rejected its tasks; " + count
                    + " calls are lost", e));
        }
    }

    /**
     * Waits in real time until {@code done} completes or {@code deadline} passes (already past: only checks): the one
     * way a session's {@code close()} waits for what it queued, logging what is late. Uninterruptibly, as the
     * journal's wait: the wait is bounded anyway, and a caller whose interrupt flag is set (a cancelled task closing
     * the session in its {@code finally}) must not return before the exporters it waits for wrote their files; the
     * interrupt is kept for the caller.
     *
     * @param done     completed normally when what is waited for finished
     * @param deadline when to stop waiting, from {@link System#nanoTime()}
     * @param late     run when the deadline passed first, e.g. to log what still runs; what it throws (but an
     *                 {@code Error} other than a {@code LinkageError}) is ignored
     */
    public static void awaitUntil(CompletableFuture<?> done, long deadline, Runnable late) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true; // the flag is cleared: the next get() waits the rest
                    continue;
                } catch (TimeoutException e) {
                    // a logger that throws: close() still waits for, and logs, the rest, and returns normally
                    FaultLog.quietly(late);
                } catch (ExecutionException e) {
                    // never: completed normally
                }
                return;
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return whether no task is queued or running */
    public boolean idle() {
        return pending.get() == 0;
    }

    /** @return how many tasks were dropped */
    public long dropped() {
        return dropped.get();
    }

    /**
     * How far behind the queue is: since when its oldest unfinished task has been running or waiting.
     *
     * @param nowNanos now, from {@link System#nanoTime()}
     * @return nanoseconds, 0 when nothing is queued or running
     */
    public long behindNanos(long nowNanos) {
        long since = runningSince;
        Timed head = tasks.peek();
        if (head != null && (since == IDLE || head.enqueuedNanos - since < 0)) {
            since = head.enqueuedNanos;
        }
        return since == IDLE ? 0 : Math.max(0, nowNanos - since);
    }

    private record Timed(Runnable task, long enqueuedNanos, @Nullable CompletableFuture<Void> done) {
        void finished() {
            if (done != null) {
                done.complete(null);
            }
        }
    }

    /**
     * @param thread a thread
     * @return whether {@code thread} is running one of this queue's tasks now (a task calling back into its caller)
     */
    public boolean runsOn(Thread thread) {
        return drainer.get() == thread;
    }

    /**
     * @return whether the current thread runs a session's callback now: a task of any queue (an exporter call or
     *         quality listener, of any session) or a task given to {@link #runAsCallback} (a source's
     *         {@code close()}). A call back from it must not wait for tasks of an executor it may hold.
     */
    public static boolean inCallback() {
        return IN_CALLBACK.get() != null;
    }

    /**
     * Runs {@code task} on the current thread marked as a callback ({@link #inCallback}), as a queue's tasks are.
     *
     * @param task what calls the game's or a plugin's code
     */
    public static void runAsCallback(Runnable task) {
        Object outer = IN_CALLBACK.get(); // an executor running tasks on the caller's thread nests callbacks
        IN_CALLBACK.set(Boolean.TRUE);
        try {
            task.run();
        } finally {
            IN_CALLBACK.set(outer);
        }
    }

    /** Set while the current thread runs a callback: one mark for every kind, so close() asks one question. */
    private static final ThreadLocal<@Nullable Object> IN_CALLBACK = new ThreadLocal<>();

    private void drain() {
        Thread current = Thread.currentThread();
        drainer.set(current);
        try {
            runAsCallback(this::drainBatch);
        } finally {
            drainer.compareAndSet(current, null);
        }
    }

    private void drainBatch() {
        // A task that leaves the thread interrupted (a listener restoring the flag after an InterruptedException):
        // cleared before the next, as a pool's workers do between tasks, or the next one's first interruptible wait
        // fails at once. Unless the thread was interrupted before the drain: an executor running tasks on the
        // game's thread, whose interrupt is the game's own.
        boolean interruptedBefore = Thread.currentThread().isInterrupted();
        int ran = 0;
        do {
            if (ran++ == BATCH) {
                startDrain(); // pending stays above 0: this queue keeps its single drain
                return;
            }
            if (!interruptedBefore && ran > 1) {
                Thread.interrupted();
            }
            Timed task = tasks.poll();
            runningSince = System.nanoTime();
            try {
                task.task().run();
            } catch (VirtualMachineError fatal) {
                runningSince = IDLE;
                if (pending.decrementAndGet() != 0) {
                    startDrain();
                }
                throw fatal;
            } catch (Throwable t) {
                // a logger that throws (the JDK's formatter out of file descriptors) must not end the queue
                FaultLog.quietly(() -> LOG.log(Level.WARNING, name + ": a task failed", t));
            } finally {
                task.finished();
            }
            runningSince = IDLE;
        } while (pending.decrementAndGet() != 0);
    }
}
