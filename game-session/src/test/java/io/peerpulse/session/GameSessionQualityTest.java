package io.peerpulse.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.session.GameSessionSourcesTest.IceLike;
import io.peerpulse.session.GameSessionSourcesTest.ScriptedProbe;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.Records;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The quality score, its reasons and hysteresis (issue 26), on scripted sources and virtual time: each poll is
 * one virtual second.
 */
class GameSessionQualityTest {

    /** The sessions here are given failing reads, each logged: captured, not printed. */
    @RegisterExtension
    final LogCapture log = new LogCapture();

    private static final long T0 = VirtualScheduler.DEFAULT_START.toEpochMilli();
    /** The rule of earlier versions. */
    private static final QualityThresholds RTT_ONLY = QualityThresholds.rttOnly(150, 300, 5, 3);

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final List<GameSession> sessions = new ArrayList<>();

    @AfterEach
    void closeAll() {
        sessions.forEach(GameSession::close);
        scheduler.shutdownNow();
    }

    private GameSession session(QualityThresholds thresholds) {
        GameSession session = GameSession.builder("quality-1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).build())
                .exporterProviders(List.of()).executor(Runnable::run).qualityThresholds(thresholds).build();
        sessions.add(session);
        return session;
    }

    private void advanceSeconds(long seconds) {
        scheduler.advance(Duration.ofSeconds(seconds));
    }

    /** 140 ms with one ping in five lost: the old rule said GOOD; the loss makes it POOR, and says so. */
    @Test
    void lossMakesA140MsLinkPoorWithALossReason() {
        ScriptedRttSource script = new ScriptedRttSource();
        for (int i = 0; i < 10; i++) {
            script.thenMeasured(140).thenMeasured(140).thenMeasured(140).thenMeasured(140).thenStale(); // stale = lost
        }
        GameSession session = session(QualityThresholds.DEFAULT);
        session.onDataChannelOpen(new ScriptedProbe(script));
        advanceSeconds(20);

        LiveRtt live = session.latest();
        assertThat(live.quality()).isEqualTo(ConnectionQuality.POOR);
        QualityReason loss = live.reasons().stream().filter(r -> r.metric() == QualityMetric.LOSS).findFirst()
                .orElseThrow();
        assertThat(loss.value()).isEqualTo(0.2); // 2 of the 10 pings that ended in the last 10 s
        assertThat(loss.level()).isEqualTo(ConnectionQuality.POOR);
        assertThat(loss.threshold()).isEqualTo(0.1);
        assertThat(loss.windowMs()).isEqualTo(10_000);
        assertThat(loss.windowCount()).isEqualTo(10);
        assertThat(loss.text()).isEqualTo("loss 20 % over the last 10 s (from 10 %)");
        // E-model: e = 140 + 0 + 10 = 150 < 160, R = 93.2 - 150/40 - 2.5 * 20 = 39.45, rounded half up (README)
        assertThat(live.score()).isEqualTo(39.5);
        assertThat(live.reasons()).extracting(QualityReason::metric).containsExactly(QualityMetric.LOSS,
                QualityMetric.SCORE);
        List<QualityChange> changes = session.exportMultiplayerMetrics().qualityChanges();
        assertThat(changes).extracting(QualityChange::current).containsExactly(ConnectionQuality.GOOD,
                ConnectionQuality.POOR);
        assertThat(changes.get(1).reasons()).extracting(QualityReason::metric).contains(QualityMetric.LOSS);

        GameSession old = session(RTT_ONLY);
        ScriptedRttSource same = new ScriptedRttSource();
        for (int i = 0; i < 10; i++) {
            same.thenMeasured(140).thenMeasured(140).thenMeasured(140).thenMeasured(140).thenStale();
        }
        old.onDataChannelOpen(new ScriptedProbe(same));
        advanceSeconds(20);
        assertThat(old.latest().quality()).as("the RTT-only rule").isEqualTo(ConnectionQuality.GOOD);
    }

    /**
     * A peer that stops answering the probe's pings (a modified client hiding a bad stretch, or a path that loses every
     * probe message while the connection stays up): every poll is stale, none measured, and no pong comes late. The
     * game's path carries nothing: LOST after more than 3 lost pings, under the rule of earlier versions too; it does
     * not stay GOOD from the last answered ping on.
     */
    @Test
    void aProbeWhosePeerAnswersNothingMoreIsLostNotGoodForever() {
        for (QualityThresholds thresholds : List.of(QualityThresholds.DEFAULT, RTT_ONLY)) {
            ScriptedRttSource script = new ScriptedRttSource();
            for (int i = 0; i < 10; i++) {
                script.thenMeasured(60);
            }
            script.orElse(RttReading.stale()); // every ping lost from then on
            GameSession session = session(thresholds);
            session.onDataChannelOpen(new ScriptedProbe(script));
            long start = session.exportSessionMetrics().startEpochMs();
            advanceSeconds(40);
            LiveRtt live = session.latest();
            assertThat(live.quality()).as("%s", live).isEqualTo(ConnectionQuality.LOST);
            assertThat(live.lastRttMs()).as("the last RTT measured").isEqualTo(60.0);
            assertThat(session.exportMultiplayerMetrics().qualityChanges())
                    .extracting(QualityChange::timestampEpochMs, QualityChange::current)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(start, ConnectionQuality.GOOD),
                            org.assertj.core.groups.Tuple.tuple(start + 13_000, ConnectionQuality.LOST));
        }
    }

