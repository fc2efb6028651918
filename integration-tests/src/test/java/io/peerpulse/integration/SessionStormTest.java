package io.peerpulse.integration;

import io.peerpulse.telemetry.fixtures.NonNegative;
import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.QualityListener;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.journal.SessionJournal;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.testkit.SampleReports;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import io.peerpulse.telemetry.fixtures.LogCapture;

/**
 * One session at a time stormed by real threads calling every public method at once (rounds with colliding numbers,
 * opens of new sources and of two views, closes of the channel, listeners that add and remove listeners, reports and
 * live reads, {@code close()}), while PeerPulse's own poller polls on its threads (a probe answered on a thread of the
 * test, a plain source), the session is also closed from inside an exporter call, a quality listener or a probe's
 * {@code probeStats()}, and another thread steps the session's wall clock back and forward and moves its monotonic
 * clock ({@code TelemetryOptions.nanoClock()}, a new value at every read) on. Each session: no exception to a caller
 * but "is closed" after {@code close()}; every event stamped in the order applied (the journal's {@code nanoTime}s
 * strictly rising); no negative duration; {@code sessionStarted} and {@code sessionEnded} once, with the final report;
 * the journal, every line written, recovers that report field by field with no problem; and it, as every report
 * checked during the storm, reads back equal from JSON ({@code SessionReportJson}). Waits are bounded and paced by
 * events (the callers stop after enough samples or calls; the stepper steps once per source read), never by time.
 * Found: statistics of a probe replaced while another thread read them were applied after the reconnection
 * ({@code GameSessionRacesTest} holds that case deterministically).
 */
@Tag("integration")
class SessionStormTest {

    private static final int SESSIONS = 24;
    private static final int CALLERS = 4;
    private static final int MAX_CALLS = 3_000;
    private static final int SAMPLES = 80;

    @TempDir
    Path dir;

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private final AtomicLong samples = new AtomicLong();
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong qualityChanges = new AtomicLong();

    private final ExecutorService callers = Executors.newFixedThreadPool(CALLERS + 1);
    private final ExecutorService answering = Executors.newSingleThreadExecutor();
    /** A permit per read of a source: the stepper's pace. */
    private final java.util.concurrent.Semaphore reads = new java.util.concurrent.Semaphore(0);

