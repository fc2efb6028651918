package io.peerpulse.virtualtime;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A deterministic virtual-time {@link ScheduledExecutorService}, so that tests never sleep.
 *
 * <p>Time stands still until a test calls {@link #advance(Duration)}; tasks run only then (or in
 * {@link #runDueTasks()}), on the calling thread, one after another in due-time order, tasks due
 * at the same time in the order they were submitted. While a task runs, the virtual time is its
 * due time. {@link #clock()} reads the same virtual time, so code given this scheduler and its
 * clock is driven entirely by the test.
 *
 * <p>Scheduling follows {@link ScheduledThreadPoolExecutor} with its default policies: a negative
 * delay counts as zero; a period or delay {@code <= 0} for a periodic task is an
 * {@link IllegalArgumentException}; an exception thrown by a periodic task cancels its further
 * runs and completes its future exceptionally; a fixed-rate task that fell behind runs back to
 * back; after {@link #shutdown()} periodic tasks are cancelled while one-shot tasks already
 * scheduled still run when their time comes; scheduling after shutdown throws
 * {@link RejectedExecutionException}. A task may itself call {@link #advance(Duration)} to model
 * work that takes virtual time; tasks falling due meanwhile run nested.
 *
 * <p>Thread-safe: any thread may schedule, cancel or read the clock while another advances.
 * {@link ScheduledFuture#get()} waits in real time, so call it only with a bounded wait or after
 * the task has run; for the same reason {@link #invokeAll} and {@link #invokeAny} block until
 * another thread advances the time.
 *
 * @since 0.1.0
 */
public final class VirtualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

    /**
     * Where the virtual time of {@link #VirtualScheduler()} starts: 2026-01-01T00:00:00Z.
     *
     * @since 0.1.0
     */
    public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

    private final Instant start;
    private final InstantSource clock = new VirtualClock();
    /** How far {@link #clock()} was stepped away from the virtual time, ns. */
    private volatile long wallClockStepNanos;
    private final LongSupplier nanoClock = this::epochNanos;
    /** Serialises task execution: tasks only ever run on one thread at a time, the caller's. */
    private final ReentrantLock runLock = new ReentrantLock();
    /** Guards everything below; never held while a task runs. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition terminated = lock.newCondition();
    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
    /** Virtual nanoseconds since {@link #start}; written under {@link #lock}, read anywhere. */
    private volatile long nowNanos;
    private long sequence;
    private int running;
    private volatile boolean shutdown;
    private boolean stopped;

    /**
     * Creates a scheduler whose virtual time starts at {@link #DEFAULT_START}.
     *
     * @since 0.1.0
     */
    public VirtualScheduler() {
        this(DEFAULT_START);
    }

    /**
     * Creates a scheduler whose virtual time starts at {@code start}.
     *
     * @param start the initial virtual time
     * @since 0.1.0
     */
    public VirtualScheduler(Instant start) {
        this.start = Objects.requireNonNull(start, "start");
    }

    /**
     * A clock reading this scheduler's virtual time, with nanosecond resolution, plus the steps made by
     * {@link #stepWallClock(Duration)} (none unless a test makes one): the wall clock of the code under test.
     *
     * @return the clock; the same instance on every call
     * @since 0.1.0
     */
    public InstantSource clock() {
        return clock;
    }

    /**
     * Steps {@link #clock()} as an NTP correction or a manual change steps a wall clock, while the virtual
     * time, the tasks' schedule and {@link #nanoClock()} go on undisturbed. Code that takes both clocks (e.g.
     * {@code TelemetryOptions.builder().clock(s.clock()).nanoClock(s.nanoClock())}) sees the step only in its
     * wall-clock readings.
     *
     * @param step how far the wall clock jumps: negative steps it back
     * @since 0.1.0
     */
    public void stepWallClock(Duration step) {
        long nanos = step.toNanos();
        lock.lock();
        try {
            wallClockStepNanos += nanos; // written under the lock, read without it (volatile)
        } finally {
            lock.unlock();
        }
    }

    /**
     * A monotonic clock reading this scheduler's virtual time in nanoseconds: the virtual time's instant in
     * epoch nanoseconds (saturating at the ends of a {@code long}), the same time base as {@link #clock()}
     * until a test {@link #stepWallClock(Duration) steps} that one; this one never steps.
     * Use it where code takes a {@code System::nanoTime}-like clock of durations.
     *
     * @return the clock; the same instance on every call
     * @since 0.1.0
     */
    public LongSupplier nanoClock() {
        return nanoClock;
    }

    /**
     * The current virtual time.
     *
     * @return the virtual time
     * @since 0.1.0
     */
    public Instant now() {
        return start.plusNanos(nowNanos);
    }

    /**
     * Moves the virtual time forward by {@code duration}, running on the calling thread every task
     * that falls due on the way, each at its own due time, including tasks that running tasks
     * schedule within the window.
     *
     * @param duration how far to move; zero runs only the tasks due now
     * @throws IllegalArgumentException when {@code duration} is negative
     * @since 0.1.0
     */
    public void advance(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative: " + duration);
        }
        runUntil(toNanosSaturated(duration));
    }

    /**
     * Runs, on the calling thread, every task due at the current virtual time without moving it.
     *
     * @since 0.1.0
     */
    public void runDueTasks() {
        runUntil(0);
    }

    /**
     * How many tasks wait to run; cancelled tasks do not count, nor does a task while it runs.
     *
     * @return the number of queued tasks
     * @since 0.1.0
     */
    public int pendingTaskCount() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues {@code command} to run at the current virtual time, at the next {@link #advance} or
     * {@link #runDueTasks()}; never on the submitting thread at once.
     *
     * @param command the task
     * @since 0.1.0
     */
    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    /**
     * Queues {@code task} like {@link #execute(Runnable)}.
     *
     * @since 0.1.0
     */
    @Override
    public ScheduledFuture<?> submit(Runnable task) {
        return schedule(task, 0, TimeUnit.NANOSECONDS);
    }

    /**
     * Queues {@code task} like {@link #execute(Runnable)}; its future yields {@code result}.
     *
     * @since 0.1.0
     */
    @Override
    public <T> ScheduledFuture<T> submit(Runnable task, T result) {
        return schedule(Executors.callable(Objects.requireNonNull(task, "task"), result), 0, TimeUnit.NANOSECONDS);
    }

    /**
     * Queues {@code task} like {@link #execute(Runnable)}.
     *
     * @since 0.1.0
     */
    @Override
    public <T> ScheduledFuture<T> submit(Callable<T> task) {
        return schedule(task, 0, TimeUnit.NANOSECONDS);
    }

    /**
     * Runs {@code command} once, {@code delay} of virtual time from now.
     *
     * @since 0.1.0
     */
    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        Objects.requireNonNull(command, "command");
        return enqueue(new Task<Void>(command, null, 0), delayNanos(delay, unit));
    }

    /**
     * Runs {@code callable} once, {@code delay} of virtual time from now.
     *
     * @since 0.1.0
     */
    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        Objects.requireNonNull(callable, "callable");
        return enqueue(new Task<>(callable), delayNanos(delay, unit));
    }

    /**
     * Runs {@code command} after {@code initialDelay}, then every {@code period} counted from the
     * previous due time; a run that fell behind is followed at once by the next.
     *
     * @since 0.1.0
     */
    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return schedulePeriodic(command, initialDelay, period, unit, "period", 1);
    }

    /**
     * Runs {@code command} after {@code initialDelay}, then again {@code delay} after each run ends.
     *
     * @since 0.1.0
     */
    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return schedulePeriodic(command, initialDelay, delay, unit, "delay", -1);
    }

    /**
     * Rejects new tasks and cancels periodic ones; one-shot tasks already scheduled still run when
     * the virtual time reaches them.
     *
     * @since 0.1.0
     */
    @Override
    public void shutdown() {
        List<Task<?>> periodic = new ArrayList<>();
        lock.lock();
        try {
            shutdown = true;
            for (Task<?> task : queue) {
                if (task.isPeriodic()) {
                    periodic.add(task);
                }
            }
            queue.removeAll(periodic);
            signalIfTerminated();
        } finally {
            lock.unlock();
        }
        periodic.forEach(task -> task.cancel(false));
    }

    /**
     * Rejects new tasks and removes every queued one.
     *
     * @return the tasks that never ran, as {@link ScheduledFuture}s that are neither done nor cancelled
     * @since 0.1.0
     */
    @Override
    public List<Runnable> shutdownNow() {
        lock.lock();
        try {
            shutdown = true;
            stopped = true;
            List<Runnable> neverRun = new ArrayList<>(queue.size());
            while (!queue.isEmpty()) {
                neverRun.add(queue.poll());
            }
            signalIfTerminated();
            return neverRun;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether {@link #shutdown()} or {@link #shutdownNow()} was called.
     *
     * @since 0.1.0
     */
    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    /**
     * Whether the scheduler is shut down, no task is queued and none is running.
     *
     * @since 0.1.0
     */
    @Override
    public boolean isTerminated() {
        lock.lock();
        try {
            return isTerminatedLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits in real time until {@link #isTerminated()} or the timeout elapses.
     *
     * @since 0.1.0
     */
    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (!isTerminatedLocked()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = terminated.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Describes the virtual time and queue, for test failure messages.
     *
     * @since 0.1.0
     */
    @Override
    public String toString() {
        return "VirtualScheduler[now=" + now() + ", pending=" + pendingTaskCount()
                + (shutdown ? ", shut down" : "") + "]";
    }

    /** {@code sign} 1 stores a fixed rate, -1 a fixed delay, as the JDK encodes them. */
    private ScheduledFuture<?> schedulePeriodic(Runnable command, long initialDelay, long period, TimeUnit unit,
                                                String name, int sign) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(unit, "unit");
        if (period <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + period);
        }
        return enqueue(new Task<Void>(command, null, sign * unit.toNanos(period)), delayNanos(initialDelay, unit));
    }

    private void runUntil(long windowNanos) {
        runLock.lock();
        try {
            long target = addSaturated(nowNanos, windowNanos);
            while (true) {
                Task<?> task;
                lock.lock();
                try {
                    task = queue.peek();
                    if (task == null || task.due > target) {
                        // A nested advance inside a task may already have gone further: never go back.
                        nowNanos = Math.max(nowNanos, target);
                        return;
                    }
                    queue.poll();
                    nowNanos = Math.max(nowNanos, task.due);
                    running++;
                } finally {
                    lock.unlock();
                }
                runOne(task);
            }
        } finally {
            runLock.unlock();
        }
    }

    private void runOne(Task<?> task) {
        boolean interruptedBefore = Thread.currentThread().isInterrupted();
        try {
            task.run();
        } finally {
            // cancel(true) interrupts the thread running the task: that is the test's own thread here.
            if (!interruptedBefore && task.isCancelled()) {
                Thread.interrupted();
            }
            lock.lock();
            try {
                running--;
                signalIfTerminated();
            } finally {
                lock.unlock();
            }
        }
    }

    private <V> Task<V> enqueue(Task<V> task, long delayNanos) {
        lock.lock();
        try {
            if (shutdown) {
                throw new RejectedExecutionException("VirtualScheduler is shut down: " + task);
            }
            task.sequence = sequence++;
            task.due = addSaturated(nowNanos, delayNanos);
            queue.add(task);
            return task;
        } finally {
            lock.unlock();
        }
    }

    /** Puts a periodic task back for its next run, unless it was cancelled or the scheduler shut down. */
    private void requeue(Task<?> task) {
        lock.lock();
        try {
            if (!shutdown && !task.isCancelled()) {
                queue.add(task);
                return;
            }
        } finally {
            lock.unlock();
        }
        task.cancel(false);
    }

    private void remove(Task<?> task) {
        lock.lock();
        try {
            if (queue.remove(task)) {
                signalIfTerminated();
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean canRun(Task<?> task) {
        if (!shutdown) {
            return true;
        }
        lock.lock();
        try {
            return !stopped && !task.isPeriodic();
        } finally {
            lock.unlock();
        }
    }

    private boolean isTerminatedLocked() {
        return shutdown && queue.isEmpty() && running == 0;
    }

    private void signalIfTerminated() {
        if (isTerminatedLocked()) {
            terminated.signalAll();
        }
    }

    private static long delayNanos(long delay, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        return unit.toNanos(Math.max(delay, 0));
    }

    private static long toNanosSaturated(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** Adds two non-negative values, capping at {@link Long#MAX_VALUE}. */
    private static long addSaturated(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /** A queued task; mirrors {@code ScheduledThreadPoolExecutor.ScheduledFutureTask}. */
    private final class Task<V> extends FutureTask<V> implements RunnableScheduledFuture<V> {

        /** Nanoseconds: > 0 fixed rate, < 0 fixed delay, 0 one-shot. */
        private final long period;
        /** Virtual nanoseconds of the next run; written under the scheduler's lock. */
        private volatile long due;
        /** Submission order, kept across periodic runs as the JDK does. */
        private long sequence;

        Task(Runnable runnable, @Nullable V result, long period) {
            super(runnable, result);
            this.period = period;
        }

        Task(Callable<V> callable) {
            super(callable);
            this.period = 0;
        }

        @Override
        public boolean isPeriodic() {
            return period != 0;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - nowNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            if (other == this) {
                return 0;
            }
            if (other instanceof Task<?> task) {
                int byTime = Long.compare(due, task.due);
                return byTime != 0 ? byTime : Long.compare(sequence, task.sequence);
            }
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                remove(this);
            }
            return cancelled;
        }

        @Override
        public void run() {
            if (!canRun(this)) {
                cancel(false);
            } else if (!isPeriodic()) {
                super.run();
            } else if (super.runAndReset()) {
                due = period > 0 ? addSaturated(due, period) : addSaturated(nowNanos, -period);
                requeue(this);
            }
        }
    }

    private long epochNanos() {
        Instant now = now();
        try {
            return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
        } catch (ArithmeticException beyondALong) { // before 1677 or after 2262
            return now.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    private final class VirtualClock implements InstantSource {
        @Override
        public Instant instant() {
            return now().plusNanos(wallClockStepNanos);
        }

        @Override
        public long millis() {
            return instant().toEpochMilli();
        }

        @Override
        public String toString() {
            return "VirtualScheduler.clock[" + instant() + "]";
        }
    }
}
