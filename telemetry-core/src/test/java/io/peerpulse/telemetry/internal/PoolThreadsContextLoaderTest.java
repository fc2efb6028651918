package io.peerpulse.telemetry.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.telemetry.shared.DaemonPool;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JVM-wide threads PeerPulse makes on demand have PeerPulse's loader as their context class loader, not the
 * loader of the thread whose call made them: that may be another web app's, which the thread would keep alive
 * (and hand to every library that looks up a service through the context loader, e.g. jakarta.json). Nor do they
 * inherit that thread's inheritable thread locals: a game server's per-match context (an MDC, a tenant) set on the
 * match's virtual thread would stay reachable with the pool thread and be seen by every session's exporter there.
 */
class PoolThreadsContextLoaderTest {

    /** A per-match value of the application's, as a game server sets it on each match's thread. */
    private static final InheritableThreadLocal<Object> MATCH = new InheritableThreadLocal<>();

    /**
     * What a task sees of {@link #MATCH} when it runs on a thread the executor makes for it while the calling thread
     * holds a match's value: the executor must have no thread yet.
     */
    private static Object inheritedByTask(java.util.function.Supplier<Executor> make, Thread[] ranOn)
            throws Exception {
        CompletableFuture<Object> seen = new CompletableFuture<>();
        MATCH.set("match-7");
        try {
            Executor executor = make.get();
            executor.execute(() -> {
                ranOn[0] = Thread.currentThread();
                seen.complete(String.valueOf(MATCH.get()));
            });
        } finally {
            MATCH.remove();
        }
        return seen.get(60, TimeUnit.SECONDS);
    }

    @Test
    void aDaemonPoolsThreadsInheritNoThreadLocalOfTheThreadThatMadeThem() throws Exception {
        ThreadPoolExecutor[] pool = new ThreadPoolExecutor[1];
        try {
            assertThat(inheritedByTask(() -> pool[0] = DaemonPool.create(1, "daemon-pool-test-",
                    new LinkedBlockingQueue<>()), new Thread[1])).isEqualTo("null");
        } finally {
            pool[0].shutdownNow();
        }
    }

    @Test
    void theSharedSchedulersWorkersInheritNoThreadLocalOfTheThreadThatMadeThem() throws Exception {
        SharedScheduler.Watched[] scheduler = new SharedScheduler.Watched[1];
        Thread[] worker = new Thread[1];
        try {
            assertThat(inheritedByTask(() -> scheduler[0] = SharedScheduler.Watched.start(), worker)).isEqualTo("null");
        } finally {
            scheduler[0].shutdownNow();
            if (worker[0] != null) {
                worker[0].join(TimeUnit.SECONDS.toMillis(60)); // gone before the next test counts scheduler threads
            }
            if (scheduler[0].watchdog != null) {
                scheduler[0].watchdog.join(TimeUnit.SECONDS.toMillis(60));
            }
        }
    }

