package io.peerpulse.telemetry;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.Records;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import static io.peerpulse.telemetry.fixtures.Records.path;
import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.telemetry.internal.PollGrid;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The polling behaviour of LatencyTelemetry, driven in virtual time: no test here sleeps. */
class LatencyTelemetryTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private static final Duration SECOND = Duration.ofSeconds(1);

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final List<LatencyTelemetry> telemetries = new ArrayList<>();

    @AfterEach
    void stopAll() {
        telemetries.forEach(LatencyTelemetry::close);
        scheduler.shutdownNow();
    }

    private LatencyTelemetry telemetry(RttSource source) {
        return telemetry(source, options().build());
    }

    private LatencyTelemetry telemetry(RttSource source, TelemetryOptions options) {
        LatencyTelemetry telemetry = new LatencyTelemetry(source, options);
        telemetries.add(telemetry);
        return telemetry;
    }

    private TelemetryOptions.Builder options() {
        return TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock());
    }

    @Test
    void pollsAtStartThenEveryIntervalAndStampsSamplesWithTheClock() {
        ScriptedRttSource source = new ScriptedRttSource().thenMeasured(80).thenMeasured(81).thenMeasured(82);
        LatencyTelemetry telemetry = telemetry(source);
        assertThat(telemetry.getStats()).isEmpty();
        assertThat(telemetry.getSummary()).isEmpty();
        assertThat(telemetry.getLastSample()).isEmpty();
        assertThat(telemetry.getSessionStats()).isEmpty();
        assertThat(source.readCount()).isZero();

        telemetry.start();
        scheduler.runDueTasks();
        assertThat(source.readCount()).isEqualTo(1);
        scheduler.advance(SECOND.multipliedBy(2));

        long start = VirtualScheduler.DEFAULT_START.toEpochMilli();
        assertThat(telemetry.getSamples()).containsExactly(sample(start, 80), sample(start + 1000, 81),
                sample(start + 2000, 82));
        assertThat(telemetry.getLastSample()).contains(sample(start + 2000, 82));
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 3, "measuredCount", 3));
    }

    /** Records the virtual time of each read, after the virtual start, and answers 10 ms. */
    private RttSource timedSource(List<Duration> readTimes) {
        return () -> {
            readTimes.add(Duration.between(VirtualScheduler.DEFAULT_START, scheduler.now()));
            return CompletableFuture.completedFuture(RttReading.measured(10));
        };
    }

    @Test
    void byDefaultTelemetriesStartedApartPollOnTheJvmsGridAtMost64InstantsASecond() {
        TelemetryOptions gridded = TelemetryOptions.builder().scheduler(scheduler).clock(scheduler.clock())
                .nanoClock(() -> since(scheduler.now()).toNanos()).build();
        Random random = new Random(3);
        List<Duration> starts = new ArrayList<>();
        List<List<Duration>> reads = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            scheduler.advance(Duration.ofNanos(1 + random.nextInt(5_000_000)));
            List<Duration> times = new ArrayList<>();
            reads.add(times);
            starts.add(since(scheduler.now()));
            telemetry(timedSource(times), gridded).start();
        }
        scheduler.advance(SECOND.multipliedBy(3));

        Duration slotWidth = SECOND.dividedBy(PollGrid.SLOTS);
        for (int i = 0; i < reads.size(); i++) {
            List<Duration> times = reads.get(i);
            Duration first = times.get(0);
            assertThat(first).isGreaterThanOrEqualTo(starts.get(i)).isLessThan(starts.get(i).plus(SECOND));
            for (int k = 0; k < times.size(); k++) {
                assertThat(times.get(k)).isEqualTo(first.plus(SECOND.multipliedBy(k)));
                // on the grid of 64 slots a second, whose phase is the JVM's
                assertThat(PollGrid.jvm().delayToNextTick(times.get(k).toNanos(), slotWidth.toNanos(), 0)).isZero();
            }
        }
        // 200 telemetries started at 200 different times share at most 64 instants in a second (at once, or
        // at a phase of their own each, they would poll at 200)
        long instants = reads.stream().flatMap(List::stream)
                .filter(t -> t.compareTo(Duration.ofSeconds(2)) >= 0 && t.compareTo(Duration.ofSeconds(3)) < 0)
                .distinct().count();
        assertThat(instants).isBetween(20L, (long) PollGrid.SLOTS);
    }

    /** Counters by component name, every other one 0: a counter added later breaks no test here. */
    private static TelemetryCounters counters(Object... namesAndValues) {
        return Records.record(TelemetryCounters.class, namesAndValues);
    }

    private static Duration since(java.time.Instant now) {
        return Duration.between(VirtualScheduler.DEFAULT_START, now);
    }

    @Test
    void aFixedFirstPollDelayPutsTheFirstPollThereAndARestartStartsItAgain() {
        List<Duration> times = new ArrayList<>();
        Duration delay = Duration.ofMillis(250);
        LatencyTelemetry telemetry = telemetry(timedSource(times), options().firstPollDelay(delay).build());
        telemetry.start();
        scheduler.advance(delay.minusNanos(1));
        assertThat(times).isEmpty();
        scheduler.advance(SECOND.plusNanos(1));
        assertThat(times).containsExactly(delay, delay.plus(SECOND));

        telemetry.stop();
        scheduler.advance(Duration.ofMillis(100));
        telemetry.start(); // at 1.35 s: the first poll of this run at 1.6 s
        scheduler.advance(delay.plus(SECOND));
        Duration restart = Duration.ofMillis(1350);
        assertThat(times).containsExactly(delay, delay.plus(SECOND), restart.plus(delay),
                restart.plus(delay).plus(SECOND));
    }

    @Test
    void everyOutcomeLandsInExactlyOneCounter() {
        ScriptedRttSource source = new ScriptedRttSource()
                .thenMeasured(80)
                .thenStale()
                .thenUnavailable("closed")
                .thenFail(new IOException("stats failed"))
                .thenThrow(new IllegalStateException("read threw"))
                .thenReturnNull()
                .thenMeasured(Double.NaN)
                .thenMeasured(Double.POSITIVE_INFINITY)
                .thenMeasured(Double.NEGATIVE_INFINITY)
                .thenMeasured(-0.5)
                .thenMeasured(60_000.001)
                .thenMeasured(60_000)
                .thenMeasured(0);
        LatencyTelemetry telemetry = telemetry(source);
        telemetry.start();
        scheduler.advance(SECOND.multipliedBy(12));

        assertThat(source.readCount()).isEqualTo(13);
        assertThat(telemetry.getCounters()).isEqualTo(counters(
                "pollCount", 13, "measuredCount", 3, "staleCount", 1, "unavailableCount", 1, "failedCount", 3,
                "rejectedCount", 5));
        assertThat(telemetry.getSamples()).extracting(RttSample::rttMs).containsExactly(80.0, 60_000.0, 0.0);
    }

    @Test
    void aStageCompletedWithNullCountsFailed() {
        LatencyTelemetry telemetry = telemetry(() -> CompletableFuture.completedFuture(null));
        telemetry.start();
        scheduler.advance(SECOND);
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 2, "failedCount", 2));
    }

    @Test
    void aReadingsOwnTimestampIsKept() {
        LatencyTelemetry telemetry = telemetry(new ScriptedRttSource().thenMeasured(42, 1_234_567L));
        telemetry.start();
        scheduler.runDueTasks();
        assertThat(telemetry.getSamples()).containsExactly(sample(1_234_567L, 42));
    }

    @Test
    void aHungReadTimesOutAsFailedAndItsLateAnswerIsIgnored() {
        ScriptedRttSource source = new ScriptedRttSource().thenHang().thenMeasured(50);
        LatencyTelemetry telemetry = telemetry(source, options().readTimeout(Duration.ofMillis(400)).build());
        telemetry.start();
        scheduler.runDueTasks();
        assertThat(source.inFlightCount()).isEqualTo(1);
        assertThat(telemetry.getCounters().pollCount()).isZero();

        scheduler.advance(Duration.ofMillis(399));
        assertThat(telemetry.getCounters().failedCount()).isZero();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 1, "failedCount", 1));

        source.pendingReads().get(0).complete(RttReading.measured(999));
        assertThat(telemetry.getSamples()).isEmpty();
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 1, "failedCount", 1));

        scheduler.advance(Duration.ofMillis(600));
        assertThat(telemetry.getSamples()).extracting(RttSample::rttMs).containsExactly(50.0);
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 2, "measuredCount", 1, "failedCount", 1));
        assertThat(scheduler.pendingTaskCount()).as("only the periodic poll is left: no timeout leaks").isEqualTo(1);
    }

    @Test
    void aPollDueWhileAReadIsInFlightIsSkippedNotPiledUp() {
        ScriptedRttSource source = new ScriptedRttSource().thenHang().orElse(RttReading.measured(30));
        LatencyTelemetry telemetry = telemetry(source, options().readTimeout(Duration.ofMillis(2500)).build());
        telemetry.start();
        scheduler.advance(SECOND.multipliedBy(2));
        assertThat(source.readCount()).isEqualTo(1);
        assertThat(source.maxConcurrentReadCount()).isEqualTo(1);
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 2, "skippedCount", 2));

        scheduler.advance(Duration.ofMillis(500)); // t = 2.5 s: the read times out
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 3, "failedCount", 1, "skippedCount", 2));
        scheduler.advance(Duration.ofMillis(500)); // t = 3 s: the next poll reads again
        assertThat(telemetry.getCounters()).isEqualTo(counters(
                "pollCount", 4, "measuredCount", 1, "failedCount", 1, "skippedCount", 2));
        // the timed-out read was abandoned, not answered: the source itself still holds it
        assertThat(source.inFlightCount()).isEqualTo(1);
    }

    @Test
    void anAnswerInTimeFromAnotherThreadIsRecorded() throws Exception {
        ScriptedRttSource source = new ScriptedRttSource().thenHang();
        LatencyTelemetry telemetry = telemetry(source);
        telemetry.start();
        scheduler.runDueTasks();
        Thread completer = new Thread(() -> source.pendingReads().get(0).complete(RttReading.measured(12.5)));
        completer.start();
        completer.join(10_000);
        assertThat(telemetry.getSamples()).extracting(RttSample::rttMs).containsExactly(12.5);
        assertThat(scheduler.pendingTaskCount()).as("the timeout was cancelled").isEqualTo(1);
    }

    @Test
    void anAnswerAfterStopIsIgnoredAndARestartPollsAgain() {
        ScriptedRttSource source = new ScriptedRttSource().thenHang().orElse(RttReading.measured(70));
        LatencyTelemetry telemetry = telemetry(source, options().readTimeout(Duration.ofSeconds(5)).build());
        telemetry.start();
        scheduler.runDueTasks();
        telemetry.stop();
        assertThat(telemetry.isRunning()).isFalse();
        source.pendingReads().get(0).complete(RttReading.measured(999));
        assertThat(telemetry.getSamples()).isEmpty();
        assertThat(telemetry.getCounters()).isEqualTo(TelemetryCounters.ZERO);

        scheduler.advance(SECOND.multipliedBy(10));
        assertThat(source.readCount()).as("no poll while stopped").isEqualTo(1);
        telemetry.start();
        scheduler.runDueTasks();
        assertThat(telemetry.getSamples()).extracting(RttSample::rttMs).containsExactly(70.0);
    }

    /**
     * An answer of a stopped run whose hand-over was under way (past the poller's own check) while another thread
     * called stop() and then start(): the telemetry checked only that it was running again, and recorded it.
     */
    @Test
    void anAnswerOfAStoppedRunIsNotRecordedAfterARestart() throws Exception {
        CountDownLatch handingOver = new CountDownLatch(1);
        CountDownLatch restarted = new CountDownLatch(1);
        Thread answering = new Thread(() -> { }, "not started");
        Thread[] answerer = {answering};
        java.time.InstantSource clock = new java.time.InstantSource() {
            @Override
            public java.time.Instant instant() {
                if (Thread.currentThread() == answerer[0]) {
                    handingOver.countDown(); // read once as the poll ends: the hand-over is under way
                    awaitLatch(restarted);
                }
                return scheduler.clock().instant();
            }
        };
        ScriptedRttSource source = new ScriptedRttSource().thenHang().orElse(RttReading.stale());
        LatencyTelemetry telemetry = telemetry(source, options().clock(clock).readTimeout(Duration.ofSeconds(5))
                .build());
        telemetry.start();
        scheduler.runDueTasks();
        answerer[0] = new Thread(() -> source.pendingReads().get(0).complete(RttReading.measured(999)), "answering");
        answerer[0].start();
        assertThat(handingOver.await(10, TimeUnit.SECONDS)).isTrue();
        telemetry.stop();
        telemetry.start();
        restarted.countDown();
        answerer[0].join(10_000);
        assertThat(answerer[0].isAlive()).isFalse();

        assertThat(telemetry.getSamples()).as("the stopped run's answer").isEmpty();
        assertThat(telemetry.getCounters()).isEqualTo(TelemetryCounters.ZERO);
    }

    /**
     * The race left from an earlier review, made deterministic: an answer of a stopped run, past the poller's
     * check that its run is current (held there by the clock the poller reads next), writes the poller's last path
     * after stop() and start() set it to the recorded one. The poller then took the next run's reading of that path
     * for no change, and the record kept the old path for as long as the source named the new one.
     */
    @Test
    void aStoppedRunsAnswerDoesNotMoveTheNextRunsPathAwayFromTheRecord() throws Exception {
        NetworkPath direct = path("host", "host", "udp");
        NetworkPath relayed = path("relay", "host", "udp");
        CountDownLatch handingOver = new CountDownLatch(1);
        CountDownLatch restarted = new CountDownLatch(1);
        Thread[] answerer = {new Thread(() -> { }, "not started")};
        java.time.InstantSource clock = new java.time.InstantSource() {
            @Override
            public java.time.Instant instant() {
                if (Thread.currentThread() == answerer[0]) {
                    handingOver.countDown(); // read once as the poll ends, after the poller's check of its run
                    awaitLatch(restarted);
                }
                return scheduler.clock().instant();
            }
        };
        ScriptedRttSource source = new ScriptedRttSource().then(RttReading.measured(5, direct)).thenHang()
                .orElse(RttReading.stale(relayed));
        LatencyTelemetry telemetry = telemetry(source, options().clock(clock).readTimeout(Duration.ofSeconds(5))
                .build());
        List<PollEvent> heard = new ArrayList<>();
        telemetry.addListener(heard::add);
        telemetry.start();
        scheduler.runDueTasks();
        scheduler.advance(SECOND); // the second read hangs
        answerer[0] = new Thread(() -> source.pendingReads().get(0).complete(RttReading.stale(relayed)), "answering");
        answerer[0].start();
        assertThat(handingOver.await(10, TimeUnit.SECONDS)).isTrue();
        telemetry.stop();
        telemetry.start();
        restarted.countDown();
        answerer[0].join(10_000);
        assertThat(answerer[0].isAlive()).isFalse();
        assertThat(telemetry.getPath()).as("the stopped run's answer is not recorded").contains(direct);

        scheduler.runDueTasks(); // the new run reads 'relayed'
        assertThat(telemetry.getPath()).as("the path the source names").contains(relayed);
        assertThat(telemetry.getPathChangeCount()).isEqualTo(1);
        assertThat(heard).extracting(PollEvent::previousPath, PollEvent::path).containsExactly(
                org.assertj.core.api.Assertions.tuple(null, direct),
                org.assertj.core.api.Assertions.tuple(direct, relayed));
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 2, "measuredCount", 1, "staleCount", 1));
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void noExceptionEverCancelsThePeriodicPoll() {
        // The virtual scheduler, like the JDK's, cancels a periodic task whose run throws.
        RttSource hostile = new RttSource() {
            int calls;

            @Override
            public CompletionStage<RttReading> read() {
                calls++;
                switch (calls % 4) {
                    case 0:
                        throw new IllegalStateException("read() threw");
                    case 1:
                        throw new NoClassDefFoundError("a plugin missing a class");
                    case 2:
                        return new ThrowingStage();
                    default:
                        return CompletableFuture.failedFuture(new IOException("failed stage"));
                }
            }
        };
        LatencyTelemetry telemetry = telemetry(hostile);
        telemetry.start();
        scheduler.advance(SECOND.multipliedBy(99));
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 100, "failedCount", 100));
        assertThat(telemetry.isRunning()).isTrue();

        telemetry.switchSource(() -> CompletableFuture.completedFuture(RttReading.measured(5)));
        scheduler.advance(SECOND);
        assertThat(telemetry.getSamples()).hasSize(1);
        assertThat(scheduler.pendingTaskCount()).isEqualTo(1);
    }

    /** A stage that accepts no callback: the failure happens inside the poll, after read() returned. */
    private static final class ThrowingStage extends CompletableFuture<RttReading> {
        @Override
        public CompletableFuture<RttReading> whenComplete(BiConsumer<? super RttReading, ? super Throwable> action) {
            throw new UnsupportedOperationException("no callbacks here");
        }
    }

    @Test
    void aSchedulerThatRefusesTheTimeoutFailsThePollNotThePolling() {
        VirtualScheduler refusing = new VirtualScheduler();
        // forwards everything but one-shot schedule(), which it refuses
        java.util.concurrent.ScheduledExecutorService onlyPeriodic = (java.util.concurrent.ScheduledExecutorService)
                java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {java.util.concurrent.ScheduledExecutorService.class}, (proxy, method, args) -> {
                            if (method.getName().equals("schedule")) {
                                throw new java.util.concurrent.RejectedExecutionException("full");
                            }
                            try {
                                return method.invoke(refusing, args);
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
        ScriptedRttSource source = new ScriptedRttSource().thenHang().thenHang().orElse(RttReading.measured(9));
        LatencyTelemetry telemetry = telemetry(source, TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(onlyPeriodic)
                .clock(refusing.clock()).build());
        telemetry.start();
        refusing.advance(SECOND.multipliedBy(2));
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 3, "measuredCount", 1, "failedCount", 2));
        refusing.shutdownNow();
    }

    @Test
    void startAndStopAreIdempotent() {
        ScriptedRttSource source = ScriptedRttSource.repeating(RttReading.measured(10));
        LatencyTelemetry telemetry = telemetry(source);
        telemetry.stop();
        telemetry.start();
        telemetry.start();
        assertThat(scheduler.pendingTaskCount()).isEqualTo(1);
        scheduler.advance(SECOND);
        assertThat(source.readCount()).isEqualTo(2);
        telemetry.stop();
        telemetry.stop();
        telemetry.close();
        assertThat(scheduler.pendingTaskCount()).isZero();
        assertThat(telemetry.getSamples()).hasSize(2);
        assertThat(telemetry.getStats()).isPresent();
    }

    @Test
    void concurrentStartAndStopLeaveExactlyOneTaskOrNone() throws Exception {
        LatencyTelemetry telemetry = telemetry(ScriptedRttSource.repeating(RttReading.measured(10)));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    go.await();
                    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
                    for (int i = 0; i < 2_000; i++) {
                        if (random.nextBoolean()) {
                            telemetry.start();
                        } else {
                            telemetry.stop();
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(scheduler.pendingTaskCount()).isEqualTo(telemetry.isRunning() ? 1 : 0);
        telemetry.stop();
        assertThat(scheduler.pendingTaskCount()).isZero();
        telemetry.start();
        assertThat(scheduler.pendingTaskCount()).isEqualTo(1);
    }

    @Test
    void switchSourceKeepsEverySample() {
        ScriptedRttSource first = ScriptedRttSource.repeating(RttReading.measured(10));
        ScriptedRttSource second = ScriptedRttSource.repeating(RttReading.measured(20));
        LatencyTelemetry telemetry = telemetry(first);
        telemetry.start();
        scheduler.advance(SECOND.multipliedBy(2));
        telemetry.switchSource(second);
        assertThat(telemetry.source()).isSameAs(second);
        scheduler.advance(SECOND.multipliedBy(2));
        assertThat(first.readCount()).isEqualTo(3);
        assertThat(second.readCount()).isEqualTo(2);
        assertThat(telemetry.getSamples()).extracting(RttSample::rttMs).containsExactly(10.0, 10.0, 10.0, 20.0, 20.0);
        assertThatThrownBy(() -> telemetry.switchSource(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void windowStatisticsAndSessionAggregatesThroughThePublicApi() {
        double[] values = {50, 10, 40, 30, 20, 60, 70, 15, 25, 35, 45, 55};
        ScriptedRttSource source = new ScriptedRttSource();
        for (double v : values) {
            source.thenMeasured(v);
        }
        LatencyTelemetry telemetry = telemetry(source, options().maxSampleCount(5).build());
        telemetry.start();
        scheduler.advance(SECOND.multipliedBy(values.length - 1));

        LatencyStats stats = telemetry.getStats().orElseThrow();
        // the window holds the last five: 15, 25, 35, 45, 55
        assertThat(stats.samples()).extracting(RttSample::rttMs).containsExactly(15.0, 25.0, 35.0, 45.0, 55.0);
        assertThat(stats.sampleCount()).isEqualTo(5);
        assertThat(stats.totalSampleCount()).isEqualTo(12);
        assertThat(stats.minMs()).isEqualTo(15);
        assertThat(stats.maxMs()).isEqualTo(55);
        assertThat(stats.meanMs()).isCloseTo(35, within(1e-12));
        assertThat(stats.medianMs()).isEqualTo(35);
        assertThat(stats.p95Ms()).isCloseTo(53, within(1e-12)); // numpy.percentile([15,25,35,45,55], 95)
        assertThat(stats.p99Ms()).isCloseTo(54.6, within(1e-12));
        assertThat(stats.stdDevMs()).isEqualTo(14.142); // sqrt(200), rounded once to 0.001 ms
        assertThat(stats.jitterMs()).isCloseTo(10, within(1e-12));
        assertThat(telemetry.getSummary()).contains(stats.summary());

        SessionLatencyStats session = telemetry.getSessionStats().orElseThrow();
        assertThat(session.sampleCount()).isEqualTo(12);
        assertThat(session.minMs()).isEqualTo(10);
        assertThat(session.maxMs()).isEqualTo(70);
        assertThat(session.meanMs()).isEqualTo(37.917); // 455 / 12, rounded once to 0.001 ms
        // numpy.percentile(values, [50, 95, 99]) = 37.5, 64.5, 68.9
        assertThat(session.medianMs()).isCloseTo(37.5, within(37.5 * SessionLatencyStats.QUANTILE_RELATIVE_ERROR));
        assertThat(session.p95Ms()).isCloseTo(64.5, within(64.5 * SessionLatencyStats.QUANTILE_RELATIVE_ERROR));
        assertThat(session.p99Ms()).isCloseTo(68.9, within(68.9 * SessionLatencyStats.QUANTILE_RELATIVE_ERROR));
    }

    @Test
    void thePathOfTheLatestReadingIsKeptAndItsChangesCounted() {
        io.peerpulse.telemetry.NetworkPath direct = path("host", "host", "udp");
        io.peerpulse.telemetry.NetworkPath relayed = path("host", "relay", "udp");
        ScriptedRttSource source = new ScriptedRttSource().thenMeasured(5).then(RttReading.measured(5, direct))
                .then(RttReading.stale(direct)).thenUnavailable("ice restart").then(RttReading.stale(relayed))
                .then(RttReading.measured(40, relayed)).thenStale();
        LatencyTelemetry telemetry = telemetry(source);
        telemetry.start();
        scheduler.runDueTasks();
        assertThat(telemetry.getPath()).isEmpty();
        scheduler.advance(SECOND.multipliedBy(3));
        assertThat(telemetry.getPath()).contains(direct);
        assertThat(telemetry.getPathChangeCount()).isZero();
        scheduler.advance(SECOND.multipliedBy(3));
        assertThat(telemetry.getPath()).contains(relayed);
        assertThat(telemetry.getPathChangeCount()).isEqualTo(1);
    }

    @Test
    void listenersHearOneEventPerPollWithItsTimeSampleAndPathChange() {
        NetworkPath direct = path("host", "host", "udp");
        NetworkPath relayed = path("relay", "host", "udp");
        long start = VirtualScheduler.DEFAULT_START.toEpochMilli();
        ScriptedRttSource source = new ScriptedRttSource().then(RttReading.measured(5, direct)).thenStale()
                .thenMeasured(Double.NaN).then(RttReading.stale(relayed)).then(new RttReading.Measured(7, java.util.OptionalLong.of(42), java.util.Optional.of(relayed)))
                .thenUnavailable("closed");
        LatencyTelemetry telemetry = telemetry(source);
        List<PollEvent> heard = new ArrayList<>();
        TelemetryListener recorder = heard::add;
        telemetry.addListener(recorder);
        telemetry.start();
        scheduler.advance(SECOND.multipliedBy(4));
        assertThat(telemetry.removeListener(recorder)).isTrue();
        scheduler.advance(SECOND);

        assertThat(heard).containsExactly(
                new PollEvent(PollOutcome.MEASURED, start, sample(start, 5), null, direct),
                new PollEvent(PollOutcome.STALE, start + 1000, null, null, null),
                new PollEvent(PollOutcome.REJECTED, start + 2000, null, null, null),
                new PollEvent(PollOutcome.STALE, start + 3000, null, direct, relayed),
                new PollEvent(PollOutcome.MEASURED, start + 4000, sample(42, 7), null, null));
        assertThat(heard.get(0).hasSample()).isTrue();
        assertThat(heard.get(0).pathChanged()).isTrue();
        assertThat(heard.get(1).hasSample()).isFalse();
        assertThat(heard.get(1).pathChanged()).isFalse();
        assertThat(telemetry.getCounters()).isEqualTo(counters(
                "pollCount", 6, "measuredCount", 2, "staleCount", 2, "unavailableCount", 1, "rejectedCount", 1));
    }

    @Test
    void aThrowingListenerMissesNothingElseAndStopsNoOtherListener() {
        LatencyTelemetry telemetry = telemetry(new ScriptedRttSource().thenMeasured(5).thenStale().thenMeasured(6)
                .thenUnavailable("closed"));
        List<PollOutcome> before = new ArrayList<>();
        List<PollOutcome> throwing = new ArrayList<>();
        List<PollOutcome> after = new ArrayList<>();
        telemetry.addListener(event -> before.add(event.outcome()));
        telemetry.addListener(event -> {
            throwing.add(event.outcome());
            throw new IllegalStateException("a broken listener");
        });
        telemetry.addListener(event -> after.add(event.outcome()));
        telemetry.start();
        scheduler.advance(SECOND.multipliedBy(3));

        List<PollOutcome> all = List.of(PollOutcome.MEASURED, PollOutcome.STALE, PollOutcome.MEASURED,
                PollOutcome.UNAVAILABLE);
        assertThat(throwing).as("it still hears every later poll").isEqualTo(all);
        assertThat(before).isEqualTo(all);
        assertThat(after).as("the listener after it still hears every poll").isEqualTo(all);
        assertThat(telemetry.getCounters().measuredCount()).isEqualTo(2);
        assertThat(log.records()).as("the failure is logged with the listener's exception").isNotEmpty()
                .allSatisfy(r -> {
                    assertThat(r.getMessage()).startsWith("a TelemetryListener failed");
                    assertThat(r.getThrown()).hasMessage("a broken listener");
                });
    }

    @Test
    void aListenerWhoseExceptionOrNameQuotesAnAddressIsLoggedWithoutIt() {
        LatencyTelemetry telemetry = telemetry(new ScriptedRttSource().thenMeasured(5));
        telemetry.addListener(new TelemetryListener() {
            @Override
            public void pollEnded(PollEvent event) {
                throw new IllegalStateException("could not tell 198.51.100.23:7000", new RuntimeException("at fe80::1%eth0"));
            }

            @Override
            public String toString() {
                return "Forwarder[to 198.51.100.23]";
            }
        });
        telemetry.start();
        scheduler.advance(SECOND);
        assertThat(log.records()).isNotEmpty().allSatisfy(r -> {
            java.io.StringWriter printed = new java.io.StringWriter();
            printed.append(r.getMessage()).append('\n');
            r.getThrown().printStackTrace(new java.io.PrintWriter(printed));
            assertThat(printed.toString()).doesNotContain("198.51.100.23").doesNotContain("fe80::1")
                    .contains("a TelemetryListener failed: Forwarder[to <redacted>",
                            "could not tell <redacted>", "Caused by: java.lang.RuntimeException: at <redacted>");
        });
    }

    /**
     * A listener's OutOfMemoryError during a live poll — whose answer arrives as a completed stage, so the
     * listener runs inside a {@code CompletableFuture} callback that would keep the error in a future
     * nobody reads — reaches the polling thread's uncaught-exception handler, is not logged as a listener
     * failure and carried on with, and the poll is still counted.
     */
    @Test
    void aListenersOutOfMemoryErrorDuringALivePollReachesTheThreadsUncaughtHandler() {
        LatencyTelemetry telemetry = telemetry(ScriptedRttSource.repeating(RttReading.measured(5)));
        OutOfMemoryError oom = new OutOfMemoryError("simulated");
        List<PollEvent> heard = new ArrayList<>();
        telemetry.addListener(event -> {
            heard.add(event);
            throw oom;
        });
        List<Throwable> uncaught = new ArrayList<>();
        Thread thread = Thread.currentThread();
        Thread.UncaughtExceptionHandler previous = thread.getUncaughtExceptionHandler();
        thread.setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try {
            telemetry.start();
            scheduler.runDueTasks();
        } finally {
            thread.setUncaughtExceptionHandler(previous);
        }
        assertThat(heard).hasSize(1);
        assertThat(uncaught).containsExactly(oom);
        assertThat(telemetry.getCounters().measuredCount()).as("counted before rethrown").isEqualTo(1);
    }

    /**
     * A heap running out in one poll ({@code OutOfMemoryError} from the source's {@code read()}, or any allocation
     * of the poll) reaches the thread's uncaught-exception handler once, and the telemetry polls on. Rethrown out of
     * the periodic task, the error reached nobody else (the scheduler keeps it in the task's future) and ended that
     * telemetry's polling for good: the session measured nothing more, and nothing said so.
     */
    @Test
    void aFatalErrorInOnePollReachesTheUncaughtHandlerAndPollingGoesOn() {
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
        LatencyTelemetry telemetry = telemetryWhoseFirstReadThrows(oom);
        List<Throwable> uncaught = startAndRunThreeSeconds(telemetry);
        assertThat(uncaught).containsExactly(oom);
        assertThat(telemetry.getCounters().failedCount()).isEqualTo(1);
        assertThat(telemetry.getCounters().measuredCount()).as("the polls after it").isEqualTo(3);
    }

    /**
     * A listener's fatal error ({@code StackOverflowError}: a recursion bug; or an {@code OutOfMemoryError}) on the
     * event of a poll whose {@code read()} threw: that event is handed on from the periodic poll's own handler of the
     * source's throw, and the error rethrown from there left the periodic task, which ended that telemetry's polling
     * for good (the session measured nothing more; only the uncaught-exception handler heard of the error).
     */
    @Test
    void aListenersFatalErrorOnThePollOfAThrowingReadStopsNoPolling() {
        LatencyTelemetry telemetry = telemetryWhoseFirstReadThrows(new IllegalStateException("the connection closed"));
        StackOverflowError overflow = new StackOverflowError();
        AtomicInteger heard = new AtomicInteger();
        telemetry.addListener(event -> {
            if (heard.incrementAndGet() == 1) {
                throw overflow;
            }
        });
        List<Throwable> uncaught = startAndRunThreeSeconds(telemetry);
        assertThat(uncaught).contains(overflow);
        assertThat(telemetry.getCounters().failedCount()).isEqualTo(1);
        assertThat(telemetry.getCounters().measuredCount()).as("the polls after it").isEqualTo(3);
    }

    /** A telemetry whose source's first {@code read()} throws {@code first}; every later one measures 5 ms at once. */
    private LatencyTelemetry telemetryWhoseFirstReadThrows(Throwable first) {
        AtomicInteger reads = new AtomicInteger();
        return telemetry(() -> {
            if (reads.incrementAndGet() == 1) {
                if (first instanceof Error error) {
                    throw error;
                }
                throw (RuntimeException) first;
            }
            return CompletableFuture.completedFuture(RttReading.measured(5));
        });
    }

    /** Starts {@code telemetry} and runs 3 s of its polls; returns what reached this thread's uncaught handler. */
    private List<Throwable> startAndRunThreeSeconds(LatencyTelemetry telemetry) {
        List<Throwable> uncaught = new ArrayList<>();
        Thread thread = Thread.currentThread();
        Thread.UncaughtExceptionHandler previous = thread.getUncaughtExceptionHandler();
        thread.setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try {
            telemetry.start();
            scheduler.runDueTasks();
            scheduler.advance(SECOND.multipliedBy(3));
        } finally {
            thread.setUncaughtExceptionHandler(previous);
        }
        return uncaught;
    }

    /** A record that the live events are applied to again ends in the live telemetry's state: what a journal replay relies on. */
    @Test
    void aRecordApplyingATelemetrysEventsEndsInItsState() {
        NetworkPath direct = path("host", "host", "udp");
        NetworkPath relayed = path("relay", "host", "udp");
        LatencyTelemetry live = telemetry(new ScriptedRttSource().then(RttReading.measured(5, direct)).thenStale()
                .thenMeasured(Double.NaN).then(RttReading.stale(relayed)).thenFail(new IOException("x"))
                .then(new RttReading.Measured(7, java.util.OptionalLong.of(42), java.util.Optional.of(relayed))).thenUnavailable("closed"));
        List<PollEvent> events = new ArrayList<>();
        live.addListener(events::add);
        live.start();
        scheduler.advance(SECOND.multipliedBy(6));
        live.stop();

        LatencyRecord replayed = new LatencyRecord(live.options().maxSampleCount());
        events.forEach(replayed::apply);

        assertThat(replayed.getStats()).isEqualTo(live.getStats());
        assertThat(replayed.getSessionStats()).isEqualTo(live.getSessionStats());
        assertThat(replayed.getCounters()).isEqualTo(live.getCounters()).isNotEqualTo(TelemetryCounters.ZERO);
        assertThat(replayed.getPath()).isEqualTo(live.getPath()).contains(relayed);
        assertThat(replayed.getPathChangeCount()).isEqualTo(live.getPathChangeCount()).isEqualTo(1);
        assertThat(replayed.getLastSample()).isEqualTo(live.getLastSample());
    }

    @Test
    void aPollEventRefusesComponentsThatDoNotFit() {
        NetworkPath direct = path("host", "host", "udp");
        RttSample sample = sample(1, 2);
        assertThatThrownBy(() -> new PollEvent(PollOutcome.MEASURED, 1, null, null, null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new PollEvent(PollOutcome.STALE, 1, sample, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PollEvent(PollOutcome.UNAVAILABLE, 1, null, null, direct))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PollEvent(PollOutcome.STALE, 1, null, direct, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PollEvent(PollOutcome.STALE, 1, null, direct, direct))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aThousandTelemetriesShareOneScheduler() {
        List<ScriptedRttSource> sources = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            ScriptedRttSource source = new ScriptedRttSource();
            for (int k = 0; k < 60; k++) {
                source.thenMeasured(i % 200 + k % 7);
            }
            source.orElse(RttReading.unavailable("closed"));
            sources.add(source);
            telemetry(source, options().readTimeout(Duration.ofMillis(500)).build()).start();
        }
        scheduler.advance(Duration.ofSeconds(61));
        for (int i = 0; i < 1_000; i++) {
            LatencyTelemetry telemetry = telemetries.get(i);
            assertThat(telemetry.getCounters()).isEqualTo(counters(
                    "pollCount", 62, "measuredCount", 60, "unavailableCount", 2));
            assertThat(telemetry.getStats().orElseThrow().minMs()).isEqualTo(i % 200);
        }
        assertThat(scheduler.pendingTaskCount()).as("one periodic task each, no timeout left").isEqualTo(1_000);
    }

    @Test
    void aListenerMayStopTheTelemetryOnThePollingThread() {
        LatencyTelemetry telemetry = telemetry(ScriptedRttSource.repeating(RttReading.measured(5)));
        List<PollEvent> heard = new ArrayList<>();
        telemetry.addListener(event -> {
            heard.add(event);
            telemetry.stop();
        });
        telemetry.start();
        scheduler.advance(SECOND.multipliedBy(3));
        assertThat(heard).hasSize(1);
        assertThat(telemetry.isRunning()).isFalse();
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 1, "measuredCount", 1));
    }

    /**
     * A stop() that comes while the poller hands an event on (simulated by the clock the poller reads in
     * between) keeps it from being recorded or told; a restart names path changes from the recorded path.
     */
    @Test
    void anEventThatStopOvertookIsNotRecordedAndTheNextRunFollowsTheRecordedPath() {
        NetworkPath direct = path("host", "host", "udp");
        NetworkPath relayed = path("relay", "host", "udp");
        LatencyTelemetry[] self = new LatencyTelemetry[1];
        boolean[] stopAtNextRead = new boolean[1];
        java.time.InstantSource stopping = new java.time.InstantSource() {
            @Override
            public java.time.Instant instant() {
                if (stopAtNextRead[0]) {
                    stopAtNextRead[0] = false;
                    self[0].stop();
                }
                return scheduler.now();
            }
        };
        ScriptedRttSource source = new ScriptedRttSource().then(RttReading.measured(5, direct))
                .then(RttReading.stale(relayed)).then(RttReading.stale(relayed)).then(RttReading.measured(6, direct));
        LatencyTelemetry telemetry = telemetry(source, options().clock(stopping).build());
        self[0] = telemetry;
        List<PollEvent> heard = new ArrayList<>();
        telemetry.addListener(heard::add);
        telemetry.start();
        scheduler.runDueTasks();
        stopAtNextRead[0] = true;
        scheduler.advance(SECOND); // the poll reading 'relayed' ends while stop() runs
        assertThat(telemetry.isRunning()).isFalse();
        assertThat(source.readCount()).isEqualTo(2);
        assertThat(heard).hasSize(1);
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 1, "measuredCount", 1));
        assertThat(telemetry.getPath()).contains(direct);

        telemetry.start();
        scheduler.advance(SECOND);
        assertThat(heard).extracting(PollEvent::previousPath).containsExactly(null, direct, relayed);
        assertThat(telemetry.getPath()).contains(direct);
        assertThat(telemetry.getPathChangeCount()).isEqualTo(2);
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 3, "measuredCount", 2, "staleCount", 1));
    }

    @Test
    void aSwitchedSourceNamingThePathAlreadyRecordedTellsListenersNoChange() {
        // the poller hands a switched source's first path on even when it is the last one read (from none); the
        // telemetry's record holds it already, so its listeners hear what it recorded: no change, no first path
        NetworkPath direct = path("host", "host", "udp");
        NetworkPath relayed = path("relay", "host", "udp");
        LatencyTelemetry telemetry = telemetry(ScriptedRttSource.repeating(RttReading.measured(5, direct)));
        List<PollEvent> heard = new ArrayList<>();
        telemetry.addListener(heard::add);
        telemetry.start();
        scheduler.runDueTasks();
        telemetry.switchSource(ScriptedRttSource.repeating(RttReading.measured(6, direct)));
        scheduler.advance(SECOND);
        telemetry.stop();
        telemetry.switchSource(ScriptedRttSource.repeating(RttReading.stale(direct)));
        telemetry.start();
        scheduler.runDueTasks();
        telemetry.switchSource(ScriptedRttSource.repeating(RttReading.measured(7, relayed)));
        scheduler.advance(SECOND);
        telemetry.switchSource(ScriptedRttSource.repeating(RttReading.measured(8, direct)));
        scheduler.advance(SECOND);

        assertThat(heard).extracting(PollEvent::previousPath, PollEvent::path).containsExactly(
                org.assertj.core.api.Assertions.tuple(null, direct), org.assertj.core.api.Assertions.tuple(null, null),
                org.assertj.core.api.Assertions.tuple(null, null), org.assertj.core.api.Assertions.tuple(direct, relayed),
                org.assertj.core.api.Assertions.tuple(relayed, direct));
        assertThat(telemetry.getPath()).contains(direct);
        assertThat(telemetry.getPathChangeCount()).isEqualTo(2);
        assertThat(telemetry.getCounters()).isEqualTo(counters("pollCount", 5, "measuredCount", 4, "staleCount", 1));
    }
}
