package io.peerpulse.telemetry.internal;

import io.peerpulse.telemetry.shared.DaemonPool;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * Where the reads of a source that blocked its polling thread go from then on: one pool for the JVM of
 * at most {@link #MAX_THREADS} daemon threads named {@code peerpulse-isolated-read-<n>}, made on demand
 * and ended after 30 s idle. Its queue holds at most one task per telemetry, also while every thread is held by
 * reads that never return (the task runs the telemetry's latest read: one that timed out while it waited is not
 * queued again beside it), and a read whose timeout passed or whose run a stop ended while it waited is not started. It
 * is FIFO, except that an {@link Urgent} read goes to its head: the read of a source on probation after a slow
 * call, most likely a healthy source that was unlucky (a preempted thread), must not wait behind the reads of
 * sources isolated for blocking.
 *
 * @since 0.1.0
 */
public final class IsolatedReads {

    /** The bound on the pool's threads: {@code max(4, 2 × availableProcessors)}. */
    public static final int MAX_THREADS = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

    private IsolatedReads() {
    }

    private static final class Holder {
        static final Executor INSTANCE = create();
    }

    /** A read that goes to the head of the pool's queue. */
    public interface Urgent extends Runnable {
    }

    /**
     * @param read a read
     * @return the read, marked to go to the head of the queue
     */
    public static Runnable urgent(Runnable read) {
        return (Urgent) read::run;
    }

    /** @return the pool, created on first use; not an {@code ExecutorService}: nobody can shut it down */
    public static Executor get() {
        return Holder.INSTANCE;
    }

    static Executor create() {
        ThreadPoolExecutor pool = DaemonPool.create(MAX_THREADS, "peerpulse-isolated-read-", new UrgentFirstQueue());
        return new Executor() {
            @Override
            public void execute(Runnable command) {
                pool.execute(command);
            }

            @Override
            public String toString() {
                return "the isolated-read pool (at most " + MAX_THREADS + " threads)";
            }
        };
    }

    /** FIFO, but an {@link Urgent} task goes to the head. */
    private static final class UrgentFirstQueue extends LinkedBlockingDeque<Runnable> {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean offer(Runnable task) {
            return task instanceof Urgent ? offerFirst(task) : offerLast(task);
        }
    }
}
