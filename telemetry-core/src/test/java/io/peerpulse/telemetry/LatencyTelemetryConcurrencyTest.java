package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.RttReading;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real threads on the real shared scheduler. The only waits are bounded waits for real events (enough
 * samples recorded: the source itself notices it when the telemetry next asks it for a reading and
 * completes a future); nothing here depends on the machine's speed beyond those bounds, which only fail
 * a hung test.
 */
class LatencyTelemetryConcurrencyTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private static final long BOUND_SECONDS = 60;
    /** A wall clock that never steps back, so that timestamp order is arrival order in this test. */
    private static final java.time.InstantSource MONOTONIC = new java.time.InstantSource() {
        private final long originMillis = System.currentTimeMillis();
        private final long originNanos = System.nanoTime();

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.ofEpochMilli(millis());
        }

        @Override
        public long millis() {
            return originMillis + (System.nanoTime() - originNanos) / 1_000_000;
        }
    };

    @Test
    void readersOnManyThreadsNeverSeeAnInconsistentSnapshot() throws Exception {
        ExecutorService answerers = Executors.newFixedThreadPool(2);
        AtomicLong next = new AtomicLong();
        long target = 1_500;
        CompletableFuture<Void> enough = new CompletableFuture<>();
        AtomicReference<LatencyTelemetry> self = new AtomicReference<>();
        // answers come from other threads than the scheduler's, with many ties and wide values
        LatencyTelemetry telemetry = new LatencyTelemetry(
                () -> {
                    if (self.get().getCounters().measuredCount() >= target) {
                        enough.complete(null); // the event the readers and the test wait for
                    }
                    return CompletableFuture.supplyAsync(() -> RttReading.measured(next.incrementAndGet() % 7 == 0
                            ? 5_000 : 20 + (next.get() * 7919 % 100) / 4.0), answerers);
                },
                TelemetryOptions.builder().pollInterval(Duration.ofMillis(1)).maxSampleCount(100).clock(MONOTONIC)
                        .readTimeout(Duration.ofSeconds(10)).build());
        self.set(telemetry);
        ExecutorService readers = Executors.newFixedThreadPool(4);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        try {
            telemetry.start();
            List<Future<Long>> checks = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                int kind = r;
                checks.add(readers.submit(() -> {
                    long snapshots = 0;
                    while (!enough.isDone()) { // reads as fast as it can until the telemetry has enough samples
                        snapshots++;
                        switch (kind) {
                            case 0, 1 -> telemetry.getStats().ifPresent(s -> check(s, problems));
                            case 2 -> telemetry.getSummary().ifPresent(s -> check(s, problems));
                            default -> {
                                TelemetryCounters c = telemetry.getCounters();
                                if (c.pollCount() != c.measuredCount() + c.staleCount() + c.unavailableCount() + c.failedCount()
                                        + c.rejectedCount() + c.skippedCount()) {
                                    problems.add("counters do not add up: " + c);
                                }
                                List<RttSample> samples = telemetry.getSamples();
                                for (int i = 1; i < samples.size(); i++) {
                                    if (samples.get(i).timestampEpochMs() < samples.get(i - 1).timestampEpochMs()) {
                                        problems.add("samples out of order");
                                    }
                                }
                            }
                        }
                    }
                    return snapshots;
                }));
            }
            try {
                enough.get(BOUND_SECONDS, TimeUnit.SECONDS);
            } finally {
                enough.complete(null); // stops the readers should the bound have passed
            }
            long snapshots = 0;
            for (Future<Long> check : checks) {
                snapshots += check.get(BOUND_SECONDS, TimeUnit.SECONDS);
            }
            assertThat(telemetry.getCounters().measuredCount())
                    .as("enough samples were recorded within the bound").isGreaterThanOrEqualTo(target);
            assertThat(snapshots).isPositive();
            assertThat(problems).isEmpty();
        } finally {
            telemetry.close();
            readers.shutdownNow();
            answerers.shutdownNow();
        }
        LatencyStats last = telemetry.getStats().orElseThrow();
        assertThat(last.sampleCount()).isEqualTo(100);
        assertThat(last.totalSampleCount()).isEqualTo(telemetry.getCounters().measuredCount());
    }

    /**
     * start(), stop(), switchSource() and every getter race from threads let go at once by a barrier, while answers
     * name one of two paths from the polling thread and from an answering thread. Every snapshot is consistent and
     * nothing a reader sees goes backwards; at the end the record's path changes are the ones its listeners heard.
     */
    @Test
    void racingLifecycleSwitchesAndReadersKeepEverySnapshotConsistent() throws Exception {
        NetworkPath direct = io.peerpulse.telemetry.fixtures.Records.path("host", "host", "udp");
        NetworkPath relayed = io.peerpulse.telemetry.fixtures.Records.path("relay", "host", "udp");
        java.util.concurrent.ScheduledExecutorService pollThread = Executors.newSingleThreadScheduledExecutor();
        ExecutorService answerer = Executors.newSingleThreadExecutor();
        AtomicLong reads = new AtomicLong();
        java.util.function.Function<NetworkPath, io.peerpulse.telemetry.spi.RttSource> naming = path -> () -> {
            long n = reads.incrementAndGet();
            RttReading reading = n % 5 == 0 ? RttReading.stale(path) : RttReading.measured(n % 97 / 4.0, path);
            return n % 2 == 0 ? CompletableFuture.supplyAsync(() -> reading, answerer)
                    : CompletableFuture.completedFuture(reading);
        };
        LatencyTelemetry telemetry = new LatencyTelemetry(naming.apply(direct), TelemetryOptions.builder()
                .pollInterval(Duration.ofMillis(1)).firstPollDelay(Duration.ZERO).maxSampleCount(100).clock(MONOTONIC)
                .scheduler(pollThread).readTimeout(Duration.ofSeconds(10)).build());
        AtomicLong heardChanges = new AtomicLong();
        telemetry.addListener(event -> {
            if (event.previousPath() != null) {
                heardChanges.incrementAndGet();
            }
        });
        int rounds = 2_000;
        java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(4);
        AtomicBoolean done = new AtomicBoolean();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        ExecutorService racers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> ends = new ArrayList<>();
            ends.add(racers.submit(() -> {
                go.await(BOUND_SECONDS, TimeUnit.SECONDS);
                for (int i = 0; i < rounds; i++) {
                    telemetry.start();
                    if (i % 3 == 0) {
                        Thread.yield(); // let a poll or two run in some rounds
                    }
                    telemetry.stop();
                }
                done.set(true);
                return null;
            }));
            ends.add(racers.submit(() -> {
                go.await(BOUND_SECONDS, TimeUnit.SECONDS);
                for (int i = 0; !done.get(); i++) {
                    telemetry.switchSource(naming.apply(i % 2 == 0 ? relayed : direct));
                }
                return null;
            }));
            for (int r = 0; r < 2; r++) {
                ends.add(racers.submit(() -> {
                    go.await(BOUND_SECONDS, TimeUnit.SECONDS);
                    long total = 0;
                    long polls = 0;
                    long changes = 0;
                    while (!done.get()) {
                        telemetry.getStats().ifPresent(s -> check(s, problems));
                        telemetry.getSummary().ifPresent(s -> check(s, problems));
                        TelemetryCounters c = telemetry.getCounters();
                        long t = telemetry.getStats().map(LatencyStats::totalSampleCount).orElse(0L);
                        long pc = telemetry.getPathChangeCount();
                        if (c.pollCount() != c.measuredCount() + c.staleCount() + c.unavailableCount()
                                + c.failedCount() + c.rejectedCount() + c.skippedCount()) {
                            problems.add("counters do not add up: " + c);
                        }
                        if (t < total || c.pollCount() < polls || pc < changes || c.latenessMaxMs() < 0) {
                            problems.add("went backwards: total " + total + " -> " + t + ", polls " + polls + " -> "
                                    + c.pollCount() + ", path changes " + changes + " -> " + pc);
                        }
                        total = t;
                        polls = c.pollCount();
                        changes = pc;
                    }
                    return null;
                }));
            }
            for (Future<?> end : ends) {
                end.get(BOUND_SECONDS, TimeUnit.SECONDS);
            }
            // everything under way runs: a last poll on the scheduler, then the answers it asked for
            pollThread.submit(() -> { }).get(BOUND_SECONDS, TimeUnit.SECONDS);
            answerer.submit(() -> { }).get(BOUND_SECONDS, TimeUnit.SECONDS);
            pollThread.submit(() -> { }).get(BOUND_SECONDS, TimeUnit.SECONDS);
        } finally {
            telemetry.close();
            racers.shutdownNow();
            pollThread.shutdownNow();
            answerer.shutdownNow();
        }
        assertThat(problems).isEmpty();
        assertThat(telemetry.isRunning()).isFalse();
        assertThat(telemetry.getPathChangeCount()).as("path changes recorded = heard").isEqualTo(heardChanges.get());
        LatencyStats last = telemetry.getStats().orElseThrow();
        assertThat(last.totalSampleCount()).isEqualTo(telemetry.getCounters().measuredCount());
        assertThat(last.sampleCount()).isEqualTo(last.samples().size());
    }

    private static void check(LatencyStats s, ConcurrentLinkedQueue<String> problems) {
        List<RttSample> samples = s.samples();
        double min = samples.stream().mapToDouble(RttSample::rttMs).min().orElse(Double.NaN);
        double max = samples.stream().mapToDouble(RttSample::rttMs).max().orElse(Double.NaN);
        double mean = samples.stream().mapToDouble(RttSample::rttMs).average().orElse(Double.NaN);
        // the mean is rounded once to 0.001 ms: within half a microsecond of the samples' own
        if (s.sampleCount() != samples.size() || s.minMs() != min || s.maxMs() != max
                || Math.abs(s.meanMs() - mean) > 0.0005 + 1e-9 || s.totalSampleCount() < s.sampleCount()) {
            problems.add("stats do not describe their own samples: " + s.summary());
        }
        check(s.summary(), problems);
    }

    private static void check(LatencySummary s, ConcurrentLinkedQueue<String> problems) {
        if (!(s.minMs() <= s.medianMs() && s.medianMs() <= s.p95Ms() && s.p95Ms() <= s.p99Ms()
                && s.p99Ms() <= s.maxMs() && s.minMs() <= s.meanMs() && s.meanMs() <= s.maxMs()
                && s.sampleCount() >= 1 && s.sampleCount() <= 100 && s.stdDevMs() >= 0 && s.jitterMs() >= 0)) {
            problems.add("inconsistent summary: " + s);
        }
    }

    @Test
    void aThousandTelemetriesCostOneSchedulerThread() throws Exception {
        long threadsBefore = schedulerThreads();
        List<LatencyTelemetry> telemetries = new ArrayList<>();
        // counted down once per telemetry, by its source, when it is asked for a reading with 3 recorded
        CountDownLatch threeEach = new CountDownLatch(1_000);
        try {
            for (int i = 0; i < 1_000; i++) {
                double rtt = i;
                AtomicReference<LatencyTelemetry> self = new AtomicReference<>();
                AtomicBoolean counted = new AtomicBoolean();
                LatencyTelemetry telemetry = new LatencyTelemetry(
                        () -> {
                            if (self.get().getCounters().measuredCount() >= 3 && counted.compareAndSet(false, true)) {
                                threeEach.countDown();
                            }
                            return CompletableFuture.completedFuture(RttReading.measured(rtt));
                        },
                        TelemetryOptions.builder().pollInterval(Duration.ofMillis(10)).build());
                self.set(telemetry);
                telemetries.add(telemetry);
                telemetry.start();
            }
            assertThat(threeEach.await(BOUND_SECONDS, TimeUnit.SECONDS))
                    .as("every telemetry recorded 3 samples (bounded wait; %d had not)", threeEach.getCount())
                    .isTrue();
            assertThat(telemetries).allSatisfy(t -> assertThat(t.getCounters().measuredCount()).isGreaterThanOrEqualTo(3));
            assertThat(schedulerThreads()).isLessThanOrEqualTo(Math.max(1, threadsBefore));
            assertThat(schedulerThreads()).isEqualTo(1);
        } finally {
            telemetries.forEach(LatencyTelemetry::close);
        }
        for (int i = 0; i < 1_000; i++) {
            assertThat(telemetries.get(i).getStats().orElseThrow().minMs()).isEqualTo(i);
        }
    }

    private static long schedulerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("peerpulse-telemetry")).count();
    }

    /**
     * Start and stop race with answers recorded on the scheduler's thread and on an answering thread: once
     * stop() returned, the counters do not change, even after every answer and poll still under way ran.
     * Bounded: a fixed number of rounds, each waiting at most {@value #BOUND_SECONDS} s for two polls.
     */
    @Test
    void afterStopReturnsTheCountersNeverChange() throws Exception {
        java.util.concurrent.ScheduledExecutorService pollThread = Executors.newSingleThreadScheduledExecutor();
        ExecutorService answerer = Executors.newSingleThreadExecutor();
        AtomicLong reads = new AtomicLong();
        LatencyTelemetry telemetry = new LatencyTelemetry(
                () -> {
                    long n = reads.incrementAndGet();
                    // every other answer from the answering thread, the others at once on the polling thread
                    return n % 2 == 0 ? CompletableFuture.supplyAsync(() -> RttReading.measured(n % 50), answerer)
                            : CompletableFuture.completedFuture(n % 3 == 0 ? RttReading.stale() : RttReading.measured(7));
                },
                TelemetryOptions.builder().pollInterval(Duration.ofMillis(1)).firstPollDelay(Duration.ZERO)
                        .scheduler(pollThread).readTimeout(Duration.ofSeconds(10)).build());
        AtomicReference<CountDownLatch> twoPolls = new AtomicReference<>(new CountDownLatch(0));
        telemetry.addListener(event -> twoPolls.get().countDown());
        List<String> problems = new ArrayList<>();
        try {
            for (int round = 0; round < 300; round++) {
                CountDownLatch polls = new CountDownLatch(2);
                twoPolls.set(polls);
                telemetry.start();
                assertThat(polls.await(BOUND_SECONDS, TimeUnit.SECONDS)).as("two polls in round %d", round).isTrue();
                telemetry.stop();
                TelemetryCounters stopped = telemetry.getCounters();
                // let everything already under way run: a poll on the scheduler, then the answers it asked for
                pollThread.submit(() -> { }).get(BOUND_SECONDS, TimeUnit.SECONDS);
                answerer.submit(() -> { }).get(BOUND_SECONDS, TimeUnit.SECONDS);
                pollThread.submit(() -> { }).get(BOUND_SECONDS, TimeUnit.SECONDS);
                TelemetryCounters later = telemetry.getCounters();
                if (!later.equals(stopped)) {
                    problems.add("round " + round + ": " + stopped + " became " + later);
                }
            }
        } finally {
            telemetry.close();
            pollThread.shutdownNow();
            answerer.shutdownNow();
        }
        assertThat(problems).isEmpty();
        assertThat(telemetry.getCounters().pollCount()).isGreaterThanOrEqualTo(600);
    }
}
