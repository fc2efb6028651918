package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.peerpulse.telemetry.fixtures.LogCapture;

/** Isolation of a blocking source and the WARNINGs about faulty sources, in virtual time. */
class LatencyTelemetryIsolationTest {

    private final VirtualScheduler scheduler = new VirtualScheduler();
    /** The monotonic clock the telemetry times read() with: a blocking source moves it. */
    private final AtomicLong nanos = new AtomicLong();
    /** The isolated-read pool: tasks run when the test says. */
    private final ManualExecutor pool = new ManualExecutor();
    /** Only this test's telemetries' lines: a telemetry left by another test class may still log. */
    @RegisterExtension
    final LogCapture logs = new LogCapture();
    private LatencyTelemetry telemetry;

    /** This test's telemetries' warnings only: a telemetry left by another test class may still log. */
    private java.util.List<String> warnings() {
        return logs.warnings(LatencyTelemetry.class, "telemetry 'session-7'");
    }

    @AfterEach
    void tearDown() {
        if (telemetry != null) {
            telemetry.close();
        }
    }

    /** Reads measured 20 ms; the reads {@code slow} picks (numbered from 1) keep the caller for {@code blockMs}. */
    final class BlockingSource implements RttSource {
        final AtomicInteger reads = new AtomicInteger();
        volatile Thread lastReader;
        private final IntPredicate slow;
        private final long blockMs;
        private final boolean inWhenComplete;

        BlockingSource(IntPredicate slow, long blockMs) {
            this(slow, blockMs, false);
        }

        /** @param inWhenComplete block when the telemetry attaches to the stage, not in read() */
        BlockingSource(IntPredicate slow, long blockMs, boolean inWhenComplete) {
            this.slow = slow;
            this.blockMs = blockMs;
            this.inWhenComplete = inWhenComplete;
        }

        @Override
        public CompletionStage<RttReading> read() {
            lastReader = Thread.currentThread();
            boolean block = slow.test(reads.incrementAndGet());
            if (block && inWhenComplete) {
                return new SlowToAttach(blockMs);
            }
            if (block) {
                nanos.addAndGet(Duration.ofMillis(blockMs).toNanos());
            }
            return CompletableFuture.completedFuture(RttReading.measured(20));
        }
    }

    /** A completed stage whose whenComplete keeps the attaching thread for {@code blockMs}. */
    final class SlowToAttach extends CompletableFuture<RttReading> {
        private final long blockMs;

        SlowToAttach(long blockMs) {
            this.blockMs = blockMs;
            complete(RttReading.measured(20));
        }

        @Override
        public CompletableFuture<RttReading> whenComplete(BiConsumer<? super RttReading, ? super Throwable> action) {
            nanos.addAndGet(Duration.ofMillis(blockMs).toNanos());
            return super.whenComplete(action);
        }
    }

    static final class ManualExecutor implements Executor {
        final Queue<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable command) {
            tasks.add(command);
        }

        int runAll() {
            int ran = 0;
            for (Runnable task; (task = tasks.poll()) != null; ran++) {
                task.run();
            }
            return ran;
        }

