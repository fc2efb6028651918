package io.peerpulse.export.html;

import io.peerpulse.session.SecondaryLatency;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.LatencySummary;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.SessionLatencyStats;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.shared.Redaction;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Objects;

/**
 * Renders a {@link SessionReport} as one self-contained HTML page: an SVG chart of RTT over time
 * (gaps without measurement drawn as gaps, rounds marked, axes ticked at round numbers, the secondary
 * view's median as a dashed line), a histogram of the RTTs, the summary table (the primary view's window
 * and whole session beside the secondary view's window, e.g. the probe beside ICE), and the probe's loss
 * counts and clock offset with its bound. A part the report lacks (no secondary view, no probe) is left
 * out, not shown empty. The page fetches nothing: no script, no external style, font or image.
 *
 * <p>The chart shows the samples the report carries, i.e. the telemetry's window (the last
 * {@code maxSampleCount}): each as a point up to 2,000 samples, beyond that per pixel column (the first,
 * lowest, highest and last sample of each), so that the page's size does not grow with the sample count.
 *
 * @since 0.1.0
 */
public final class HtmlReport {

    private static final int LEFT = ChartScale.LEFT;
    private static final int RIGHT = ChartScale.RIGHT;
    private static final int TOP = ChartScale.TOP;
    private static final int BOTTOM = ChartScale.BOTTOM;
    /** The page's policy: nothing loaded, no script, no form, no base; only its own inline style. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
            + "form-action 'none'";
    /** The colour of the measured points, for people and for the screenshot test. */
    public static final String POINT_COLOR = "#d62728";

    private HtmlReport() {
    }

    /**
     * Renders the page.
     *
     * @param report the session's report
     * @return the HTML document
     * @since 0.1.0
     */
    public static String render(SessionReport report) {
        Objects.requireNonNull(report, "report");
        String id = shown(report.sessionMetrics().sessionId());
        StringBuilder html = new StringBuilder(16_384);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                // the browser holds the page to fetching nothing and running no script, should markup ever get in
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(CONTENT_SECURITY_POLICY)
                .append("\">\n")
                .append("<title>PeerPulse session ").append(id).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:24px;color:#222;background:#fff}")
                .append("table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 10px;")
                .append("text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}")
                .append("svg{display:block;margin:8px 0}.axis{stroke:#222;stroke-width:1.5}")
                .append(".grid{stroke:#e3e3e3;stroke-width:1}.label{font-size:12px;fill:#444}")
                .append(".gap{fill:#bbb;fill-opacity:.35}.round{stroke:#1f77b4;stroke-dasharray:4 3}")
                .append(".line{fill:none;stroke:#888;stroke-width:1}.bar{fill:#1f77b4}")
                .append(".secondary{stroke:#2ca02c;stroke-width:1.5;stroke-dasharray:6 4}")
                .append(".q-GOOD{fill:#2ca02c}.q-FAIR{fill:#ffbf00}.q-POOR{fill:#d62728}.q-LOST{fill:#555}\n</style>\n</head>\n<body>\n")
                .append("<h1>Session ").append(id).append("</h1>\n");
        LatencyStats latency = report.sessionMetrics().latency();
        if (latency == null) {
            html.append("<p>No RTT sample was measured in this session.</p>\n");
        } else {
            html.append("<h2>RTT over time</h2>\n").append(TimeChart.render(report, latency));
            html.append("<h2>Distribution</h2>\n").append(histogram(latency));
        }
        html.append("<h2>Summary</h2>\n").append(summary(report));
        ProbeStats probe = report.validationData().probe();
        if (probe != null) {
            html.append("<h2>Probe</h2>\n").append(probe(probe));
        }
        html.append("</body>\n</html>\n");
        return html.toString();
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
        LatencyStats w = report.sessionMetrics().latency();
        SessionLatencyStats s = report.validationData().sessionLatency();
        SecondaryLatency secondary = report.validationData().secondary();
        LatencySummary v = secondary == null ? null : secondary.latency();
        String primary = report.validationData().latencySource();
        String view = primary == null ? "" : " (" + shown(primary) + ")";
        StringBuilder table = new StringBuilder("<table class=\"summary\">\n<tr><th>statistic</th><th>window").append(view)
                .append("</th><th>whole session").append(view).append("</th>");
        if (secondary != null) {
            table.append("<th class=\"secondary\">window (").append(shown(secondary.source())).append(", secondary)</th>");
        }
        table.append("</tr>\n");
        // the whole session's quantiles are estimates (within 1 %) only once the window has evicted a sample
        String approx = s != null && w != null && s.sampleCount() == w.sampleCount() ? "" : "≈ ";
        boolean two = secondary != null;
        row(table, two, "samples", w == null ? "–" : String.valueOf(w.sampleCount()),
                s == null ? "–" : String.valueOf(s.sampleCount()), v == null ? "–" : String.valueOf(v.sampleCount()));
        row(table, two, "min (ms)", w == null ? "–" : exact(w.minMs()), s == null ? "–" : exact(s.minMs()),
                v == null ? "–" : exact(v.minMs()));
        row(table, two, "median (ms)", w == null ? "–" : exact(w.medianMs()),
                s == null ? "–" : approx + exact(s.medianMs()), v == null ? "–" : exact(v.medianMs()));
        row(table, two, "mean (ms)", w == null ? "–" : exact(w.meanMs()), s == null ? "–" : exact(s.meanMs()),
                v == null ? "–" : exact(v.meanMs()));
        row(table, two, "p95 (ms)", w == null ? "–" : exact(w.p95Ms()), s == null ? "–" : approx + exact(s.p95Ms()),
                v == null ? "–" : exact(v.p95Ms()));
        row(table, two, "p99 (ms)", w == null ? "–" : exact(w.p99Ms()), s == null ? "–" : approx + exact(s.p99Ms()),
                v == null ? "–" : exact(v.p99Ms()));
        row(table, two, "max (ms)", w == null ? "–" : exact(w.maxMs()), s == null ? "–" : exact(s.maxMs()),
                v == null ? "–" : exact(v.maxMs()));
        row(table, two, "std dev (ms)", w == null ? "–" : exact(w.stdDevMs()), "", v == null ? "–" : exact(v.stdDevMs()));
        row(table, two, "jitter (ms)", w == null ? "–" : exact(w.jitterMs()), "", v == null ? "–" : exact(v.jitterMs()));
        table.append("</table>\n<table>\n");
        var metrics = report.sessionMetrics();
        var coverage = report.validationData().coverage();
        row(table, "player", metrics.playerId() == null ? "–" : shown(metrics.playerId()));
        row(table, "duration (s)", number(metrics.durationMs() / 1000.0));
        // the export's digits cut to 0.001 %, never rounded up: a session with a gap never reads 100 %
        row(table, "coverage", new BigDecimal(Double.toString(coverage.coveredRatio())).movePointRight(2)
                .setScale(3, RoundingMode.DOWN).stripTrailingZeros().toPlainString() + " %");
        row(table, "gaps", coverage.gaps().size() + " (" + number(coverage.gapMs() / 1000.0) + " s)");
        row(table, "polls" + view, polls(report.validationData().counters()));
        if (secondary != null) {
            row(table, "polls (" + shown(secondary.source()) + ", secondary)", polls(secondary.counters()));
        }
        row(table, "reconnections", String.valueOf(report.multiplayerMetrics().reconnections().size()));
        row(table, "rounds", String.valueOf(report.multiplayerMetrics().rounds().size()));
        row(table, "path", metrics.path() == null ? "–" : escape(metrics.path().toString()));
        return table.append("</table>\n").toString();
    }

