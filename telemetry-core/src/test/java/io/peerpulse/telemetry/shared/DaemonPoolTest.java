package io.peerpulse.telemetry.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * PeerPulse's pools (isolated reads, the session's exporter calls, the journals' writers) all come from
 * {@link DaemonPool}: their threads, made on demand by whichever caller submits first, are daemon threads with
 * PeerPulse's loader as their context class loader — not that caller's, which may be another web app's loader
 * (kept alive by the thread, and handed to every library a task calls that looks up a service through it).
 */
class DaemonPoolTest {

    @Test
    void aThreadMadeForACallerWithAForeignContextLoaderHasPeerPulsesLoaderAndIsADaemon() throws Exception {
        ThreadPoolExecutor pool = DaemonPool.create(1, "daemon-pool-test-", new LinkedBlockingQueue<>());
        CompletableFuture<Thread> seen = new CompletableFuture<>();
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader foreign = new URLClassLoader("another-web-app", new URL[0], null)) {
            thread.setContextClassLoader(foreign);
            try {
                pool.execute(() -> seen.complete(Thread.currentThread()));
            } finally {
                thread.setContextClassLoader(before);
            }
            Thread worker = seen.get(60, TimeUnit.SECONDS);
            assertThat(worker.getContextClassLoader()).isSameAs(DaemonPool.class.getClassLoader());
            assertThat(worker.isDaemon()).isTrue();
            assertThat(worker.getName()).isEqualTo("daemon-pool-test-1");
            assertThat(pool.allowsCoreThreadTimeOut()).isTrue();
            assertThat(pool.getKeepAliveTime(TimeUnit.SECONDS)).isEqualTo(DaemonPool.KEEP_ALIVE_SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBoundBelowOneIsRefused() {
        assertThatThrownBy(() -> DaemonPool.create(0, "x-", new LinkedBlockingQueue<>()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxThreads must be >= 1, was 0");
    }
}
