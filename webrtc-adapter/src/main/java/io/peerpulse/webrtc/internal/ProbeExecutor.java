package io.peerpulse.webrtc.internal;

import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Where a probe handles received messages and runs its timeout: the shared {@link ProbeLoop}, or a
 * scheduler the user gave in {@code ProbeOptions}.
 */
public interface ProbeExecutor {

    /**
     * Runs {@code task} soon, in submission order.
     *
     * @param task the task
     * @throws RejectedExecutionException when no task can run any more
     */
    void execute(Runnable task);

    /**
     * Runs {@code task} in submission order with the tasks of {@link #execute}, within a short bound (the
     * {@link ProbeLoop#TICK_NANOS} of a loop that is busy): for work whose timing moves no measurement, so that the
     * producer need not wake the thread for it. By default the same as {@link #execute}.
     *
     * @param task the task
     * @throws RejectedExecutionException when no task can run any more
     */
    default void executeBatched(Runnable task) {
        execute(task);
    }

    /**
     * Runs {@code task} once, {@code delayNanos} from now.
     *
     * @param task       the task
     * @param delayNanos the delay
     * @throws RejectedExecutionException when no task can run any more
     */
    void schedule(Runnable task, long delayNanos);

    /** @return whether tasks are refused from now on */
    boolean isShutdown();

    /**
     * @param scheduler a user's scheduler
     * @return an executor running on it (each task costs the scheduler's own task object)
     */
    static ProbeExecutor of(ScheduledExecutorService scheduler) {
        Objects.requireNonNull(scheduler, "scheduler");
        return new ProbeExecutor() {
            @Override
            public void execute(Runnable task) {
                scheduler.execute(task);
            }

            @Override
            public void schedule(Runnable task, long delayNanos) {
                scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public boolean isShutdown() {
                return scheduler.isShutdown();
            }

            @Override
            public String toString() {
                return scheduler.toString();
            }
        };
    }
}
