package io.peerpulse.session.internal;

import org.jspecify.annotations.Nullable;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * One bulkhead per exporter plugin (provider name) on a shared pool: the calls of one plugin's exporters,
 * over every session, hold at most {@code limit} of the pool's threads at once; more wait in the
 * plugin's own FIFO queue. So a plugin stuck in its calls holds at most that many threads for good, and
 * the other plugins keep the rest. {@link SharedExecutor#forPlugin} is the one use.
 */
final class Bulkheads {

    private final Executor pool;
    private final int limit;
    private final Map<String, Executor> byPlugin = new ConcurrentHashMap<>();

    /**
     * @param pool  the shared pool
     * @param limit the most threads one plugin's calls may hold, at least 1
     */
    public Bulkheads(Executor pool, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
        this.pool = pool;
        this.limit = limit;
    }

    /** The most threads of a pool of {@code maxThreads} one plugin may hold: half, at least 1. */
    static int sharedLimit(int maxThreads) {
        return Math.max(1, maxThreads / 2);
    }

    /** @return the pool the bulkheads share */
    Executor pool() {
        return pool;
    }

    /**
     * @param plugin the provider's name
     * @return the executor for that plugin's calls
     */
    public Executor forPlugin(String plugin) {
        return byPlugin.computeIfAbsent(plugin, Bulkhead::new);
    }

    private final class Bulkhead implements Executor {
        private final String plugin;
        private final Queue<Runnable> waiting = new ArrayDeque<>();
        /** Guarded by this. */
        private int active;

        Bulkhead(String plugin) {
            this.plugin = plugin;
        }

        @Override
        public void execute(Runnable task) {
            synchronized (this) {
                if (active >= limit) {
                    waiting.add(task); // a stuck exporter is logged by its channel, see ExporterChannel#stuck
                    return;
                }
                active++;
            }
            try {
                pool.execute(() -> run(task));
            } catch (RuntimeException refused) { // no thread to be had: the call never runs, its place is free again
                synchronized (this) {
                    active--;
                }
                throw refused;
            }
        }

        /**
         * Runs {@code first}, then hands this call's place to the next waiting one on the pool. One the pool refuses
         * (no thread to be had, a pool shut down, no memory for the hand-over) runs here, on the place this thread
         * still holds: dropped, it was lost and its place held for good, and once {@code limit} places were lost
         * every later call of the plugin waited forever. What a call throws, and a fatal error of the pool's, is
         * thrown on after, the first of them.
         */
        private void run(Runnable first) {
            Throwable thrown = null;
            Runnable task = first;
            while (task != null) {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    thrown = kept(thrown, e);
                }
                task = null;
                Runnable next;
                synchronized (this) {
                    next = waiting.poll();
                    if (next == null) {
                        active--;
                    }
                }
                if (next != null) {
                    try {
                        pool.execute(() -> run(next)); // back to the pool's FIFO: fair to the other plugins
                    } catch (RuntimeException | Error refused) {
                        task = next;
                        if (refused instanceof VirtualMachineError) {
                            thrown = kept(thrown, refused);
                        }
                    }
                }
            }
            if (thrown instanceof Error error) {
                throw error;
            }
            if (thrown != null) {
                throw (RuntimeException) thrown;
            }
        }

        private static Throwable kept(@Nullable Throwable first, Throwable another) {
            if (first == null) {
                return another;
            }
            if (another != first) { // the JVM may throw one OutOfMemoryError instance twice
                first.addSuppressed(another);
            }
            return first;
        }

        @Override
        public String toString() {
            return "bulkhead of exporter '" + plugin + "'";
        }
    }
}
