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
 * the samples as a line that breaks where a gap lies between two of them or where their timestamps go back (the
 * wall clock stepped back: a gap inside such a step can end before it starts, and the time axis has no stretch
 * between the two samples to draw it in), and the secondary view's median as a dashed line.
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
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        double highest = latency.maxMs();
        for (int i = 0; i < samples.size(); i++) {
            RttSample s = samples.get(i);
            first = Math.min(first, s.timestampEpochMs());
            last = Math.max(last, s.timestampEpochMs());
            highest = Math.max(highest, s.rttMs()); // an edited export's maxMs may lie below a sample
        }
        Long endEpochMs = report.sessionMetrics().endEpochMs();
        long start = Math.min(report.sessionMetrics().startEpochMs(), first);
        long end = Math.max(last, endEpochMs == null ? start : endEpochMs);
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
        Gaps gaps = new Gaps(report.validationData().coverage().gaps());
        List<CoverageGap> gapList = report.validationData().coverage().gaps();
        List<RoundMetrics> rounds = report.multiplayerMetrics().rounds();
        shadeGaps(svg, gapList, scale);
        QualityBands.render(svg, report.multiplayerMetrics().qualityChanges(), end, scale);
        markRounds(svg, rounds, scale);
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
                    + "%s median</text>\n", LEFT, py, WIDTH - RIGHT, py, HtmlReport.escape(secondary.source()),
                    HtmlReport.exact(secondaryLatency.medianMs()), WIDTH - RIGHT - 4, py - 4,
                    HtmlReport.escape(secondary.source())));
        }
        int[] drawn = samples.size() <= MARKED_SAMPLES ? all(samples.size()) : perColumn(samples, scale);
        line(svg, samples, drawn, gaps, scale);
        if (samples.size() <= MARKED_SAMPLES) {
            for (int i = 0; i < samples.size(); i++) {
                point(svg, samples.get(i), scale, "");
            }
        } else {
            int lowest = 0;
            int highestAt = 0;
            for (int i = 1; i < samples.size(); i++) {
                double rtt = samples.get(i).rttMs();
                lowest = rtt < samples.get(lowest).rttMs() ? i : lowest;
                highestAt = rtt > samples.get(highestAt).rttMs() ? i : highestAt;
            }
            point(svg, samples.get(lowest), scale, "lowest: ");
            point(svg, samples.get(highestAt), scale, "highest: ");
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
    private static void shadeGaps(StringBuilder svg, List<CoverageGap> gaps, ChartScale scale) {
        if (gaps.size() <= PLOT_WIDTH) {
            for (CoverageGap gap : gaps) {
                double x1 = Math.max(LEFT, scale.x(gap.startEpochMs()));
                double x2 = Math.min(WIDTH - RIGHT, scale.x(gap.endEpochMs()));
                shade(svg, x1, Math.max(1, x2 - x1), "no measurement for " + HtmlReport.number(gap.durationMs() / 1000.0)
                        + " s");
            }
            return;
        }
        boolean[] covered = new boolean[PLOT_WIDTH];
        int[] starting = new int[PLOT_WIDTH];
        long[] startingMs = new long[PLOT_WIDTH];
        for (CoverageGap gap : gaps) {
            double x1 = Math.max(LEFT, scale.x(gap.startEpochMs()));
            double x2 = Math.max(x1 + 1, Math.min(WIDTH - RIGHT, scale.x(gap.endEpochMs()))); // 1 px at least
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
    private static void markRounds(StringBuilder svg, List<RoundMetrics> rounds, ChartScale scale) {
        if (rounds.size() <= PLOT_WIDTH) {
            for (RoundMetrics round : rounds) {
                double px = scale.x(round.startEpochMs());
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
            int c = column(scale.x(rounds.get(i).startEpochMs()));
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

    private static void point(StringBuilder svg, RttSample s, ChartScale scale, String what) {
        svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s%s ms</title>"
                + "</circle>\n", scale.x(s.timestampEpochMs()), scale.y(s.rttMs()), HtmlReport.POINT_COLOR, what,
                HtmlReport.number(s.rttMs())));
    }

    /**
     * The line through the drawn samples, in recording order; it breaks where a gap lies between two, and where
     * the timestamps go back (a wall-clock step, which may hide a gap: its labels then run backwards too).
     */
    private static void line(StringBuilder svg, List<RttSample> samples, int[] drawn, Gaps gaps, ChartScale scale) {
        svg.append("<path class=\"line\" d=\"");
        long previous = 0;
        for (int k = 0; k < drawn.length; k++) {
            RttSample s = samples.get(drawn[k]);
            boolean breakHere = k == 0 || s.timestampEpochMs() < previous || gaps.between(previous, s.timestampEpochMs());
            if (k > 0) {
                svg.append(' ');
            }
            svg.append(breakHere ? 'M' : 'L').append(String.format(Locale.ROOT, "%.1f %.1f", scale.x(s.timestampEpochMs()),
                    scale.y(s.rttMs())));
            previous = s.timestampEpochMs();
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
    static int[] perColumn(List<RttSample> samples, ChartScale scale) {
        int[] firstIn = new int[PLOT_WIDTH];
        int[] lastIn = new int[PLOT_WIDTH];
        int[] lowestIn = new int[PLOT_WIDTH];
        int[] highestIn = new int[PLOT_WIDTH];
        Arrays.fill(firstIn, -1);
        for (int i = 0; i < samples.size(); i++) {
            RttSample s = samples.get(i);
            int column = column(scale.x(s.timestampEpochMs()));
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

    /** The coverage gaps, to ask in O(log n) whether one lies between two instants. */
    static final class Gaps {
        private final long[] starts;
        /** The latest end among the gaps up to each, in start order. */
        private final long[] reach;

        Gaps(List<CoverageGap> gaps) {
            CoverageGap[] sorted = gaps.toArray(new CoverageGap[0]);
            Arrays.sort(sorted, Comparator.comparingLong(CoverageGap::startEpochMs));
            starts = new long[sorted.length];
            reach = new long[sorted.length];
            for (int i = 0; i < sorted.length; i++) {
                starts[i] = sorted[i].startEpochMs();
                reach[i] = Math.max(sorted[i].endEpochMs(), i == 0 ? Long.MIN_VALUE : reach[i - 1]);
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
