package io.peerpulse.session;

import io.peerpulse.telemetry.TelemetryCounters;

import java.util.ArrayList;
import java.util.List;

/**
 * Measurement coverage: when measuring started, the measurements' times and the gaps between them
 * longer than the gap threshold. Every method takes the event's time; nothing here reads a clock. Not
 * thread-safe: the session's lock guards it.
 */
final class CoverageTracker {

    /** A source with a refresh period may be without a new measurement for this many periods. */
    static final int REFRESH_PERIODS_PER_GAP = 2;

    private final long baseThresholdNanos;
    private long gapThresholdNanos;
    private long measuringStartMs = -1;
    private long anchorMs;
    private Long firstMeasurementMs;
    private Long lastMeasurementMs;
    private final List<CoverageGap> gaps = new ArrayList<>();
    private long gapMs;

    /** @param gapThresholdNanos the threshold for a source that measures at every read: gapAfterPolls intervals */
    CoverageTracker(long gapThresholdNanos) {
        this.baseThresholdNanos = gapThresholdNanos;
        this.gapThresholdNanos = gapThresholdNanos;
    }

    /**
     * The source polled from now on refreshes its measurement every {@code refreshNanos} at most: the gap
     * threshold becomes max(gapAfterPolls intervals, {@value #REFRESH_PERIODS_PER_GAP} refresh periods), so a
     * healthy source that is stale between its refreshes shows no gaps.
     */
    void refreshPeriod(long refreshNanos) {
        long periods = refreshNanos > Long.MAX_VALUE / REFRESH_PERIODS_PER_GAP ? Long.MAX_VALUE
                : refreshNanos * REFRESH_PERIODS_PER_GAP;
        gapThresholdNanos = Math.max(baseThresholdNanos, periods);
    }

    /** Measuring started at {@code now} (the first open). */
    void start(long now) {
        measuringStartMs = now;
        anchorMs = now;
    }

    /** A poll ended with a measurement at {@code t} (the poll's end, not the sample's own timestamp). */
    void measured(long t) {
        if (isGap(anchorMs, t)) {
            gaps.add(new CoverageGap(anchorMs, t, t - anchorMs));
            gapMs += t - anchorMs;
        }
        anchorMs = Math.max(anchorMs, t);
        if (firstMeasurementMs == null) {
            firstMeasurementMs = t;
        }
        lastMeasurementMs = t;
    }

    /** @return the coverage as of {@code at}, a gap still going on counted up to then */
    Coverage coverage(long at, TelemetryCounters counters) {
        double thresholdMs = gapThresholdNanos / 1e6;
        if (measuringStartMs < 0) {
            return new Coverage(null, 0, 0, 0, thresholdMs, 0, List.of(), null, null);
        }
        List<CoverageGap> all = new ArrayList<>(gaps);
        long total = gapMs;
        if (isGap(anchorMs, at)) {
            all.add(new CoverageGap(anchorMs, at, at - anchorMs));
            total += at - anchorMs;
        }
        long measuringMs = at - measuringStartMs;
        double covered = firstMeasurementMs == null || measuringMs <= 0 ? 0
                : Math.max(0, Math.min(1, (double) (measuringMs - total) / measuringMs));
        return new Coverage(measuringStartMs, measuringMs, covered, counters.measuredRatio(), thresholdMs, total,
                all, firstMeasurementMs, lastMeasurementMs);
    }

    private boolean isGap(long fromMs, long toMs) {
        long ms = toMs - fromMs;
        return ms > 0 && (ms >= Long.MAX_VALUE / 1_000_000 || ms * 1_000_000 > gapThresholdNanos);
    }
}
