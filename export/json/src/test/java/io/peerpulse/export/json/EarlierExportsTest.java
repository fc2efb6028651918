package io.peerpulse.export.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.QualitySummary;
import io.peerpulse.session.QualityThresholds;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryCounters;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Exports written by earlier versions, each by {@code peerpulse demo --duration 5s} at the commit its name gives
 * ({@code src/test/resources/earlier/demo-<commit>.json}), read by today's reader as they were written: the keys
 * renamed since under their new names, those added since at their stated defaults.
 */
class EarlierExportsTest {

    private static SessionReport read(String commit) throws Exception {
        return SessionReportJson.read(Path.of("src/test/resources/earlier/demo-" + commit + ".json"));
    }

    /** 1101694 (2026-11-30), before the naming rule (46ba5db): refused before, "validationData.clock.clockSteps is missing". */
    @Test
    void anExportOfNovember30ReadsItsCountsSamplesAndMedian() throws Exception {
        SessionReport report = read("1101694");

        TelemetryCounters counters = report.validationData().counters();
        assertThat(counters.pollCount()).isEqualTo(5);          // "polls": 5
        assertThat(counters.measuredCount()).isEqualTo(5);      // "measured": 5
        TelemetryCounters secondary = report.validationData().secondary().counters();
        assertThat(secondary.pollCount()).isEqualTo(6);
        assertThat(secondary.staleCount()).isEqualTo(2);
        assertThat(report.sessionMetrics().latency().samples().get(0))
                .isEqualTo(new RttSample(1796660512960L, 88.385)); // "timestamp": 1796660512960
        assertThat(report.validationData().sessionLatency().medianMs()).isEqualTo(80.97778230346012); // "p50Ms"
        assertThat(report.validationData().probe().offsetEpochMs()).isEqualTo(1796660515938L); // "offsetTimestamp"
        assertThat(report.validationData().clock().clockSteps()).isEmpty();
        assertThat(report.validationData().clock().clockStepCount()).isZero();
    }

    /** e059b85 (2026-12-06), before c910106: loss thresholds in percent, score keys named score…. */
    @Test
    void anExportOfPercentLossThresholdsReadsThemAsRatiosAndKeepsItsScores() throws Exception {
        SessionReport report = read("e059b85");

        QualityThresholds quality = report.multiplayerMetrics().qualityThresholds();
        assertThat(quality.lossFairFromRatio()).isEqualTo(0.03);   // "lossFairFromPercent": 3.0
        assertThat(quality.lossPoorFromRatio()).isEqualTo(0.1);    // "lossPoorFromPercent": 10.0
        assertThat(quality.fairBelowScore()).isEqualTo(80.0);      // "scoreFairBelow": 80.0
        assertThat(quality.poorBelowScore()).isEqualTo(70.0);
        QualitySummary summary = report.multiplayerMetrics().qualitySummary();
        assertThat(summary.scoreCount()).isEqualTo(5);
        assertThat(summary.minScore()).isEqualTo(90.8);            // "scoreMin": 90.8
        assertThat(summary.p5Score()).isEqualTo(90.8);
        assertThat(summary.medianScore()).isEqualTo(90.9);
        assertThat(summary.maxScore()).isEqualTo(90.9);
        assertThat(report.multiplayerMetrics().rounds().get(0).quality().minScore()).isEqualTo(90.8);
    }

    /** A LOSS reason of such a file holds percentages, as its thresholds do: read as ratios too. */
    @Test
    void aLossReasonOfAPercentExportIsReadAsARatio() throws Exception {
        String json = java.nio.file.Files.readString(Path.of("src/test/resources/earlier/demo-e059b85.json"))
                .replace("\"reasons\": [\n                ]", "\"reasons\": [{\"level\": \"FAIR\", \"metric\": \"LOSS\","
                        + " \"threshold\": 3.0, \"value\": 12.5, \"windowCount\": 8, \"windowMs\": 10000}]");
        assertThat(json).contains("\"value\": 12.5");

        var reason = SessionReportJson.fromJson(json).multiplayerMetrics().qualityChanges().get(0).reasons().get(0);
        assertThat(reason.value()).isEqualTo(0.125);
        assertThat(reason.threshold()).isEqualTo(0.03);
    }

    /**
     * Today's file (ratios) that also holds a percent name, say from a script merging two versions' files: its
     * thresholds are read under their ratio names and the unknown key ignored, so its LOSS reason, a ratio too,
     * is read as written. Was read as a percentage: 0.125 read as 0.00125, its threshold 0.03 as 0.0003.
     */
    @Test
    void aFileWithBothNamesKeepsItsLossReasonsAsRatios() throws Exception {
        String json = java.nio.file.Files.readString(Path.of("src/test/resources/earlier/demo-c910106.json"))
                .replace("\"lossFairFromRatio\": 0.03,", "\"lossFairFromPercent\": 3.0, \"lossFairFromRatio\": 0.03,")
                .replace("\"reasons\": [\n                ]", "\"reasons\": [{\"level\": \"FAIR\", \"metric\": \"LOSS\","
                        + " \"threshold\": 0.03, \"value\": 0.125, \"windowCount\": 8, \"windowMs\": 10000}]");
        assertThat(json).contains("\"lossFairFromPercent\": 3.0").contains("\"value\": 0.125");

        SessionReport report = SessionReportJson.fromJson(json);

        assertThat(report.multiplayerMetrics().qualityThresholds().lossFairFromRatio()).isEqualTo(0.03);
        var reason = report.multiplayerMetrics().qualityChanges().get(0).reasons().get(0);
        assertThat(reason.value()).isEqualTo(0.125);
        assertThat(reason.threshold()).isEqualTo(0.03);
    }

    /**
     * A percent threshold that is no percentage is refused under the name the file holds, with the value it holds:
     * was "lossFairFromRatio: expected a number, found a string" (a key not in the file), "lossFairFromRatio: -0.03
     * is negative" for -3, and 300 % was read as a ratio of 3.0.
     */
    @Test
    void aPercentThresholdThatIsNoPercentageIsRefusedUnderItsOwnName() throws Exception {
        String earlier = java.nio.file.Files.readString(Path.of("src/test/resources/earlier/demo-e059b85.json"));
        for (String[] bad : new String[][] {{"\"3\"", "expected a number"}, {"-3", "-3 is not a percentage"},
                {"300", "300 is not a percentage"}}) {
            String json = earlier.replace("\"lossFairFromPercent\": 3.0", "\"lossFairFromPercent\": " + bad[0]);

            assertThatThrownBy(() -> SessionReportJson.fromJson(json))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("multiplayerMetrics.qualityThresholds.lossFairFromPercent: " + bad[1])
                    .hasMessageNotContaining("lossFairFromRatio");
        }
        // null (loss not judged) stays absent
        assertThat(SessionReportJson.fromJson(earlier.replace("\"lossFairFromPercent\": 3.0",
                "\"lossFairFromPercent\": null")).multiplayerMetrics().qualityThresholds().lossFairFromRatio()).isNull();
    }

    /** a429c5a (2026-12-07), before the probe's four counts of refused messages: 0, as documented. */
    @Test
    void anExportBeforeTheProbesRefusedCountsReadsThemAsZero() throws Exception {
        ProbeStats probe = read("a429c5a").validationData().probe();

        assertThat(probe.sentCount()).isEqualTo(5);
        assertThat(probe.malformedCount()).isZero();
        assertThat(probe.unknownVersionCount()).isZero();
        assertThat(probe.unmatchedCount()).isZero();
        assertThat(probe.inboundDroppedCount()).isZero();
    }
}
