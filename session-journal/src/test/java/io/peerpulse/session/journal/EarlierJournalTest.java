package io.peerpulse.session.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.QualityThresholds;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Journals written by earlier versions of format 5, kept as the real code wrote them
 * ({@code src/test/resources/earlier/}), recover as their session judged them.
 */
class EarlierJournalTest {

    /**
     * Written by {@code peerpulse demo --duration 5s --journal …} at commit e059b85, before c910106 renamed the
     * header's quality keys ({@code lossFairFromPercent} 3.0 → {@code lossFairFromRatio} 0.03, {@code scoreFairBelow}
     * → {@code fairBelowScore}); that session's own JSON export says lossFairFromPercent 3.0, lossPoorFromPercent
     * 10.0, scoreFairBelow 80.0, scorePoorBelow 70.0. Read without them, the loss and score criteria were silently
     * dropped ({@code null}: not judged) and the recovered session graded by RTT and jitter alone.
     */
    @Test
    void aHeaderOfPercentLossAndScoreThresholdsKeepsItsCriteria() throws Exception {
        SessionJournal.Recovery recovery = SessionJournal.recover(
                Path.of("src/test/resources/earlier/demo-e059b85.journal.jsonl"));

        QualityThresholds quality = recovery.report().multiplayerMetrics().qualityThresholds();
        assertThat(quality.lossFairFromRatio()).isEqualTo(0.03);
        assertThat(quality.lossPoorFromRatio()).isEqualTo(0.1);
        assertThat(quality.fairBelowScore()).isEqualTo(80.0);
        assertThat(quality.poorBelowScore()).isEqualTo(70.0);
        assertThat(quality.jitterFairFromMs()).isEqualTo(30.0);
        assertThat(recovery.problems()).isEmpty();
        assertThat(recovery.report().multiplayerMetrics().qualitySummary().minScore()).isEqualTo(90.8);
    }

    /**
     * Written by {@code peerpulse demo --duration 4s --journal …} at 1c76a48, before ee18b62 (2026-12-06) renamed
     * format 5's keys ({@code maxSamples}, {@code t}, {@code n}, {@code sent}, … → {@code maxSampleCount},
     * {@code epochMs}, {@code nanoTime}, {@code sentCount}) keeping the format number. Refused before too, but as
     * damage: "has no valid header line: header: 'maxSampleCount' is missing".
     */
    @Test
    void aFormat5JournalOfTheEarlierNamesIsRefusedNamingTheVersion() {
        Path journal = Path.of("src/test/resources/earlier/demo-1c76a48.journal.jsonl");

        assertThatThrownBy(() -> SessionJournal.recover(journal)).isInstanceOf(IOException.class)
                .hasMessageContaining("demo-1c76a48.journal.jsonl")
                .hasMessageContaining("before ee18b62 (2026-12-06)")
                .hasMessageContaining("maxSamples")
                .hasMessageContaining("Recover it with the PeerPulse version that wrote it")
                .hasMessageNotContaining("no valid header");
    }

    /**
     * Written at 9d3c2c32 (before 5f5e04f0, 2026-12-07) by sessions on virtual time with scripted sources (review 122):
     * the ICE view alone on host/host/udp, a probe beside the ICE view on srflx/host/udp, the ICE view alone again,
     * the probe beside it again; and a probe that never answers beside the ICE view moving to srflx/host/udp, a
     * fallback to it, a reconnection. Then a view's first path change after an open or a fallback started from none
     * (the view's own record had no path), now from the path the session held. Nothing was lost: the recovery used to
     * report each such line as following lost lines ("changes the second view's path from none (its first path) to
     * srflx/host/udp, but the recovered path was host/host/udp: a change to host/host/udp is not in the journal
     * either"; after a fallback even "from none to srflx/host/udp, but the recovered path was srflx/host/udp").
     */
    @Test
    void aViewsFirstPathInAJournalWrittenBeforeViewsStartedFromTheSessionsPathIsNoLostLine() throws Exception {
        io.peerpulse.telemetry.NetworkPath wifi = new io.peerpulse.telemetry.NetworkPath("host", "host", "udp");
        io.peerpulse.telemetry.NetworkPath cellular = new io.peerpulse.telemetry.NetworkPath("srflx", "host", "udp");
        for (String name : new String[] {"paths-reconnect-9d3c2c32", "paths-fallback-9d3c2c32"}) {
            SessionJournal.Recovery recovery = SessionJournal.recover(
                    Path.of("src/test/resources/earlier/" + name + ".journal.jsonl"));
            assertThat(recovery.problems()).as(name).isEmpty();
            assertThat(recovery.complete()).as(name).isTrue();
            assertThat(recovery.report().multiplayerMetrics().pathChanges()).as(name)
                    .extracting(c -> c.previous(), c -> c.current())
                    .containsExactly(org.assertj.core.api.Assertions.tuple(null, wifi),
                            org.assertj.core.api.Assertions.tuple(wifi, cellular));
            assertThat(recovery.report().sessionMetrics().path()).as(name).isEqualTo(cellular);
        }
    }
}
