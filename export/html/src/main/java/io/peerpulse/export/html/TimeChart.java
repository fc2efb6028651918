package io.peerpulse.export.html;

import static io.peerpulse.export.html.ChartScale.LEFT;
import static io.peerpulse.export.html.ChartScale.PLOT_HEIGHT;
import static io.peerpulse.export.html.ChartScale.PLOT_WIDTH;
import static io.peerpulse.export.html.ChartScale.TOP;
import static io.peerpulse.export.html.ChartScale.WIDTH;
import static io.peerpulse.export.html.ChartScale.HEIGHT;
import static io.peerpulse.export.html.ChartScale.RIGHT;

import io.peerpulse.session.CoverageGap;
import io.peerpulse.session.RoundMetrics;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.LatencySummary;
import io.peerpulse.telemetry.RttSample;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The SVG chart of RTT over time: grid and round-number ticks ({@link ChartScale}), gaps without
 * measurement shaded, the connection quality as a band along the top ({@link QualityBands}), rounds marked,
 * the samples as a line that breaks where a gap lies between two of them or where their places go back, and the
 * secondary view's median as a dashed line. The time axis is the session's monotonic time ({@link Timeline}), so a
 * step of the wall clock moves nothing; only a file of an earlier version, placed by its wall-clock labels, can
 * have places that go back (a gap inside such a step can end before it starts, and the axis has no stretch between
 * the two samples to draw it in).
 *
 * <p><b>Size.</b> Up to {@value #MARKED_SAMPLES} samples, every sample is a point (a {@code <circle>} with
 * its value as title) on the line. Beyond, the chart is drawn per pixel column: for each of the plot's
 * columns, the first, lowest, highest and last sample in it, in recording order, so that the line has exactly
 * the extremes of every column and the page's size does not grow with the sample count; the lowest and
 * highest sample of the whole window are then the only points. Likewise rounds and coverage gaps: up to one per
 * column, each is drawn (a round with its number); beyond (a game that begins a round every frame, a peer whose
 * answers come and go), one mark per column in which rounds began and one shade per run of columns that gaps cover,
 * each title counting them, and a caption says so: the report's lists keep every one.
 */
final class TimeChart {

    /** Up to this many samples, each is drawn as a point. */
    static final int MARKED_SAMPLES = 2_000;

    private TimeChart() {
    }

