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

    private final long gapThresholdNanos;
    private long measuringStartMs = -1;
    private long anchorMs;
    private Long firstMeasurementMs;
    private Long lastMeasurementMs;
    private final List<CoverageGap> gaps = new ArrayList<>();
    private long gapMs;

    CoverageTracker(long gapThresholdNanos) {
        this.gapThresholdNanos = gapThresholdNanos;
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