    private static String polls(TelemetryCounters counters) {
        return counters.pollCount() + " (measured " + counters.measuredCount() + ", stale " + counters.staleCount()
                + ", unavailable " + counters.unavailableCount() + ", failed " + counters.failedCount() + ", rejected "
                + counters.rejectedCount() + ", skipped " + counters.skippedCount() + ")";
    }

    /** The probe's loss counts and the clock offset with its bound, values as exported. */
    private static String probe(ProbeStats probe) {
        StringBuilder table = new StringBuilder("<table class=\"probe\">\n");
        row(table, "pings sent", String.valueOf(probe.sentCount()));
        row(table, "answered", String.valueOf(probe.answeredCount()));
        row(table, "lost", String.valueOf(probe.lostCount()));
        row(table, "late", String.valueOf(probe.lateCount()));
        row(table, "unanswered (not loss)", String.valueOf(probe.unansweredCount()));
        row(table, "loss ratio", new BigDecimal(Double.toString(probe.lossRatio())).movePointRight(2).stripTrailingZeros()
                .toPlainString() + " %");
        Double offset = probe.offsetMs();
        Double bound = probe.errorBoundMs();
        row(table, "clock offset (peer − ours)", offset == null || bound == null ? "not measured"
                : exact(offset) + " ms ± " + exact(bound) + " ms");
        row(table, "capped hold times", String.valueOf(probe.cappedHoldCount()));
        row(table, "longest claimed hold (ms)", exact(probe.maxHoldMs()));
        row(table, "peer pings dropped", String.valueOf(probe.peerPingsDroppedCount()));
        row(table, "peer messages refused (malformed)", String.valueOf(probe.malformedCount()));
        row(table, "peer messages of an unknown version", String.valueOf(probe.unknownVersionCount()));
        row(table, "pongs to no ping (unmatched)", String.valueOf(probe.unmatchedCount()));
        row(table, "peer messages dropped (queue full)", String.valueOf(probe.inboundDroppedCount()));
        return table.append("</table>\n").toString();
    }

    private static void row(StringBuilder table, boolean withSecondary, String... cells) {
        row(table, withSecondary ? cells : java.util.Arrays.copyOf(cells, cells.length - 1));
    }

    private static void row(StringBuilder table, String... cells) {
        table.append("<tr><td>").append(cells[0]).append("</td>");
        for (int i = 1; i < cells.length; i++) {
            table.append("<td>").append(cells[i]).append("</td>");
        }
        table.append("</tr>\n");
    }

    /**
     * A computed value (a histogram's bin edge, a duration in seconds) to the exports' resolution, 0.001: whole, or
     * with at most three decimals (half up), so that no label hides a digit a sample has (a bin ending at 96.89
     * would seem to leave out a sample of 96.891).
     */
    static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e9 ? String.valueOf((long) value)
                : new BigDecimal(Double.toString(value)).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros()
                        .toPlainString();
    }

    /** A value with every digit it has (the shortest that reads back as it): 12.345, 0.5, -3. */
    static String exact(double value) {
        return new BigDecimal(Double.toString(value + 0.0)).stripTrailingZeros().toPlainString();
    }

    /**
     * A text the game gave (an id, a source's name) as the page shows it: addresses and candidates out, as
     * {@link Redaction#redactLines} takes them out, then {@linkplain #escape escaped}. What PeerPulse writes holds no
     * address (ids are refused with one, source names redacted); a crafted file's, or one of an earlier version, may.
     */
    static String shown(String text) {
        return escape(Objects.requireNonNull(Redaction.redactLines(text)));
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
                // a control (C0, DEL or C1, as ids refuse them) or a bidirectional control (U+202E …), which would
                // show the rest of its heading or cell reversed
                default -> out.append((Character.isISOControl(c) && c != '\t') || Redaction.isBidiControl(c) ? '\uFFFD'
                        : c);
            }
        }
        return out.toString();
    }
}