        @Override
        public String toString() {
            return "the test's pool";
        }
    }

    private TelemetryOptions.Builder options() {
        return TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock())
                .pollInterval(Duration.ofSeconds(1)).name("session-7")
                .nanoClock(nanos::get).isolatedReadExecutor(pool);
    }

    private LatencyTelemetry start(RttSource source, TelemetryOptions options) {
        telemetry = new LatencyTelemetry(source, options);
        telemetry.start();
        return telemetry;
    }

    private static final IntPredicate EVERY = n -> true;

    /** Polls {@code n} times, one a second from the start, each read run to its end on the scheduler or the pool. */
    private void polls(int n) {
        for (int i = 0; i < n; i++) {
            if (!firstPollRun) {
                scheduler.runDueTasks();
                firstPollRun = true;
            } else {
                scheduler.advance(Duration.ofSeconds(1));
            }
            pool.runAll();
        }
    }

    private boolean firstPollRun;

    @Test
    void aSourceSlowInThreeOfItsLastTenCountedCallsIsIsolatedWithOneWarningStatingTheRule() {
        BlockingSource source = new BlockingSource(EVERY, 50);
        start(source, options().build());
        scheduler.runDueTasks(); // call 1, on the scheduler: slow, so the next reads run on the pool (probation)
        assertThat(source.lastReader).isSameAs(Thread.currentThread());
        assertThat(pool.tasks).isEmpty();
        firstPollRun = true;
        polls(4); // calls 2 to 5 on the pool: 3 not counted, then 2 slow
        assertThat(source.reads).hasValue(5);
        assertThat(telemetry.isIsolated()).isFalse();
        assertThat(warnings()).isEmpty();

        polls(1); // call 6: the 3rd slow counted call
        assertThat(telemetry.isIsolated()).isTrue();
        assertThat(telemetry.getCounters().measuredCount()).isEqualTo(6); // the blocking reads themselves count
        assertThat(warnings()).singleElement().asString()
                .contains(BlockingSource.class.getName(), "'session-7'", "blocked the polling thread",
                        "3 of its last 10 calls took longer than 10 ms (50 ms, 50 ms, 50 ms)",
                        "its first 3 calls not counted", "the test's pool")
                .doesNotContain("PT");

        scheduler.advance(Duration.ofSeconds(1));
        assertThat(source.reads).hasValue(6); // not read on the scheduler any more
        assertThat(pool.runAll()).isEqualTo(1);
        assertThat(source.reads).hasValue(7);
        assertThat(telemetry.getCounters().measuredCount()).isEqualTo(7);
        assertThat(warnings()).hasSize(1);
    }

    @Test
    void slowCallsNeverThreeAmongTenAreNoEvidenceAndTheSourceReturnsToThePollingThread() {
        // one call in six is slow (a preempted thread on a loaded machine): at most two among any ten
        BlockingSource source = new BlockingSource(n -> n % 6 == 0, 500);
        start(source, options().build());
        polls(59);
        assertThat(telemetry.isIsolated()).isFalse();
        assertThat(warnings()).isEmpty();
        // read 54 was slow: reads 55 to 57 ran on the pool (probation), fast, so 58 on came back to the scheduler
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(source.reads).hasValue(60); // on the scheduler, slow
        assertThat(pool.tasks).isEmpty();
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(pool.tasks).hasSize(1); // read 61 waits for the pool: probation
        pool.runAll();
        assertThat(source.reads).hasValue(61);
        assertThat(telemetry.isIsolated()).isFalse();
        assertThat(warnings()).isEmpty();
    }

    @Test
    void theFirstThreeCallsAreNotCounted() {
        // a cold start (reads 1 to 3), then slow reads 5 and 7: two counted
        BlockingSource source = new BlockingSource(n -> n <= 3 || n == 5 || n == 7 || n == 8, 500);
        start(source, options().build());
        polls(7);
        assertThat(telemetry.isIsolated()).isFalse();
        assertThat(warnings()).isEmpty();
        polls(1); // read 8: the third slow counted call
        assertThat(telemetry.isIsolated()).isTrue();
        assertThat(warnings()).singleElement().asString().contains("(500 ms, 500 ms, 500 ms)");
    }

    @Test
    void aStageThatBlocksWhenTheTelemetryAttachesToItIsTimedAndIsolated() {
        BlockingSource source = new BlockingSource(EVERY, 500, true);
        start(source, options().build());
        polls(6);
        assertThat(telemetry.isIsolated()).isTrue();
        assertThat(warnings()).singleElement().asString()
                .contains(BlockingSource.class.getName(), "(500 ms, 500 ms, 500 ms)", "whenComplete");
    }

    @Test
    void theTelemetrysOwnHandlerRunningOnAnAnsweredStageIsNotTheSourcesTime() {
        BlockingSource source = new BlockingSource(n -> false, 0);
        start(source, options().build());
        // a slow listener: it runs on the polling thread, inside whenComplete of the already answered stage
        telemetry.addListener(event -> nanos.addAndGet(Duration.ofMillis(50).toNanos()));
        polls(20);
        assertThat(telemetry.getCounters().measuredCount()).isEqualTo(20);
        assertThat(telemetry.isIsolated()).isFalse();
        assertThat(source.lastReader).isSameAs(Thread.currentThread());
        assertThat(warnings()).isEmpty();
    }

    @Test
    void callsAtTheThresholdAreNotSlow() {
        BlockingSource source = new BlockingSource(EVERY, 10);
        start(source, options().build());
        scheduler.advance(Duration.ofSeconds(19));
        assertThat(telemetry.isIsolated()).isFalse();
        assertThat(pool.tasks).isEmpty(); // never even on probation
        assertThat(telemetry.getCounters().measuredCount()).isEqualTo(20);
        assertThat(warnings()).isEmpty();
    }

    @Test
    void theThresholdIsAnOption() {
        BlockingSource source = new BlockingSource(EVERY, 50);
        start(source, options().blockingReadThreshold(Duration.ofMillis(100)).build());
        scheduler.advance(Duration.ofSeconds(19));
        assertThat(telemetry.isIsolated()).isFalse();
        assertThat(pool.tasks).isEmpty();
        assertThat(TelemetryOptions.defaults().blockingReadThreshold()).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void aReadOnThePoolStillTimesOutOnTheSchedulerAndIsNotStartedAfterItsTimeout() {
        BlockingSource source = new BlockingSource(EVERY, 50);
        start(source, options().readTimeout(Duration.ofMillis(500)).build());
        polls(6); // isolated at the 6th call
        assertThat(telemetry.isIsolated()).isTrue();
        scheduler.advance(Duration.ofSeconds(1)); // poll 7 queued on the pool, which never runs it in time
        scheduler.advance(Duration.ofMillis(500));
        assertThat(telemetry.getCounters().failedCount()).isEqualTo(1);
        pool.runAll();
        assertThat(source.reads).hasValue(6); // the timed-out read was never started
        assertThat(warnings()).hasSize(2).last().asString()
                .contains("did not answer a read within readTimeout (500 ms)", "'session-7'");
    }

    /**
     * The pool's threads all held by reads that never return: an isolated source's reads wait in the pool's queue
     * and time out. Each poll queued another, and a timed-out one was left in the queue: a queue growing by one
     * read per poll and telemetry for as long as the threads are held (86,400 a day at 1 s). At most one read of a
     * telemetry waits in the queue: the one queued first runs the latest read when a thread takes it.
     */
    @Test
    void anIsolatedSourcesReadsQueueAtMostOneTaskOnAPoolWithNoThreadFree() {
        BlockingSource source = new BlockingSource(EVERY, 50);
        start(source, options().readTimeout(Duration.ofMillis(500)).build());
        polls(6); // isolated at the 6th call
        assertThat(telemetry.isIsolated()).isTrue();
        for (int i = 0; i < 20; i++) { // the pool never runs a task: its threads are all held
            scheduler.advance(Duration.ofSeconds(1));
        }
        assertThat(telemetry.getCounters().failedCount()).as("the 20th still waits").isEqualTo(19);
        assertThat(pool.tasks).hasSize(1);
        scheduler.advance(Duration.ofSeconds(1)); // poll 27 waits in the queue; a thread comes free
        assertThat(pool.runAll()).isEqualTo(1);
        assertThat(source.reads).as("the latest read ran, none of the timed-out ones").hasValue(7);
        assertThat(telemetry.getCounters().measuredCount()).isEqualTo(7);
    }

    @Test
    void withASchedulerOfTheCallersOwnABlockingSourceIsWarnedAboutButNotMoved() {
        BlockingSource source = new BlockingSource(EVERY, 50);
        TelemetryOptions options = TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                .clock(scheduler.clock()).nanoClock(nanos::get).build();
        start(source, options);
        scheduler.advance(Duration.ofSeconds(9));
        assertThat(telemetry.isIsolated()).isFalse();
        assertThat(source.reads).hasValue(10);
        assertThat(logs.warnings(LatencyTelemetry.class, BlockingSource.class.getName())).singleElement().asString()
                .contains("telemetry without a name", "a thread of the scheduler given in the options");
    }

    @Test
    void eachFaultIsWarnedAboutOnceNamingTheSourceAndTheSession() {
        record Case(String words, Supplier<CompletionStage<RttReading>> read) { }
        var cases = java.util.List.of(
                new Case("threw in read()", () -> {
                    throw new IllegalStateException("boom");
                }),
                new Case("returned null from read()", () -> null),
                new Case("completed a read exceptionally", () -> CompletableFuture.failedFuture(new Exception("x"))),
                new Case("answered a read with null", () -> CompletableFuture.completedFuture(null)),
                new Case("did not answer a read within readTimeout", CompletableFuture::new));
        for (Case c : cases) {
            {
                logs.clear(); // each case on its own
                RttSource source = new FaultySource(c.read());
                LatencyTelemetry faulty = new LatencyTelemetry(source, options().build());
                faulty.start();
                scheduler.advance(Duration.ofSeconds(30));
                faulty.close();
                assertThat(faulty.getCounters().failedCount()).as(c.words()).isGreaterThanOrEqualTo(15);
                assertThat(warnings()).as(c.words()).singleElement().asString()
                        .contains(c.words(), FaultySource.class.getName(), "'session-7'");
            }
        }
    }

    record FaultySource(Supplier<CompletionStage<RttReading>> answer) implements RttSource {
        @Override
        public CompletionStage<RttReading> read() {
            return answer.get();
        }
    }

    @Test
    void laterFaultsAreSummedUpAtMostEveryMinuteOfTheTelemetryClock() {
        // the rate limit runs on the monotonic clock: here the scheduler's, not the test's blocking stopwatch
        start(new FaultySource(() -> {
            throw new IllegalStateException("boom");
        }), options().nanoClock(scheduler.nanoClock()).build());
        scheduler.advance(Duration.ofSeconds(59)); // 60 polls, t = 0 … 59 s
        assertThat(warnings()).hasSize(1);
        assertThat(warnings().get(0)).contains("threw in read()", IllegalStateException.class.getName())
                .doesNotContain("boom"); // messages may hold addresses: only the type and the frame
        scheduler.advance(Duration.ofSeconds(1)); // poll at t = 60 s
        assertThat(warnings()).hasSize(2);
        assertThat(warnings().get(1)).contains("threw in read() 60 more times in the last 60 s", "61 in all",
                "'session-7'");
        scheduler.advance(Duration.ofSeconds(59));
        assertThat(warnings()).hasSize(2);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(warnings()).hasSize(3);
        assertThat(telemetry.getCounters().failedCount()).isEqualTo(121);
    }
}
