package io.peerpulse.export.html;

import io.peerpulse.session.CoverageGap;
import io.peerpulse.session.RoundMetrics;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.SessionLatencyStats;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Renders a {@link SessionReport} as one self-contained HTML page: an SVG chart of RTT over time
 * (gaps without measurement drawn as gaps, rounds marked), a histogram of the RTTs, and the summary
 * table. The page fetches nothing: no script, no external style, font or image.
 *
 * <p>The chart shows the samples the report carries, i.e. the telemetry's window (the last
 * {@code maxSampleCount}); the summary table also gives the whole-session aggregates.
 *
 * @since 0.1.0
 */
public final class HtmlReport {

    static final int WIDTH = 960;
    static final int HEIGHT = 360;
    private static final int LEFT = 64;
    private static final int RIGHT = 24;
    private static final int TOP = 24;
    private static final int BOTTOM = 48;
    /** The colour of the measured points, for people and for the screenshot test. */
    public static final String POINT_COLOR = "#d62728";

    private HtmlReport() {
    }

    /**
     * Renders the page.
     *
     * @param report the session's report
     * @return the HTML document
     */
    public static String render(SessionReport report) {
        Objects.requireNonNull(report, "report");
        String id = escape(report.sessionMetrics().sessionId());
        StringBuilder html = new StringBuilder(16_384);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>PeerPulse session ").append(id).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:24px;color:#222;background:#fff}")
                .append("table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 10px;")
                .append("text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}")
                .append("svg{display:block;margin:8px 0}.axis{stroke:#222;stroke-width:1.5}")
                .append(".grid{stroke:#e3e3e3;stroke-width:1}.label{font-size:12px;fill:#444}")
                .append(".gap{fill:#bbb;fill-opacity:.35}.round{stroke:#1f77b4;stroke-dasharray:4 3}")
                .append(".line{fill:none;stroke:#888;stroke-width:1}.bar{fill:#1f77b4}\n</style>\n</head>\n<body>\n")
                .append("<h1>Session ").append(id).append("</h1>\n");
        LatencyStats latency = report.sessionMetrics().latency();
        if (latency == null) {
            html.append("<p>No RTT sample was measured in this session.</p>\n");
        } else {
            html.append("<h2>RTT over time</h2>\n").append(timeChart(report, latency));
            html.append("<h2>Distribution</h2>\n").append(histogram(latency));
        }
        html.append("<h2>Summary</h2>\n").append(summary(report)).append("</body>\n</html>\n");
        return html.toString();
    }

    private static String timeChart(SessionReport report, LatencyStats latency) {
        List<RttSample> samples = latency.samples();
        long start = Math.min(report.sessionMetrics().startEpochMs(), samples.get(0).timestampEpochMs());
        long end = Math.max(samples.get(samples.size() - 1).timestampEpochMs(),
                report.sessionMetrics().endEpochMs() == null ? start : report.sessionMetrics().endEpochMs());
        double spanSeconds = Math.max(1, (end - start) / 1000.0);
        double highest = latency.maxMs();
        for (RttSample s : samples) {
            highest = Math.max(highest, s.rttMs()); // an edited export's maxMs may lie below a sample
        }
        double maxY = niceCeiling(highest * 1.1);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        Scale x = v -> LEFT + (v - start) / 1000.0 / spanSeconds * plotW;
        Scale y = v -> TOP + plotH - v / maxY * plotH;

        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "role=\"img\" aria-label=\"RTT over time\">\n", WIDTH, HEIGHT));
        for (int i = 0; i <= 5; i++) { // y grid and labels
            double value = maxY * i / 5;
            double py = y.at(value);
            svg.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                    + "<text class=\"label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    LEFT, py, WIDTH - RIGHT, py, LEFT - 6, py + 4, number(value)));
        }
        for (int i = 0; i <= 6; i++) { // x labels in seconds
            double seconds = spanSeconds * i / 6;
            double px = LEFT + seconds / spanSeconds * plotW;
            svg.append(String.format(Locale.ROOT, "<text class=\"label\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
                    + "%s s</text>\n", px, HEIGHT - BOTTOM + 18, number(seconds)));
        }
        List<CoverageGap> gaps = report.validationData().coverage().gaps();
        for (CoverageGap gap : gaps) {
            double x1 = Math.max(LEFT, x.at(gap.startEpochMs()));
            double x2 = Math.min(WIDTH - RIGHT, x.at(gap.endEpochMs()));
            svg.append(String.format(Locale.ROOT, "<rect class=\"gap\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">"
                    + "<title>no measurement for %s s</title></rect>\n", x1, TOP, Math.max(1, x2 - x1), plotH,
                    number(gap.durationMs() / 1000.0)));
        }
        for (RoundMetrics round : report.multiplayerMetrics().rounds()) {
            double px = x.at(round.startEpochMs());
            svg.append(String.format(Locale.ROOT, "<line class=\"round\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                    + "<text class=\"label\" x=\"%.1f\" y=\"%d\">round %d</text>\n", px, TOP, px, TOP + plotH, px + 3,
                    TOP + 12, round.roundNumber()));
        }
        // the line between consecutive samples breaks where a gap lies between them
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < samples.size(); i++) {
            RttSample s = samples.get(i);
            boolean breakHere = i == 0 || gapBetween(gaps, samples.get(i - 1).timestampEpochMs(), s.timestampEpochMs());
            path.append(breakHere ? 'M' : 'L').append(String.format(Locale.ROOT, "%.1f %.1f ", x.at(s.timestampEpochMs()),
                    y.at(s.rttMs())));
        }
        svg.append("<path class=\"line\" d=\"").append(path.toString().trim()).append("\"/>\n");
        for (RttSample s : samples) {
            svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s ms</title>"
                    + "</circle>\n", x.at(s.timestampEpochMs()), y.at(s.rttMs()), POINT_COLOR, number(s.rttMs())));
        }
        svg.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                + "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", LEFT, TOP, LEFT, TOP + plotH, LEFT,
                TOP + plotH, WIDTH - RIGHT, TOP + plotH));
        svg.append(String.format(Locale.ROOT, "<text class=\"label\" x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" "
                + "text-anchor=\"middle\">RTT (ms)</text>\n", TOP + plotH / 2, TOP + plotH / 2));
        svg.append(String.format(Locale.ROOT, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
                + "time since session start</text>\n", LEFT + plotW / 2, HEIGHT - 8));
        return svg.append("</svg>\n").toString();
    }

    private static boolean gapBetween(List<CoverageGap> gaps, long from, long to) {
        for (CoverageGap gap : gaps) {
            if (gap.startEpochMs() < to && gap.endEpochMs() > from) {
                return true;
            }
        }
        return false;
    }

    private static String histogram(LatencyStats latency) {
        int bins = Math.max(1, Math.min(30, (int) Math.ceil(Math.sqrt(latency.samples().size()))));
        // the bins span the samples themselves: an edited export's minMs/maxMs need not agree with them
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (RttSample s : latency.samples()) {
            low = Math.min(low, s.rttMs());
            high = Math.max(high, s.rttMs());
        }
        if (!(low <= high)) {
            low = 0;
            high = 0;
        }
        double width = Math.max(1e-9, (high - low) / bins);
        int[] counts = new int[bins];
        for (RttSample s : latency.samples()) {
            double bin = Math.floor((s.rttMs() - low) / width);
            counts[(int) Math.max(0, Math.min(bins - 1, bin))]++;
        }
        int maxCount = 1;
        for (int c : counts) {
            maxCount = Math.max(maxCount, c);
        }
        int w = 640;
        int h = 220;
        int plotW = w - LEFT - RIGHT;
        int plotH = h - TOP - BOTTOM;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                + "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"RTT histogram\">\n", w, h));
        for (int i = 0; i < bins; i++) {
            double barH = (double) counts[i] / maxCount * plotH;
            double px = LEFT + (double) i / bins * plotW;
            svg.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    + "height=\"%.1f\"><title>%s–%s ms: %d</title></rect>\n", px + 1, TOP + plotH - barH,
                    Math.max(1, (double) plotW / bins - 2), barH, number(low + i * width),
                    number(low + (i + 1) * width), counts[i]));
        }
        svg.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
                LEFT, TOP + plotH, w - RIGHT, TOP + plotH));
        svg.append(String.format(Locale.ROOT, "<text class=\"label\" x=\"%d\" y=\"%d\">%s ms</text>"
                + "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s ms</text>\n", LEFT, h - BOTTOM + 18,
                number(low), w - RIGHT, h - BOTTOM + 18, number(high)));
        svg.append(String.format(Locale.ROOT, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%d</text>\n",
                LEFT - 6, TOP + 4, maxCount));
        return svg.append("</svg>\n").toString();
    }

    private static String summary(SessionReport report) {
        StringBuilder table = new StringBuilder("<table>\n<tr><th>statistic</th><th>window</th><th>whole session</th></tr>\n");
        LatencyStats w = report.sessionMetrics().latency();
        SessionLatencyStats s = report.validationData().sessionLatency();
        // the whole session's quantiles are estimates (within 1 %) only once the window has evicted a sample
        String approx = s != null && w != null && s.sampleCount() == w.sampleCount() ? "" : "≈ ";
        row(table, "samples", w == null ? "–" : String.valueOf(w.sampleCount()), s == null ? "–" : String.valueOf(s.sampleCount()));
        row(table, "min (ms)", w == null ? "–" : number(w.minMs()), s == null ? "–" : number(s.minMs()));
        row(table, "median (ms)", w == null ? "–" : number(w.medianMs()), s == null ? "–" : approx + number(s.medianMs()));
        row(table, "mean (ms)", w == null ? "–" : number(w.meanMs()), s == null ? "–" : number(s.meanMs()));
        row(table, "p95 (ms)", w == null ? "–" : number(w.p95Ms()), s == null ? "–" : approx + number(s.p95Ms()));
        row(table, "p99 (ms)", w == null ? "–" : number(w.p99Ms()), s == null ? "–" : approx + number(s.p99Ms()));
        row(table, "max (ms)", w == null ? "–" : number(w.maxMs()), s == null ? "–" : number(s.maxMs()));
        row(table, "std dev (ms)", w == null ? "–" : number(w.stdDevMs()), "");
        row(table, "jitter (ms)", w == null ? "–" : number(w.jitterMs()), "");
        table.append("</table>\n<table>\n");
        var metrics = report.sessionMetrics();
        var coverage = report.validationData().coverage();
        var counters = report.validationData().counters();
        row(table, "player", metrics.playerId() == null ? "–" : escape(metrics.playerId()));
        row(table, "duration (s)", number(metrics.durationMs() / 1000.0));
        row(table, "coverage", String.format(Locale.ROOT, "%.1f %%", coverage.coveredRatio() * 100));
        row(table, "gaps", coverage.gaps().size() + " (" + number(coverage.gapMs() / 1000.0) + " s)");
        row(table, "polls", counters.pollCount() + " (measured " + counters.measuredCount() + ", stale " + counters.staleCount()
                + ", unavailable " + counters.unavailableCount() + ", failed " + counters.failedCount() + ", rejected "
                + counters.rejectedCount() + ", skipped " + counters.skippedCount() + ")");
        row(table, "reconnections", String.valueOf(report.multiplayerMetrics().reconnections().size()));
        row(table, "rounds", String.valueOf(report.multiplayerMetrics().rounds().size()));
        row(table, "path", metrics.path() == null ? "–" : escape(metrics.path().toString()));
        return table.append("</table>\n").toString();
    }

    private static void row(StringBuilder table, String... cells) {
        table.append("<tr><td>").append(cells[0]).append("</td>");
        for (int i = 1; i < cells.length; i++) {
            table.append("<td>").append(cells[i]).append("</td>");
        }
        table.append("</tr>\n");
    }

    private static double niceCeiling(double value) {
        if (value <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e9 ? String.valueOf((long) value)
                : String.format(Locale.ROOT, "%.2f", value);
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c < 0x20 && c != '\t' ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }

    @FunctionalInterface
    private interface Scale {
        double at(double value);
    }
}
