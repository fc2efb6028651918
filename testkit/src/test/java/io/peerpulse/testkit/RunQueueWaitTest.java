package io.peerpulse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.fixtures.BusyThreads;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class RunQueueWaitTest {

    @Test
    void readsTheRunQueueFieldOfSchedstat() {
        assertThat(RunQueueWait.parse("5450337 4486379 4\n")).isEqualTo(4_486_379L);
        assertThat(RunQueueWait.parse("")).isZero();
        assertThat(RunQueueWait.parse("5450337")).isZero();
        assertThat(RunQueueWait.parse("cpu x 4")).isZero();
    }

    @Test
    void aThreadCompetingForTheCpusWaitsOnTheRunQueue() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/thread-self/schedstat")), "Linux schedstat only");
        int cpus = Runtime.getRuntime().availableProcessors();
        long before = RunQueueWait.nanos();
        // more runnable threads than CPUs: this thread, spinning beside them, must wait for a CPU at times
        try (BusyThreads busy = new BusyThreads(2 * cpus)) {
            long waited = 0;
            for (int round = 0; round < 1_000 && waited == 0; round++) {
                long until = System.nanoTime() + 5_000_000;
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
                waited = RunQueueWait.nanos() - before;
            }
            assertThat(waited).as("run-queue wait of a spinning thread among %d busy ones", 2 * cpus).isPositive();
        }
    }
}
