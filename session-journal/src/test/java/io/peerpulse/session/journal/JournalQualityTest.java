package io.peerpulse.session.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.QualityMetric;
import io.peerpulse.session.QualityReason;
import io.peerpulse.session.QualityThresholds;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.journal.TestSources.IceLike;
import io.peerpulse.session.journal.TestSources.ScriptedProbe;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quality's grades, reasons, times in grade and scores come back the same from the journal (issue 26). */
class JournalQualityTest {

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private GameSession session(String id, QualityThresholds thresholds) {
        return GameSession.builder(id)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(Journals.tickingClock(scheduler)).build())
                .exporterProviders(List.of()).executor(Runnable::run).journalDirectory(dir)
                .qualityThresholds(thresholds).build();
    }

    /** Clean, then lossy, then jittery, then gone, then clean again: every kind of reason. */
    private static ScriptedProbe probe() {
        ScriptedRttSource script = new ScriptedRttSource();
        for (int i = 0; i < 10; i++) {
            script.thenMeasured(60);
        }
        for (int i = 0; i < 5; i++) {
            script.thenMeasured(140).thenMeasured(140.5).thenMeasured(139.25).thenMeasured(140).thenStale();
        }
        for (int i = 0; i < 6; i++) {
            script.thenMeasured(60).thenMeasured(140);
        }
        for (int i = 0; i < 5; i++) {
            script.thenUnavailable("gone");
        }
        return new ScriptedProbe(script.orElse(io.peerpulse.telemetry.spi.RttReading.measured(61.5)));
    }

    @Test
    void replayGivesTheSameGradesReasonsTimesAndScores() throws IOException {
        GameSession session = session("quality-replay", QualityThresholds.DEFAULT);
        List<QualityChange> heard = Collections.synchronizedList(new ArrayList<>());
        session.addQualityListener(heard::add);
        session.beginRound(1);
        session.onDataChannelOpen(probe());
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(30));
        session.beginRound(2);
        scheduler.advance(Duration.ofSeconds(30));
        session.close();
        SessionReport live = session.exportReport();

        SessionReport recovered = Journals.assertRecoversAsLive(session.journalPath().orElseThrow(), live).report();

        List<QualityChange> changes = recovered.multiplayerMetrics().qualityChanges();
        assertThat(changes).isEqualTo(heard);
        assertThat(changes).extracting(QualityChange::current).contains(ConnectionQuality.GOOD,
                ConnectionQuality.POOR, ConnectionQuality.LOST);
        assertThat(changes.stream().flatMap(c -> c.reasons().stream()).map(QualityReason::metric))
                .contains(QualityMetric.LOSS, QualityMetric.JITTER, QualityMetric.SCORE, QualityMetric.BAD_POLLS);
        assertThat(recovered.multiplayerMetrics().qualitySummary()).isEqualTo(live.multiplayerMetrics().qualitySummary());
        assertThat(recovered.multiplayerMetrics().qualitySummary().poorMs()).isPositive();
        assertThat(recovered.multiplayerMetrics().rounds()).extracting(r -> r.quality())
                .isEqualTo(live.multiplayerMetrics().rounds().stream().map(r -> r.quality()).toList());
        assertThat(recovered.multiplayerMetrics().qualityThresholds()).isEqualTo(QualityThresholds.DEFAULT);
    }

    /**
     * A 5 s outage of the probe with the ICE view beside it: the lost pings that made it LOST, and the loss they leave
     * out after it, come back the same from the journal.
     */
    @Test
    void aProbeOutageRecoversAsLive() throws IOException {
        ScriptedRttSource probeScript = new ScriptedRttSource();
        ScriptedRttSource iceScript = new ScriptedRttSource();
        for (int i = 0; i < 4; i++) {
            probeScript.thenMeasured(60).thenMeasured(60).thenMeasured(60);
            iceScript.thenMeasured(61).thenStale().thenStale();
        }
        for (int i = 0; i < 5; i++) {
            probeScript.thenStale();
        }
        iceScript.thenStale().thenStale().thenUnavailable("disconnected").thenUnavailable("disconnected")
                .thenUnavailable("disconnected");
        for (int i = 0; i < 10; i++) {
            iceScript.thenMeasured(61).thenStale().thenStale();
        }
        GameSession session = session("quality-outage", QualityThresholds.DEFAULT);
        session.onDataChannelOpen(new ScriptedProbe(probeScript.orElse(
                io.peerpulse.telemetry.spi.RttReading.measured(60.0))), new IceLike(iceScript));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(25));
        session.close();
        SessionReport live = session.exportReport();

        SessionReport recovered = Journals.assertRecoversAsLive(session.journalPath().orElseThrow(), live).report();
        assertThat(recovered.multiplayerMetrics().qualityChanges()).extracting(QualityChange::current)
                .containsExactly(ConnectionQuality.GOOD, ConnectionQuality.LOST, ConnectionQuality.GOOD);
        assertThat(recovered.multiplayerMetrics().qualitySummary().lostMs()).isPositive();
    }

    /**
     * A probe given again during LOST (a switch back to the connection left), its peer unreachable: its lost pings keep
     * LOST, whatever it counted before; the base its pongs are counted from comes from the journaled probe readings
     * alone, so the recovery grades it the same.
     */
    @Test
    void aProbeGivenAgainDuringLostRecoversAsLive() throws IOException {
        ScriptedRttSource first = new ScriptedRttSource();
        for (int i = 0; i < 10; i++) {
            first.thenMeasured(60);
        }
        ScriptedProbe probe = new ScriptedProbe(first.orElse(io.peerpulse.telemetry.spi.RttReading.stale()));
        GameSession session = session("quality-again", QualityThresholds.DEFAULT);
        session.onDataChannelOpen(probe);
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofMillis(9_500));
        session.onDataChannelOpen(new ScriptedProbe(ScriptedRttSource.repeating(
                io.peerpulse.telemetry.spi.RttReading.unavailable("not connected"))));
        scheduler.advance(Duration.ofMillis(4_000));
        session.onDataChannelOpen(probe);
        scheduler.advance(Duration.ofSeconds(6));
        session.close();
        SessionReport live = session.exportReport();
        assertThat(live.multiplayerMetrics().qualityChanges()).extracting(QualityChange::current)
                .containsExactly(ConnectionQuality.GOOD, ConnectionQuality.LOST);

        Journals.assertRecoversAsLive(session.journalPath().orElseThrow(), live);
    }

    /** A header written before the quality score (no such keys) recovers under the rule of that time. */
    @Test
    void aJournalWithoutTheNewOptionsIsJudgedByTheRttOnlyRule() throws IOException {
        QualityThresholds rttOnly = QualityThresholds.rttOnly(150, 300, 5, 3);
        GameSession session = session("quality-old", rttOnly);
        session.onDataChannelOpen(probe());
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(60));
        session.close();
        SessionReport live = session.exportReport();
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = Journals.lines(journal);
        String header = lines.get(0);
        assertThat(header).contains("\"lossWindowMs\":10000,\"hysteresisPollCount\":1");
        lines.set(0, Journals.resealed(header.replace(",\"lossWindowMs\":10000,\"hysteresisPollCount\":1", "")));
        Journals.write(journal, lines);

        SessionReport recovered = Journals.assertRecoversAsLive(journal, live).report();
        assertThat(recovered.multiplayerMetrics().qualityThresholds()).isEqualTo(rttOnly);
        assertThat(recovered.multiplayerMetrics().qualityChanges()).extracting(QualityChange::current)
                .as("the 140 ms with 20 % loss is GOOD by the RTT alone")
                .containsExactly(ConnectionQuality.GOOD, ConnectionQuality.LOST, ConnectionQuality.GOOD);
    }
}
