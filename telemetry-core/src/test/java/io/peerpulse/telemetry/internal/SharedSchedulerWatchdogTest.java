package io.peerpulse.telemetry.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.fixtures.LogCapture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared scheduler's watchdog, driven by its {@code check(now)} with the times the test chooses. */
class SharedSchedulerWatchdogTest {

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    /**
     * Once every extra worker is taken, a further stuck task gets one line, not one at every check (twice a
     * second, for as long as it stays stuck).
     */
    @Test
    void aTaskStuckWhenNoWorkerIsLeftToAddIsLoggedOnceNotAtEveryCheck() throws Exception {
        SharedScheduler.Watched scheduler = SharedScheduler.Watched.unwatched();
        CountDownLatch release = new CountDownLatch(1);
        Semaphore started = new Semaphore(0);
        int workers = SharedScheduler.MAX_EXTRA_THREADS + 1;
        try {
            for (int i = 0; i < workers + 1; i++) {
                scheduler.execute(() -> {
                    started.release();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            for (int i = 0; i < workers; i++) { // each check adds a worker for the one stuck last, up to the cap
                assertThat(started.tryAcquire(60, TimeUnit.SECONDS)).as("task %d started", i + 1).isTrue();
                scheduler.check(System.nanoTime() + 2 * SharedScheduler.STUCK_AFTER_NANOS);
            }
            for (int i = 0; i < 5; i++) { // the last one stays stuck: the watchdog looks again and again
                scheduler.check(System.nanoTime() + 2 * SharedScheduler.STUCK_AFTER_NANOS);
            }

            assertThat(logs.warnings(SharedScheduler.class, "Another thread takes over"))
                    .hasSize(SharedScheduler.MAX_EXTRA_THREADS);
            assertThat(logs.warnings(SharedScheduler.class, "threads are stuck so already")).hasSize(1);
        } finally {
            release.countDown();
            scheduler.shutdownNow();
        }
    }
}
