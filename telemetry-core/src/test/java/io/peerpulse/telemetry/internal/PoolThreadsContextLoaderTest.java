package io.peerpulse.telemetry.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JVM-wide threads PeerPulse makes on demand have PeerPulse's loader as their context class loader, not the
 * loader of the thread whose call made them: that may be another web app's, which the thread would keep alive
 * (and hand to every library that looks up a service through the context loader, e.g. jakarta.json).
 */
class PoolThreadsContextLoaderTest {

    /** The context loader a task sees when {@code submit} is called on a thread whose context loader is foreign. */
    private static ClassLoader contextLoaderOfTask(Executor executor) throws Exception {
        CompletableFuture<ClassLoader> seen = new CompletableFuture<>();
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader foreign = new URLClassLoader("another-web-app", new URL[0], null)) {
            thread.setContextClassLoader(foreign);
            try {
                executor.execute(() -> seen.complete(Thread.currentThread().getContextClassLoader()));
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
            try {
                assertThat(contextLoaderOfTask(scheduler)).isSameAs(own);
                assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().equals("peerpulse-watchdog"))
                        .isNotEmpty().allSatisfy(t -> assertThat(t.getContextClassLoader()).isNotSameAs(foreign));
            } finally {
                scheduler.shutdownNow();
            }
        }
    }

    @Test
    void theIsolatedReadPoolsThreadsHavePeerPulsesLoader() throws Exception {
        assertThat(contextLoaderOfTask(IsolatedReads.create())).isSameAs(IsolatedReads.class.getClassLoader());
    }
}