    /** The thread that ran a task given on a thread whose context loader is foreign. */
    private static Thread threadOfTask(Executor executor) throws Exception {
        CompletableFuture<Thread> seen = new CompletableFuture<>();
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader foreign = new URLClassLoader("another-web-app", new URL[0], null)) {
            thread.setContextClassLoader(foreign);
            try {
                executor.execute(() -> seen.complete(Thread.currentThread()));
            } finally {
                thread.setContextClassLoader(before);
            }
            return seen.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void theSharedSchedulersWorkersAndWatchdogHavePeerPulsesLoader() throws Exception {
        ClassLoader own = SharedScheduler.class.getClassLoader();
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        SharedScheduler.Watched scheduler;
        try (URLClassLoader foreign = new URLClassLoader("another-web-app", new URL[0], null)) {
            thread.setContextClassLoader(foreign);
            try {
                scheduler = SharedScheduler.Watched.start();
            } finally {
                thread.setContextClassLoader(before);
            }
            Thread worker = null;
            try {
                worker = threadOfTask(scheduler);
                assertThat(worker.getContextClassLoader()).isSameAs(own);
                assertThat(scheduler.watchdog).isNotNull(); // started with the first worker
                assertThat(scheduler.watchdog.getContextClassLoader()).isSameAs(own);
            } finally {
                scheduler.shutdownNow();
                if (worker != null) {
                    worker.join(TimeUnit.SECONDS.toMillis(60)); // gone before the next test counts scheduler threads
                }
                if (scheduler.watchdog != null) {
                    scheduler.watchdog.join(TimeUnit.SECONDS.toMillis(60));
                }
            }
        }
    }

    @Test
    void theIsolatedReadPoolsThreadsHavePeerPulsesLoader() throws Exception {
        assertThat(threadOfTask(IsolatedReads.create()).getContextClassLoader())
                .isSameAs(IsolatedReads.class.getClassLoader());
    }

    /**
     * The context loader a task leaves behind on a thread it was given ({@code setContextClassLoader} without
     * restoring it: a plugin of another web app, or a framework that sets its own in a callback): the next task on
     * that thread, another session's, must find PeerPulse's loader again. Else the shared thread keeps the foreign
     * loader alive after the web app's undeployment, and {@code Plugins.loaderFor} hands it to the next session's
     * {@code ServiceLoader} lookups.
     */
    private static ClassLoader loaderAfterATaskThatSetsAForeignOne(Executor oneThread) throws Exception {
        try (URLClassLoader foreign = new URLClassLoader("another-web-app", new URL[0], null)) {
            CompletableFuture<Thread> first = new CompletableFuture<>();
            oneThread.execute(() -> {
                Thread.currentThread().setContextClassLoader(foreign);
                first.complete(Thread.currentThread());
            });
            CompletableFuture<Thread> next = new CompletableFuture<>();
            CompletableFuture<ClassLoader> seen = new CompletableFuture<>();
            oneThread.execute(() -> {
                seen.complete(Thread.currentThread().getContextClassLoader());
                next.complete(Thread.currentThread());
            });
            assertThat(next.get(60, TimeUnit.SECONDS)).as("one thread ran both").isSameAs(first.get(60, TimeUnit.SECONDS));
            return seen.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aDaemonPoolsThreadGetsPeerPulsesLoaderBackAfterATaskThatSetAnother() throws Exception {
        ThreadPoolExecutor pool = DaemonPool.create(1, "daemon-pool-loader-test-", new LinkedBlockingQueue<>());
        try {
            assertThat(loaderAfterATaskThatSetsAForeignOne(pool)).isSameAs(DaemonPool.class.getClassLoader());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theSharedSchedulersWorkerGetsPeerPulsesLoaderBackAfterATaskThatSetAnother() throws Exception {
        SharedScheduler.Watched scheduler = SharedScheduler.Watched.unwatched();
        try {
            assertThat(loaderAfterATaskThatSetsAForeignOne(scheduler)).isSameAs(SharedScheduler.class.getClassLoader());
        } finally {
            scheduler.shutdownNow();
        }
    }

    /** The one factory of PeerPulse's pools (isolated reads, the session's exporter calls, the journals' writers). */
    @Test
    void aDaemonPoolsThreadsAreNamedDaemonsWithPeerPulsesLoaderThatEndWhenIdle() throws Exception {
        ThreadPoolExecutor pool = DaemonPool.create(1, "daemon-pool-test-", new LinkedBlockingQueue<>());
        try {
            Thread worker = threadOfTask(pool);
            assertThat(worker.getContextClassLoader()).isSameAs(DaemonPool.class.getClassLoader());
            assertThat(worker.isDaemon()).isTrue();
            assertThat(worker.getName()).isEqualTo("daemon-pool-test-1");
            assertThat(pool.allowsCoreThreadTimeOut()).isTrue();
            assertThat(pool.getKeepAliveTime(TimeUnit.SECONDS)).isEqualTo(DaemonPool.KEEP_ALIVE_SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThatThrownBy(() -> DaemonPool.create(0, "x-", new LinkedBlockingQueue<>()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxThreads must be >= 1, was 0");
    }
}
