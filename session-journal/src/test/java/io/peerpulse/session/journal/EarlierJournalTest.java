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
}
