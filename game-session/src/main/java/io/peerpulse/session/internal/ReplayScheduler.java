package io.peerpulse.session.internal;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler and clock of a journal replay: nothing runs by itself. The periodic poll task is kept
 * and run only when the replayer calls {@link #poll()}; one-shot tasks (read timeouts) never run, since
 * a replayed read is always answered explicitly. The clock answers what the replayer set.
 */
public final class ReplayScheduler extends AbstractExecutorService implements ScheduledExecutorService {

    private Runnable pollTask;
    private boolean shutdown;
    private long now;
    private long then;
    private int reads;

    /** The replay clock. */
    private final InstantSource clock = new InstantSource() {
        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public long millis() {
            return reads++ == 0 ? now : then;
        }
    };

    /** @return the clock */
    public InstantSource clock() {
        return clock;
    }

    /** Every clock read answers {@code t} from now on. */
    public void setTime(long t) {
        setTime(t, t);
    }

    /** The next clock read answers {@code first}, every later one {@code later}. */
    public void setTime(long first, long later) {
        this.now = first;
        this.then = later;
        this.reads = 0;
    }

    /** @return whether the telemetry scheduled its poll task */
    public boolean hasPollTask() {
        return pollTask != null;
    }

    /** Runs the telemetry's poll task once, as if it fell due. */
    public void poll() {
        if (pollTask == null) {
            throw new IllegalStateException("no poll task scheduled");
        }
        pollTask.run();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        pollTask = command;
        return new Handle(() -> pollTask = null);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return scheduleAtFixedRate(command, initialDelay, delay, unit);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return new Handle(() -> { });
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return new Handle<>(() -> { });
    }

    @Override
    public void execute(Runnable command) {
        command.run();
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return shutdown;
    }

    /** A task that never runs by itself; cancelling it runs {@code onCancel}. */
    private static final class Handle<V> implements ScheduledFuture<V> {
        private final Runnable onCancel;
        private boolean cancelled;

        Handle(Runnable onCancel) {
            this.onCancel = onCancel;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return 0;
        }

        @Override
        public int compareTo(Delayed other) {
            return 0;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (cancelled) {
                return false;
            }
            cancelled = true;
            onCancel.run();
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled;
        }

        @Override
        public V get() {
            throw new java.util.concurrent.CancellationException("a replay task never runs");
        }

        @Override
        public V get(long timeout, TimeUnit unit) {
            return get();
        }
    }
}
