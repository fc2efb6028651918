package io.peerpulse.export.html;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The wall clock steps while a session runs (an NTP correction back 5 s, a laptop resumed after 400 days on the
 * shelf): the chart's time axis is the session's monotonic time, so the samples, rounds, gaps and quality bands
 * stay where they happened; the wall clock labels nothing on it. Real reports of a session on virtual time whose
 * wall clock the test steps ({@link VirtualScheduler#stepWallClock}) while its monotonic clock goes on.
 */
class ClockStepChartTest {

    private static final Pattern BAND = Pattern.compile("<rect class=\"q-(\\w+)\" x=\"([-\\d.]+)\" y=\"[-\\d.]+\" "
            + "width=\"([-\\d.]+)\"");

    /**
     * 20 s at 1 Hz: round 1 from 2 s, round 2 from 8 s, a 6 s outage from 12 s (polls 12 … 17 unanswered),
     * the wall clock stepped by {@code step} at 10.5 s.
     */
    private static SessionReport steppedSession(Duration step) {
        VirtualScheduler scheduler = new VirtualScheduler();
        ScriptedRttSource source = new ScriptedRttSource();
        for (int i = 0; i <= 20; i++) {
            if (i >= 12 && i <= 17) {
                source.thenUnavailable("outage");
            } else {
                source.thenMeasured(i < 12 ? 50 : 400); // POOR after the outage
            }
        }
        GameSession session = GameSession.builder("stepped").exporterProviders(List.of()).executor(Runnable::run)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).pollInterval(Duration.ofSeconds(1))
                        .build())
                .build();
        session.onDataChannelOpen(source);
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(2));
        session.beginRound(1);
        scheduler.advance(Duration.ofSeconds(6));
        session.beginRound(2);
        scheduler.advance(Duration.ofMillis(2_500));
        scheduler.stepWallClock(step);
        scheduler.advance(Duration.ofMillis(9_500));
        session.close();
        scheduler.shutdownNow();
        return session.exportReport();
    }

    @Test
    void aStepBackOfFiveSecondsLeavesEverySampleRoundGapAndBandWhereItHappened() {
        assertOnTheMonotonicAxis(steppedSession(Duration.ofSeconds(-5)));
    }

    @Test
    void aJumpOf400DaysForwardDoesNotSquashTheSessionIntoOneColumn() {
        assertOnTheMonotonicAxis(steppedSession(Duration.ofDays(400)));
    }

    /** A long session, drawn per pixel column: a 400-day jump halfway still spreads its samples over every column. */
    @Test
    void aLongSessionDrawnPerPixelColumnSpreadsOverTheWholeAxisAcrossA400DayJump() {
        VirtualScheduler scheduler = new VirtualScheduler();
        GameSession session = GameSession.builder("long").exporterProviders(List.of()).executor(Runnable::run)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).pollInterval(Duration.ofMillis(100))
                        .maxSampleCount(5_000).build())
                .build();
        session.onDataChannelOpen(io.peerpulse.telemetry.fixtures.ScriptedRttSource.repeating(
                io.peerpulse.telemetry.spi.RttReading.measured(40)));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofMillis(150_050));
        scheduler.stepWallClock(Duration.ofDays(400));
        scheduler.advance(Duration.ofMillis(149_950));
        session.close();
        scheduler.shutdownNow();
        SessionReport report = session.exportReport();
        assertThat(report.validationData().latency().samples()).hasSizeGreaterThan(TimeChart.MARKED_SAMPLES);

        ReportChartTest.Chart chart = ReportChartTest.Chart.of(HtmlReport.render(report));
        assertThat(chart.linePoints).extracting(p -> (int) Math.floor(p[0] - chart.left)).doesNotContainNull()
                .as("a point in every pixel column").hasSizeGreaterThanOrEqualTo(ChartScale.PLOT_WIDTH);
        assertThat(chart.linePoints.stream().mapToInt(p -> (int) Math.floor(p[0] - chart.left)).distinct().count())
                .as("pixel columns with a point").isGreaterThanOrEqualTo(ChartScale.PLOT_WIDTH - 1);
        assertThat(chart.moves).as("one line: no gap, nothing out of order").isEqualTo(1);
        assertThat(chart.xTickLabels).containsExactly("0", "1 min", "2 min", "3 min", "4 min", "5 min");
    }

    private static void assertOnTheMonotonicAxis(SessionReport report) {
        assertThat(report.validationData().clock().clockSteps()).hasSize(1);
        assertThat(report.sessionMetrics().durationMs()).isEqualTo(20_000);
        String html = HtmlReport.render(report);
        ReportChartTest.Chart chart = ReportChartTest.Chart.of(html);
        double perSecond = (chart.right - chart.left) / 20;

        // the samples at 0 … 11 s and 18 … 20 s of the session, in recording order
        List<Double> expected = new ArrayList<>();
        for (int s = 0; s <= 20; s++) {
            if (s < 12 || s > 17) {
                expected.add(chart.left + s * perSecond);
            }
        }
        assertThat(chart.points).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(chart.points.get(i).x()).as("sample %d", i).isCloseTo(expected.get(i), within(0.06));
        }
        assertThat(chart.moves).as("one line before the outage, one after it").isEqualTo(2);
        assertThat(chart.rounds).containsExactly(1, 2);
        assertThat(chart.roundX.get(0)).isCloseTo(chart.left + 2 * perSecond, within(0.06));
        assertThat(chart.roundX.get(1)).isCloseTo(chart.left + 8 * perSecond, within(0.06));
        assertThat(chart.gaps).singleElement().satisfies(gap -> {
            assertThat(gap[0]).as("from the last sample before the outage").isCloseTo(chart.left + 11 * perSecond,
                    within(0.06));
            assertThat(gap[1]).as("7 s to the next sample").isCloseTo(7 * perSecond, within(0.06));
        });
        assertThat(chart.xTicks).containsExactly(0.0, 5.0, 10.0, 15.0, 20.0);
        List<double[]> bands = new ArrayList<>();
        List<String> grades = new ArrayList<>();
        String svg = html.substring(html.indexOf("aria-label=\"RTT over time\""));
        for (Matcher m = BAND.matcher(svg); m.find(); ) {
            grades.add(m.group(1));
            bands.add(new double[] {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))});
        }
        assertThat(grades).startsWith("GOOD").contains("POOR");
        assertThat(bands.get(0)[0]).as("GOOD from the first sample").isCloseTo(chart.left, within(0.06));
        for (int i = 1; i < bands.size(); i++) {
            assertThat(bands.get(i)[0]).as("band %d starts where the one before it ends", i)
                    .isCloseTo(bands.get(i - 1)[0] + bands.get(i - 1)[1], within(0.11));
        }
        double end = bands.get(bands.size() - 1)[0] + bands.get(bands.size() - 1)[1];
        assertThat(end).as("the last band reaches the session's end").isCloseTo(chart.right, within(0.06));
    }
}
