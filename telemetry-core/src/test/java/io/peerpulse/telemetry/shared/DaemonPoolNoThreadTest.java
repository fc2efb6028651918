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
import java.util.concurrent.atomic.AtomicReference;
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

    /**
     * At its bound the pool queues a task, and when its last thread ended meanwhile it starts one for the queue (its
     * recheck); when that start fails the task is in the queue already. Refused then, it must not stay there: a
     * caller that was told "rejected" handles the task itself (a journal writes on its own thread, a serial queue
     * drops its calls), and the queued copy would run too, later, beside that (two writers of one journal).
     */
    @Test
    void aTaskRefusedAfterThePoolQueuedItIsTakenBackOutOfTheQueue() throws Exception {
        AtomicReference<ThreadPoolExecutor> poolRef = new AtomicReference<>();
        AtomicReference<Thread> worker = new AtomicReference<>();
        AtomicReference<Runnable> lastThreadEndsFirst = new AtomicReference<>();
        LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>() {
            @Override
            public boolean offer(Runnable task) {
                if (task == lastThreadEndsFirst.getAndSet(null)) {
                    // between the pool's bound check and its recheck: its one thread ends, idle, the queue empty
                    poolRef.get().setKeepAliveTime(1, TimeUnit.NANOSECONDS); // wakes the idle thread
                    try {
                        worker.get().join(TimeUnit.SECONDS.toMillis(60));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    assertThat(worker.get().isAlive()).isFalse();
                }
                return super.offer(task);
            }
        };
        ThreadPoolExecutor pool = DaemonPool.create(1, "no-thread-test-", queue);
        poolRef.set(pool);
        try {
            pool.setThreadFactory(runnable -> {
                Thread thread = new Thread(runnable, "no-thread-test-1");
                thread.setDaemon(true);
                worker.set(thread);
                return thread;
            });
            CountDownLatch first = new CountDownLatch(1);
            pool.execute(first::countDown);
            assertThat(first.await(60, TimeUnit.SECONDS)).isTrue();
            pool.setThreadFactory(DaemonPoolNoThreadTest::unstartable);
            Runnable refused = () -> { };
            lastThreadEndsFirst.set(refused);

            assertThatThrownBy(() -> pool.execute(refused)).isInstanceOf(RejectedExecutionException.class);

            assertThat(pool.getPoolSize()).isZero();
            assertThat(pool.getQueue()).as("a refused task is not left to run later").isEmpty();
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
