package io.peerpulse.export.html;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.SessionReport;
import io.peerpulse.testkit.IpAddresses;
import org.junit.jupiter.api.Test;

class HtmlReportTest {

    @Test
    void thePageHoldsEveryPointTheGapTheRoundsAndTheSummary() {
        SessionReport report = Reports.withGapAndRounds("s-1");
        String html = HtmlReport.render(report);
        int samples = report.sessionMetrics().latency().sampleCount();
        assertThat(samples).isEqualTo(49);
        assertThat(html.split("<circle ", -1)).hasSize(samples + 1);
        assertThat(html).contains("class=\"gap\"").contains("round 1").contains("round 2")
                .contains("<table>").contains("RTT over time").contains("Distribution");
        // the line breaks at the gap: two moves, one before and one after it
        String path = html.substring(html.indexOf("<path class=\"line\" d=\""));
        path = path.substring(0, path.indexOf("\"/>"));
        assertThat(path.chars().filter(c -> c == 'M').count()).isEqualTo(2);
    }

    @Test
    void itFetchesNothingAndEscapesWhatTheGameGave() {
        String html = HtmlReport.render(Reports.withGapAndRounds("<script>alert(1)</script>"));
        // the SVG namespace is a name, not a fetch
        String withoutNamespace = html.replace("http://www.w3.org/2000/svg", "");
        assertThat(withoutNamespace).doesNotContain("<script").doesNotContain("src=").doesNotContain("href=")
                .doesNotContain("url(").doesNotContain("@import").doesNotContain("http://").doesNotContain("https://");
        assertThat(html).contains("&lt;script&gt;").contains("p&lt;1&gt;");
        assertThat(IpAddresses.containsAny(html)).isFalse();
    }

    @Test
    void aSessionWithoutSamplesSaysSo() {
        String html = HtmlReport.render(Reports.empty("s-empty"));
        assertThat(html).contains("No RTT sample was measured").doesNotContain("<circle");
    }
}
