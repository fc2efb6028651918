package io.peerpulse.session.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shared executor's threads, made on demand by whichever session submits first, have PeerPulse's loader as
 * their context class loader: not that session's thread's, which may be another web app's loader (kept alive by
 * the thread, and handed to every library an exporter calls that looks up a service through it).
 */
class SharedExecutorContextLoaderTest {

    @Test
    void aThreadMadeForACallerWithAForeignContextLoaderHasPeerPulsesLoader() throws Exception {
        ThreadPoolExecutor pool = SharedExecutor.newPool(1, "context-loader-test-");
        CompletableFuture<ClassLoader> seen = new CompletableFuture<>();
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader foreign = new URLClassLoader("another-web-app", new URL[0], null)) {
            thread.setContextClassLoader(foreign);
            try {
                pool.execute(() -> seen.complete(Thread.currentThread().getContextClassLoader()));
            } finally {
                thread.setContextClassLoader(before);
            }
            assertThat(seen.get(60, TimeUnit.SECONDS)).isSameAs(SharedExecutor.class.getClassLoader());
        } finally {
            pool.shutdownNow();
        }
    }
}
