package io.peerpulse.export.html;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.SecondaryLatency;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.testkit.IpAddresses;
import io.peerpulse.testkit.SampleReports;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    void computedLabelsKeepTheExportsThreeDecimals() {
        SessionReport report = Reports.withThreeDecimals("s-3");
        assertThat(report.sessionMetrics().latency().maxMs()).isEqualTo(96.891);
        String html = HtmlReport.render(report);
        String histogram = html.substring(html.indexOf("aria-label=\"RTT histogram\""));
        // the last bin ends at the largest sample and the axis names it: at two decimals both said 96.89, a label
        // that seemed to leave out the two samples of 96.891
        assertThat(histogram).contains("–96.891 ms: ").contains(">96.891 ms</text>").doesNotContain("96.89 ms")
                .contains(">93.27 ms</text>");
        assertThat(html).contains("duration (s)</td><td>9.5</td>"); // a whole value keeps no decimals
    }

    @Test
    void coverageBelowOneNeverReadsAsAHundredPercent() {
        SessionReport report = Reports.threeHoursWithOneShortGap("s-cov");
        assertThat(report.validationData().coverage().gaps()).hasSize(1);
        assertThat(report.validationData().coverage().coveredRatio()).isBetween(0.9995, 0.99999);
        String html = HtmlReport.render(report);
        // at %.1f the page said 100.0 % beside its one gap; the export's digits are cut, never rounded up
        assertThat(html).contains("coverage</td><td>99.953 %</td>").doesNotContain("100.0 %");
        assertThat(HtmlReport.render(Reports.withThreeDecimals("s-full"))).contains("coverage</td><td>100 %</td>");
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

    /**
     * The page tells the browser to load nothing and run no script (a participant's page must not call home even if
     * markup got into it), before anything it governs: right after the charset, ahead of the title and the style.
     */
    @Test
    void aContentSecurityPolicyForbidsEveryFetchAndScript() {
        String html = HtmlReport.render(Reports.withGapAndRounds("csp"));
        String csp = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                + "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">";
        assertThat(html).startsWith("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" + csp
                + "\n<title>");
        assertThat(html.split("Content-Security-Policy", -1)).hasSize(2);
    }

    /**
     * A bidirectional control (U+202E and its kind) in a text of the report, e.g. an export edited by hand or one
     * written before ids refused them, would show the rest of its title, heading or cell reversed (a number
     * after it too): it is shown as U+FFFD, as control characters are.
     */
    @Test
    void bidirectionalControlsAreShownAsReplacementCharacters() {
        String id = "pair-7\u202Elanigiro\u2066x\u200F";
        SessionReport report = SampleReports.with(Reports.withProbeAndSecondary("pair-7"),
                "sessionMetrics.sessionId", id, "validationData.secondary.source", "ice\u202E");
        String html = HtmlReport.render(report);
        assertThat(html.chars()).noneMatch(c -> c == 0x202E || c == 0x2066 || c == 0x200F);
        assertThat(html).contains("<h1>Session pair-7\uFFFDlanigiro\uFFFDx\uFFFD</h1>").contains("ice\uFFFD median");
    }

    /**
     * DEL and the C1 controls (U+0080–U+009F: U+0085 a line break to some readers, U+009B an escape sequence's start
     * to some terminals) are control characters as ids count them: a crafted export's source name holding them, which
     * the JSON reader accepts, shows them as U+FFFD like the C0 controls, not as they are.
     */
    @Test
    void deleteAndC1ControlsAreShownAsReplacementCharacters() {
        SessionReport report = SampleReports.with(Reports.withProbeAndSecondary("pair-8"),
                "validationData.latencySource", "probe\u007F", "validationData.secondary.source", "ice\u0085\u009B31m");
        String html = HtmlReport.render(report);
        assertThat(html.chars()).noneMatch(c -> Character.isISOControl(c) && c != '\n');
        assertThat(html).contains("<th>window (probe\uFFFD)</th>").contains("ice\uFFFD\uFFFD31m median");
    }

    /**
     * A source's name in a crafted export, or one written before names were redacted, may hold an address: the page,
     * which is shared, shows it redacted as it shows such an id (heading, table and chart alike).
     */
    @Test
    void anAddressInASourcesNameIsRedactedAsInAnId() {
        SessionReport report = SampleReports.with(Reports.withProbeAndSecondary("pair-9"),
                "validationData.latencySource", "turn 198.51.100.7", "validationData.secondary.source",
                "relay [2001:db8::1]:3478");
        String html = HtmlReport.render(report);
        assertThat(IpAddresses.containsAny(html)).isFalse();
        assertThat(html).contains("<th>window (turn &lt;redacted&gt;)</th>")
                .contains("<title>relay &lt;redacted&gt; median 75 ms</title>")
                .contains("polls (relay &lt;redacted&gt;, secondary)");
    }

    @Test
    void aSessionWithoutSamplesSaysSo() {
        String html = HtmlReport.render(Reports.empty("s-empty"));
        assertThat(html).contains("No RTT sample was measured").doesNotContain("<circle");
    }

    /**
     * The page shows what the report measured beside the primary view: the probe's loss counts and clock
     * offset with its bound (values as exported), and the secondary view's window beside the primary one
     * (its column in the summary, its polls, its median on the chart).
     */
    @Test
    void theProbesLossAndOffsetAndTheSecondaryViewAreShown() {
        SessionReport report = Reports.withProbeAndSecondary("two-views");
        ProbeStats probe = report.validationData().probe();
        SecondaryLatency ice = report.validationData().secondary();
        assertThat(probe).isNotNull();
        assertThat(ice).isNotNull();
        assertThat(ice.latency()).isNotNull();
        String html = HtmlReport.render(report);

        Map<String, String> probeRows = rows(section(html, "<table class=\"probe\">"));
        assertThat(probeRows).containsEntry("pings sent", "31").containsEntry("answered", "28")
                .containsEntry("lost", "2").containsEntry("late", "1").containsEntry("unanswered (not loss)", "1")
                .containsEntry("clock offset (peer − ours)", "-12.345 ms ± 0.812 ms")
                .containsEntry("peer messages refused (malformed)", "5")
                .containsEntry("peer messages of an unknown version", "6")
                .containsEntry("pongs to no ping (unmatched)", "108514")
                .containsEntry("peer messages dropped (queue full)", "80148");
        assertThat(Double.parseDouble(probeRows.get("loss ratio").replace(" %", "")))
                .isEqualTo(probe.lossRatio() * 100, org.assertj.core.api.Assertions.within(1e-12));

        String summary = section(html, "<table class=\"summary\">");
        assertThat(headers(summary)).containsExactly("statistic", "window (probe)", "whole session (probe)",
                "window (ice, secondary)");
        List<String> median = cells(summary, "median (ms)");
        assertThat(median).hasSize(3);
        assertThat(median.get(2)).isEqualTo(HtmlReport.exact(ice.latency().medianMs())).isEqualTo("75");
        assertThat(cells(summary, "samples").get(2)).isEqualTo(String.valueOf(ice.latency().sampleCount()));
        assertThat(rows(html.substring(html.indexOf("</table>", html.indexOf("class=\"summary\"")))))
                .containsKey("polls (ice, secondary)")
                .hasEntrySatisfying("polls (ice, secondary)", v -> assertThat(v).startsWith(ice.counters().pollCount() + " ("));
        assertThat(html).contains("<title>ice median 75 ms</title>");
    }

    @Test
    void withoutProbeOrSecondaryThosePartsAreLeftOut() {
        String html = HtmlReport.render(Reports.withGapAndRounds("one-view"));
        assertThat(html).doesNotContain("Probe").doesNotContain("class=\"probe\"").doesNotContain("class=\"secondary\"")
                .doesNotContain("secondary)").doesNotContain("clock offset");
        assertThat(headers(section(html, "<table class=\"summary\">"))).hasSize(3).startsWith("statistic")
                .noneMatch(h -> h.contains("secondary"));
    }

    private static String section(String html, String start) {
        int at = html.indexOf(start);
        assertThat(at).as("%s in the page", start).isNotNegative();
        return html.substring(at, html.indexOf("</table>", at));
    }

    private static final Pattern ROW = Pattern.compile("<tr><td>([^<]*)</td>((?:<td>[^<]*</td>)*)</tr>");
    private static final Pattern CELL = Pattern.compile("<td>([^<]*)</td>");

    /** The first two cells of each row. */
    private static Map<String, String> rows(String table) {
        Map<String, String> rows = new LinkedHashMap<>();
        for (Matcher m = ROW.matcher(table); m.find(); ) {
            Matcher cell = CELL.matcher(m.group(2));
            rows.putIfAbsent(m.group(1), cell.find() ? cell.group(1) : "");
        }
        return rows;
    }

    /** The cells of a row after its name. */
    private static List<String> cells(String table, String name) {
        for (Matcher m = ROW.matcher(table); m.find(); ) {
            if (m.group(1).equals(name)) {
                List<String> cells = new ArrayList<>();
                for (Matcher cell = CELL.matcher(m.group(2)); cell.find(); ) {
                    cells.add(cell.group(1));
                }
                return cells;
            }
        }
        throw new AssertionError("no row " + name + " in " + table);
    }

    private static List<String> headers(String table) {
        List<String> headers = new ArrayList<>();
        for (Matcher m = Pattern.compile("<th[^>]*>([^<]*)</th>").matcher(table); m.find(); ) {
            headers.add(m.group(1));
        }
        return headers;
    }
}
