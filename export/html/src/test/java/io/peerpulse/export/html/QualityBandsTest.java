package io.peerpulse.export.html;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.QualityReason;
import io.peerpulse.session.SessionReport;
import io.peerpulse.testkit.SampleReports;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The connection quality as bands along the top of the RTT chart (issue 26: "report shows grade bands"). */
class QualityBandsTest {

    private static final Pattern BAND = Pattern.compile(
            "<rect class=\"q-(\\w+)\" x=\"([\\d.]+)\" y=\"[\\d.]+\" width=\"([\\d.]+)\" height=\"\\d+\"><title>([^<]*)</title>");

    private record Band(String grade, double x, double width, String title) {
    }

    private static List<Band> bands(String html) {
        List<Band> bands = new ArrayList<>();
        for (Matcher m = BAND.matcher(html); m.find(); ) {
            bands.add(new Band(m.group(1), Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
                    m.group(4)));
        }
        return bands;
    }

    /** A real session: GOOD, LOST in its 12 s outage, GOOD again; each band from its change to the next. */
    @Test
    void eachQualityChangeIsABandUpToTheNextWithItsReasons() {
        SessionReport report = Reports.withGapAndRounds("bands");
        List<QualityChange> changes = report.multiplayerMetrics().qualityChanges();
        List<Band> bands = bands(HtmlReport.render(report));

        assertThat(bands).extracting(Band::grade).containsExactlyElementsOf(changes.stream()
                .filter(c -> c.current() != ConnectionQuality.UNKNOWN).map(c -> c.current().name()).toList());
        assertThat(bands).extracting(Band::grade).contains("LOST");
        long start = report.sessionMetrics().startEpochMs();
        long end = report.sessionMetrics().endEpochMs();
        ChartScale scale = ChartScale.of(start, end, 100);
        for (int i = 0; i < bands.size(); i++) {
            Band band = bands.get(i);
            QualityChange change = changes.get(i);
            assertThat(band.x()).as("band %d starts at its change", i)
                    .isCloseTo(scale.x(change.timestampEpochMs()), within(0.1));
            double endX = i + 1 < bands.size() ? bands.get(i + 1).x() : ChartScale.LEFT + ChartScale.PLOT_WIDTH;
            assertThat(band.x() + band.width()).as("band %d reaches the next or the end", i)
                    .isCloseTo(endX, within(0.1));
            String reasons = change.reasons().stream().map(QualityReason::text).collect(Collectors.joining("; "));
            assertThat(band.title()).startsWith(change.current().name()).contains(HtmlReport.escape(reasons));
        }
    }

    /** More changes than pixel columns: at most one band per column, each column its worst grade. */
    @Test
    void manyChangesStayBoundedAndShowTheWorst() {
        SessionReport base = Reports.withGapAndRounds("many-bands");
        long start = base.sessionMetrics().startEpochMs();
        long end = base.sessionMetrics().endEpochMs();
        List<QualityChange> changes = new ArrayList<>();
        int count = 20_000;
        for (int i = 0; i < count; i++) {
            ConnectionQuality from = i % 2 == 0 ? ConnectionQuality.GOOD : ConnectionQuality.FAIR;
            ConnectionQuality to = i % 2 == 0 ? ConnectionQuality.FAIR : ConnectionQuality.GOOD;
            long at = start + (end - start) * i / count;
            changes.add(SampleReports.record(QualityChange.class, "timestampEpochMs", at, "previous", from,
                    "current", i == count / 2 ? ConnectionQuality.POOR : to, "reasons", List.of()));
        }
        String html = HtmlReport.render(SampleReports.with(base, "multiplayerMetrics.qualityChanges", changes));
        List<Band> bands = bands(html);

        assertThat(bands.size()).as("bands").isLessThanOrEqualTo(ChartScale.PLOT_WIDTH);
        assertThat(bands).extracting(Band::grade).containsExactly("FAIR", "POOR", "FAIR");
        assertThat(bands.get(1).width()).as("the one POOR change, a column wide").isCloseTo(1, within(0.01));
        assertThat(bands.get(0).title()).contains("the worst in this stretch");
    }
}