    @AfterEach
    void stop() throws InterruptedException {
        callers.shutdownNow();
        answering.shutdownNow();
        assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(answering.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    /** The session's clocks: the monotonic one moves on by the stepper and a little at every read. */
    static final class Clocks implements InstantSource {
        final AtomicLong nanos = new AtomicLong(1_000_000_000L);
        final AtomicLong wallOffsetMs = new AtomicLong(1_700_000_000_000L);

        long nano() {
            return nanos.addAndGet(1_000); // every read its own value: a read out of order shows
        }

        @Override
        public long millis() {
            return wallOffsetMs.get() + nanos.get() / 1_000_000;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }
    }

    /** A probe answered on another thread, its counts growing. */
    final class Probe implements ProbeStatsSource {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong answered = new AtomicLong();
        final String name;
        /** Closes this session from {@code probeStats()} once 25 pings went out, when set. */
        final GameSession closeFrom;

        Probe(String name, GameSession closeFrom) {
            this.name = name;
            this.closeFrom = closeFrom;
        }

        @Override
        public CompletionStage<RttReading> read() {
            reads.release();
            long n = sent.incrementAndGet();
            CompletableFuture<RttReading> answer = new CompletableFuture<>();
            answering.execute(() -> {
                answered.incrementAndGet();
                answer.complete(n % 7 == 0 ? RttReading.stale()
                        : RttReading.measured(n % 24 < 12 ? 20 + n % 13 : 200 + n % 13)); // GOOD, FAIR
            });
            return answer;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public ProbeStats probeStats() {
            GameSession closing = closeFrom;
            if (closing != null && sent.get() >= 25) {
                closing.close(); // from the probe's own statistics read: a poll's, the executor's or close()'s
            }
            long s = sent.get();
            long a = Math.min(answered.get(), s);
            return SampleReports.record(ProbeStats.class, "sentCount", s, "answeredCount", a, "lostCount", 0L,
                    "unansweredCount", s - a, "lossRatio", 0.0);
        }
    }

    /** A plain source answering at once. */
    final class Plain implements RttSource {
        final AtomicLong reads = new AtomicLong();

        @Override
        public CompletionStage<RttReading> read() {
            SessionStormTest.this.reads.release();
            long n = reads.incrementAndGet();
            return CompletableFuture.completedFuture(n % 40 >= 35 ? RttReading.unavailable("gone")
                    : RttReading.measured(n % 40 < 15 ? 30 + n % 11 : 400 + n % 7)); // GOOD, POOR, LOST
        }

        @Override
        public String name() {
            return "plain";
        }
    }

    static final class Counting implements SessionExporter {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger ended = new AtomicInteger();
        final AtomicLong samples = new AtomicLong();
        volatile SessionReport report;

        @Override
        public void sessionStarted(String sessionId) {
            started.incrementAndGet();
        }

        /** Closes its session from its own call at this sample, when set. */
        volatile GameSession closeAtSample;
        volatile long closeAt = -1;

        @Override
        public void sampleRecorded(String sessionId, RttSample sample) {
            if (samples.incrementAndGet() == closeAt) {
                closeAtSample.close();
            }
        }

        @Override
        public void sessionEnded(SessionReport report) {
            this.report = report;
            ended.incrementAndGet();
        }
    }

    @Test
    void everyPublicMethodAtOnceBesideTheGameSteppingClockRecoversAsLive() throws Exception {
        for (int i = 0; i < SESSIONS; i++) {
            stormOne(i);
        }
        // the storm did what it is for (24 sessions together; each alone may be closed at once)
        assertThat(samples).as("samples").hasPositiveValue();
        assertThat(rounds).as("rounds").hasPositiveValue();
        assertThat(steps).as("wall-clock steps listed").hasPositiveValue();
        assertThat(qualityChanges).as("quality changes").hasPositiveValue();
    }

    private void stormOne(int index) throws Exception {
        Clocks clocks = new Clocks();
        ConcurrentLinkedQueue<Counting> made = new ConcurrentLinkedQueue<>();
        SessionExporterProvider provider = new SessionExporterProvider() {
            @Override
            public String name() {
                return "counting";
            }

            @Override
            public SessionExporter create(ExportSettings settings) {
                Counting c = new Counting();
                made.add(c);
                return c;
            }
        };
        GameSession session = GameSession.builder("storm-" + index).playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO)
                        .pollInterval(Duration.ofMillis(1)).clock(clocks).nanoClock(clocks::nano)
                        .maxSampleCount(64).build())
                .exporterProviders(List.of(provider))
                .journalDirectory(dir)
                .build();
        if (index % 3 == 0) {
            made.peek().closeAtSample = session;
            made.peek().closeAt = 20 + index;
        }
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        CyclicBarrier go = new CyclicBarrier(CALLERS + 1);
        List<Future<?>> futures = new ArrayList<>();
        // the stepper: the wall clock back and forward, the monotonic clock on
        futures.add(callers.submit(() -> {
            SplittableRandom random = new SplittableRandom(index);
            go.await(30, TimeUnit.SECONDS);
            while (!done.get()) {
                // a step per read of a source (a real event, not a time): no spinning beside the callers
                reads.tryAcquire(10, TimeUnit.MILLISECONDS);
                clocks.nanos.addAndGet(random.nextLong(100_000, 20_000_000));
                if (random.nextInt(4) == 0) {
                    clocks.wallOffsetMs.addAndGet(random.nextLong(-5_000, 5_000));
                }
            }
            return null;
        }));
        for (int c = 0; c < CALLERS; c++) {
            int caller = c;
            futures.add(callers.submit(() -> {
                SplittableRandom random = new SplittableRandom(index * 31L + caller);
                go.await(30, TimeUnit.SECONDS);
                // until the poller measured enough (a real event, not a time), or the calls run out
                for (int k = 0; k < MAX_CALLS && !session.isClosed() && measured(session) < SAMPLES; k++) {
                    try {
                        call(session, random, caller, k);
                    } catch (IllegalStateException e) {
                        if (!session.isClosed() || !String.valueOf(e.getMessage()).contains("is closed")) {
                            unexpected.add(e);
                        }
                    } catch (Throwable t) {
                        unexpected.add(t);
                    }
                }
                return null;
            }));
        }
        for (int f = 1; f < futures.size(); f++) {
            futures.get(f).get(60, TimeUnit.SECONDS);
        }
        session.close();
        done.set(true);
        futures.get(0).get(60, TimeUnit.SECONDS);

        assertThat(unexpected).as("thrown to callers").isEmpty();
        SessionReport live = session.exportReport();
        assertThat(made).hasSize(1);
        Counting exporter = made.peek();
        assertThat(exporter.started.get()).isEqualTo(1);
        assertThat(exporter.ended.get()).isEqualTo(1);
        assertThat(exporter.report).isSameAs(live);
        assertNoNegativeDuration(live);
        Path journal = session.journalPath().orElseThrow();
        assertThat(session.journalFailureCount()).as("journal lines dropped or failed").isZero();
        assertStampsInOrder(journal);
        assertRecoversAsLive(journal, live);
        assertThat(SessionReportJson.fromJson(SessionReportJson.toJson(live))).as("read back from JSON").isEqualTo(live);
        if (live.validationData().fallback() == null && "plain".equals(live.validationData().latencySource())) {
            assertThat(live.validationData().probe()).as("probe statistics of a source no longer polled").isNull();
        }
        samples.addAndGet(live.validationData().counters().measuredCount());
        rounds.addAndGet(live.multiplayerMetrics().rounds().size());
        steps.addAndGet(live.validationData().clock().clockStepCount());
        qualityChanges.addAndGet(live.multiplayerMetrics().qualityChanges().size());
    }

    /** Every 5th session's probes close it from their statistics read (when opened by an odd call). */
    private static GameSession closer(GameSession session, int k) {
        return session.sessionId().hashCode() % 5 == 0 && k % 2 == 1 ? session : null;
    }

    private static long measured(GameSession session) {
        return session.getLatencySummary().map(summary -> summary.totalSampleCount()).orElse(0L);
    }

    private void call(GameSession session, SplittableRandom random, int caller, int k) {
        switch (random.nextInt(14)) {
            case 0, 1 -> session.beginRound(random.nextInt(3));
            case 2, 3 -> session.endRound();
            case 4 -> {
                if (random.nextInt(60) == 0) {
                    session.onDataChannelOpen(random.nextBoolean()
                            ? new Probe("probe-" + caller + "-" + k, closer(session, k)) : new Plain());
                }
            }
            case 5 -> {
                if (random.nextInt(60) == 0) {
                    session.onDataChannelOpen(new Probe("probe-" + caller + "-" + k, closer(session, k)), new Plain());
                }
            }
            case 6 -> session.onDataChannelClose("left " + k);
            case 7 -> {
                QualityListener[] self = new QualityListener[1];
                self[0] = change -> {
                    session.removeQualityListener(self[0]);
                    session.addQualityListener(x -> session.latest());
                    if (change.current() == ConnectionQuality.LOST && k % 50 == 0) {
                        session.close();
                    }
                };
                session.addQualityListener(self[0]);
            }
            case 8 -> {
                SessionReport now = session.exportReport();
                if (random.nextInt(20) == 0) {
                    assertNoNegativeDuration(now);
                    assertThat(SessionReportJson.fromJson(SessionReportJson.toJson(now))).isEqualTo(now);
                }
            }
            case 9 -> {
                session.latest();
                session.getLatencyStats();
                session.getLatencySummary();
                session.currentRound();
            }
            case 10 -> session.exportValidationData();
            case 11 -> {
                if (random.nextInt(2_000) == 0) {
                    session.close();
                }
            }
            default -> Thread.yield();
        }
    }

    /** Recovery of a journal equals the live report field by field, with no problem. */
    private static void assertRecoversAsLive(Path journal, SessionReport live) throws java.io.IOException {
        SessionJournal.Recovery recovery = SessionJournal.recover(journal);
        assertThat(recovery.problems()).as(journal.toString()).isEmpty();
        assertThat(recovery.problemCount()).isZero();
        assertThat(recovery.complete()).isTrue();
        SessionReport recovered = recovery.report();
        assertThat(recovered.sessionMetrics()).isEqualTo(live.sessionMetrics());
        assertThat(recovered.validationData().clock()).isEqualTo(live.validationData().clock());
        assertThat(recovered.validationData().coverage()).isEqualTo(live.validationData().coverage());
        assertThat(recovered.validationData()).isEqualTo(live.validationData());
        assertThat(recovered.multiplayerMetrics()).isEqualTo(live.multiplayerMetrics());
        assertThat(recovered).isEqualTo(live);
    }

    /** Every event's monotonic time after the one before: stamped in the order applied. */
    private static void assertStampsInOrder(Path journal) throws java.io.IOException {
        java.util.regex.Pattern n = java.util.regex.Pattern.compile("\"nanoTime\":(\\d+)");
        long last = Long.MIN_VALUE;
        List<String> lines = java.nio.file.Files.readAllLines(journal);
        for (int i = 1; i < lines.size(); i++) {
            java.util.regex.Matcher m = n.matcher(lines.get(i));
            if (!m.find()) {
                continue;
            }
            long now = Long.parseLong(m.group(1));
            assertThat(now).as("%s line %d: %s", journal, i + 1, lines.get(i)).isGreaterThan(last);
            last = now;
        }
    }

    private static void assertNoNegativeDuration(SessionReport report) {
        assertThat(NonNegative.negative(report)).isEmpty();
    }
}
