package io.peerpulse.telemetry.shared;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one way PeerPulse makes a pool of its own threads (the isolated reads, the session's exporter calls, the
 * journals' writers): at most {@code maxThreads} daemon threads named {@code <namePrefix><n>}, made on demand and
 * ended after {@value #KEEP_ALIVE_SECONDS} s idle, so an idle JVM keeps none; work past the bound waits in
 * {@code queue}. Each thread's context class loader is PeerPulse's own, not that of the thread that happened to
 * make it: that may be another web app's, which the thread would keep reachable after its undeployment.
 *
 * @since 0.1.0
 */
public final class DaemonPool {

    /** How long an idle thread lives: {@value} s. */
    public static final long KEEP_ALIVE_SECONDS = 30;

    private DaemonPool() {
    }

    /**
     * @param maxThreads the most threads, at least 1
     * @param namePrefix the threads' name before their number
     * @param queue      where work past the bound waits (a {@code ThreadPoolExecutor} queue)
     * @return the pool
     * @throws IllegalArgumentException when {@code maxThreads} is below 1
     */
    public static ThreadPoolExecutor create(int maxThreads, String namePrefix, BlockingQueue<Runnable> queue) {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be >= 1, was " + maxThreads);
        }
        AtomicInteger threads = new AtomicInteger();
        ClassLoader ours = DaemonPool.class.getClassLoader();
        // core == max with core threads timing out: a new thread per task until the bound is reached (a
        // ThreadPoolExecutor only grows past its core size when its queue is full, which an unbounded one never is),
        // none kept while idle.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(maxThreads, maxThreads, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                queue, runnable -> {
                    Thread thread = new Thread(runnable, namePrefix + threads.incrementAndGet());
                    thread.setDaemon(true);
                    thread.setContextClassLoader(ours);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
