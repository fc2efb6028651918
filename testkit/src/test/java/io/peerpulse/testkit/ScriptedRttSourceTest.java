package io.peerpulse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.telemetry.spi.RttReading;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ScriptedRttSourceTest {

    /** The reading of a stage that has already completed normally. */
    private static RttReading answer(CompletionStage<RttReading> stage) {
        return stage.toCompletableFuture().join();
    }

    @Test
    void answersTheScriptInOrderThenStale() {
        IOException ioFailure = new IOException("stats failed");
        IllegalStateException thrown = new IllegalStateException("bug");
        ScriptedRttSource source = new ScriptedRttSource()
                .thenMeasured(80.0)
                .thenMeasured(81.0, 1_767_225_600_000L)
                .thenStale()
                .thenUnavailable("closed")
                .thenFail(ioFailure)
                .thenThrow(thrown)
                .thenReturnNull()
                .then(RttReading.measured(82.0));

        assertThat(answer(source.read())).isEqualTo(RttReading.measured(80.0));
        assertThat(answer(source.read())).isEqualTo(RttReading.measured(81.0, 1_767_225_600_000L));
        assertThat(answer(source.read())).isEqualTo(RttReading.stale());
        assertThat(answer(source.read())).isEqualTo(RttReading.unavailable("closed"));
        assertThatThrownBy(() -> answer(source.read()))
                .isInstanceOf(CompletionException.class)
                .hasCause(ioFailure);
        assertThatThrownBy(source::read).isSameAs(thrown);
        assertThat(source.read()).isNull();
        assertThat(answer(source.read())).isEqualTo(RttReading.measured(82.0));
        assertThat(source.remainingStepCount()).isZero();
        assertThat(answer(source.read())).isEqualTo(RttReading.stale());

        assertThat(source.readCount()).isEqualTo(9);
        assertThat(source.inFlightCount()).isZero();
        assertThat(source.maxConcurrentReadCount()).isEqualTo(1);
    }

    @Test
    void answersTheFallbackOnceTheScriptIsUsedUp() {
        ScriptedRttSource repeating = ScriptedRttSource.repeating(RttReading.measured(42.0));
        ScriptedRttSource orElse = new ScriptedRttSource().thenStale().orElse(RttReading.unavailable("gone"));

        for (int i = 0; i < 3; i++) {
            assertThat(answer(repeating.read())).isEqualTo(RttReading.measured(42.0));
        }
        assertThat(answer(orElse.read())).isEqualTo(RttReading.stale());
        assertThat(answer(orElse.read())).isEqualTo(RttReading.unavailable("gone"));
        assertThat(answer(orElse.read())).isEqualTo(RttReading.unavailable("gone"));
    }

    @Test
    void aHungReadCompletesOnlyWhenTheTestCompletesIt() {
        ScriptedRttSource source = new ScriptedRttSource().thenHang().thenMeasured(10.0);

        CompletionStage<RttReading> hung = source.read();

        assertThat(hung.toCompletableFuture()).isNotDone();
        assertThat(source.inFlightCount()).isEqualTo(1);
        assertThat(source.pendingReads()).hasSize(1);

        CompletionStage<RttReading> next = source.read();
        assertThat(answer(next)).isEqualTo(RttReading.measured(10.0));
        assertThat(source.maxConcurrentReadCount()).isEqualTo(2);

        source.pendingReads().get(0).complete(RttReading.measured(99.0));

        assertThat(answer(hung)).isEqualTo(RttReading.measured(99.0));
        assertThat(source.inFlightCount()).isZero();
        assertThat(source.pendingReads()).isEmpty();
    }

    @Test
    void aCallerCannotCompleteOrCancelTheSourcesOwnRead() {
        ScriptedRttSource source = new ScriptedRttSource().thenHang();
        CompletionStage<RttReading> stage = source.read();

        stage.toCompletableFuture().cancel(true);
        stage.toCompletableFuture().complete(RttReading.stale());

        assertThat(source.inFlightCount()).isEqualTo(1);
        assertThat(source.pendingReads()).singleElement().satisfies(read -> assertThat(read).isNotDone());
    }

    @Test
    void aHungReadCanFailLate() {
        ScriptedRttSource source = new ScriptedRttSource().orElseHang();
        CompletionStage<RttReading> first = source.read();
        CompletionStage<RttReading> second = source.read();
        assertThat(source.inFlightCount()).isEqualTo(2);

        List<CompletableFuture<RttReading>> pending = source.pendingReads();
        pending.get(1).completeExceptionally(new IOException("late failure"));

        assertThat(second.toCompletableFuture()).isCompletedExceptionally();
        assertThat(first.toCompletableFuture()).isNotDone();
        assertThat(source.pendingReads()).containsExactly(pending.get(0));
        assertThat(source.inFlightCount()).isEqualTo(1);
        assertThat(source.maxConcurrentReadCount()).isEqualTo(2);
    }

    @Test
    void rejectsNulls() {
        ScriptedRttSource source = new ScriptedRttSource();
        assertThatThrownBy(() -> source.then(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> source.thenUnavailable(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> source.thenFail(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> source.thenThrow(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> source.orElse(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ScriptedRttSource.repeating(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void concurrentReadersTakeEachStepExactlyOnce() throws Exception {
        int threads = 4;
        int steps = 2000;
        ScriptedRttSource source = new ScriptedRttSource();
        for (int i = 0; i < steps; i++) {
            source.thenMeasured(i);
        }
        Set<Double> seen = ConcurrentHashMap.newKeySet();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService readers = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(readers.submit(() -> {
                    go.await();
                    for (int i = 0; i < steps / threads; i++) {
                        RttReading.Measured measured = (RttReading.Measured) answer(source.read());
                        assertThat(seen.add(measured.rttMs())).as("step %s taken twice", measured.rttMs()).isTrue();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> reader : done) {
                reader.get(10, TimeUnit.SECONDS);
            }
        } finally {
            readers.shutdownNow();
        }

        assertThat(seen).hasSize(steps);
        assertThat(source.readCount()).isEqualTo(steps);
        assertThat(source.inFlightCount()).isZero();
        assertThat(source.maxConcurrentReadCount()).isBetween(1, threads);
    }
}
