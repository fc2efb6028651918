package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Isolation of a blocking source and the WARNINGs about faulty sources, in virtual time. */
class LatencyTelemetryIsolationTest {

    private final VirtualScheduler scheduler = new VirtualScheduler();
    /** The monotonic clock the telemetry times read() with: a blocking source moves it. */
    private final AtomicLong nanos = new AtomicLong();
    /** The isolated-read pool: tasks run when the test says. */
    private final ManualExecutor pool = new ManualExecutor();
    @RegisterExtension
    final LogCapture log = new LogCapture();
    private LatencyTelemetry telemetry;

    @AfterEach
    void tearDown() {
        if (telemetry != null) {
            telemetry.close();
        }
    }

    /** Only this test's telemetries' lines: a telemetry left by another test class may still log. */
    private List<String> warnings() {
        return log.warnings(LatencyTelemetry.class, "telemetry 'session-7'");
    }

    /** Reads measured 20 ms; the first {@code blockingReads} reads keep the caller for {@code blockMs}. */
    final class BlockingSource implements RttSource {
        final AtomicInteger reads = new AtomicInteger();
        volatile Thread lastReader;
        private final int blockingReads;
        private final long blockMs;

        BlockingSource(int blockingReads, long blockMs) {
            this.blockingReads = blockingReads;
            this.blockMs = blockMs;
        }

        @Override
        public CompletionStage<RttReading> read() {
            lastReader = Thread.currentThread();
            if (reads.incrementAndGet() <= blockingReads) {
                nanos.addAndGet(Duration.ofMillis(blockMs).toNanos());
            }
            return CompletableFuture.completedFuture(RttReading.measured(20));
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

    @Test
    void aReadThatBlocksPastTheThresholdIsWarnedAboutOnceAndLaterReadsRunOnThePool() {
        BlockingSource source = new BlockingSource(1, 50);
        start(source, options().build());
        scheduler.runDueTasks();

        assertThat(telemetry.isIsolated()).isTrue();
        assertThat(telemetry.getCounters().measuredCount()).isEqualTo(1); // the blocking read itself still counts
        assertThat(warnings()).singleElement().asString()
                .contains(BlockingSource.class.getName(), "'session-7'", "50 ms", "limit is 10 ms", "the test's pool");

        scheduler.advance(Duration.ofSeconds(1));
        assertThat(source.reads).hasValue(1); // not read on the scheduler any more
        assertThat(pool.runAll()).isEqualTo(1);
        assertThat(source.reads).hasValue(2);
        assertThat(source.lastReader).isSameAs(Thread.currentThread());
        assertThat(telemetry.getCounters().measuredCount()).isEqualTo(2);
        assertThat(warnings()).hasSize(1);
    }

    @Test
    void aReadAtTheThresholdIsNotIsolated() {
        BlockingSource source = new BlockingSource(100, 10);
        start(source, options().build());
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(telemetry.isIsolated()).isFalse();
        assertThat(pool.tasks).isEmpty();
        assertThat(telemetry.getCounters().measuredCount()).isEqualTo(6);
        assertThat(warnings()).isEmpty();
    }

    @Test
    void theThresholdIsAnOption() {
        BlockingSource source = new BlockingSource(1, 50);
        start(source, options().blockingReadThreshold(Duration.ofMillis(100)).build());
        scheduler.runDueTasks();
        assertThat(telemetry.isIsolated()).isFalse();
        assertThat(TelemetryOptions.defaults().blockingReadThreshold()).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void anIsolatedReadStillTimesOutOnTheSchedulerAndIsNotStartedAfterItsTimeout() {
        BlockingSource source = new BlockingSource(1, 50);
        start(source, options().readTimeout(Duration.ofMillis(500)).build());
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(1)); // poll 2 queued on the pool, which never runs it in time
        scheduler.advance(Duration.ofMillis(500));
        assertThat(telemetry.getCounters().failedCount()).isEqualTo(1);
        pool.runAll();
        assertThat(source.reads).hasValue(1); // the timed-out read was never started
        assertThat(warnings()).hasSize(2).last().asString()
                .contains("did not answer a read within readTimeout", "'session-7'");
    }

    @Test
    void withASchedulerOfTheCallersOwnABlockingReadIsWarnedAboutButNotMoved() {
        BlockingSource source = new BlockingSource(1, 50);
        TelemetryOptions options = TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock())
                .nanoClock(nanos::get).build();
        start(source, options);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(telemetry.isIsolated()).isFalse();
        assertThat(source.reads).hasValue(2);
        assertThat(log.warnings(LatencyTelemetry.class, BlockingSource.class.getName())).singleElement().asString()
                .contains("telemetry without a name", "a thread of the scheduler given in the options");
    }

    @Test
    void eachFaultIsWarnedAboutOnceNamingTheSourceAndTheSession() {
        record Case(String words, Supplier<CompletionStage<RttReading>> read) { }
        var cases = List.of(
                new Case("threw in read()", () -> {
                    throw new IllegalStateException("boom");
                }),
                new Case("returned null from read()", () -> null),
                new Case("completed a read exceptionally", () -> CompletableFuture.failedFuture(new Exception("x"))),
                new Case("answered a read with null", () -> CompletableFuture.completedFuture(null)),
                new Case("did not answer a read within readTimeout", CompletableFuture::new));
        for (Case c : cases) {
            log.clear();
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
