package io.peerpulse.session.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.fixtures.LogCapture;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SerialQueueTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void shutdown() {
        pool.shutdownNow();
    }

    @Test
    void runsTasksInOrderNeverTwoAtOnceEvenWhenSubmittedFromManyThreads() throws Exception {
        SerialQueue queue = new SerialQueue(pool, "test", Integer.MAX_VALUE);
        List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        int perThread = 2_000;
        CountDownLatch done = new CountDownLatch(4 * perThread);
        List<Thread> submitters = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int base = t * perThread;
            Thread submitter = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    int value = base + i;
                    queue.submit(() -> {
                        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                        ran.add(value);
                        running.decrementAndGet();
                        done.countDown();
                    });
                }
            });
            submitters.add(submitter);
            submitter.start();
        }
        for (Thread submitter : submitters) {
            submitter.join(10_000);
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(maxRunning).hasValue(1);
        assertThat(ran).hasSize(4 * perThread);
        for (int t = 0; t < 4; t++) {
            int base = t * perThread;
            assertThat(ran.stream().filter(v -> v >= base && v < base + perThread).toList())
                    .as("tasks of submitter %d keep their order", t).isSorted();
        }
    }

    @Test
    void aFailingTaskDoesNotStopTheNextOnes() {
        SerialQueue queue = new SerialQueue(Runnable::run, "test", Integer.MAX_VALUE);
        List<String> ran = new ArrayList<>();
        queue.submit(() -> ran.add("first"));
        queue.submit(() -> {
            throw new IllegalStateException("boom");
        });
        queue.submit(() -> ran.add("third"));
        assertThat(ran).containsExactly("first", "third");
        assertThat(log.records()).singleElement().satisfies(r -> {
            assertThat(r.getMessage()).isEqualTo("test: a task failed");
            assertThat(r.getThrown()).hasMessage("boom");
        });
    }

    @Test
    void dropsOnlyDroppableTasksBeyondTheBoundAndCountsThem() {
        List<Runnable> scheduled = new ArrayList<>();
        SerialQueue queue = new SerialQueue(scheduled::add, "test", 2);
        List<String> ran = new ArrayList<>();
        assertThat(queue.enqueue(() -> ran.add("a"), true)).isTrue();
        assertThat(queue.enqueue(() -> ran.add("b"), true)).isFalse();
        assertThat(queue.enqueue(() -> ran.add("c"), true)).isFalse();
        assertThat(queue.enqueue(() -> ran.add("end"), false)).isFalse();
        queue.startDrain();
        assertThat(queue.dropped()).isEqualTo(1);
        scheduled.get(0).run();
        assertThat(ran).containsExactly("a", "b", "end");
        assertThat(log.warnings(SerialQueue.class)).singleElement().asString()
                .contains("test: 2 calls are waiting", "further sample calls are dropped");
    }

    @Test
    void aLongQueueIsDrainedInBatchesSoOthersGetTheExecutor() {
        List<Runnable> scheduled = new ArrayList<>();
        SerialQueue queue = new SerialQueue(scheduled::add, "test", Integer.MAX_VALUE);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 600; i++) {
            if (queue.enqueue(ran::incrementAndGet, false)) {
                queue.startDrain();
            }
        }
        for (int i = 0; i < scheduled.size(); i++) {
            scheduled.get(i).run();
        }
        assertThat(ran).hasValue(600);
        assertThat(scheduled).hasSize(3);
    }
}
