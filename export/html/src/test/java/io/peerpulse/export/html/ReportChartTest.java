package io.peerpulse.export.html;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.session.CoverageGap;
import io.peerpulse.session.RoundMetrics;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.testkit.SampleReports;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the RTT chart shows, read back from the SVG: a point per sample inside the plot, at its time and
 * value; the line broken exactly where a gap lies between two samples; a shaded gap per coverage gap and a
 * marker per round (beyond one per pixel column, per column); a y axis from 0 in 1-2-5 steps up to a round number at or above the highest sample
 * (also when an edited export's {@code maxMs} lies below a sample) and an x axis over the samples' time,
 * ticked at round steps; a histogram that counts every sample; beyond 2,000 samples, a chart drawn per
 * pixel column. Chosen reports show each rule at its edge (no sample, one sample, equal values, 0 and
 * 60,000 ms, an edited export's statistics, chosen spans and RTT ranges); 100 random reports with a fixed
 * seed check the same rules on shapes nobody chose. The records are made by component name ({@link SampleReports}),
 * so that a new component breaks nothing here.
 */
class ReportChartTest {

    private static final SessionReport BASE = Reports.withGapAndRounds("chart");
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void aReportWithoutSamplesHasNoChart() {
        String html = HtmlReport.render(with(null, List.of(), List.of()));
        assertThat(html).contains("No RTT sample was measured").doesNotContain("<svg").endsWith("</html>\n");
    }

    @Test
    void oneSampleIsOnePointAtTheStartOfASecondLongAxis() {
        Chart chart = Chart.of(HtmlReport.render(with(List.of(sample(T0, 42)), 42, 42, List.of(), List.of())));
        assertThat(chart.points).singleElement().satisfies(p -> {
            assertThat(p.x).isCloseTo(chart.left, within(0.05));
            assertThat(p.label).isEqualTo("42");
        });
        assertThat(chart.yLabels).containsExactly(0.0, 10.0, 20.0, 30.0, 40.0, 50.0); // 42 ms × 1.1, rounded up
        assertThat(chart.points.get(0).y).isCloseTo(chart.yOf(42), within(0.05));
        assertThat(chart.xTicks).containsExactly(0.0, 0.2, 0.4, 0.6, 0.8, 1.0); // a second long axis
        assertThat(chart.moves).isEqualTo(1);
        assertThat(chart.bars).containsExactly(1);
    }

    @Test
    void equalValuesShareOneHeightAndOneHistogramBar() {
        List<RttSample> samples = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            samples.add(sample(T0 + i * 1_000L, 60_000));
        }
        Chart chart = Chart.of(HtmlReport.render(with(samples, 60_000, 60_000, List.of(), List.of())));
        assertThat(chart.points).hasSize(5)
                .allSatisfy(p -> assertThat(p.y).isCloseTo(chart.yOf(60_000), within(0.05)));
        assertThat(chart.top()).isEqualTo(80_000); // 66,000 in steps of 20,000
        assertThat(chart.points).extracting(p -> p.x).isSorted().doesNotHaveDuplicates();
        assertThat(chart.xTicks).containsExactly(0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0);
        assertThat(chart.bars).as("every sample in the first of ceil(sqrt(5)) bars").containsExactly(5, 0, 0);
    }

    @Test
    void zeroLiesOnTheTimeAxisAndSixtySecondsInsideThePlot() {
        Chart chart = Chart.of(HtmlReport.render(with(List.of(sample(T0, 0), sample(T0 + 1_000, 60_000)), 0,
                60_000, List.of(), List.of())));
        assertThat(chart.points.get(0).y).isCloseTo(chart.bottom, within(0.05));
        assertThat(chart.points.get(1).y).isCloseTo(chart.yOf(60_000), within(0.05)).isGreaterThan(chart.top);
        assertThat(chart.points.get(1).x).isCloseTo(chart.right, within(0.05));
        assertThat(chart.bars).hasSize(2).containsExactly(1, 1);
    }

    /**
     * RTTs below 1e-308 ms (the session keeps any RTT from 0 on; a crafted export may hold one): the RTT axis's step
     * became 0, and the loop that finds the axis's top counted steps for ever (found by a random session: an RTT of
     * {@code Double.MIN_VALUE} hung {@code peerpulse report}, and would hang the html exporter's thread).
     */
    @Test
    void aTinyRttGivesAnAxisOfAThousandthOfAMillisecondNotAHang() {
        SessionReport tiny = with(List.of(sample(T0, 0), sample(T0 + 1_000, Double.MIN_VALUE)),
                0, Double.MIN_VALUE, List.of(), List.of());
        String html = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> HtmlReport.render(tiny));
        Chart chart = Chart.of(html);
        assertThat(chart.points).hasSize(2).allSatisfy(p -> assertThat(p.y).isCloseTo(chart.bottom, within(0.05)));
        assertThat(chart.yLabels).last().isEqualTo(0.001);
        Chart.assertRoundRttTicks(chart.yLabels);
    }

    /**
     * The other end: an RTT above Double.MAX_VALUE / 1.1 ms (finite, so a record and an export hold it; an edited
     * export, read by {@code peerpulse report}): its axis's reach of 110 % overflowed to infinity, the step's
     * exponent to Integer.MIN_VALUE + 1, the step to 0, and the loop that finds the axis's top counted for ever.
     */
    @Test
    void aHugeRttGivesAFiniteAxisNotAHang() {
        SessionReport huge = with(List.of(sample(T0, 40), sample(T0 + 1_000, Double.MAX_VALUE)),
                40, Double.MAX_VALUE, List.of(), List.of());
        String html = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> HtmlReport.render(huge));
        Chart chart = Chart.of(html);
        assertThat(chart.yLabels).last().isEqualTo(1e307);
        assertThat(chart.points).hasSize(2).last().satisfies(p -> assertThat(p.y).isCloseTo(chart.top, within(0.05)));
    }

    @Test
    void anEditedExportsStatisticsDoNotCutOffItsSamples() {
        // minMs 40 lies above a sample, maxMs 40 below one: the axes follow the samples
        Chart chart = Chart.of(HtmlReport.render(with(List.of(sample(T0, 10), sample(T0 + 1_000, 50)), 40, 40,
                List.of(), List.of())));
        assertThat(chart.top()).isEqualTo(60); // 50 × 1.1 rounded up to a step of 20, not 40 × 1.1
        assertThat(chart.points).allSatisfy(p -> assertThat(p.y).isBetween(chart.top, chart.bottom));
        assertThat(chart.histogramRange).containsExactly("10", "50");
    }

    @Test
    void theLineBreaksAtEachGapAndEachGapAndRoundIsDrawnWhereItIs() {
        // samples each second for 0 … 3 s and 10 … 12 s, a gap from 3.5 to 9.5 s; rounds at 0, 5 and 11 s
        List<RttSample> samples = new ArrayList<>();
        for (long s : new long[] {0, 1, 2, 3, 10, 11, 12}) {
            samples.add(sample(T0 + s * 1_000, 80 + s));
        }
        List<CoverageGap> gaps = List.of(gap(T0 + 3_500, T0 + 9_500),
                gap(T0 + 11_500, T0 + 600_000)); // runs past the last sample: drawn up to the plot's edge
        List<RoundMetrics> rounds = List.of(round(1, T0), round(2, T0 + 5_000), round(3, T0 + 11_000));
        Chart chart = Chart.of(HtmlReport.render(with(samples, 80, 92, gaps, rounds)));

        assertThat(chart.points).hasSize(7);
        assertThat(chart.xTicks).containsExactly(0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0);
        double perSecond = (chart.right - chart.left) / 12;
        assertThat(chart.points.get(4).x).isCloseTo(chart.left + 10 * perSecond, within(0.05));
        assertThat(chart.moves).as("one line before the first gap, one between them, one after the second")
                .isEqualTo(3);
        assertThat(chart.gaps).hasSize(2);
        assertThat(chart.gaps.get(0)[0]).isCloseTo(chart.left + 3.5 * perSecond, within(0.05));
        assertThat(chart.gaps.get(0)[1]).isCloseTo(6 * perSecond, within(0.1));
        assertThat(chart.gaps.get(1)[0] + chart.gaps.get(1)[1]).isCloseTo(chart.right, within(0.1));
        assertThat(chart.rounds).containsExactly(1, 2, 3);
        assertThat(chart.roundX).satisfiesExactly(
                x -> assertThat(x).isCloseTo(chart.left, within(0.05)),
                x -> assertThat(x).isCloseTo(chart.left + 5 * perSecond, within(0.05)),
                x -> assertThat(x).isCloseTo(chart.left + 11 * perSecond, within(0.05)));
    }

    /**
     * The wall clock steps back 10 s during a 6 s outage (NTP): the gap's labels run backwards (it ends 4 s before
     * it starts; its duration, monotonic, is 6 s), and so do the samples' across it. The line still breaks there
     * rather than joining the last sample before the outage to the first after it.
     */
    @Test
    void theLineBreaksAtAGapInsideWhichTheWallClockSteppedBack() {
        List<RttSample> samples = new ArrayList<>();
        for (long s : new long[] {0, 1, 2, 3}) {
            samples.add(sample(T0 + s * 1_000, 80));
        }
        for (long s : new long[] {-1, 0, 1}) { // 6 s later on the monotonic clock, 10 s earlier on the wall clock
            samples.add(sample(T0 + s * 1_000, 90));
        }
        CoverageGap stepped = SampleReports.record(CoverageGap.class, "startEpochMs", T0 + 3_000,
                "endEpochMs", T0 - 1_000, "durationMs", 6_000L);
        Chart chart = Chart.of(HtmlReport.render(with(samples, 80, 90, List.of(stepped), List.of())));

        assertThat(chart.points).hasSize(7);
        assertThat(chart.moves).as("one line before the outage, one after it").isEqualTo(2);
    }

    /**
     * Time ticks at round steps for sessions of real lengths (a little over 30 s, 7 min, 2 h: where the
     * ticks fell at 5.01 s, 10.01 s … when they divided the span in six), RTT ticks at 1-2-5 steps.
     */
    @Test
    void ticksAreRoundNumbers() {
        assertThat(timeLabels(30_070)).containsExactly("0", "5 s", "10 s", "15 s", "20 s", "25 s", "30 s");
        assertThat(timeLabels(7 * 60_000 + 1_300)).containsExactly("0", "1 min", "2 min", "3 min", "4 min", "5 min",
                "6 min", "7 min");
        assertThat(timeLabels(2 * 3_600_000 + 4_000)).containsExactly("0", "30 min", "1 h", "1 h 30 min", "2 h");
        assertThat(timeLabels(2 * 3_600_000 - 4_000)).containsExactly("0", "15 min", "30 min", "45 min", "1 h",
                "1 h 15 min", "1 h 30 min", "1 h 45 min");
        assertThat(timeLabels(2_500)).containsExactly("0", "0.5 s", "1 s", "1.5 s", "2 s", "2.5 s");
        assertThat(timeLabels(3L * 24 * 3_600_000)).containsExactly("0", "12 h", "24 h", "36 h", "48 h", "60 h", "72 h");

        assertThat(rttLabels(87)).containsExactly(0.0, 20.0, 40.0, 60.0, 80.0, 100.0);
        assertThat(rttLabels(1_234)).containsExactly(0.0, 500.0, 1_000.0, 1_500.0);
        assertThat(rttLabels(0.3)).containsExactly(0.0, 0.1, 0.2, 0.3, 0.4);
        assertThat(rttLabels(0)).containsExactly(0.0, 0.2, 0.4, 0.6, 0.8, 1.0);
        assertThat(Chart.of(page(List.of(sample(T0, 0.3), sample(T0 + 1_000, 0.1)))).yLabelTexts)
                .containsExactly("0", "0.1", "0.2", "0.3", "0.4"); // written as the round numbers they are
    }

    private static List<String> timeLabels(long spanMs) {
        Chart chart = Chart.of(page(List.of(sample(T0, 50), sample(T0 + spanMs, 60))));
        chart.assertRoundTimeTicks(spanMs + " ms", spanMs / 1000.0);
        return chart.xTickLabels;
    }

    private static List<Double> rttLabels(double highestMs) {
        Chart chart = Chart.of(page(List.of(sample(T0, 0), sample(T0 + 1_000, highestMs))));
        chart.top();
        return chart.yLabels;
    }

    private static String page(List<RttSample> samples) {
        double max = samples.stream().mapToDouble(RttSample::rttMs).max().orElseThrow();
        double min = samples.stream().mapToDouble(RttSample::rttMs).min().orElseThrow();
        return HtmlReport.render(with(samples, min, max, List.of(), List.of()));
    }

    /**
     * Beyond 2,000 samples the chart is drawn per pixel column: its size does not grow with the sample count
     * (199,000 samples make a page about as large as 9,950 do), the line keeps each column's first, lowest,
     * highest and last sample, the lowest and highest sample of all are points with their exact values, and
     * the line still breaks at a gap.
     */
    @Test
    void bigSessionsAreDrawnPerPixelColumn() {
        String small = HtmlReport.render(with(wave(10_000), 0, 500, List.of(gap(T0 + 4_000_000, T0 + 4_100_000)),
                List.of()));
        List<RttSample> samples = wave(200_000);
        String big = HtmlReport.render(with(samples, 0, 500, List.of(gap(T0 + 4_000_000, T0 + 4_100_000)), List.of()));
        assertThat(big.length()).as("the page of 200,000 samples").isLessThan(200_000)
                .isLessThan(small.length() + small.length() / 10);
        Chart chart = Chart.of(big);
        double lowest = samples.stream().mapToDouble(RttSample::rttMs).min().orElseThrow();
        double highest = samples.stream().mapToDouble(RttSample::rttMs).max().orElseThrow();
        assertThat(chart.points).extracting(p -> p.label).containsExactly("lowest: " + HtmlReport.exact(lowest),
                "highest: " + HtmlReport.exact(highest));
        assertThat(big).contains(samples.size() + " samples, drawn per pixel column");
        assertThat(chart.moves).as("the line breaks at the gap").isEqualTo(2);

        // each column's extremes are on the line: the y values of its points span the column's samples
        int columns = ChartScale.PLOT_WIDTH;
        long first = samples.get(0).timestampEpochMs();
        long span = samples.get(samples.size() - 1).timestampEpochMs() - first;
        double[] low = new double[columns];
        double[] high = new double[columns];
        java.util.Arrays.fill(low, Double.MAX_VALUE);
        java.util.Arrays.fill(high, -1);
        for (RttSample s : samples) {
            int c = (int) Math.min(columns - 1, Math.floor((double) (s.timestampEpochMs() - first) / span * columns));
            low[c] = Math.min(low[c], s.rttMs());
            high[c] = Math.max(high[c], s.rttMs());
        }
        java.util.Set<Double> lineYs = new java.util.HashSet<>();
        for (double[] p : chart.linePoints) {
            lineYs.add(p[1]);
        }
        List<String> missing = new ArrayList<>();
        for (int c = 0; c < columns; c++) {
            if (high[c] >= 0 && !(lineYs.contains(chart.yOf(low[c])) && lineYs.contains(chart.yOf(high[c])))) {
                missing.add("column " + c + ": " + low[c] + "…" + high[c]);
            }
        }
        assertThat(missing).as("columns whose lowest or highest sample is not on the line").isEmpty();
        assertThat(chart.linePoints).hasSizeLessThanOrEqualTo(4 * columns);
    }

    /**
     * {@code count} samples over 20,000 s (about 230 per pixel column at 200,000), none from 4,000 to 4,100 s
     * (the gap): a saw tooth on a slow rise, so that every column has other extremes.
     */
    private static List<RttSample> wave(int count) {
        List<RttSample> samples = new ArrayList<>(count);
        long spacing = 20_000_000L / count; // the same span, whatever the count
        for (int i = 0; i < count; i++) {
            long t = T0 + i * spacing;
            if (t < T0 + 4_000_000 || t >= T0 + 4_100_000) {
                samples.add(sample(t, 3.25 + (i * 37L % 199) * 0.25 + (i * 200L / count) * 0.5));
            }
        }
        return samples;
    }

    /** The same rules on random shapes: sample counts, values from 0 to 60,000 ms, jumps, gaps, rounds. */
    @Test
    void randomReportsKeepEveryRule() {
        SplittableRandom random = new SplittableRandom(15);
        for (int n = 0; n < 100; n++) {
            int count = switch (random.nextInt(4)) {
                case 0 -> 1;
                case 1 -> 2 + random.nextInt(5);
                default -> random.nextInt(200) + 1;
            };
            boolean equal = random.nextInt(6) == 0;
            double constant = random.nextDouble() * 60_000;
            List<RttSample> samples = new ArrayList<>();
            long t = T0 + random.nextInt(1_000_000);
            for (int i = 0; i < count; i++) {
                double rtt = equal ? constant : switch (random.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> 60_000;
                    default -> random.nextDouble() * (random.nextBoolean() ? 200 : 60_000);
                };
                samples.add(sample(t, rtt));
                t += random.nextInt(8) == 0 ? random.nextInt(600_000) : (random.nextBoolean() ? 1_000 : 0);
            }
            long first = samples.get(0).timestampEpochMs();
            long last = samples.get(count - 1).timestampEpochMs();
            List<CoverageGap> gaps = new ArrayList<>();
            for (int i = random.nextInt(6); i > 0; i--) {
                long g = first + random.nextLong(Math.max(1, last - first));
                gaps.add(gap(g, g + 1 + random.nextInt(100_000)));
            }
            List<RoundMetrics> rounds = new ArrayList<>();
            for (int i = random.nextInt(5); i > 0; i--) {
                rounds.add(round(rounds.size() + 1, first + random.nextLong(Math.max(1, last - first))));
            }
            double maxMs = random.nextDouble() * 60_000; // an edited export's: above or below the samples
            String html = HtmlReport.render(with(samples, random.nextDouble() * 60_000, maxMs, gaps, rounds));
            assertKeepsTheRules("report #" + n, Chart.of(html), samples, maxMs, gaps, rounds);
            assertThat(html).endsWith("</html>\n");
        }
    }

    /**
     * A game that begins a round every frame (60 Hz) beside a peer that measures at every fifth 10 Hz poll: 10
     * minutes make 36,000 rounds and 1,200 gaps, far more than the plot's 872 pixel columns. Each round and gap
     * drawn on its own made a 4.4 MB page of marks on top of each other (26 MB an hour, growing without bound);
     * beyond one per column they are marked per column, as samples and quality bands are: every column that holds
     * a round's start is marked once, every column a gap covers is shaded, and the marks' titles give the counts.
     */
    @Test
    void aRoundEveryFrameAndAGapEveryHalfSecondAreMarkedPerPixelColumn() {
        SessionReport report = Reports.roundEveryFrameAndGapEveryHalfSecond("frames", 10);
        List<RoundMetrics> rounds = report.multiplayerMetrics().rounds();
        List<CoverageGap> gaps = report.validationData().coverage().gaps();
        assertThat(rounds).hasSize(36_000);
        assertThat(gaps).hasSize(1_200);
        String html = HtmlReport.render(report);
        String bare = HtmlReport.render(SampleReports.with(report, "multiplayerMetrics.rounds", List.of(),
                "validationData.coverage.gaps", List.of()));

        ChartScale scale = ChartScale.of(report.sessionMetrics().startEpochMs(), report.sessionMetrics().endEpochMs(),
                100);
        java.util.Set<Integer> roundColumns = new java.util.TreeSet<>();
        rounds.forEach(r -> roundColumns.add(column(scale.x(r.startEpochMs()))));
        java.util.Set<Integer> gapColumns = new java.util.TreeSet<>();
        for (CoverageGap g : gaps) {
            double x1 = Math.max(ChartScale.LEFT, scale.x(g.startEpochMs()));
            double x2 = Math.max(x1 + 1, Math.min(ChartScale.LEFT + ChartScale.PLOT_WIDTH, scale.x(g.endEpochMs())));
            for (int c = column(x1); c <= column(x2 - 1e-9); c++) {
                gapColumns.add(c);
            }
        }
        java.util.Set<Integer> markedRounds = new java.util.TreeSet<>();
        Matcher round = Pattern.compile("<line class=\"round\" x1=\"([-\\d.]+)\"[^>]*><title>(\\d+) rounds? ")
                .matcher(html);
        int roundMarks = 0;
        int roundsCounted = 0;
        while (round.find()) {
            roundMarks++;
            markedRounds.add(column(Double.parseDouble(round.group(1))));
            roundsCounted += Integer.parseInt(round.group(2));
        }
        java.util.Set<Integer> shaded = new java.util.TreeSet<>();
        Matcher gap = Pattern.compile("<rect class=\"gap\" x=\"([-\\d.]+)\" y=\"\\d+\" width=\"([\\d.]+)\" "
                + "height=\"\\d+\"><title>(\\d+) gaps?").matcher(html);
        int gapMarks = 0;
        int gapsCounted = 0;
        while (gap.find()) {
            gapMarks++;
            double x = Double.parseDouble(gap.group(1));
            for (int c = column(x); c <= column(x + Double.parseDouble(gap.group(2)) - 1e-9); c++) {
                shaded.add(c);
            }
            gapsCounted += Integer.parseInt(gap.group(3));
        }

        assertThat(roundMarks).as("one mark per column").isEqualTo(roundColumns.size())
                .isLessThanOrEqualTo(ChartScale.PLOT_WIDTH);
        assertThat(markedRounds).isEqualTo(roundColumns);
        assertThat(roundsCounted).as("the titles count every round").isEqualTo(rounds.size());
        assertThat(gapMarks).isLessThanOrEqualTo(ChartScale.PLOT_WIDTH);
        assertThat(shaded).as("every column a gap covers, and no other").isEqualTo(gapColumns);
        assertThat(gapsCounted).as("the titles count every gap").isEqualTo(gaps.size());
        assertThat(html.length() - bare.length()).as("at most a mark and a shade per column")
                .isLessThan(ChartScale.PLOT_WIDTH * 2 * 200);
        assertThat(html).contains("36000 rounds and 1200 gaps, marked per pixel column").endsWith("</html>\n");
    }

    private static int column(double x) {
        return (int) Math.max(0, Math.min(ChartScale.PLOT_WIDTH - 1, Math.floor(x - ChartScale.LEFT)));
    }

    private static void assertKeepsTheRules(String what, Chart chart, List<RttSample> samples, double maxMs,
            List<CoverageGap> gaps, List<RoundMetrics> rounds) {
        double highest = samples.stream().mapToDouble(RttSample::rttMs).max().orElseThrow();
        assertThat(chart.points).as(what).hasSize(samples.size());
        List<String> misplaced = new ArrayList<>(); // plain checks: one assertion per report, not per point
        for (int i = 0; i < samples.size(); i++) {
            Point p = chart.points.get(i);
            boolean inside = p.x >= chart.left - 0.05 && p.x <= chart.right + 0.05 && p.y >= chart.top - 0.05
                    && p.y <= chart.bottom + 0.05;
            boolean atItsValue = Math.abs(p.y - chart.yOf(samples.get(i).rttMs())) <= 0.06;
            boolean inTimeOrder = i == 0 || p.x >= chart.points.get(i - 1).x;
            if (!inside || !atItsValue || !inTimeOrder) {
                misplaced.add("#" + i + " " + p + " for " + samples.get(i));
            }
        }
        assertThat(misplaced).as(what + ": points outside the plot, off their value or out of time order").isEmpty();
        // up to a round number at most about twice the highest of the samples and the stated maxMs
        assertThat(chart.top()).as(what + ": the y axis reaches the highest sample").isGreaterThanOrEqualTo(highest)
                .isLessThanOrEqualTo(Math.max(1, Math.max(highest, maxMs) * 2.2));
        long span = samples.get(samples.size() - 1).timestampEpochMs() - samples.get(0).timestampEpochMs();
        chart.assertRoundTimeTicks(what, Math.max(1, span / 1000.0));
        int breaks = 0;
        for (int i = 1; i < samples.size(); i++) {
            long from = samples.get(i - 1).timestampEpochMs();
            long to = samples.get(i).timestampEpochMs();
            if (gaps.stream().anyMatch(g -> g.startEpochMs() < to && g.endEpochMs() > from)) {
                breaks++;
            }
        }
        assertThat(chart.moves).as(what + ": the line breaks at each gap between samples").isEqualTo(1 + breaks);
        assertThat(chart.gaps).as(what).hasSize(gaps.size()).allSatisfy(g -> {
            assertThat(g[0]).isBetween(chart.left, chart.right);
            assertThat(g[0] + g[1]).isLessThanOrEqualTo(chart.right + 1); // a gap is at least 1 px wide
        });
        assertThat(chart.rounds).as(what).hasSize(rounds.size());
        assertThat(chart.bars.stream().mapToInt(Integer::intValue).sum()).as(what + ": the histogram counts every sample")
                .isEqualTo(samples.size());
    }

    record Point(double x, double y, String label) { }

    /** The time chart and histogram of a page, parsed from its SVG. */
    static final class Chart {
        private static final Pattern AXES = Pattern.compile("<line class=\"axis\" x1=\"(\\d+)\" y1=\"(\\d+)\" "
                + "x2=\"\\d+\" y2=\"(\\d+)\"/><line class=\"axis\" x1=\"\\d+\" y1=\"\\d+\" x2=\"(\\d+)\"");
        private static final Pattern POINT = Pattern.compile("<circle cx=\"([-\\d.]+)\" cy=\"([-\\d.]+)\" r=\"3\" "
                + "fill=\"" + HtmlReport.POINT_COLOR + "\"><title>([^<]*) ms</title>");
        private static final Pattern Y_LABEL = Pattern.compile("<line class=\"grid\"[^>]*/><text class=\"label\" "
                + "[^>]*>([^<]*)</text>");
        private static final Pattern X_TICK = Pattern.compile("<text class=\"label tick\" x=\"([-\\d.]+)\" y=\"\\d+\" "
                + "text-anchor=\"middle\">([^<]*)</text>");
        private static final Pattern PATH = Pattern.compile("<path class=\"line\" d=\"([^\"]*)\"/>");
        private static final Pattern GAP = Pattern.compile("<rect class=\"gap\" x=\"([-\\d.]+)\" y=\"\\d+\" "
                + "width=\"([-\\d.]+)\"");
        private static final Pattern ROUND = Pattern.compile("<line class=\"round\" x1=\"([-\\d.]+)\"[^>]*/>"
                + "<text class=\"label\"[^>]*>round (\\d+)</text>");
        private static final Pattern BAR = Pattern.compile("<rect class=\"bar\"[^>]*><title>[^<]*: (\\d+)</title>");
        private static final Pattern HISTOGRAM_RANGE = Pattern.compile("<text class=\"label\" x=\"\\d+\" "
                + "y=\"\\d+\">([^<]*) ms</text><text class=\"label\"[^>]*>([^<]*) ms</text>");

        final double left;
        final double top;
        final double bottom;
        final double right;
        final List<Point> points = new ArrayList<>();
        final List<Double> yLabels = new ArrayList<>();
        /** The time ticks' labels, in seconds, and where they lie. */
        final List<Double> xTicks = new ArrayList<>();
        final List<String> xTickLabels = new ArrayList<>();
        final List<String> yLabelTexts = new ArrayList<>();
        final List<double[]> linePoints = new ArrayList<>();
        final List<Double> xTickAt = new ArrayList<>();
        final int moves;
        final List<double[]> gaps = new ArrayList<>();
        final List<Integer> rounds = new ArrayList<>();
        final List<Double> roundX = new ArrayList<>();
        final List<Integer> bars = new ArrayList<>();
        final List<String> histogramRange = new ArrayList<>();
        private Double maxY;

        private Chart(String time, String histogram) {
            Matcher axes = find(AXES, time);
            left = Double.parseDouble(axes.group(1));
            top = Double.parseDouble(axes.group(2));
            bottom = Double.parseDouble(axes.group(3));
            right = Double.parseDouble(axes.group(4));
            for (Matcher m = POINT.matcher(time); m.find(); ) {
                points.add(new Point(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), m.group(3)));
            }
            for (Matcher m = Y_LABEL.matcher(time); m.find(); ) {
                yLabels.add(Double.parseDouble(m.group(1)));
                yLabelTexts.add(m.group(1));
            }
            for (Matcher m = X_TICK.matcher(time); m.find(); ) {
                xTickAt.add(Double.parseDouble(m.group(1)));
                xTicks.add(seconds(m.group(2)));
                xTickLabels.add(m.group(2));
            }
            String path = find(PATH, time).group(1);
            moves = (int) path.chars().filter(c -> c == 'M').count();
            for (Matcher m = Pattern.compile("[ML]([-\\d.]+) ([-\\d.]+)").matcher(path); m.find(); ) {
                linePoints.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))});
            }
            for (Matcher m = GAP.matcher(time); m.find(); ) {
                gaps.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))});
            }
            for (Matcher m = ROUND.matcher(time); m.find(); ) {
                roundX.add(Double.parseDouble(m.group(1)));
                rounds.add(Integer.parseInt(m.group(2)));
            }
            for (Matcher m = BAR.matcher(histogram); m.find(); ) {
                bars.add(Integer.parseInt(m.group(1)));
            }
            Matcher range = find(HISTOGRAM_RANGE, histogram);
            histogramRange.add(range.group(1));
            histogramRange.add(range.group(2));
        }

        static Chart of(String html) {
            String time = html.substring(html.indexOf("aria-label=\"RTT over time\""));
            String histogram = html.substring(html.indexOf("aria-label=\"RTT histogram\""));
            return new Chart(time.substring(0, time.indexOf("</svg>")), histogram.substring(0,
                    histogram.indexOf("</svg>")));
        }

        private static Matcher find(Pattern pattern, String text) {
            Matcher m = pattern.matcher(text);
            assertThat(m.find()).as("%s in %s", pattern, text).isTrue();
            return m;
        }

        /** The highest value of the y axis, after checking that its ticks are round. */
        double top() {
            if (maxY == null) {
                assertRoundRttTicks(yLabels);
                maxY = yLabels.get(yLabels.size() - 1);
            }
            return maxY;
        }

        /**
         * The time ticks: 0, then equal steps of a round length (a 1-2-5 step of seconds, or 15 or 30 s, 1, 2,
         * 5, 10, 15 or 30 min, 1, 2, 3, 6 or 12 h), at most 8 of them in the span, the last within one step of
         * its end, each where its time lies on the axis.
         */
        void assertRoundTimeTicks(String what, double spanSeconds) {
            assertThat(xTicks).as(what).hasSizeGreaterThanOrEqualTo(2).startsWith(0.0);
            double step = xTicks.get(1);
            assertThat(step).as(what + ": a round step").isIn(0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0,
                    120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0);
            for (int i = 0; i < xTicks.size(); i++) {
                assertThat(xTicks.get(i)).as(what + ": tick " + i).isCloseTo(i * step, within(1e-9));
                assertThat(xTickAt.get(i)).as(what + ": tick " + i + " where its time lies")
                        .isCloseTo(left + xTicks.get(i) / spanSeconds * (right - left), within(0.06));
            }
            assertThat(spanSeconds / step).as(what + ": at most 8 steps").isLessThanOrEqualTo(8 + 1e-9);
            assertThat(spanSeconds - xTicks.get(xTicks.size() - 1)).as(what + ": the last tick within a step of the end")
                    .isGreaterThanOrEqualTo(-1e-9).isLessThan(step);
        }

        /** A time tick's label in seconds: {@code 0}, {@code 0.5 s}, {@code 25 s}, {@code 1 h 15 min}, {@code 2 d}. */
        static double seconds(String label) {
            if (label.equals("0")) {
                return 0;
            }
            double total = 0;
            Matcher part = Pattern.compile("([\\d.]+) (s|min|h|d)").matcher(label);
            int parts = 0;
            while (part.find()) {
                double value = Double.parseDouble(part.group(1));
                total += value * switch (part.group(2)) {
                    case "s" -> 1;
                    case "min" -> 60;
                    case "h" -> 3600;
                    default -> 86_400;
                };
                parts++;
            }
            assertThat(parts).as("a time label: %s", label).isPositive();
            return total;
        }

        double yOf(double rttMs) {
            double value = bottom - rttMs / top() * (bottom - top);
            return Math.round(value * 10) / 10.0; // as the page rounds it
        }

        /** The RTT ticks: 0, then equal 1-2-5 steps (1, 2 or 5 times a power of ten), at most 5 of them. */
        static void assertRoundRttTicks(List<Double> labels) {
            assertThat(labels).hasSizeBetween(2, 6).startsWith(0.0);
            double step = labels.get(1);
            double power = Math.pow(10, Math.floor(Math.log10(step) + 1e-9));
            assertThat(step / power).as("a 1-2-5 step: %s", step).isIn(1.0, 2.0, 5.0);
            for (int i = 0; i < labels.size(); i++) {
                assertThat(labels.get(i)).isCloseTo(i * step, within(step * 1e-9));
            }
        }
    }

    private static RttSample sample(long timestampEpochMs, double rttMs) {
        return SampleReports.record(RttSample.class, "timestampEpochMs", timestampEpochMs, "rttMs", rttMs);
    }

    private static CoverageGap gap(long startEpochMs, long endEpochMs) {
        return SampleReports.record(CoverageGap.class, "startEpochMs", startEpochMs, "endEpochMs", endEpochMs,
                "durationMs", endEpochMs - startEpochMs);
    }

    private static RoundMetrics round(int number, long startEpochMs) {
        return SampleReports.record(RoundMetrics.class, "roundNumber", number, "startEpochMs", startEpochMs,
                "endEpochMs", startEpochMs + 10_000, "durationMs", 10_000L);
    }

    private static LatencyStats stats(List<RttSample> samples, double minMs, double maxMs) {
        return SampleReports.record(LatencyStats.class, "sampleCount", samples.size(), "minMs", minMs,
                "maxMs", maxMs, "meanMs", (minMs + maxMs) / 2, "medianMs", minMs, "p95Ms", maxMs, "p99Ms", maxMs,
                "stdDevMs", 1.0, "jitterMs", 1.0, "totalSampleCount", (long) samples.size(), "samples", samples);
    }

    private static SessionReport with(List<RttSample> samples, double minMs, double maxMs, List<CoverageGap> gaps,
            List<RoundMetrics> rounds) {
        return with(stats(samples, minMs, maxMs), gaps, rounds);
    }

    /** The base report with these statistics, gaps and rounds; the session starts and ends at the samples. */
    private static SessionReport with(LatencyStats latency, List<CoverageGap> gaps, List<RoundMetrics> rounds) {
        long start = latency == null ? BASE.sessionMetrics().startEpochMs()
                : latency.samples().get(0).timestampEpochMs();
        return SampleReports.with(BASE,
                "sessionMetrics.startEpochMs", start,
                "sessionMetrics.endEpochMs", start,
                "sessionMetrics.latency", latency,
                "validationData.latency", latency,
                "validationData.coverage.gaps", gaps,
                "multiplayerMetrics.latency", latency,
                "multiplayerMetrics.rounds", rounds);
    }
}
