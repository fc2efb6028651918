package io.peerpulse.telemetry.internal;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one scheduler every telemetry of the JVM shares by default: a single daemon thread, so
 * thousands of sessions cost one thread. Poll tasks only start reads and record results, never wait.
 */
public final class SharedScheduler {

    private SharedScheduler() {
    }

    private static final class Holder {
        static final ScheduledExecutorService INSTANCE = create();
    }

    /** @return the shared scheduler, created on first use */
    public static ScheduledExecutorService get() {
        return Holder.INSTANCE;
    }

    private static ScheduledExecutorService create() {
        AtomicInteger threads = new AtomicInteger();
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "peerpulse-telemetry-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        // Read timeouts are scheduled and mostly cancelled on every poll: drop them from the queue at once.
        executor.setRemoveOnCancelPolicy(true);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return new UnclosableScheduler(executor);
    }
}
