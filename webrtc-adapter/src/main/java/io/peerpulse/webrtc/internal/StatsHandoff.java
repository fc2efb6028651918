package io.peerpulse.webrtc.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Takes stats reports off webrtc-java's single native callback thread at once: that thread also
 * runs every other callback of every connection, so it must never wait for us. One daemon thread
 * for the JVM interprets the reports (microseconds each) and completes the reads.
 */
public final class StatsHandoff {

    private static final ExecutorService EXECUTOR = create();

    private StatsHandoff() {
    }

    private static ExecutorService create() {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                runnable -> {
                    Thread thread = new Thread(runnable, "peerpulse-webrtc-stats");
                    thread.setDaemon(true);
                    return thread;
                });
        return executor;
    }

    /**
     * Runs {@code task} on the handoff thread; if it cannot be queued, fails {@code result} instead.
     *
     * @param task   the work
     * @param result the read to fail when the task is refused
     */
    public static void execute(Runnable task, CompletableFuture<?> result) {
        try {
            EXECUTOR.execute(task);
        } catch (RuntimeException refused) {
            result.completeExceptionally(refused);
        }
    }
}
