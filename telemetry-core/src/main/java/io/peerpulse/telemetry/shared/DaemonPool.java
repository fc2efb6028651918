package io.peerpulse.telemetry.shared;

import java.lang.System.Logger.Level;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one way PeerPulse makes a pool of its own threads (the isolated reads, the session's exporter calls, the
 * journals' writers): at most {@code maxThreads} daemon threads named {@code <namePrefix><n>}, made on demand and
 * ended after {@value #KEEP_ALIVE_SECONDS} s idle, so an idle JVM keeps none; work past the bound waits in
 * {@code queue}. Each thread's context class loader is PeerPulse's own, not that of the thread that happened to
 * make it: that may be another web app's, which the thread would keep reachable after its undeployment; and a task
 * that sets another and leaves it has PeerPulse's set back after it, before the thread's next task. Nor does a
 * thread inherit that thread's inheritable thread locals: a game server's per-match context set on the match's
 * (virtual) thread would stay reachable with the pool thread and be seen by every session's calls run there.
 *
 * <p><b>No thread to be had.</b> When the process is at its limit of threads ({@code ulimit -u}, a container's
 * pids limit) or of native memory, starting a thread throws {@code OutOfMemoryError: unable to create native
 * thread}. Below its bound a {@code ThreadPoolExecutor} starts a new thread for each task even while others idle,
 * and lets that error out of {@code execute}; here the task is then handed to the threads the pool has (and the
 * first such failure logged once per pool), and only when it has none is it refused with a
 * {@link RejectedExecutionException} naming the limit, which every caller handles as a rejection.
 *
 * @since 0.1.0
 */
public final class DaemonPool {

    /** How long an idle thread lives: {@value} s. */
    public static final long KEEP_ALIVE_SECONDS = 30;

    /** PeerPulse's class loader: every pool thread's context loader, set back after each task. */
    private static final ClassLoader OURS = DaemonPool.class.getClassLoader();

    private static final System.Logger LOG = System.getLogger(DaemonPool.class.getName());

    private DaemonPool() {
    }

    /**
     * A daemon thread of PeerPulse's, not started: with PeerPulse's class loader as its context loader and none of
     * the inheritable thread locals of the thread that made it (see the class description).
     *
     * @param task what it runs
     * @param name its name
     * @return the thread
     */
    public static Thread newThread(Runnable task, String name) {
        Thread thread = new Thread(null, task, name, 0, false);
        thread.setDaemon(true);
        thread.setContextClassLoader(OURS);
        return thread;
    }

    /**
     * Sets PeerPulse's context loader back on the current thread, one of PeerPulse's, after a task that set another and
     * left it (another web app's plugin, a framework's callback): the next task, another session's, gets PeerPulse's,
     * and the thread keeps no foreign loader alive.
     */
    public static void restoreContextLoader() {
        Thread thread = Thread.currentThread();
        if (thread.getContextClassLoader() != OURS) {
            thread.setContextClassLoader(OURS);
        }
    }

    /**
     * @param maxThreads the most threads, at least 1
     * @param namePrefix the threads' name before their number
     * @param queue      where work past the bound waits (a {@code ThreadPoolExecutor} queue)
     * @return the pool, whose {@code execute} throws {@link RejectedExecutionException} when no thread can be started
     *         and the pool has none (above)
     * @throws IllegalArgumentException when {@code maxThreads} is below 1
     */
    public static ThreadPoolExecutor create(int maxThreads, String namePrefix, BlockingQueue<Runnable> queue) {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be >= 1, was " + maxThreads);
        }
        AtomicInteger threads = new AtomicInteger();
        // core == max with core threads timing out: a new thread per task until the bound is reached (a
        // ThreadPoolExecutor only grows past its core size when its queue is full, which an unbounded one never is),
        // none kept while idle.
        AtomicBoolean noThreadLogged = new AtomicBoolean();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(maxThreads, maxThreads, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                queue, runnable -> newThread(runnable, namePrefix + threads.incrementAndGet())) {
            @Override
            protected void afterExecute(Runnable task, Throwable thrown) {
                restoreContextLoader();
            }

            @Override
            public void execute(Runnable task) {
                try {
                    super.execute(task);
                } catch (OutOfMemoryError noThread) { // Thread.start(): the task was neither run nor queued
                    if (!handOver(this, task)) {
                        throw new RejectedExecutionException(namePrefix + "* cannot run a task: no thread could be"
                                + " started (" + noThread.getMessage() + ") and the pool has none; the process is at"
                                + " its limit of threads (ulimit -u, a container's pids limit) or of memory",
                                noThread);
                    }
                    if (noThreadLogged.compareAndSet(false, true)) {
                        LOG.log(Level.WARNING, namePrefix + "* could not start another thread (" + noThread.getMessage()
                                + "): the process is at its limit of threads (ulimit -u, a container's pids limit)"
                                + " or of memory; its " + getPoolSize() + " threads do the work meanwhile (logged once"
                                + " per pool)");
                    }
                }
            }
        };
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Queues {@code task} for the pool's running threads; whether one will run it. */
    private static boolean handOver(ThreadPoolExecutor pool, Runnable task) {
        // queued already when the failed start was for a thread to replace the last one (the pool's recheck)
        boolean queued = pool.getQueue().contains(task);
        if (pool.isShutdown() || pool.getPoolSize() == 0) {
            // refused: take it back, or it would run later as well as the caller's own handling of the refusal
            return queued && !pool.remove(task);
        }
        if (!queued && !pool.getQueue().offer(task)) {
            return false;
        }
        // the last thread may have ended meanwhile (it stays while its queue holds a task): take the task back then
        return pool.getPoolSize() > 0 || !pool.remove(task);
    }
}
