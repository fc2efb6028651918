package io.peerpulse.export.html;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that maps the RTT chart's values to the page: time (ms since the session's start on its monotonic
 * clock, {@link Timeline}'s places) to x, RTT (ms) to y, and
 * the ticks of both axes at round numbers. Whatever is drawn on the chart (samples, gaps, rounds, bands)
 * takes its coordinates from here.
 *
 * <p><b>Time ticks</b> lie at whole multiples of a step measured from the chart's start: the smallest step of
 * 0.1, 0.2, 0.5 s; 1, 2, 5, 10, 15, 30 s; 1, 2, 5, 10, 15, 30 min; 1, 2, 3, 6, 12 h; 1, 2, 5, 10, … days that
 * puts at most {@value #MAX_TIME_STEPS} steps in the span; labels in the step's unit ({@code 25 s},
 * {@code 1 h 15 min}). <b>RTT ticks</b> lie at multiples of a 1-2-5 step (…, 0.5, 1, 2, 5, 10, 20, …
 * ms) from 0 up to the first multiple at or above the highest value plus 10 % (at least
 * {@value #MIN_REACH_MS} ms, at most {@value #MAX_REACH_MS} ms: an edited export's higher RTT lies at the top),
 * at most {@value #MAX_RTT_STEPS} steps.
 */
final class ChartScale {

    static final int WIDTH = 960;
    static final int HEIGHT = 360;
    static final int LEFT = 64;
    static final int RIGHT = 24;
    static final int TOP = 24;
    static final int BOTTOM = 48;
    static final int PLOT_WIDTH = WIDTH - LEFT - RIGHT;
    static final int PLOT_HEIGHT = HEIGHT - TOP - BOTTOM;
    static final int MAX_TIME_STEPS = 8;
    static final int MAX_RTT_STEPS = 5;
    /** The lowest top of the RTT axis for samples above 0, ms. */
    static final double MIN_REACH_MS = 0.001;
    /** The highest top of the RTT axis, ms: above about 1.6e308 the 10 % more, and the steps, overflow to infinity. */
    static final double MAX_REACH_MS = 1e307;

    private static final long SECOND = 1_000;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;
    /** The time steps below a day, in ms. */
    private static final long[] TIME_STEPS = {100, 200, 500, SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND,
            15 * SECOND, 30 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR,
            2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR};

    /** A tick: where it lies on its axis (px) and its label. */
    record Tick(double at, String label) {
    }

    private final long startMs;
    private final long spanMs;
    private final long timeStepMs;
    private final Step rttStep;
    private final double maxMs;

    private ChartScale(long startMs, long spanMs, double highestMs) {
        this.startMs = startMs;
        this.spanMs = spanMs;
        this.timeStepMs = timeStep(spanMs);
        // at least a thousandth of a ms (the statistics' resolution): a subnormal RTT would make the step 0
        // at most 1e307 ms: a finite RTT near Double.MAX_VALUE (an edited export) would make the reach infinite
        double reach = highestMs > 0 ? Math.min(Math.max(highestMs * 1.1, MIN_REACH_MS), MAX_REACH_MS) : 1;
        this.rttStep = Step.covering(reach / MAX_RTT_STEPS);
        long steps = (long) Math.ceil(reach / rttStep.value());
        while (rttStep.times(steps) < reach) { // the division's rounding
            steps++;
        }
        this.maxMs = rttStep.times(steps);
    }

    /**
     * @param fromMs    the chart's first instant
     * @param toMs      its last (the span is at least one second)
     * @param highestMs   the highest RTT it shows
     * @return the scale
     */
    static ChartScale of(long fromMs, long toMs, double highestMs) {
        return new ChartScale(fromMs, Math.max(SECOND, toMs - fromMs), highestMs);
    }

    /** @return x of an instant, px */
    double x(long ms) {
        return LEFT + (double) (ms - startMs) / spanMs * PLOT_WIDTH;
    }

    /** @return y of an RTT, px; at the top for one above the axis ({@link #MAX_REACH_MS}) */
    double y(double rttMs) {
        return TOP + PLOT_HEIGHT - Math.min(rttMs / maxMs, 1) * PLOT_HEIGHT;
    }

    /** @return the top of the RTT axis, ms */
    double maxMs() {
        return maxMs;
    }

    /** @return the chart's first instant, ms */
    long startMs() {
        return startMs;
    }

    /** @return the time between ticks, ms */
    long timeStepMs() {
        return timeStepMs;
    }

    /** @return the ticks of the time axis, from 0 to the last step within the span */
    List<Tick> timeTicks() {
        List<Tick> ticks = new ArrayList<>();
        for (long t = 0; t <= spanMs; t += timeStepMs) {
            ticks.add(new Tick(x(startMs + t), timeLabel(t, timeStepMs)));
        }
        return ticks;
    }

    /** @return the ticks of the RTT axis, from 0 to {@link #maxMs()} */
    List<Tick> rttTicks() {
        List<Tick> ticks = new ArrayList<>();
        for (long i = 0; rttStep.times(i) <= maxMs; i++) {
            ticks.add(new Tick(y(rttStep.times(i)), rttStep.label(i)));
        }
        return ticks;
    }

    /** The smallest time step that puts at most {@link #MAX_TIME_STEPS} steps in {@code spanMs}. */
    static long timeStep(long spanMs) {
        for (long step : TIME_STEPS) {
            if (spanMs <= step * MAX_TIME_STEPS) {
                return step;
            }
        }
        return DAY * Step.covering((double) spanMs / DAY / MAX_TIME_STEPS).wholeValue();
    }

    /** The label of a time tick {@code t} ms after the start, in the unit of {@code step}. */
    static String timeLabel(long t, long step) {
        if (t == 0) {
            return "0";
        }
        if (step < SECOND) {
            return BigDecimal.valueOf(t, 3).stripTrailingZeros().toPlainString() + " s";
        }
        if (step < MINUTE) {
            return t / SECOND + " s";
        }
        if (step < HOUR) {
            long minutes = t / MINUTE;
            return minutes < 60 ? minutes + " min"
                    : minutes / 60 + " h" + (minutes % 60 == 0 ? "" : " " + minutes % 60 + " min");
        }
        if (step < DAY) {
            return t / HOUR + " h";
        }
        return t / DAY + " d";
    }

    /**
     * A 1-2-5 step: {@code mantissa × 10^exponent}, mantissa 1, 2 or 5; its multiples computed from integers,
     * so that a tick is the round number it is labelled (0.6, never 0.6000000000000001).
     */
    record Step(int mantissa, int exponent) {

        /** The smallest 1-2-5 step at or above {@code value} (> 0). */
        static Step covering(double value) {
            int exponent = (int) Math.floor(Math.log10(value));
            for (int e = exponent - 1; e <= exponent + 1; e++) { // log10's rounding: look on both sides
                for (int m : new int[] {1, 2, 5}) {
                    if (new Step(m, e).value() >= value) {
                        return new Step(m, e);
                    }
                }
            }
            return new Step(1, exponent + 2);
        }

        double value() {
            return times(1);
        }

        long wholeValue() {
            return Math.max(1, Math.round(value()));
        }

        /** {@code n} steps: {@code n·mantissa} scaled by the power of ten, rounded once. */
        double times(long n) {
            double units = (double) n * mantissa;
            return exponent >= 0 ? units * Math.pow(10, exponent) : units / Math.pow(10, -exponent);
        }

        /** The label of {@code n} steps: its decimal digits, exactly. */
        String label(long n) {
            return BigDecimal.valueOf(n * mantissa).scaleByPowerOfTen(exponent).stripTrailingZeros().toPlainString();
        }
    }
}
