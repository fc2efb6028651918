package io.peerpulse.telemetry;

import static io.peerpulse.telemetry.fixtures.Records.path;
import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.telemetry.fixtures.Records;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The state a telemetry keeps, changed only by applying poll events. */
class LatencyRecordTest {

    private static final NetworkPath DIRECT = path("host", "host", "udp");
    private static final NetworkPath RELAYED = path("relay", "host", "udp");
    private static final NetworkPath RELAYED2 = path("relay", "relay", "tcp");

    /** Counters by component name, every other one 0: a counter added later breaks no test here. */
    private static TelemetryCounters counters(Object... namesAndValues) {
        return Records.record(TelemetryCounters.class, namesAndValues);
    }

    private static PollEvent measured(long t, double rttMs) {
        return new PollEvent(PollOutcome.MEASURED, t, sample(t, rttMs), null, null);
    }

    private static PollEvent of(PollOutcome outcome) {
        return new PollEvent(outcome, 1, null, null, null);
    }

    @Test
    void maxSampleCountMustBeAtLeastOne() {
        assertThatThrownBy(() -> new LatencyRecord(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxSampleCount").hasMessageContaining("0");
        assertThatThrownBy(() -> new LatencyRecord(TelemetryOptions.MAX_SAMPLE_COUNT_LIMIT + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSampleCount");
        assertThat(new LatencyRecord(1).getCounters()).isEqualTo(TelemetryCounters.ZERO);
    }

    @Test
    void anEmptyRecordHasNothing() {
        LatencyRecord record = new LatencyRecord(5);
        assertThat(record.getStats()).isEmpty();
        assertThat(record.getSummary()).isEmpty();
        assertThat(record.getLastSample()).isEmpty();
        assertThat(record.getSamples()).isEmpty();
        assertThat(record.getSessionStats()).isEmpty();
        assertThat(record.getPath()).isEmpty();
        assertThat(record.getPathChangeCount()).isZero();
    }

    @Test
    void everyOutcomeIsCountedOnceAndTheCountersSum() {
        LatencyRecord record = new LatencyRecord(3);
        record.apply(measured(10, 80));
        for (PollOutcome outcome : List.of(PollOutcome.STALE, PollOutcome.UNAVAILABLE, PollOutcome.FAILED,
                PollOutcome.FAILED, PollOutcome.REJECTED, PollOutcome.SKIPPED, PollOutcome.SKIPPED)) {
            record.apply(of(outcome));
        }
        record.apply(measured(20, 40));
        assertThat(record.getCounters()).isEqualTo(counters(
                "pollCount", 9, "measuredCount", 2, "staleCount", 1, "unavailableCount", 1, "failedCount", 2,
                "rejectedCount", 1, "skippedCount", 2));
        assertThat(record.getSamples()).containsExactly(sample(10, 80), sample(20, 40));
        assertThat(record.getLastSample()).contains(sample(20, 40));
        assertThat(record.getSummary().orElseThrow().totalSampleCount()).isEqualTo(2);
        assertThat(record.getSessionStats().orElseThrow().sampleCount()).isEqualTo(2);
    }

    @Test
    void aSampleKeepsItsOwnTimestampAndTheWindowItsLastMaxSamples() {
        LatencyRecord record = new LatencyRecord(2);
        record.apply(new PollEvent(PollOutcome.MEASURED, 1_000, sample(42, 5), null, null));
        record.apply(measured(2_000, 6));
        record.apply(measured(3_000, 7));
        assertThat(record.getSamples()).containsExactly(sample(2_000, 6), sample(3_000, 7));
        assertThat(record.getStats().orElseThrow().totalSampleCount()).isEqualTo(3);
        assertThat(record.getSessionStats().orElseThrow().minMs()).isEqualTo(5);
    }

    @Test
    void theFirstPathIsNoChangeAndEachLaterOneIs() {
        LatencyRecord record = new LatencyRecord(3);
        record.apply(new PollEvent(PollOutcome.STALE, 1, null, null, DIRECT));
        assertThat(record.getPath()).contains(DIRECT);
        assertThat(record.getPathChangeCount()).isZero();
        record.apply(of(PollOutcome.UNAVAILABLE));
        assertThat(record.getPath()).as("kept while unavailable").contains(DIRECT);
        record.apply(new PollEvent(PollOutcome.MEASURED, 2, sample(2, 9), DIRECT, RELAYED));
        record.apply(new PollEvent(PollOutcome.STALE, 3, null, RELAYED, DIRECT));
        assertThat(record.getPath()).contains(DIRECT);
        assertThat(record.getPathChangeCount()).isEqualTo(2);
        assertThat(record.getCounters()).isEqualTo(counters(
                "pollCount", 4, "measuredCount", 1, "staleCount", 2, "unavailableCount", 1));
    }

    /**
     * The path change is the record's own: an event whose source saw a path this record never did (a racing stop, a
     * switched source, a journal's lost line) changes the path from the record's, and says so in the event returned.
     */
    @Test
    void aPathChangeIsTakenFromTheRecordsPathWhateverTheEventsPreviousPathSays() {
        LatencyRecord record = new LatencyRecord(3);
        record.apply(new PollEvent(PollOutcome.MEASURED, 1, sample(1, 20), null, DIRECT));

        PollEvent unseen = record.apply(new PollEvent(PollOutcome.STALE, 2, null, RELAYED, RELAYED2));
        assertThat(unseen.previousPath()).as("from the record's path").isEqualTo(DIRECT);
        assertThat(unseen.path()).isEqualTo(RELAYED2);
        assertThat(record.getPath()).contains(RELAYED2);
        assertThat(record.getPathChangeCount()).isEqualTo(1);

        PollEvent same = record.apply(new PollEvent(PollOutcome.MEASURED, 3, sample(3, 21), null, RELAYED2));
        assertThat(same.pathChanged()).as("the record's own path named as a first path: no change").isFalse();
        assertThat(same.sample()).isEqualTo(sample(3, 21));
        assertThat(record.getPathChangeCount()).isEqualTo(1);

        PollEvent agreeing = new PollEvent(PollOutcome.STALE, 4, null, RELAYED2, DIRECT);
        assertThat(record.apply(agreeing)).as("the event itself when they agree").isSameAs(agreeing);
        assertThat(record.getPathChangeCount()).isEqualTo(2);
    }

    @Test
    void aBadEventChangesNothingAndNamesTheProblem() {
        LatencyRecord record = new LatencyRecord(3);
        record.apply(new PollEvent(PollOutcome.MEASURED, 1, sample(1, 20), null, DIRECT));
        TelemetryCounters counters = record.getCounters();
        LatencyStats stats = record.getStats().orElseThrow();
        SessionLatencyStats session = record.getSessionStats().orElseThrow();

        // RttSample refuses NaN, infinite and negative values itself; the record refuses the implausible rest
        assertThatThrownBy(() -> record.apply(measured(2, LatencyTelemetry.MAX_PLAUSIBLE_RTT_MS + 0.001)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("plausible RTT")
                .hasMessageContaining("60000.001");
        assertThatThrownBy(() -> record.apply(null)).isInstanceOf(NullPointerException.class);

        assertThat(record.getCounters()).isEqualTo(counters);
        assertThat(record.getStats()).contains(stats);
        assertThat(record.getSessionStats()).contains(session);
        assertThat(record.getPath()).contains(DIRECT);
        assertThat(record.getPathChangeCount()).isZero();
        assertThat(record.getLastSample()).contains(sample(1, 20));
    }

    @Test
    void theLimitsOfAPlausibleRttAreRecorded() {
        LatencyRecord record = new LatencyRecord(3);
        record.apply(measured(1, 0));
        record.apply(measured(2, LatencyTelemetry.MAX_PLAUSIBLE_RTT_MS));
        assertThat(record.getSamples()).extracting(RttSample::rttMs).containsExactly(0.0, 60_000.0);
    }

    /**
     * Four threads apply events while two read snapshots: every snapshot is consistent. Bounded: the
     * writers apply a fixed number of events each, and every wait has a limit.
     */
    @Test
    void snapshotsTakenWhileFourThreadsApplyAreConsistent() throws Exception {
        int maxSampleCount = 50;
        int perWriter = 20_000;
        LatencyRecord record = new LatencyRecord(maxSampleCount);
        ExecutorService threads = Executors.newFixedThreadPool(6);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch writersDone = new CountDownLatch(4);
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        List<Future<?>> tasks = new ArrayList<>();
        try {
            for (int w = 0; w < 4; w++) {
                int seed = w;
                tasks.add(threads.submit(() -> {
                    go.await();
                    SplittableRandom random = new SplittableRandom(seed);
                    try {
                        for (int i = 0; i < perWriter; i++) {
                            int kind = random.nextInt(4);
                            record.apply(kind == 0 ? of(PollOutcome.STALE) : kind == 1 ? of(PollOutcome.SKIPPED)
                                    : measured(i, random.nextInt(1, 500)));
                        }
                    } finally {
                        writersDone.countDown();
                    }
                    return null;
                }));
            }
            for (int r = 0; r < 2; r++) {
                int kind = r;
                tasks.add(threads.submit(() -> {
                    go.await();
                    long lastTotal = 0;
                    long lastPolls = 0;
                    while (!stop.get()) {
                        TelemetryCounters c = record.getCounters(); // its constructor checks the sum
                        if (c.pollCount() < lastPolls) {
                            problems.add("polls went back: " + c);
                        }
                        lastPolls = c.pollCount();
                        LatencySummary s = kind == 0 ? record.getSummary().orElse(null)
                                : record.getStats().map(LatencyStats::summary).orElse(null);
                        if (s != null) {
                            if (s.sampleCount() < 1 || s.sampleCount() > maxSampleCount
                                    || s.sampleCount() > s.totalSampleCount() || !(s.minMs() <= s.medianMs())
                                    || !(s.medianMs() <= s.maxMs())) {
                                problems.add("inconsistent summary: " + s);
                            }
                            if (s.totalSampleCount() < lastTotal) {
                                problems.add("totalSampleCount went back: " + s);
                            }
                            lastTotal = s.totalSampleCount();
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            assertThat(writersDone.await(60, TimeUnit.SECONDS)).as("the writers finished within the bound").isTrue();
            stop.set(true);
            for (Future<?> task : tasks) {
                task.get(60, TimeUnit.SECONDS);
            }
        } finally {
            stop.set(true);
            threads.shutdownNow();
        }
        assertThat(problems).isEmpty();
        TelemetryCounters counters = record.getCounters();
        assertThat(counters.pollCount()).isEqualTo(4L * perWriter);
        assertThat(record.getSummary().orElseThrow().totalSampleCount()).isEqualTo(counters.measuredCount());
        assertThat(record.getSessionStats().orElseThrow().sampleCount()).isEqualTo(counters.measuredCount());
        assertThat(record.getSamples()).hasSize(maxSampleCount);
    }
}
