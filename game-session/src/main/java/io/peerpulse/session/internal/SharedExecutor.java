package io.peerpulse.session.internal;

import io.peerpulse.telemetry.shared.DaemonPool;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * The pool every session of the JVM shares by default for exporter calls and quality listeners, with one
 * {@link Bulkheads bulkhead} per exporter plugin: its bound, threads and queue are the "shared pool" row of
 * game-session's README. Beside it, with the same bound, the pool that closes the sources at a session's
 * {@code close()} ({@link #sourceCloser()}). Exporter calls mostly wait on I/O (files, network pushes), so more
 * threads than cores pay off; at least 8 so that a few exporters stuck in a call on a small machine do not yet hold
 * up the others. The FIFO queue past the bound stays small: each exporter and each session's listeners feed it
 * through a {@link SerialQueue}, which has at most one drain in it at a time.
 */
public final class SharedExecutor {

    /**
     * The system property that sets the bound: {@value}.
     */
    public static final String MAX_THREADS_PROPERTY = "peerpulse.session.executor.maxThreads";

    /** The largest bound accepted: beyond it a typo (an extra digit) would go unnoticed. */
    static final int MAX_THREADS_LIMIT = 10_000;

    private static final Object LOCK = new Object();
    private static volatile @Nullable Bulkheads instance;
    /** Made with {@link #instance}, before it is published. */
    private static volatile @Nullable Executor sourceCloser;

    private SharedExecutor() {
    }

    /**
     * The shared executor, created on first use with the bound {@link #maxThreads()}. Not an
     * {@code ExecutorService}: nobody can shut it down.
     *
     * @return the shared executor
     * @throws IllegalArgumentException naming {@value #MAX_THREADS_PROPERTY} and its value when that is not
     *                                  an integer from 1 to {@value #MAX_THREADS_LIMIT}; asked again on the
     *                                  next call
     */
    public static Executor get() {
        return bulkheads().pool();
    }

    /**
     * @param plugin an exporter provider's name
     * @return the executor for that plugin's calls on the shared pool: at most half its threads (at least 1)
     * @throws IllegalArgumentException as {@link #get()}
     */
    public static Executor forPlugin(String plugin) {
        return bulkheads().forPlugin(plugin);
    }

    /**
     * The pool that closes the sources at a session's {@code close()}, and reads its probe's last statistics before:
     * at most {@link #maxThreads()} daemon threads
     * {@code peerpulse-source-close-<n>}, made on demand, ended after 30 s idle. Apart from the shared pool, whose
     * threads exporters of several plugins stuck in their calls may all hold: a session's {@code close()} would then
     * return with its sources still open, and the caller disposes their connection's factory next (a
     * {@code DataChannelProbe} still pinging after that crashes the JVM).
     *
     * @return the pool
     * @throws IllegalArgumentException as {@link #get()}
     */
    public static Executor sourceCloser() {
        bulkheads();
        return java.util.Objects.requireNonNull(sourceCloser);
    }

    private static Bulkheads bulkheads() {
        Bulkheads shared = instance;
        if (shared == null) {
            synchronized (LOCK) {
                shared = instance;
                if (shared == null) {
                    int maxThreads = maxThreads();
                    ThreadPoolExecutor pool = newPool(maxThreads, "peerpulse-session-");
                    shared = new Bulkheads(pool::execute, Bulkheads.sharedLimit(maxThreads));
                    sourceCloser = newPool(maxThreads, "peerpulse-source-close-")::execute;
                    instance = shared;
                }
            }
        }
        return shared;
    }

    /**
     * The bound the shared executor has (or will have when first used).
     *
     * @return the system property {@value #MAX_THREADS_PROPERTY} when set, else
     *         {@code max(8, 4 × availableProcessors)}
     * @throws IllegalArgumentException naming the property and its value when it is not an integer from 1
     *                                  to {@value #MAX_THREADS_LIMIT}
     */
    public static int maxThreads() {
        return maxThreads(System.getProperty(MAX_THREADS_PROPERTY), Runtime.getRuntime().availableProcessors());
    }

    /** The bound for a property value ({@code null}: unset) and a processor count. */
    static int maxThreads(String property, int processors) {
        if (property == null) {
            return Math.max(8, 4 * processors);
        }
        int value;
        try {
            value = Integer.parseInt(property.strip());
        } catch (NumberFormatException e) {
            value = 0;
        }
        if (value < 1 || value > MAX_THREADS_LIMIT) {
            throw new IllegalArgumentException(MAX_THREADS_PROPERTY + " must be an integer from 1 to "
                    + MAX_THREADS_LIMIT + ", was '" + property + "'");
        }
        return value;
    }

    /**
     * A pool of at most {@code maxThreads} daemon threads named {@code <namePrefix><n>}, made on demand and
     * ended after 30 s idle, with an unbounded FIFO queue for work past the bound: what the shared executor
     * is, with a bound and names of the caller's choosing (for tests).
     *
     * @param maxThreads the most threads, at least 1
     * @param namePrefix the threads' name before their number
     * @return the pool
     */
    static ThreadPoolExecutor newPool(int maxThreads, String namePrefix) {
        return DaemonPool.create(maxThreads, namePrefix, new LinkedBlockingQueue<>());
    }
}
