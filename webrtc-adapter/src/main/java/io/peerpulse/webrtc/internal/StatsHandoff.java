package io.peerpulse.webrtc.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The PeerPulse threads of the ICE source, so that neither its caller nor webrtc-java's native thread waits.
 *
 * <ul>
 *   <li>{@link #call}: calls into a peer connection ({@code getConnectionState()}, {@code getStats(callback)})
 *       are blocking calls through libwebrtc's signalling thread — microseconds on an idle machine, up to
 *       320 ms measured on a loaded one — so a read makes them here, never on its caller's thread (a
 *       telemetry's polling thread). At most {@link #CALL_THREADS} daemon threads {@code peerpulse-webrtc-call-<n>},
 *       made on demand and ended after 30 s idle: connections of different factories do not wait for each
 *       other's signalling threads.</li>
 *   <li>{@link #execute}: the stats callback arrives on webrtc-java's single native callback thread, which
 *       also runs every other callback of every connection, so it only hands the report here: one daemon
 *       thread {@code peerpulse-webrtc-stats} for the JVM interprets the reports (microseconds each) and
 *       completes the reads.</li>
 * </ul>
 */
public final class StatsHandoff {

    /** The bound on the call threads: {@code max(2, availableProcessors)}. */
    public static final int CALL_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

    private static final ExecutorService INTERPRETER = create(1, "peerpulse-webrtc-stats", false);
    private static final ExecutorService CALLS = create(CALL_THREADS, "peerpulse-webrtc-call-", true);

    private StatsHandoff() {
    }

    private static ExecutorService create(int threads, String name, boolean numbered) {
        AtomicInteger made = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, numbered ? name + made.incrementAndGet() : name);
                    thread.setDaemon(true);
                    return thread;
                });
        executor.allowCoreThreadTimeOut(numbered);
        return executor;
    }

    /**
     * Runs {@code task} on the interpreting thread; if it cannot be queued, fails {@code result} instead.
     *
     * @param task   the work
     * @param result the read to fail when the task is refused
     */
    public static void execute(Runnable task, CompletableFuture<?> result) {
        try {
            INTERPRETER.execute(task);
        } catch (RuntimeException refused) {
            result.completeExceptionally(refused);
        }
    }

    /**
     * Runs {@code call}, which may block on libwebrtc's threads, on a call thread; if it cannot be queued,
     * fails {@code result} instead.
     *
     * @param call   the calls into the peer connection
     * @param result the read to fail when the task is refused
     */
    public static void call(Runnable call, CompletableFuture<?> result) {
        try {
            CALLS.execute(call);
        } catch (RuntimeException refused) {
            result.completeExceptionally(refused);
        }
    }
}
