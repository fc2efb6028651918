package io.peerpulse.telemetry.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.telemetry.fixtures.LogCapture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A process at its limit of threads ({@code ulimit -u}, a container's pids limit): {@code Thread.start()} throws
 * {@code OutOfMemoryError: unable to create native thread}. Measured in a child JVM ({@code prlimit --nproc=120}, 5
 * sessions with journals): a {@code ThreadPoolExecutor} below its bound starts a thread per task even while its own
 * threads idle, and let that error out of {@code execute}, into a poll; every journal stopped after its first 2
 * lines and every JSON export was lost. Simulated here by a thread factory that throws what the JDK throws.
 */
class DaemonPoolNoThreadTest {

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    /**
     * A thread factory at the limit: it throws what {@code Thread.start()} throws there, from the same call in the pool
     * ({@code addWorker}). Not a thread whose {@code start()} throws: from JDK 21 on the pool starts its threads through
     * a package-private {@code Thread.start} of its thread container, which a subclass cannot override.
     */
    private static Thread unstartable(Runnable runnable) {
        throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource"
                + " limits reached");
    }

    @Test
    void aTaskThatGetsNoNewThreadRunsOnAThreadThePoolHas() throws Exception {
        ThreadPoolExecutor pool = DaemonPool.create(4, "no-thread-test-", new LinkedBlockingQueue<>());
        try {
            CountDownLatch first = new CountDownLatch(1);
            pool.execute(first::countDown);
            assertThat(first.await(60, TimeUnit.SECONDS)).isTrue();
            pool.setThreadFactory(DaemonPoolNoThreadTest::unstartable); // the limit reached: no thread starts now

            CountDownLatch second = new CountDownLatch(2);
            assertThatCode(() -> {
                pool.execute(second::countDown);
                pool.execute(second::countDown);
            }).doesNotThrowAnyException();

            assertThat(second.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(pool.getPoolSize()).isEqualTo(1);
            assertThat(logs.warnings(DaemonPool.class)).singleElement().asString()
                    .contains("no-thread-test-* could not start another thread (unable to create native thread")
                    .contains("limit of threads (ulimit -u, a container's pids limit)")
                    .contains("its 1 threads do the work meanwhile");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPoolWithoutThreadsRefusesTheTaskNamingTheLimit() {
        ThreadPoolExecutor pool = DaemonPool.create(4, "no-thread-test-", new LinkedBlockingQueue<>());
        try {
            pool.setThreadFactory(DaemonPoolNoThreadTest::unstartable);

            assertThatThrownBy(() -> pool.execute(() -> { }))
                    .isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("no-thread-test-* cannot run a task: no thread could be started (unable to"
                            + " create native thread")
                    .hasMessageContaining("the pool has none; the process is at its limit of threads (ulimit -u,")
                    .hasCauseInstanceOf(OutOfMemoryError.class);
            assertThat(pool.getQueue()).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }
}