    static String render(SessionReport report, LatencyStats latency) {
        List<RttSample> samples = latency.samples();
        Timeline timeline = new Timeline(report);
        long[] at = new long[samples.size()];
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        double highest = latency.maxMs();
        for (int i = 0; i < samples.size(); i++) {
            at[i] = timeline.sample(latency, i);
            first = Math.min(first, at[i]);
            last = Math.max(last, at[i]);
            highest = Math.max(highest, samples.get(i).rttMs()); // an edited export's maxMs may lie below a sample
        }
        long start = Math.min(0, first);
        long end = Math.max(last, timeline.end());
        var secondary = report.validationData().secondary();
        @org.jspecify.annotations.Nullable LatencySummary secondaryLatency = secondary == null ? null : secondary.latency();
        if (secondaryLatency != null) {
            highest = Math.max(highest, secondaryLatency.medianMs());
        }
        ChartScale scale = ChartScale.of(start, end, highest);

        StringBuilder svg = new StringBuilder(64 * 1024);
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "role=\"img\" aria-label=\"RTT over time\">\n", WIDTH, HEIGHT));
        for (ChartScale.Tick tick : scale.rttTicks()) {
            svg.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                    + "<text class=\"label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    LEFT, tick.at(), WIDTH - RIGHT, tick.at(), LEFT - 6, tick.at() + 4, tick.label()));
        }
        for (ChartScale.Tick tick : scale.timeTicks()) {
            svg.append(String.format(Locale.ROOT, "<text class=\"label tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
                    + "%s</text>\n", tick.at(), HEIGHT - ChartScale.BOTTOM + 18, tick.label()));
        }
        List<CoverageGap> gapList = report.validationData().coverage().gaps();
        Gaps gaps = new Gaps(gapList, timeline);
        List<RoundMetrics> rounds = report.multiplayerMetrics().rounds();
        shadeGaps(svg, gapList, scale, timeline);
        QualityBands.render(svg, report.multiplayerMetrics().qualityChanges(), end, scale, timeline);
        markRounds(svg, rounds, scale, timeline);
        boolean manyRounds = rounds.size() > PLOT_WIDTH;
        boolean manyGaps = gapList.size() > PLOT_WIDTH;
        if (manyRounds || manyGaps) {
            svg.append(String.format(Locale.ROOT, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s, "
                    + "marked per pixel column</text>\n", WIDTH - RIGHT - 4, TOP - 8,
                    (manyRounds ? rounds.size() + " rounds" : "") + (manyRounds && manyGaps ? " and " : "")
                            + (manyGaps ? gapList.size() + " gaps" : "")));
        }
        if (secondaryLatency != null && secondary != null) {
            double py = scale.y(secondaryLatency.medianMs());
            svg.append(String.format(Locale.ROOT, "<line class=\"secondary\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\">"
                    + "<title>%s median %s ms</title></line><text class=\"label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">"
                    + "%s median</text>\n", LEFT, py, WIDTH - RIGHT, py, HtmlReport.shown(secondary.source()),
                    HtmlReport.exact(secondaryLatency.medianMs()), WIDTH - RIGHT - 4, py - 4,
                    HtmlReport.shown(secondary.source())));
        }
        int[] drawn = samples.size() <= MARKED_SAMPLES ? all(samples.size()) : perColumn(samples, at, scale);
        line(svg, samples, at, drawn, gaps, scale);
        if (samples.size() <= MARKED_SAMPLES) {
            for (int i = 0; i < samples.size(); i++) {
                point(svg, samples.get(i), at[i], scale, "");
            }
        } else {
            int lowest = 0;
            int highestAt = 0;
            for (int i = 1; i < samples.size(); i++) {
                double rtt = samples.get(i).rttMs();
                lowest = rtt < samples.get(lowest).rttMs() ? i : lowest;
                highestAt = rtt > samples.get(highestAt).rttMs() ? i : highestAt;
            }
            point(svg, samples.get(lowest), at[lowest], scale, "lowest: ");
            point(svg, samples.get(highestAt), at[highestAt], scale, "highest: ");
            svg.append(String.format(Locale.ROOT, "<text class=\"label\" x=\"%d\" y=\"%d\">%d samples, drawn per "
                    + "pixel column (first, lowest, highest, last)</text>\n", LEFT + 4, TOP - 8, samples.size()));
        }
        svg.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                + "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", LEFT, TOP, LEFT, TOP + PLOT_HEIGHT,
                LEFT, TOP + PLOT_HEIGHT, WIDTH - RIGHT, TOP + PLOT_HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text class=\"label\" x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" "
                + "text-anchor=\"middle\">RTT (ms)</text>\n", TOP + PLOT_HEIGHT / 2, TOP + PLOT_HEIGHT / 2));
        svg.append(String.format(Locale.ROOT, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
                + "time since session start</text>\n", LEFT + PLOT_WIDTH / 2, HEIGHT - 8));
        return svg.append("</svg>\n").toString();
    }

    /**
     * Each gap shaded, up to one per pixel column; beyond, each run of columns that gaps cover is shaded once, its
     * title counting the gaps that start in it, so that the page's size does not grow with the gap count.
     */
    private static void shadeGaps(StringBuilder svg, List<CoverageGap> gaps, ChartScale scale, Timeline timeline) {
        if (gaps.size() <= PLOT_WIDTH) {
            for (CoverageGap gap : gaps) {
                double x1 = Math.max(LEFT, scale.x(timeline.gapStart(gap)));
                double x2 = Math.min(WIDTH - RIGHT, scale.x(timeline.gapEnd(gap)));
                shade(svg, x1, Math.max(1, x2 - x1), "no measurement for " + HtmlReport.number(gap.durationMs() / 1000.0)
                        + " s");
            }
            return;
        }
        boolean[] covered = new boolean[PLOT_WIDTH];
        int[] starting = new int[PLOT_WIDTH];
        long[] startingMs = new long[PLOT_WIDTH];
        for (CoverageGap gap : gaps) {
            double x1 = Math.max(LEFT, scale.x(timeline.gapStart(gap)));
            double x2 = Math.max(x1 + 1, Math.min(WIDTH - RIGHT, scale.x(timeline.gapEnd(gap)))); // 1 px at least
            int from = column(x1);
            Arrays.fill(covered, from, Math.max(from, column(x2 - 1e-9)) + 1, true);
            starting[from]++;
            startingMs[from] += gap.durationMs();
        }
        for (int c = 0; c < PLOT_WIDTH; ) {
            if (!covered[c]) {
                c++;
                continue;
            }
            int run = c;
            int count = 0;
            long ms = 0;
            while (run < PLOT_WIDTH && covered[run]) {
                count += starting[run];
                ms += startingMs[run];
                run++;
            }
            shade(svg, LEFT + c, run - c, count + (count == 1 ? " gap" : " gaps") + " without measurement, "
                    + HtmlReport.number(ms / 1000.0) + " s in all");
            c = run;
        }
    }

    private static void shade(StringBuilder svg, double x, double width, String title) {
        svg.append(String.format(Locale.ROOT, "<rect class=\"gap\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">"
                + "<title>%s</title></rect>\n", x, TOP, width, PLOT_HEIGHT, title));
    }

    /**
     * Each round marked where it began with its number, up to one per pixel column; beyond, one mark in the middle
     * of each column in which rounds began, its title counting them and naming the first and last.
     */
    private static void markRounds(StringBuilder svg, List<RoundMetrics> rounds, ChartScale scale, Timeline timeline) {
        if (rounds.size() <= PLOT_WIDTH) {
            for (RoundMetrics round : rounds) {
                double px = scale.x(timeline.round(round));
                svg.append(String.format(Locale.ROOT, "<line class=\"round\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
                        + "y2=\"%d\"/><text class=\"label\" x=\"%.1f\" y=\"%d\">round %d</text>\n", px, TOP, px,
                        TOP + PLOT_HEIGHT, px + 3, TOP + 12, round.roundNumber()));
            }
            return;
        }
        int[] count = new int[PLOT_WIDTH];
        int[] firstIn = new int[PLOT_WIDTH];
        int[] lastIn = new int[PLOT_WIDTH];
        for (int i = 0; i < rounds.size(); i++) {
            int c = column(scale.x(timeline.round(rounds.get(i))));
            if (count[c]++ == 0) {
                firstIn[c] = i;
            }
            lastIn[c] = i;
        }
        for (int c = 0; c < PLOT_WIDTH; c++) {
            if (count[c] == 0) {
                continue;
            }
            RoundMetrics first = rounds.get(firstIn[c]);
            double px = LEFT + c + 0.5;
            String title = count[c] == 1 ? "1 round began here: round " + first.roundNumber()
                    : count[c] + " rounds began here: round " + first.roundNumber() + " … round "
                            + rounds.get(lastIn[c]).roundNumber();
            svg.append(String.format(Locale.ROOT, "<line class=\"round\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
                    + "y2=\"%d\"><title>%s</title></line>\n", px, TOP, px, TOP + PLOT_HEIGHT, title));
        }
    }

    private static int column(double x) {
        return (int) Math.max(0, Math.min(PLOT_WIDTH - 1, Math.floor(x - LEFT)));
    }

    private static void point(StringBuilder svg, RttSample s, long at, ChartScale scale, String what) {
        svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s%s ms</title>"
                + "</circle>\n", scale.x(at), scale.y(s.rttMs()), HtmlReport.POINT_COLOR, what,
                HtmlReport.exact(s.rttMs())));
    }

    /**
     * The line through the drawn samples, in recording order; it breaks where a gap lies between two, and where
     * their places go back (in a file of an earlier version, placed by labels, a wall-clock step, which may hide a
     * gap: its labels then run backwards too).
     */
    private static void line(StringBuilder svg, List<RttSample> samples, long[] at, int[] drawn, Gaps gaps,
            ChartScale scale) {
        svg.append("<path class=\"line\" d=\"");
        long previous = 0;
        for (int k = 0; k < drawn.length; k++) {
            long x = at[drawn[k]];
            boolean breakHere = k == 0 || x < previous || gaps.between(previous, x);
            if (k > 0) {
                svg.append(' ');
            }
            svg.append(breakHere ? 'M' : 'L').append(String.format(Locale.ROOT, "%.1f %.1f", scale.x(x),
                    scale.y(samples.get(drawn[k]).rttMs())));
            previous = x;
        }
        svg.append("\"/>\n");
    }

    private static int[] all(int count) {
        int[] all = new int[count];
        Arrays.setAll(all, i -> i);
        return all;
    }

    /**
     * The samples drawn when there are too many to draw each: per pixel column, the indexes of its first,
     * lowest, highest and last sample, in recording order, each once.
     */
    static int[] perColumn(List<RttSample> samples, long[] at, ChartScale scale) {
        int[] firstIn = new int[PLOT_WIDTH];
        int[] lastIn = new int[PLOT_WIDTH];
        int[] lowestIn = new int[PLOT_WIDTH];
        int[] highestIn = new int[PLOT_WIDTH];
        Arrays.fill(firstIn, -1);
        for (int i = 0; i < samples.size(); i++) {
            RttSample s = samples.get(i);
            int column = column(scale.x(at[i]));
            if (firstIn[column] < 0) {
                firstIn[column] = i;
                lowestIn[column] = i;
                highestIn[column] = i;
            } else {
                if (s.rttMs() < samples.get(lowestIn[column]).rttMs()) {
                    lowestIn[column] = i;
                }
                if (s.rttMs() > samples.get(highestIn[column]).rttMs()) {
                    highestIn[column] = i;
                }
            }
            lastIn[column] = i;
        }
        int[] drawn = new int[4 * PLOT_WIDTH];
        int count = 0;
        for (int c = 0; c < PLOT_WIDTH; c++) {
            if (firstIn[c] >= 0) {
                int[] four = {firstIn[c], lowestIn[c], highestIn[c], lastIn[c]};
                Arrays.sort(four);
                for (int k = 0; k < 4; k++) {
                    if (k == 0 || four[k] != four[k - 1]) {
                        drawn[count++] = four[k];
                    }
                }
            }
        }
        int[] ordered = Arrays.copyOf(drawn, count);
        Arrays.sort(ordered); // recording order, also when the clock stepped back across columns
        return ordered;
    }

    /** The coverage gaps, to ask in O(log n) whether one lies between two places in time. */
    static final class Gaps {
        private final long[] starts;
        /** The latest end among the gaps up to each, in start order. */
        private final long[] reach;

        Gaps(List<CoverageGap> gaps, Timeline timeline) {
            CoverageGap[] sorted = gaps.toArray(new CoverageGap[0]);
            Arrays.sort(sorted, Comparator.comparingLong(timeline::gapStart));
            starts = new long[sorted.length];
            reach = new long[sorted.length];
            for (int i = 0; i < sorted.length; i++) {
                starts[i] = timeline.gapStart(sorted[i]);
                reach[i] = Math.max(timeline.gapEnd(sorted[i]), i == 0 ? Long.MIN_VALUE : reach[i - 1]);
            }
        }

        /** Whether a gap starts before {@code to} and ends after {@code from}. */
        boolean between(long from, long to) {
            int lo = 0;
            int hi = starts.length; // the first gap starting at or after `to`
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (starts[mid] < to) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo > 0 && reach[lo - 1] > from;
        }
    }
}
