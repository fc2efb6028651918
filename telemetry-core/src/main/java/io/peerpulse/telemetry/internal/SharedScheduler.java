package io.peerpulse.telemetry.internal;

import io.peerpulse.telemetry.shared.DaemonPool;

import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The one scheduler every telemetry of the JVM shares by default: a single daemon thread, so
 * thousands of sessions cost one thread; it and the watchdog end 30 s after the last telemetry stopped and
 * start again with the next. Poll tasks only start reads and record results, never wait.
 *
 * <p><b>A task that never returns.</b> A plugin's {@code read()} that blocks for good holds that thread, which no
 * Java code can take back, and every other telemetry would stop with it, silently: a poll only learns that a
 * call was slow once it returns. So a watchdog thread looks twice a second at the task each worker runs; one
 * running longer than {@link #STUCK_AFTER_NANOS 1 s} is logged at WARNING, naming the method it is in, and
 * another worker takes over the queue (at most {@link #MAX_EXTRA_THREADS} at once). When the stuck task
 * returns at last, its worker goes again. The stuck telemetry itself polls again only once the call returns.
 */
public final class SharedScheduler {

    private static final System.Logger LOG = System.getLogger(SharedScheduler.class.getName());

    /** How long one task may run before its worker counts as stuck: 1 s (a poll task takes microseconds). */
    static final long STUCK_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** The most workers added for stuck ones at once. */
    static final int MAX_EXTRA_THREADS = 16;

    private static final long WATCH_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    /**
     * How long the watchdog must see nothing queued or running before the worker ends: 30 s, as the idle threads
     * of PeerPulse's other pools. While any telemetry runs its next poll is queued: this ends the thread only when
     * no telemetry of this copy of PeerPulse runs.
     */
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private SharedScheduler() {
    }

    private static final class Holder {
        static final ScheduledExecutorService INSTANCE = new UnclosableScheduler(Watched.start());
    }

    /** @return the shared scheduler, created on first use */
    public static ScheduledExecutorService get() {
        return Holder.INSTANCE;
    }

    /** A worker that tells when its current task started (0: idle). */
    static final class Worker extends Thread {
        volatile long taskStartedNanos;
        /** Whether the watchdog counted this worker as stuck and added one for it; guarded by the scheduler. */
        boolean stuck;
        /** The start of the task the watchdog last logged this worker stuck in; guarded by the scheduler. */
        long loggedTaskStartedNanos;

        Worker(Runnable runnable, String name) {
            super(null, runnable, name, 0, false); // no inherited thread locals of the thread that made it
            setDaemon(true);
            // not the context loader of the thread that made it, which may be another web app's: kept alive with it
            setContextClassLoader(SharedScheduler.class.getClassLoader());
        }
    }

    /**
     * The scheduler, its workers' task times, and the watchdog. Neither a worker nor the watchdog outlives the
     * work: once the watchdog has seen no task queued or running for {@code idleNanos} (a telemetry that runs
     * always has its next poll queued), the worker ends, then the watchdog, and the next task starts both again.
     * So a copy of PeerPulse that a web app loaded holds no thread, and so not its class loader, once its
     * telemetries have stopped: an undeployed app can be collected.
     */
    static final class Watched extends ScheduledThreadPoolExecutor {
        private final List<Worker> workers = new CopyOnWriteArrayList<>();
        /** Whether a new worker starts the watchdog when none runs; false when unwatched. */
        private final boolean watched;
        /** Whether a watchdog runs; guarded by this. */
        private boolean watching;
        /** The watchdog started last, for tests. */
        volatile @Nullable Thread watchdog;
        /** How long the scheduler must be seen idle before its worker ends. */
        private final long idleNanos;
        /** Whether the last check found nothing queued or running, and since when; guarded by this. */
        private boolean idle;
        private long idleSince;

        private Watched(AtomicInteger threads, boolean watched, long idleNanos) {
            super(1, runnable -> null);
            this.watched = watched;
            this.idleNanos = idleNanos;
            setThreadFactory(runnable -> {
                Worker worker = new Worker(runnable, "peerpulse-telemetry-" + threads.incrementAndGet());
                synchronized (this) { // against the watchdog deciding to end: it ends only with no worker left
                    workers.add(worker);
                    if (watched && !watching) {
                        watching = true;
                        Thread watcher = DaemonPool.newThread(this::watch, "peerpulse-watchdog");
                        watchdog = watcher;
                        watcher.start();
                    }
                }
                return worker;
            });
            // Read timeouts are scheduled and mostly cancelled on every poll: drop them from the queue at once.
            setRemoveOnCancelPolicy(true);
            setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
            setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        }

        /** A scheduler without its watchdog thread: tests call {@link #check} with the times they choose. */
        static Watched unwatched() {
            return new Watched(new AtomicInteger(), false, IDLE_NANOS);
        }

        /** @return the scheduler, whose first task starts the watchdog */
        static Watched start() {
            return start(IDLE_NANOS);
        }

        /** As {@link #start()}, with the time the scheduler must be seen idle before its worker ends. */
        static Watched start(long idleNanos) {
            return new Watched(new AtomicInteger(), true, idleNanos);
        }

        @Override
        protected <V> RunnableScheduledFuture<V> decorateTask(Runnable runnable, RunnableScheduledFuture<V> task) {
            awake();
            return task;
        }

        @Override
        protected <V> RunnableScheduledFuture<V> decorateTask(Callable<V> callable, RunnableScheduledFuture<V> task) {
            awake();
            return task;
        }

        /** Every task passes here before it is queued: a worker that ended when idle is made again for it. */
        private void awake() {
            if (getCorePoolSize() == 0) {
                synchronized (this) {
                    if (getCorePoolSize() == 0) {
                        setCorePoolSize(1);
                    }
                }
            }
        }

        @Override
        protected void beforeExecute(Thread thread, Runnable task) {
            if (thread instanceof Worker worker) {
                worker.taskStartedNanos = System.nanoTime();
            }
        }

        @Override
        protected void afterExecute(Runnable task, Throwable thrown) {
            if (Thread.currentThread() instanceof Worker worker) {
                DaemonPool.restoreContextLoader(); // after a source's read() of another web app that set its own
                synchronized (this) { // against the watchdog's check: stuck and its extra worker change together
                    worker.taskStartedNanos = 0;
                    if (worker.stuck) {
                        worker.stuck = false;
                        // one worker too many now: the first idle one ends
                        setCorePoolSize(Math.max(1, getCorePoolSize() - 1));
                    }
                }
            }
        }

        private void watch() {
            while (!isShutdown()) {
                LockSupport.parkNanos(WATCH_EVERY_NANOS);
                check(System.nanoTime());
                synchronized (this) {
                    workers.removeIf(worker -> worker.getState() == Thread.State.TERMINATED);
                    if (workers.isEmpty()) { // the next worker made starts another watchdog
                        watching = false;
                        return;
                    }
                }
            }
        }

        /**
         * Adds a worker for each one stuck in a task since before {@code now - STUCK_AFTER_NANOS}, and logs it: once
         * per stuck task, and once more if a worker is added for it later (when all {@link #MAX_EXTRA_THREADS} were
         * taken at first), so that a task stuck for good beside as many others gives one line, not two a second.
         */
        void check(long now) {
            workers.removeIf(worker -> worker.getState() == Thread.State.TERMINATED);
            synchronized (this) {
                if (!getQueue().isEmpty() || getActiveCount() > 0) {
                    idle = false;
                    if (getCorePoolSize() == 0) {
                        setCorePoolSize(1); // a task queued while the worker was being ended: the worker stays
                    }
                } else if (!idle) {
                    idle = true;
                    idleSince = now;
                } else if (now - idleSince >= idleNanos && getCorePoolSize() > 0) {
                    setCorePoolSize(0); // the idle worker ends within 10 ms (the pool's keep-alive beyond its core)
                }
            }
            for (Worker worker : workers) {
                long started = worker.taskStartedNanos;
                if (started == 0 || now - started <= STUCK_AFTER_NANOS) {
                    continue;
                }
                boolean added;
                synchronized (this) {
                    if (worker.stuck || worker.taskStartedNanos != started) {
                        continue; // counted already, or it finished meanwhile
                    }
                    added = getCorePoolSize() <= MAX_EXTRA_THREADS;
                    if (added) {
                        worker.stuck = true;
                        setCorePoolSize(getCorePoolSize() + 1);
                        prestartCoreThread();
                    } else if (worker.loggedTaskStartedNanos == started) {
                        continue; // said already: no worker to add yet
                    }
                    worker.loggedTaskStartedNanos = started;
                }
                String where = where(worker.getStackTrace());
                long ms = TimeUnit.NANOSECONDS.toMillis(now - started);
                LOG.log(Level.WARNING, () -> worker.getName() + " of the shared telemetry scheduler has run one"
                        + " task for " + ms + " ms, in " + where + ": an RTT source's read() that does not return "
                        + "(it must start the read and return a stage at once). "
                        + (added ? "Another thread takes over the other telemetries' polls; that telemetry polls"
                        + " again once the call returns."
                        : MAX_EXTRA_THREADS + " threads are stuck so already: the other telemetries' polls wait."));
            }
        }
    }

    /**
     * The method a stuck worker is in: the one {@code ReadDispatch.read} called (the source's {@code read()} or
     * what it called), else the innermost frame.
     */
    static String where(StackTraceElement[] stack) {
        for (int i = 1; i < stack.length; i++) {
            if (stack[i].getClassName().equals("io.peerpulse.telemetry.ReadDispatch")
                    && stack[i].getMethodName().equals("read")) {
                StackTraceElement called = stack[i - 1];
                return called.getClassName() + "." + called.getMethodName();
            }
        }
        return stack.length == 0 ? "an unknown method" : stack[0].getClassName() + "." + stack[0].getMethodName();
    }
}
