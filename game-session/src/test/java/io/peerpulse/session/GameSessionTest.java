package io.peerpulse.session;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.Records;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import static io.peerpulse.telemetry.fixtures.Records.path;
import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.telemetry.LatencySummary;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.spi.RttReading;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * GameSession driven in virtual time: lifecycle, connection history, rounds, quality and coverage.
 * Exporters and listeners run on the calling thread here (executor {@code Runnable::run}), so every
 * assertion sees their effect at once; GameSessionExportersTest covers real threads.
 */
class GameSessionTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    /** An IPv4 address (the testkit's IpAddresses cannot be used here: it depends on this module). */
    private static final String IPV4 = "\\b\\d{1,3}(\\.\\d{1,3}){3}\\b";

    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final long T0 = VirtualScheduler.DEFAULT_START.toEpochMilli();
    /* Components by name: expected values that a new component of these records does not break. */
    private static final Function<CoverageGap, Tuple> GAP = gap -> tuple(gap.startEpochMs(), gap.endEpochMs(),
            gap.durationMs(), gap.startElapsedMs());
    private static final Function<ConnectionEvent, Tuple> EVENT = event -> tuple(event.timestampEpochMs(), event.type(),
            event.reason());
    private static final Function<Disconnection, Tuple> DISCONNECTION = d -> tuple(d.startEpochMs(), d.endEpochMs(),
            d.durationMs(), d.reason());
    private static final Function<Reconnection, Tuple> RECONNECTION = r -> tuple(r.timestampEpochMs(), r.newConnection(),
            r.downtimeMs(), r.closeReason());

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final List<GameSession> sessions = new ArrayList<>();

    @AfterEach
    void closeAll() {
        sessions.forEach(GameSession::close);
        scheduler.shutdownNow();
    }

    /** The rule of earlier versions: the RTT median alone, no hysteresis. */
    private static final QualityThresholds RTT_ONLY = QualityThresholds.rttOnly(150, 300, 5, 3);

    /** A change as earlier versions made it: without score and reasons. */
    private static PlainChange plain(QualityChange change) {
        return PlainChange.of(change);
    }

    /** A snapshot as earlier versions made it, by component name: without score and reasons. */
    private static Tuple plain(LiveRtt live) {
        return tuple(live.quality(), live.lastRttMs(), live.lastSampleEpochMs(), live.recentMedianMs());
    }

    /** Counters by component name, every other one 0: a counter added later breaks no test here. */
    private static TelemetryCounters counters(Object... namesAndValues) {
        return Records.record(TelemetryCounters.class, namesAndValues);
    }

    /** Records the path changes the session hands its exporters (on the calling thread here). */
    private static final class Recording implements io.peerpulse.session.spi.SessionExporterProvider,
            io.peerpulse.session.spi.SessionExporter {
        private final List<PathChange> paths = new ArrayList<>();

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public io.peerpulse.session.spi.SessionExporter create(io.peerpulse.session.spi.ExportSettings settings) {
            return this;
        }

        @Override
        public synchronized void pathChanged(String sessionId, PathChange change) {
            paths.add(change);
        }

        @Override
        public void sessionEnded(SessionReport report) {
        }

        synchronized List<PathChange> paths() {
            return List.copyOf(paths);
        }
    }

    private GameSession.Builder builder() {
        return GameSession.builder("session-1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock()).build())
                .exporterProviders(List.of())
                .executor(Runnable::run);
    }

    private GameSession session(GameSession.Builder builder) {
        GameSession session = builder.build();
        sessions.add(session);
        return session;
    }

    private void advanceSeconds(long seconds) {
        scheduler.advance(SECOND.multipliedBy(seconds));
    }

    @Test
    void measuresFromTheFirstOpenUntilCloseAndKeepsTheStatistics() {
        GameSession session = session(builder().playerId("p1"));
        ScriptedRttSource source = ScriptedRttSource.repeating(RttReading.measured(80));
        advanceSeconds(2);
        assertThat(scheduler.pendingTaskCount()).as("nothing polls before a channel opens").isZero();

        session.onDataChannelOpen(source);
        scheduler.runDueTasks();
        advanceSeconds(2);
        assertThat(session.getLatencyStats()).hasValueSatisfying(stats -> assertThat(stats.samples())
                .containsExactly(sample(T0 + 2000, 80), sample(T0 + 3000, 80),
                        sample(T0 + 4000, 80)));
        assertThat(session.getLatencySummary()).hasValueSatisfying(s -> assertThat(s.medianMs()).isEqualTo(80));
        SessionMetrics running = session.exportSessionMetrics();
        assertThat(running.startEpochMs()).isEqualTo(T0);
        assertThat(running.endEpochMs()).isNull();
        assertThat(running.durationMs()).isEqualTo(4000);
        assertThat(running.connection().timeWithoutChannelMs()).isEqualTo(2000);
        assertThat(running.connection().firstOpenEpochMs()).isEqualTo(T0 + 2000);

        advanceSeconds(1);
        session.close();
        int reads = source.readCount();
        advanceSeconds(10);
        assertThat(source.readCount()).as("no poll after close").isEqualTo(reads);
        assertThat(scheduler.pendingTaskCount()).isZero();
        assertThat(session.getLatencyStats()).hasValueSatisfying(s -> assertThat(s.sampleCount()).isEqualTo(4));

        SessionReport report = session.exportReport();
        assertThat(report.sessionMetrics().endEpochMs()).isEqualTo(T0 + 5000);
        assertThat(report.sessionMetrics().durationMs()).isEqualTo(5000);
        assertThat(report.sessionMetrics().playerId()).isEqualTo("p1");
        assertThat(report.sessionMetrics().latency().sampleCount()).isEqualTo(4);
        assertThat(report.validationData().counters()).isEqualTo(counters("pollCount", 4, "measuredCount", 4));
        assertThat(report.validationData().clock().startEpochMs()).isEqualTo(T0);
        assertThat(report.validationData().clock().endEpochMs()).isEqualTo(T0 + 5000);
        assertThat(report.validationData().clock().pollIntervalMs()).isEqualTo(1000);
        assertThat(report.validationData().clock().endNanoTime())
                .isGreaterThanOrEqualTo(report.validationData().clock().startNanoTime());
        assertThat(session.exportMultiplayerMetrics()).isSameAs(report.multiplayerMetrics());
    }

    @Test
    void theSameSourceAgainWhileOpenChangesNothing() {
        GameSession session = session(builder());
        ScriptedRttSource source = ScriptedRttSource.repeating(RttReading.measured(50));
        session.onDataChannelOpen(source);
        advanceSeconds(2);
        session.onDataChannelOpen(source);
        session.onDataChannelOpen(source);
        advanceSeconds(2);

        assertThat(source.readCount()).as("still one poll a second").isEqualTo(5);
        ConnectionHistory history = session.exportSessionMetrics().connection();
        assertThat(history.events()).extracting(EVENT).containsExactly(tuple(T0, ConnectionEvent.Type.OPENED, null));
        assertThat(history.reconnectionCount()).isZero();
        assertThat(session.exportMultiplayerMetrics().reconnections()).isEmpty();
    }

    @Test
    void theSameSourceAfterACloseIsAReopeningWithItsDowntime() {
        GameSession session = session(builder());
        ScriptedRttSource source = ScriptedRttSource.repeating(RttReading.measured(50));
        session.onDataChannelOpen(source);
        advanceSeconds(2);
        session.onDataChannelClose("peer left");
        session.onDataChannelClose("twice: ignored");
        advanceSeconds(3);
        session.onDataChannelOpen(source);
        advanceSeconds(1);
        session.close();

        SessionReport report = session.exportReport();
        ConnectionHistory history = report.sessionMetrics().connection();
        assertThat(history.events()).extracting(EVENT).containsExactly(
                tuple(T0, ConnectionEvent.Type.OPENED, null),
                tuple(T0 + 2000, ConnectionEvent.Type.CLOSED, "peer left"),
                tuple(T0 + 5000, ConnectionEvent.Type.REOPENED, null));
        assertThat(history.disconnections()).extracting(DISCONNECTION)
                .containsExactly(tuple(T0 + 2000, T0 + 5000, 3000L, "peer left"));
        assertThat(history.disconnectedMs()).isEqualTo(3000);
        assertThat(history.timeWithoutChannelMs()).isEqualTo(3000);
        assertThat(history.channelOpen()).isTrue();
        assertThat(history.reconnectionCount()).isEqualTo(1);
        assertThat(report.multiplayerMetrics().reconnections())
                .extracting(RECONNECTION).containsExactly(tuple(T0 + 5000, false, 3000L, "peer left"));
        assertThat(report.sessionMetrics().latency().totalSampleCount()).isEqualTo(7);
    }

    @Test
    void aNewSourceIsAReconnectionThatKeepsEverySample() {
        GameSession session = session(builder());
        ScriptedRttSource first = new ScriptedRttSource().thenMeasured(50).thenMeasured(50).thenMeasured(50)
                .orElse(RttReading.unavailable("closed"));
        ScriptedRttSource second = ScriptedRttSource.repeating(RttReading.measured(70));
        session.onDataChannelOpen(first);
        scheduler.advance(Duration.ofMillis(2500));
        session.onDataChannelClose("ice failed at 10.0.0.7:5000");
        scheduler.advance(Duration.ofMillis(1500));
        session.onDataChannelOpen(second);
        advanceSeconds(2);

        assertThat(first.readCount()).isEqualTo(5);
        assertThat(second.readCount()).isEqualTo(2);
        assertThat(session.getLatencyStats().orElseThrow().samples()).extracting(RttSample::rttMs)
                .containsExactly(50.0, 50.0, 50.0, 70.0, 70.0);
        SessionMetrics metrics = session.exportSessionMetrics();
        assertThat(metrics.connection().events()).extracting(ConnectionEvent::type).containsExactly(
                ConnectionEvent.Type.OPENED, ConnectionEvent.Type.CLOSED, ConnectionEvent.Type.RECONNECTED);
        assertThat(metrics.connection().events().get(1).reason()).isEqualTo("ice failed at <redacted>");
        assertThat(session.exportMultiplayerMetrics().reconnections())
                .extracting(RECONNECTION).containsExactly(tuple(T0 + 4000, true, 1500L, "ice failed at <redacted>"));

        ScriptedRttSource third = ScriptedRttSource.repeating(RttReading.measured(90));
        session.onDataChannelOpen(third); // a new connection while the channel is still open
        advanceSeconds(1);
        assertThat(session.exportMultiplayerMetrics().reconnections()).extracting(RECONNECTION).last()
                .isEqualTo(tuple(T0 + 6000, true, 0L, null));
        assertThat(session.latest().lastRttMs()).isEqualTo(90);
        assertThat(session.exportReport().toString()).doesNotContainPattern(IPV4);
    }

    @Test
    void aSessionEndedWhileDisconnectedCountsTheDowntimeUntilTheEnd() {
        GameSession session = session(builder());
        advanceSeconds(1);
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(50)));
        advanceSeconds(2);
        session.onDataChannelClose(null);
        advanceSeconds(4);
        session.close();

        ConnectionHistory history = session.exportReport().sessionMetrics().connection();
        assertThat(history.disconnections()).extracting(DISCONNECTION).containsExactly(tuple(T0 + 3000, null, 4000L, null));
        assertThat(history.timeWithoutChannelMs()).isEqualTo(5000);
        assertThat(history.channelOpen()).isFalse();
    }

    @Test
    void eachRoundHasExactStatisticsOverItsOwnSamples() {
        GameSession session = session(builder());
        ScriptedRttSource source = new ScriptedRttSource()
                .thenMeasured(999)
                .thenMeasured(100).thenMeasured(120).thenMeasured(150)
                .thenMeasured(80).thenMeasured(83).thenMeasured(81).thenMeasured(82);
        session.onDataChannelOpen(source);
        scheduler.runDueTasks(); // 999 at t0, before any round
        session.beginRound(1);
        assertThat(session.currentRound()).hasValue(1);
        advanceSeconds(3);
        RoundMetrics first = session.endRound().orElseThrow();
        assertThat(session.currentRound()).isEmpty();
        assertThat(session.endRound()).isEmpty();
        session.beginRound(2);
        advanceSeconds(4);
        session.beginRound(3); // ends round 2
        advanceSeconds(1);
        MultiplayerMetrics running = session.exportMultiplayerMetrics();
        session.close();

        // by component name (a new component breaks no test): sample 0 (999) came before the round
        assertThat(first).extracting(RoundMetrics::roundNumber, RoundMetrics::startEpochMs, RoundMetrics::endEpochMs,
                RoundMetrics::durationMs, RoundMetrics::firstSampleIndex, RoundMetrics::startElapsedMs)
                .containsExactly(1, T0, T0 + 3000, 3000L, 1L, 0L);
        assertThat(first.latency()).extracting(LatencySummary::sampleCount, LatencySummary::minMs, LatencySummary::maxMs,
                LatencySummary::meanMs, LatencySummary::medianMs, LatencySummary::p95Ms, LatencySummary::p99Ms,
                LatencySummary::stdDevMs, LatencySummary::jitterMs, LatencySummary::totalSampleCount)
                .containsExactly(3, 100.0, 150.0, 123.333, 120.0, 147.0, 149.4, 20.548, 25.0, 3L);
        List<RoundMetrics> rounds = session.exportReport().multiplayerMetrics().rounds();
        assertThat(rounds).hasSize(3);
        assertThat(rounds.get(0)).isEqualTo(first);
        RoundMetrics second = rounds.get(1);
        assertThat(second.roundNumber()).isEqualTo(2);
        assertThat(second.startEpochMs()).isEqualTo(T0 + 3000);
        assertThat(second.endEpochMs()).isEqualTo(T0 + 7000);
        LatencySummary s = second.latency();
        // numpy: [80, 83, 81, 82] -> median 81.5, mean 81.5, percentile 95 = 82.85, 99 = 82.97, std 1.118…
        assertThat(s.sampleCount()).isEqualTo(4);
        assertThat(s.minMs()).isEqualTo(80);
        assertThat(s.maxMs()).isEqualTo(83);
        assertThat(s.medianMs()).isEqualTo(81.5);
        assertThat(s.meanMs()).isEqualTo(81.5);
        assertThat(s.p95Ms()).isCloseTo(82.85, within(1e-12));
        assertThat(s.p99Ms()).isCloseTo(82.97, within(1e-12));
        assertThat(s.stdDevMs()).isEqualTo(1.118); // numpy 1.118033988749895, rounded once to 0.001 ms
        assertThat(s.jitterMs()).isCloseTo(2, within(1e-12)); // |83-80| + |81-83| + |82-81| = 6, over 3
        assertThat(rounds.get(2)).extracting(RoundMetrics::roundNumber, RoundMetrics::startEpochMs,
                RoundMetrics::endEpochMs, RoundMetrics::durationMs, RoundMetrics::latency, RoundMetrics::firstSampleIndex,
                RoundMetrics::startElapsedMs).containsExactly(3, T0 + 7000, T0 + 8000, 1000L, null, null, 7000L);
        assertThat(running.rounds().get(2)).extracting(RoundMetrics::roundNumber, RoundMetrics::startEpochMs,
                RoundMetrics::endEpochMs, RoundMetrics::durationMs, RoundMetrics::latency, RoundMetrics::firstSampleIndex,
                RoundMetrics::startElapsedMs).containsExactly(3, T0 + 7000, null, 1000L, null, null, 7000L);
        assertThat(session.exportReport().sessionMetrics().latency().sampleCount()).isEqualTo(8);
        // each window sample belongs to exactly the round it was recorded in, by its session-wide number
        assertThat(second.firstSampleIndex()).isEqualTo(4);
        assertThat(java.util.stream.LongStream.range(0, 8).mapToObj(i -> rounds.stream()
                .filter(r -> r.containsSample(i)).map(RoundMetrics::roundNumber).toList()))
                .containsExactly(List.of(), List.of(1), List.of(1), List.of(1), List.of(2), List.of(2), List.of(2),
                        List.of(2));
    }

    @Test
    void aNegativeRoundNumberIsRefused() {
        GameSession session = session(builder());
        assertThatThrownBy(() -> session.beginRound(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("roundNumber must be >= 0, was -1");
    }

    @Test
    void qualityChangesExactlyAtTheThresholdsAndIsLostAfterTheToleratedBadPolls() {
        GameSession session = session(builder().qualityThresholds(RTT_ONLY).qualityRecentSamples(1));
        List<QualityChange> heard = new ArrayList<>();
        session.addQualityListener(heard::add);
        ScriptedRttSource source = new ScriptedRttSource()
                .thenMeasured(149.999)                        // t0      GOOD
                .thenMeasured(150)                            // t0+1 s  FAIR: 150 is FAIR
                .thenMeasured(299.999)                        // t0+2 s  FAIR
                .thenMeasured(300)                            // t0+3 s  POOR: 300 is POOR
                .thenMeasured(100)                            // t0+4 s  GOOD
                .thenUnavailable("gone").thenFail(new IOException("stats")).thenUnavailable("gone")
                .thenMeasured(Double.NaN)                     // rejected: neither counts nor resets
                .thenUnavailable("gone")                      // t0+9 s  LOST: the 4th bad poll in a row
                .thenStale()                                  // connected, but still nothing measured: LOST
                .thenMeasured(120);                           // t0+11 s GOOD
        session.onDataChannelOpen(source);
        assertThat(session.latest().quality()).isEqualTo(ConnectionQuality.UNKNOWN);
        assertThat(session.latest().lastRttMs()).isNaN();
        advanceSeconds(8);
        assertThat(session.latest().quality()).isEqualTo(ConnectionQuality.GOOD);
        advanceSeconds(1);
        assertThat(session.latest().quality()).isEqualTo(ConnectionQuality.LOST);
        assertThat(plain(session.latest())).isEqualTo(tuple(ConnectionQuality.LOST, 100.0, T0 + 4000, 100.0));
        advanceSeconds(2);

        List<PlainChange> expected = List.of(
                new PlainChange(T0, ConnectionQuality.UNKNOWN, ConnectionQuality.GOOD, 149.999, 0L),
                new PlainChange(T0 + 1000, ConnectionQuality.GOOD, ConnectionQuality.FAIR, 150.0, 1000L),
                new PlainChange(T0 + 3000, ConnectionQuality.FAIR, ConnectionQuality.POOR, 300.0, 3000L),
                new PlainChange(T0 + 4000, ConnectionQuality.POOR, ConnectionQuality.GOOD, 100.0, 4000L),
                new PlainChange(T0 + 9000, ConnectionQuality.GOOD, ConnectionQuality.LOST, 100.0, 9000L),
                new PlainChange(T0 + 11000, ConnectionQuality.LOST, ConnectionQuality.GOOD, 120.0, 11000L));
        assertThat(session.exportMultiplayerMetrics().qualityChanges()).map(GameSessionTest::plain).isEqualTo(expected);
        assertThat(heard).map(GameSessionTest::plain).isEqualTo(expected);
        assertThat(plain(session.latest())).isEqualTo(tuple(ConnectionQuality.GOOD, 120.0, T0 + 11000, 120.0));
    }

    @Test
    void theRecentMedianIsOverTheLastFiveSamplesAndTheMiddlePairAtAnEvenCount() {
        GameSession session = session(builder().qualityThresholds(RTT_ONLY));
        session.onDataChannelOpen(new ScriptedRttSource()
                .thenMeasured(140)                       // [140]                   -> 140 GOOD
                .thenMeasured(160)                       // [140, 160]              -> 150 FAIR
                .thenMeasured(100)                       // [140, 160, 100]         -> 140 GOOD
                .thenMeasured(100)                       // [140, 160, 100, 100]    -> 120 GOOD
                .thenMeasured(400)                       // [140, 160, 100, 100, 400] -> 140 GOOD
                .thenMeasured(400)                       // [160, 100, 100, 400, 400] -> 160 FAIR
                .thenMeasured(400));                     // [100, 100, 400, 400, 400] -> 400 POOR
        advanceSeconds(6);
        assertThat(session.exportMultiplayerMetrics().qualityChanges())
                .extracting(QualityChange::current, QualityChange::recentMedianMs)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(ConnectionQuality.GOOD, 140.0),
                        org.assertj.core.groups.Tuple.tuple(ConnectionQuality.FAIR, 150.0),
                        org.assertj.core.groups.Tuple.tuple(ConnectionQuality.GOOD, 140.0),
                        org.assertj.core.groups.Tuple.tuple(ConnectionQuality.FAIR, 160.0),
                        org.assertj.core.groups.Tuple.tuple(ConnectionQuality.POOR, 400.0));
    }

    @Test
    void configuredThresholdsAndNoToleranceApply() {
        GameSession session = session(builder().qualityThresholds(RTT_ONLY)
                .qualityThresholds(Duration.ofMillis(50), Duration.ofMillis(80))
                .qualityRecentSamples(1)
                .toleratedBadPolls(0));
        session.onDataChannelOpen(new ScriptedRttSource().thenMeasured(49).thenMeasured(50).thenMeasured(80)
                .thenUnavailable("gone"));
        advanceSeconds(3);
        assertThat(session.exportMultiplayerMetrics().qualityChanges()).extracting(QualityChange::current)
                .containsExactly(ConnectionQuality.GOOD, ConnectionQuality.FAIR, ConnectionQuality.POOR,
                        ConnectionQuality.LOST);
        assertThat(session.exportMultiplayerMetrics().qualityThresholds().fairFromMs()).isEqualTo(50);
    }

    @Test
    void gapsAndCoverageComeFromScriptedOutages() {
        GameSession session = session(builder());
        ScriptedRttSource source = new ScriptedRttSource()
                .thenMeasured(50).thenMeasured(50).thenMeasured(50)      // 0, 1, 2 s
                .thenUnavailable("gone").thenUnavailable("gone")         // 3, 4 s
                .thenMeasured(50)                                        // 5 s: 3 s since the last: no gap
                .thenMeasured(50)                                        // 6 s
                .thenUnavailable("gone").thenStale().thenStale().thenFail(new IOException("stats")) // 7-10 s
                .thenMeasured(50)                                        // 11 s: 5 s since the last: a gap
                .orElse(RttReading.stale());                             // 12-20 s: stale
        session.onDataChannelOpen(source);
        advanceSeconds(15);
        Coverage running = session.exportValidationData().coverage();
        assertThat(running.gaps()).extracting(GAP).containsExactly(tuple(T0 + 6000, T0 + 11000, 5000L, 6000L),
                tuple(T0 + 11000, T0 + 15000, 4000L, 11000L));
        advanceSeconds(5);
        session.close();

        ValidationData data = session.exportReport().validationData();
        Coverage coverage = data.coverage();
        assertThat(coverage.gapThresholdMs()).isEqualTo(3000);
        assertThat(coverage.gaps()).extracting(GAP).containsExactly(tuple(T0 + 6000, T0 + 11000, 5000L, 6000L),
                tuple(T0 + 11000, T0 + 20000, 9000L, 11000L));
        assertThat(coverage.gapMs()).isEqualTo(14000);
        assertThat(coverage.measuringStartEpochMs()).isEqualTo(T0);
        assertThat(coverage.measuringMs()).isEqualTo(20000);
        assertThat(coverage.coveredRatio()).isEqualTo(0.3);
        assertThat(coverage.firstMeasurementEpochMs()).isEqualTo(T0);
        assertThat(coverage.lastMeasurementEpochMs()).isEqualTo(T0 + 11000);
        assertThat(data.counters()).isEqualTo(counters("pollCount", 21, "measuredCount", 6, "staleCount", 11,
                "unavailableCount", 3, "failedCount", 1));
        assertThat(coverage.measuredPollRatio()).isEqualTo(6.0 / 21);
    }

    @Test
    void aRoundTripLongerThanTheGapThresholdIsNoGapWhenItsPingWentOutOnTime() {
        // bufferbloat: a ping sent on time whose pong takes 3.5 s (within the 5 s read timeout); the polls meanwhile
        // are skipped. The path was seen from the ping's departure on: no stretch without a measurement
        GameSession session = session(builder().telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO)
                .readTimeout(Duration.ofSeconds(5)).scheduler(scheduler).clock(scheduler.clock()).build()));
        ScriptedRttSource source = new ScriptedRttSource().thenMeasured(50).thenHang().orElse(RttReading.measured(50));
        session.onDataChannelOpen(source);
        advanceSeconds(1); // 1 s: the ping goes out
        scheduler.advance(Duration.ofMillis(3500));
        source.pendingReads().get(0).complete(RttReading.measured(3500)); // its pong, 3.5 s later
        advanceSeconds(3);
        Coverage coverage = session.exportValidationData().coverage();
        assertThat(coverage.gapThresholdMs()).isEqualTo(3000);
        assertThat(session.exportValidationData().latency().maxMs()).isEqualTo(3500);
        assertThat(coverage.gaps()).as("the measurement at 4.5 s began at 1 s").isEmpty();

        // a ping that went out 4 s after the last measurement ends a gap, however fast its pong
        GameSession late = session(builder());
        late.onDataChannelOpen(new ScriptedRttSource().thenMeasured(50).thenStale().thenStale().thenStale()
                .thenMeasured(900).orElse(RttReading.measured(50)));
        advanceSeconds(6);
        assertThat(late.exportValidationData().coverage().gaps()).hasSize(1);
    }

    @Test
    void aStretchIsAGapOnlyWhenLongerThanTheThresholdPlusTheRttThatEndsItAndTheGapRunsToThePoll() {
        // Coverage's one statement: measured at 1 s, stale at 2, 3 and 4 s, measured at 5 s; threshold 3 s. The
        // 4 s stretch is a gap only when longer than 3 s plus the RTT of the measurement at 5 s
        GameSession gap = session(builder());
        gap.onDataChannelOpen(new ScriptedRttSource().thenMeasured(50).thenStale().thenStale().thenStale()
                .thenMeasured(999).orElse(RttReading.measured(50)));
        GameSession none = session(builder());
        none.onDataChannelOpen(new ScriptedRttSource().thenMeasured(50).thenStale().thenStale().thenStale()
                .thenMeasured(1001).orElse(RttReading.measured(50)));
        advanceSeconds(6);
        Coverage reported = gap.exportValidationData().coverage();
        assertThat(reported.gapThresholdMs()).isEqualTo(3000);
        assertThat(reported.gaps()).as("4000 - 999 > 3000").singleElement()
                .satisfies(g -> assertThat(g.durationMs()).as("up to the poll, its RTT included").isEqualTo(4000));
        assertThat(reported.gapMs()).isEqualTo(4000);
        assertThat(none.exportValidationData().coverage().gaps()).as("4000 - 1001 <= 3000").isEmpty();
    }

    @Test
    void aSlowFirstMeasurementIsAGapFromTheOpenAndNoMeasurementMeansNoCoverage() {
        GameSession slow = session(builder().gapAfterPolls(2));
        slow.onDataChannelOpen(new ScriptedRttSource().thenUnavailable("not yet").thenUnavailable("not yet")
                .thenUnavailable("not yet").orElse(RttReading.measured(40)));
        advanceSeconds(4);
        assertThat(slow.exportValidationData().coverage().gaps())
                .extracting(GAP).containsExactly(tuple(T0, T0 + 3000, 3000L, 0L));

        GameSession never = session(builder());
        never.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.stale()));
        advanceSeconds(2);
        Coverage coverage = never.exportValidationData().coverage();
        assertThat(coverage.gaps()).isEmpty();
        assertThat(coverage.coveredRatio()).isZero();
        assertThat(coverage.firstMeasurementEpochMs()).isNull();
    }

    @Test
    void pathChangesAreRecordedWithTheirTimes() {
        GameSession session = session(builder());
        NetworkPath direct = path("host", "host", "udp");
        NetworkPath relayed = path("relay", "host", "udp");
        session.onDataChannelOpen(new ScriptedRttSource()
                .then(RttReading.measured(10, direct))
                .then(RttReading.stale(direct))
                .then(RttReading.measured(30, relayed)));
        advanceSeconds(3);
        SessionReport report = session.exportReport();
        assertThat(report.multiplayerMetrics().pathChanges())
                .extracting(PathChange::timestampEpochMs, PathChange::previous, PathChange::current)
                .containsExactly(tuple(T0, null, direct), tuple(T0 + 2000, direct, relayed));
        assertThat(report.validationData().pathChangeCount()).isEqualTo(1);
        assertThat(report.sessionMetrics().path()).isEqualTo(relayed);
    }

    @Test
    void besideAProbeThatNamesNoPathTheIceViewsPathChangesAreRecordedOnceEvenAfterAFallback() {
        // the recommended set-up: the probe (no path in its readings) for latency, the ICE view beside it. Its
        // pair moves from Wi-Fi's host candidate to a cellular srflx one; before, no path was ever recorded
        NetworkPath wifi = path("host", "host", "udp");
        NetworkPath cellular = path("srflx", "host", "udp");
        Recording recording = new Recording();
        GameSession session = session(builder().exporterProviders(List.of(recording))
                .fallbackAfter(Duration.ofSeconds(4)));
        ScriptedRttSource probe = ScriptedRttSource.repeating(RttReading.unavailable("peer never answered"));
        session.onDataChannelOpen(probe, new ScriptedRttSource()
                .then(RttReading.measured(40, wifi))
                .then(RttReading.stale(wifi))
                .then(RttReading.measured(160, cellular))
                .orElse(RttReading.measured(160, cellular)));
        advanceSeconds(3);
        SessionReport report = session.exportReport();
        assertThat(report.multiplayerMetrics().pathChanges())
                .extracting(PathChange::timestampEpochMs, PathChange::previous, PathChange::current)
                .containsExactly(tuple(T0, null, wifi), tuple(T0 + 2000, wifi, cellular));
        assertThat(report.validationData().pathChangeCount()).isEqualTo(1);
        assertThat(report.sessionMetrics().path()).isEqualTo(cellular);
        // the probe never answers: the ICE view becomes the primary, naming the path already recorded
        advanceSeconds(4);
        SessionReport after = session.exportReport();
        assertThat(after.validationData().fallback()).isNotNull();
        assertThat(after.multiplayerMetrics().pathChanges()).as("no second entry for the same path")
                .extracting(PathChange::current).containsExactly(wifi, cellular);
        assertThat(after.validationData().pathChangeCount()).isEqualTo(1);
        session.close();
        assertThat(recording.paths()).as("the exporters' calls, one per entry")
                .extracting(PathChange::current).containsExactly(wifi, cellular);
    }

    @Test
    void afterAReconnectionFromTheIceViewAloneToAProbeTheIceViewBesideItStillRecordsThePath() {
        // an old client first (the ICE view alone measures, naming Wi-Fi's path), then a reconnection with the probe
        // and the ICE view beside it, on cellular: the new path is the session's although the primary's record
        // still holds the old one
        NetworkPath wifi = path("host", "host", "udp");
        NetworkPath cellular = path("srflx", "host", "udp");
        GameSession session = session(builder());
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40, wifi)));
        advanceSeconds(2);
        session.onDataChannelClose("network changed");
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(161)),
                ScriptedRttSource.repeating(RttReading.measured(160, cellular)));
        advanceSeconds(2);
        SessionReport report = session.exportReport();
        assertThat(report.multiplayerMetrics().pathChanges()).extracting(PathChange::previous, PathChange::current)
                .containsExactly(tuple(null, wifi), tuple(wifi, cellular));
        assertThat(report.sessionMetrics().path()).isEqualTo(cellular);
    }

    @Test
    void aViewNamingAgainThePathItNamedBeforeAnotherViewMovedTheSessionRecordsTheMoveBack() {
        // the ICE view alone on Wi-Fi, a reconnection with the probe and the ICE view beside it on cellular, then
        // back to the ICE view alone on Wi-Fi (and once more to the probe on cellular): each view's own last path
        // is the one it named before the other view moved the session, so each move back must still be recorded
        NetworkPath wifi = path("host", "host", "udp");
        NetworkPath cellular = path("srflx", "host", "udp");
        Recording recording = new Recording();
        GameSession session = session(builder().exporterProviders(List.of(recording)));
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40, wifi)));
        advanceSeconds(2);
        session.onDataChannelClose("network changed");
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(161)),
                ScriptedRttSource.repeating(RttReading.measured(160, cellular)));
        advanceSeconds(2);
        session.onDataChannelClose("network changed");
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(41, wifi)));
        advanceSeconds(2);
        SessionReport back = session.exportReport();
        assertThat(back.multiplayerMetrics().pathChanges()).extracting(PathChange::previous, PathChange::current)
                .containsExactly(tuple(null, wifi), tuple(wifi, cellular), tuple(cellular, wifi));
        assertThat(back.sessionMetrics().path()).as("measured on Wi-Fi again").isEqualTo(wifi);
        session.onDataChannelClose("network changed");
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(162)),
                ScriptedRttSource.repeating(RttReading.measured(160, cellular)));
        advanceSeconds(2);
        session.close();
        SessionReport report = session.exportReport();
        assertThat(report.multiplayerMetrics().pathChanges()).extracting(PathChange::current)
                .containsExactly(wifi, cellular, wifi, cellular);
        assertThat(report.sessionMetrics().path()).isEqualTo(cellular);
        assertThat(report.validationData().pathChangeCount()).isEqualTo(3);
        assertThat(recording.paths()).extracting(PathChange::current).containsExactly(wifi, cellular, wifi, cellular);
    }

    @Test
    void exportsNeverHoldAnAddressEvenWhenTheCallerPassesOne() {
        GameSession session = session(builder());
        ScriptedRttSource source = ScriptedRttSource.repeating(RttReading.measured(20));
        session.onDataChannelOpen(source);
        advanceSeconds(1);
        session.onDataChannelClose("candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host");
        session.onDataChannelOpen(source);
        session.onDataChannelClose("lost [2001:db8::7]:3478 and 203.0.113.9");
        session.onDataChannelOpen(source);
        session.close();
        String everything = session.exportReport().toString();
        assertThat(everything).doesNotContainPattern(IPV4)
                .doesNotContain("2001:db8", "203.0.113", ":3478", "candidate:", "2122260223");
    }
}