    /**
     * A total outage of 5 s on the data-channel probe, the ICE view beside it (the set-up the READMEs recommend): the
     * channel stays open, so every ping is lost (stale polls), and the ICE view finds no new STUN response, then no
     * connection. The 4th lost ping makes it LOST, as 4 unavailable polls would; the first answered ping ends it, at
     * once GOOD: the pings lost while down were the outage, which LOST told, not loss for the next 10 s (before:
     * GOOD, then POOR by 31 % loss from the 3rd lost ping, never LOST, and POOR until 10 s after the outage). The
     * time in each quality adds up to the session's.
     */
    @Test
    void aProbeOutageIsLostAfterFourLostPingsAndGoodAgainAtTheFirstAnsweredPing() {
        ScriptedRttSource probeScript = new ScriptedRttSource();
        ScriptedRttSource iceScript = new ScriptedRttSource();
        for (int i = 0; i < 4; i++) {                       // polls at 0 to 11 s
            probeScript.thenMeasured(60).thenMeasured(60).thenMeasured(60);
            iceScript.thenMeasured(61).thenStale().thenStale();
        }
        for (int i = 0; i < 5; i++) {                       // 12 to 16 s: the outage
            probeScript.thenStale();
        }
        iceScript.thenStale().thenStale().thenUnavailable("disconnected").thenUnavailable("disconnected")
                .thenUnavailable("disconnected");
        probeScript.orElse(RttReading.measured(60.0));     // 17 s on
        for (int i = 0; i < 10; i++) {
            iceScript.thenMeasured(61).thenStale().thenStale();
        }
        GameSession session = session(QualityThresholds.DEFAULT);
        session.onDataChannelOpen(new ScriptedProbe(probeScript), new IceLike(iceScript));
        advanceSeconds(15);
        LiveRtt lost = session.latest();
        assertThat(lost.quality()).as("%s", lost).isEqualTo(ConnectionQuality.LOST);
        assertThat(lost.reasons()).singleElement().satisfies(r -> {
            assertThat(r.metric()).isEqualTo(QualityMetric.BAD_POLLS);
            assertThat(r.windowCount()).isEqualTo(4);
            assertThat(r.windowMs()).isEqualTo(3_000);
            assertThat(r.text()).isEqualTo("no measurement in the last 4 polls");
        });
        advanceSeconds(1);
        assertThat(session.latest().quality()).as("a lost ping does not end it").isEqualTo(ConnectionQuality.LOST);
        advanceSeconds(1);
        LiveRtt back = session.latest();
        assertThat(back.quality()).as("the first answered ping: %s", back).isEqualTo(ConnectionQuality.GOOD);
        assertThat(back.reasons()).isEmpty();
        advanceSeconds(8);
        session.close();

        assertThat(session.exportValidationData().fallback()).as("the probe stays primary").isNull();
        MultiplayerMetrics metrics = session.exportMultiplayerMetrics();
        assertThat(metrics.qualityChanges()).extracting(QualityChange::timestampEpochMs, QualityChange::current)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(T0, ConnectionQuality.GOOD),
                        org.assertj.core.groups.Tuple.tuple(T0 + 15_000, ConnectionQuality.LOST),
                        org.assertj.core.groups.Tuple.tuple(T0 + 17_000, ConnectionQuality.GOOD));
        QualitySummary summary = metrics.qualitySummary();
        assertThat(summary.lostMs()).isEqualTo(2_000);
        assertThat(summary.goodMs()).isEqualTo(15_000 + 8_000);
        assertThat(summary.unknownMs() + summary.goodMs() + summary.fairMs() + summary.poorMs() + summary.lostMs())
                .as("the time in each quality").isEqualTo(session.exportSessionMetrics().durationMs()).isEqualTo(25_000);
    }

    /**
     * A path slower than the ping timeout (every ping lost, each pong late): the link is up, so it is loss, POOR,
     * never LOST; a late pong after a lost ping shows the peer reachable.
     */
    @Test
    void aPathSlowerThanThePingTimeoutIsPoorByLossNeverLost() {
        ScriptedRttSource script = new ScriptedRttSource();
        for (int i = 0; i < 12; i++) {
            script.thenMeasured(60);
        }
        script.orElse(RttReading.stale()); // every ping times out from 12 s on
        ScriptedProbe probe = new ScriptedProbe(script);
        GameSession session = session(QualityThresholds.DEFAULT);
        session.onDataChannelOpen(probe);
        advanceSeconds(12);
        for (int second = 13; second <= 30; second++) {
            probe.late = probe.lost; // each lost ping's pong comes before the next ping's timeout
            advanceSeconds(1);
        }
        LiveRtt live = session.latest();
        assertThat(live.quality()).as("%s", live).isEqualTo(ConnectionQuality.POOR);
        assertThat(live.reasons()).extracting(QualityReason::metric).contains(QualityMetric.LOSS);
        assertThat(session.exportMultiplayerMetrics().qualityChanges()).extracting(QualityChange::current)
                .containsExactly(ConnectionQuality.GOOD, ConnectionQuality.POOR);
    }

    /**
     * A probe outage ended by a late pong (a ping held through the outage and delivered after its timeout): the
     * stale poll that sees it ends LOST as a measurement would, and the loss is counted anew from it, as the rule
     * says: the pings lost while down were the outage, not loss. Before, only a measurement restarted the loss, so
     * the outage's 6 lost pings made it POOR by 60 % loss at 17 s, and POOR lasted till they left the 10 s window.
     */
    @Test
    void aLatePongThatEndsLostCountsTheLossAnewAsAMeasurementDoes() {
        ScriptedRttSource script = new ScriptedRttSource();
        for (int i = 0; i < 12; i++) {
            script.thenMeasured(60);                        // polls at 0 to 11 s
        }
        for (int i = 0; i < 6; i++) {
            script.thenStale();                             // 12 to 17 s: every ping lost
        }
        script.orElse(RttReading.measured(60.0));           // 18 s on
        ScriptedProbe probe = new ScriptedProbe(script);
        GameSession session = session(QualityThresholds.DEFAULT);
        session.onDataChannelOpen(probe);
        advanceSeconds(16);
        assertThat(session.latest().quality()).isEqualTo(ConnectionQuality.LOST);
        probe.late = 1; // a lost ping's pong, late, between the polls at 16 and 17 s: the peer is reachable again
        advanceSeconds(1);
        LiveRtt back = session.latest();
        assertThat(back.quality()).as("the stale poll that saw the pong: %s", back).isEqualTo(ConnectionQuality.GOOD);
        assertThat(back.reasons()).isEmpty();
        advanceSeconds(8);
        assertThat(session.exportMultiplayerMetrics().qualityChanges())
                .extracting(QualityChange::timestampEpochMs, QualityChange::current)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(T0, ConnectionQuality.GOOD),
                        org.assertj.core.groups.Tuple.tuple(T0 + 15_000, ConnectionQuality.LOST),
                        org.assertj.core.groups.Tuple.tuple(T0 + 17_000, ConnectionQuality.GOOD));
    }

    /**
     * As {@link #aPathSlowerThanThePingTimeoutIsPoorByLossNeverLost}, with a read timeout above the poll interval (a
     * ping timeout of 1.5 s, polls every second; the default rule with a 30 s loss window, which then holds the 10
     * pings that loss is judged over): every other poll is skipped while a ping is in flight, and each
     * lost ping's pong comes late, 0.2 s after its timeout, before the next skipped poll. A skipped poll says nothing
     * of the connection, so it must not use up the pong that the next lost ping's poll is to see: it is loss, POOR,
     * never LOST (before: each skipped poll took the pong, every lost ping counted as a bad poll, LOST at 12.5 s).
     */
    @Test
    void aSkippedPollLeavesTheLatePongToTheNextLostPing() {
        SlowPathProbe probe = new SlowPathProbe(5);
        GameSession session = GameSession.builder("quality-skipped")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).readTimeout(Duration.ofSeconds(2)).build())
                .exporterProviders(List.of()).executor(Runnable::run).qualityThresholds(new QualityThresholds(150, 300,
                        5, 3, 30.0, 60.0, 0.03, 0.10, 80.0, 70.0, 30_000, 3)) // a loss window holding 10 pings here
                .build();
        sessions.add(session);
        session.onDataChannelOpen(probe);
        advanceSeconds(30);
        LiveRtt live = session.latest();
        assertThat(live.quality()).as("%s", live).isEqualTo(ConnectionQuality.POOR);
        assertThat(live.reasons()).extracting(QualityReason::metric).contains(QualityMetric.LOSS);
        assertThat(probe.reads).as("pings sent by 31 polls: every other one skipped after the 5th").isLessThan(20);
        assertThat(session.exportMultiplayerMetrics().qualityChanges()).extracting(QualityChange::current)
                .containsExactly(ConnectionQuality.GOOD, ConnectionQuality.POOR);
    }

    /**
     * A probe that answers its first pings at once, then loses every ping (stale 1.5 s after it, on virtual time),
     * each one's pong coming late 0.2 s after that.
     */
    private final class SlowPathProbe implements io.peerpulse.telemetry.spi.ProbeStatsSource {
        private int measuredLeft;
        private int reads;
        private int answered;
        private int lost;
        private int late;

        SlowPathProbe(int measured) {
            this.measuredLeft = measured;
        }

        @Override
        public java.util.concurrent.CompletionStage<RttReading> read() {
            reads++;
            if (measuredLeft > 0) {
                measuredLeft--;
                answered++;
                return java.util.concurrent.CompletableFuture.completedFuture(RttReading.measured(60.0));
            }
            java.util.concurrent.CompletableFuture<RttReading> reading = new java.util.concurrent.CompletableFuture<>();
            scheduler.schedule(() -> {
                lost++;
                reading.complete(RttReading.stale());
            }, 1_500, java.util.concurrent.TimeUnit.MILLISECONDS);
            scheduler.schedule(() -> late++, 1_700, java.util.concurrent.TimeUnit.MILLISECONDS);
            return reading;
        }

        @Override
        public String name() {
            return "probe";
        }

        @Override
        public io.peerpulse.telemetry.ProbeStats probeStats() {
            long decided = answered + lost;
            return Records.record(io.peerpulse.telemetry.ProbeStats.class, "sentCount", reads, "answeredCount",
                    answered, "lostCount", lost, "lateCount", late, "unansweredCount", reads - answered - lost,
                    "lossRatio", decided == 0 ? 0 : (double) lost / decided);
        }
    }

    /**
     * A reconnection during LOST back to a probe polled before (the game switches back to the connection it left),
     * whose peer is still unreachable: its first poll is a lost ping, and the pongs the probe counted before it was
     * given again are not "a pong since the previous poll". Before, they were: that lost ping ended LOST, judged
     * GOOD over the old samples, and LOST came back only 4 lost pings later.
     */
    @Test
    void aProbeGivenAgainDuringLostDoesNotEndItByThePongsItCountedBefore() {
        ScriptedRttSource first = new ScriptedRttSource();
        for (int i = 0; i < 10; i++) {
            first.thenMeasured(60);                             // polls at 0 to 9 s
        }
        first.orElse(RttReading.stale());                       // unreachable when given again
        ScriptedProbe probe = new ScriptedProbe(first);
        ScriptedProbe other = new ScriptedProbe(ScriptedRttSource.repeating(RttReading.unavailable("not connected")));
        GameSession session = session(QualityThresholds.DEFAULT);
        session.onDataChannelOpen(probe);
        scheduler.advance(Duration.ofMillis(9_500));
        session.onDataChannelOpen(other);                       // polls at 10 to 13 s: unavailable
        scheduler.advance(Duration.ofMillis(4_000));
        assertThat(session.latest().quality()).isEqualTo(ConnectionQuality.LOST);
        session.onDataChannelOpen(probe);                       // given again at 13.5 s: 10 pongs counted before
        advanceSeconds(1);
        LiveRtt live = session.latest();
        assertThat(live.quality()).as("a lost ping at 14 s: %s", live).isEqualTo(ConnectionQuality.LOST);
        advanceSeconds(5);
        assertThat(session.exportMultiplayerMetrics().qualityChanges()).extracting(QualityChange::current)
                .containsExactly(ConnectionQuality.GOOD, ConnectionQuality.LOST);
    }

    /**
     * The ICE view judges as before: its stale polls (nothing new) neither count toward LOST nor are judged, however
     * many; more than 3 unavailable polls are LOST, until its next measurement.
     */
    @Test
    void anIceOutageIsJudgedAsBefore() {
        ScriptedRttSource script = new ScriptedRttSource();
        for (int i = 0; i < 4; i++) {
            script.thenMeasured(61).thenStale().thenStale();    // 0 to 11 s
        }
        for (int i = 0; i < 6; i++) {
            script.thenStale();                                 // 12 to 17 s
        }
        for (int i = 0; i < 4; i++) {
            script.thenUnavailable("disconnected");             // 18 to 21 s
        }
        script.thenStale().thenMeasured(61);                    // 22, 23 s
        GameSession session = session(QualityThresholds.DEFAULT);
        session.onDataChannelOpen(new IceLike(script));
        advanceSeconds(25);
        assertThat(session.exportMultiplayerMetrics().qualityChanges())
                .extracting(QualityChange::timestampEpochMs, QualityChange::current)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(T0, ConnectionQuality.GOOD),
                        org.assertj.core.groups.Tuple.tuple(T0 + 21_000, ConnectionQuality.LOST),
                        org.assertj.core.groups.Tuple.tuple(T0 + 23_000, ConnectionQuality.GOOD));
    }

    /** LOST lasts until the next measurement: a stale poll of a probe after it (a lost ping) does not end it. */
    @Test
    void aLostPingAfterLostDoesNotEndIt() {
        ScriptedRttSource script = new ScriptedRttSource();
        for (int i = 0; i < 10; i++) {
            script.thenMeasured(60);
        }
        for (int i = 0; i < 5; i++) {
            script.thenUnavailable("probe channel CLOSED");
        }
        for (int i = 0; i < 3; i++) {
            script.thenStale();
        }
        script.orElse(RttReading.measured(60.0));
        GameSession session = session(QualityThresholds.DEFAULT);
        session.onDataChannelOpen(new ScriptedProbe(script));
        advanceSeconds(14); // polls at 0 to 14 s: 10 measured, then 5 unavailable
        assertThat(session.latest().quality()).isEqualTo(ConnectionQuality.LOST);
        advanceSeconds(3);
        assertThat(session.latest().quality()).as("after 3 lost pings").isEqualTo(ConnectionQuality.LOST);
        advanceSeconds(1);
        assertThat(session.latest().quality()).as("measured again").isEqualTo(ConnectionQuality.GOOD);
    }

    /** One ping lost of the first two is not 50 % loss: loss is judged over 10 pings or more. */
    @Test
    void lossIsNotJudgedOverFewerThanTenPings() {
        ScriptedRttSource script = new ScriptedRttSource();
        for (int i = 0; i < 20; i++) {
            script.thenMeasured(60).thenStale(); // stale = lost
        }
        GameSession session = session(QualityThresholds.DEFAULT);
        session.onDataChannelOpen(new ScriptedProbe(script));
        advanceSeconds(3); // pings 1-3 ended: 2 answered, 1 lost

        assertThat(session.latest().reasons()).as("after 3 pings").isEmpty();
        assertThat(session.latest().quality()).isEqualTo(ConnectionQuality.GOOD);
        assertThat(session.latest().score()).as("loss left out of the score").isCloseTo(91.45, within(0.051));

        advanceSeconds(17);
        QualityReason loss = session.latest().reasons().stream().filter(r -> r.metric() == QualityMetric.LOSS)
                .findFirst().orElseThrow();
        assertThat(loss.windowCount()).isGreaterThanOrEqualTo(QualityThresholds.MIN_LOSS_PINGS);
        assertThat(session.latest().quality()).isEqualTo(ConnectionQuality.POOR);
    }

    @Test
    void aClean60MsLinkIsGoodWithoutReasons() {
        GameSession session = session(QualityThresholds.DEFAULT);
        session.onDataChannelOpen(new ScriptedProbe(ScriptedRttSource.repeating(RttReading.measured(60.0))));
        advanceSeconds(20);
        LiveRtt live = session.latest();
        assertThat(live.quality()).isEqualTo(ConnectionQuality.GOOD);
        assertThat(live.reasons()).isEmpty();
        assertThat(live.score()).isEqualTo(91.5); // 93.2 - (60 + 10) / 40 = 91.45, rounded half up (README)
        assertThat(session.exportMultiplayerMetrics().qualityChanges()).hasSize(1);
    }

    /**
     * A median moving ±5 ms around the FAIR threshold (150 ms), in runs of one to four polls: the RTT-only rule
     * changes at every crossing; with a hysteresis of 3 polls each change needs 3 consecutive polls judging it,
     * so two changes are at least 3 polls apart.
     */
    @Test
    void aMedianOscillatingAroundAThresholdChangesAtMostOncePerHysteresisPeriod() {
        Random random = new Random(26);
        List<Double> medians = new ArrayList<>();
        while (medians.size() < 300) {
            double value = medians.isEmpty() || medians.get(medians.size() - 1) > 150 ? 145 : 155;
            for (int run = 1 + random.nextInt(4); run > 0; run--) {
                medians.add(value);
            }
        }
        QualityThresholds hysteresis = Records.record(QualityThresholds.class, "fairFromMs", 150, "poorFromMs", 300,
                "recentSampleCount", 1, "toleratedBadPollCount", 3, "lossWindowMs", 10_000, "hysteresisPollCount", 3);
        List<QualityChange> withHysteresis = run(hysteresis, medians);
        List<QualityChange> without = run(QualityThresholds.rttOnly(150, 300, 1, 3), medians);

        assertThat(without.size()).as("the RTT-only rule follows every crossing").isGreaterThan(100);
        assertThat(withHysteresis.size()).isLessThan(without.size() / 2).isGreaterThan(5);
        for (int i = 2; i < withHysteresis.size(); i++) {
            assertThat(withHysteresis.get(i).timestampEpochMs() - withHysteresis.get(i - 1).timestampEpochMs())
                    .as("change %d", i).isGreaterThanOrEqualTo(3000);
        }
        for (QualityChange change : withHysteresis.subList(1, withHysteresis.size())) {
            int poll = (int) ((change.timestampEpochMs() - T0) / 1000);
            for (int back = 0; back < 3; back++) {
                assertThat(medians.get(poll - back) >= 150).as("poll %d judged %s", poll - back, change.current())
                        .isEqualTo(change.current() == ConnectionQuality.FAIR);
            }
        }
    }

    private List<QualityChange> run(QualityThresholds thresholds, List<Double> rtts) {
        ScriptedRttSource script = new ScriptedRttSource();
        rtts.forEach(script::thenMeasured);
        GameSession session = session(thresholds);
        session.onDataChannelOpen(script);
        advanceSeconds(rtts.size() - 1);
        return session.exportMultiplayerMetrics().qualityChanges();
    }

    /**
     * The four-component thresholds (no jitter, loss or score criterion, no hysteresis) judge exactly as the rule
     * of earlier versions, here re-implemented from its description, over random polls of every outcome.
     */
    @Test
    void theRttOnlyRuleIsOneConfigurationOfTheNewOne() {
        Random random = new Random(7);
        for (int trial = 0; trial < 20; trial++) {
            ScriptedRttSource script = new ScriptedRttSource();
            List<Object> polls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int kind = random.nextInt(10);
                if (kind < 6) {
                    double rtt = Math.round(random.nextDouble() * 4000) / 10.0; // 0 to 400 ms, the thresholds too
                    script.thenMeasured(rtt);
                    polls.add(rtt);
                } else if (kind == 6) {
                    script.thenStale();
                    polls.add("stale");
                } else if (kind == 7) {
                    script.thenUnavailable("gone");
                    polls.add("bad");
                } else if (kind == 8) {
                    script.thenFail(new IOException("failed"));
                    polls.add("bad");
                } else {
                    script.thenMeasured(Double.NaN); // rejected
                    polls.add("rejected");
                }
            }
            GameSession session = session(RTT_ONLY);
            session.onDataChannelOpen(script);
            advanceSeconds(polls.size() - 1);
            List<PlainChange> actual = session.exportMultiplayerMetrics().qualityChanges().stream()
                    .map(PlainChange::of).toList();
            assertThat(actual).as("trial %d", trial)
                    .isEqualTo(oldRule(polls, session.exportSessionMetrics().startEpochMs()));
        }
    }

    /** The rule of earlier versions: median of the last 5, GOOD < 150 <= FAIR < 300 <= POOR, LOST after 3 bad. */
    private static List<PlainChange> oldRule(List<Object> polls, long start) {
        List<PlainChange> changes = new ArrayList<>();
        List<Double> recent = new ArrayList<>();
        ConnectionQuality quality = ConnectionQuality.UNKNOWN;
        int bad = 0;
        for (int i = 0; i < polls.size(); i++) {
            Object poll = polls.get(i);
            ConnectionQuality next = quality;
            if (poll instanceof Double rtt) {
                recent.add(rtt);
                if (recent.size() > 5) {
                    recent.remove(0);
                }
                bad = 0;
                double median = median(recent);
                next = median < 150 ? ConnectionQuality.GOOD
                        : median < 300 ? ConnectionQuality.FAIR : ConnectionQuality.POOR;
            } else if (poll.equals("stale")) {
                bad = 0;
            } else if (poll.equals("bad") && ++bad > 3) {
                next = ConnectionQuality.LOST;
            }
            if (next != quality) {
                changes.add(new PlainChange(start + i * 1000L, quality, next, recent.isEmpty() ? null : median(recent),
                        i * 1000L));
                quality = next;
            }
        }
        return changes;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int half = sorted.size() / 2;
        double median = sorted.size() % 2 == 1 ? sorted.get(half) : (sorted.get(half - 1) + sorted.get(half)) / 2;
        return Math.round(median * 1000) / 1000.0;
    }

    /**
     * A probe found suspect (3 ms beside a 200 ms ICE view) leaves the window with its samples: from the
     * fallback on only the ICE view's RTTs judge, so the quality becomes FAIR for the 200 ms median alone.
     */
    @Test
    void aSuspectProbeDoesNotFeedTheGrade() {
        GameSession session = session(QualityThresholds.DEFAULT);
        session.onDataChannelOpen(new ScriptedProbe(ScriptedRttSource.repeating(RttReading.measured(3.0))),
                IceLike.everyThirdPoll(200.0));
        advanceSeconds(15);
        SourceFallback fell = session.exportValidationData().fallback();
        assertThat(fell).isNotNull();
        assertThat(fell.verdict()).isEqualTo(SourceFallback.SUSPECT);
        advanceSeconds(15);
        List<QualityChange> changes = session.exportMultiplayerMetrics().qualityChanges();
        assertThat(changes).extracting(QualityChange::current).containsExactly(ConnectionQuality.GOOD,
                ConnectionQuality.FAIR);
        QualityChange fair = changes.get(1);
        assertThat(fair.timestampEpochMs()).isGreaterThan(fell.timestampEpochMs());
        assertThat(fair.recentMedianMs()).as("the probe's 3 ms left the window").isEqualTo(200.0);
        assertThat(fair.reasons()).extracting(QualityReason::metric).containsExactly(QualityMetric.RTT_MEDIAN);
        assertThat(fair.reasons().get(0).text()).startsWith("RTT median 200 ms over the last");
        assertThat(session.latest().recentMedianMs()).isEqualTo(200.0);
    }

    /** Time in each quality and the scores, per round and for the session, from the events' times. */
    @Test
    void timeInEachQualityAndTheScoresPerRoundAndSession() {
        ScriptedRttSource script = new ScriptedRttSource();
        for (int i = 0; i < 10; i++) {
            script.thenMeasured(60);                        // t0 .. t0+9 s
        }
        script.orElse(RttReading.measured(400));             // t0+10 s on
        GameSession session = session(QualityThresholds.DEFAULT);
        session.beginRound(1);
        session.onDataChannelOpen(script);
        advanceSeconds(20);
        session.endRound();
        advanceSeconds(5);
        session.close();

        MultiplayerMetrics metrics = session.exportMultiplayerMetrics();
        // the step makes the jitter (mean |Δ| of the last 5) 85 ms from t0+10 s: POOR once t0+10, 11 and 12 s
        // judged it (hysteresis 3), the jitter then the 400 ms median
        assertThat(metrics.qualityChanges()).extracting(QualityChange::timestampEpochMs, QualityChange::current)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(T0, ConnectionQuality.GOOD),
                        org.assertj.core.groups.Tuple.tuple(T0 + 12_000, ConnectionQuality.POOR));
        assertThat(metrics.qualityChanges().get(1).reasons()).extracting(QualityReason::metric)
                .containsExactly(QualityMetric.RTT_MEDIAN, QualityMetric.JITTER, QualityMetric.SCORE);
        QualitySummary round = metrics.rounds().get(0).quality();
        assertThat(round.goodMs()).isEqualTo(12_000);
        assertThat(round.poorMs()).isEqualTo(8_000);
        assertThat(round.unknownMs() + round.fairMs() + round.lostMs()).isZero();
        // scores (e = median + 2·jitter + 10): 10 × 91.45 (60 ms), 2 × 81.2 (60 ms, jitter 85),
        // 2 × 47.2 (400 ms, jitter 85), 7 × 64.2 (400 ms)
        assertThat(round.scoreCount()).isEqualTo(21);
        assertThat(round.maxScore()).isCloseTo(91.45, within(0.051));
        assertThat(round.minScore()).isCloseTo(47.2, within(1e-9));
        assertThat(round.p5Score()).isCloseTo(47.2, within(1e-9)); // rank ceil(0.05 · 21) = 2
        assertThat(round.medianScore()).isCloseTo(81.2, within(1e-9)); // rank 11

        QualitySummary whole = metrics.qualitySummary();
        assertThat(whole.goodMs()).isEqualTo(12_000);
        assertThat(whole.poorMs()).isEqualTo(13_000);
        assertThat(whole.scoreCount()).isEqualTo(26);
        assertThat(whole.timeInMs(ConnectionQuality.POOR)).isEqualTo(13_000);
    }

    /** Exporters hear each change, with its reasons, after the sample of the poll that made it. */
    @Test
    void exportersHearQualityChangesInOrderWithTheSamples() {
        List<String> calls = new ArrayList<>();
        io.peerpulse.session.spi.SessionExporterProvider provider = new io.peerpulse.session.spi.SessionExporterProvider() {
            @Override
            public String name() {
                return "recording";
            }

            @Override
            public io.peerpulse.session.spi.SessionExporter create(io.peerpulse.session.spi.ExportSettings settings) {
                return new io.peerpulse.session.spi.SessionExporter() {
                    @Override
                    public void sampleRecorded(String sessionId, io.peerpulse.telemetry.RttSample sample) {
                        calls.add("sample " + sample.rttMs());
                    }

                    @Override
                    public void qualityChanged(String sessionId, QualityChange change) {
                        calls.add(change.current() + " " + change.reasons().stream().map(QualityReason::text).toList());
                    }

                    @Override
                    public void sessionEnded(SessionReport report) {
                        calls.add("ended");
                    }
                };
            }
        };
        GameSession session = GameSession.builder("quality-exported")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).build())
                .exporterProviders(List.of(provider)).executor(Runnable::run)
                .qualityThresholds(QualityThresholds.rttOnly(150, 300, 1, 3)).build();
        sessions.add(session);
        session.onDataChannelOpen(new ScriptedRttSource().thenMeasured(100).thenMeasured(200));
        advanceSeconds(1);
        session.close();
        assertThat(calls).containsExactly("sample 100.0", "GOOD []", "sample 200.0",
                "FAIR [RTT median 200 ms over the last sample (from 150 ms)]", "ended");
    }

    @Test
    void badThresholdsAreRefusedByName() {
        assertThatThrownBy(() -> session(new QualityThresholds(150, 300, 5, 3, null, null, 0.10, 0.03, null, null,
                10_000, 3))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lossPoorFromRatio must be above lossFairFromRatio");
        assertThatThrownBy(() -> session(new QualityThresholds(150, 300, 5, 3, null, null, 3.0, null, null, null,
                10_000, 3))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lossFairFromRatio must be above 0 and at most 1, was 3.0");
        assertThatThrownBy(() -> session(new QualityThresholds(150, 300, 5, 3, null, null, 0.10, 1.5, null, null,
                10_000, 3))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lossPoorFromRatio must be above 0 and at most 1, was 1.5");
        assertThatThrownBy(() -> session(new QualityThresholds(150, 300, 5, 3, null, null, null, null, 70.0, 80.0,
                10_000, 3))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("poorBelowScore must be below fairBelowScore");
        assertThatThrownBy(() -> session(new QualityThresholds(150, 300, 5, 3, null, null, null, null, null, null,
                10_000, -1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hysteresisPollCount must be between 1 and 10000, was -1");
        assertThatThrownBy(() -> session(new QualityThresholds(150, 300, 5, 3, -1.0, null, null, null, null, null,
                10_000, 3))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jitterFairFromMs must be above 0");
    }
}
