package io.peerpulse.session.core;

import io.peerpulse.session.Coverage;
import io.peerpulse.session.CoverageGap;
import io.peerpulse.telemetry.TelemetryCounters;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;

/**
 * Measurement coverage: when measuring started, the measurements' times and the gaps between them longer
 * than the gap threshold, all measured on the stamps' monotonic times (epoch times only label). Not
 * thread-safe: the core's lock guards it.
 */
final class CoverageTracker {

    /** A source with a refresh period may be without a new measurement for this many periods. */
    static final int REFRESH_PERIODS_PER_GAP = 2;

    /** The session's start: a gap's place on the monotonic clock is measured from it. */
    private final Stamp sessionStart;
    private final long baseThresholdNanos;
    private long gapThresholdNanos;
    private @Nullable Stamp measuringStart;
    private @Nullable Stamp anchor;
    private @Nullable Long firstMeasurementEpochMs;
    private @Nullable Long lastMeasurementEpochMs;
    private final List<CoverageGap> gaps = new ArrayList<>();
    private long gapMs;

    /**
     * @param sessionStart      the session's start
     * @param gapThresholdNanos the threshold for a source that measures at every read: gapAfterPolls intervals
     */
    CoverageTracker(Stamp sessionStart, long gapThresholdNanos) {
        this.sessionStart = sessionStart;
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

    /** Measuring started (the first open). */
    void start(Stamp at) {
        measuringStart = at;
        anchor = at;
    }

    /**
     * A poll ended with a measurement of {@code rttMs} at {@code at} (the poll's stamp, not the sample's own
     * timestamp). The round trip it measured began at least {@code rttMs} before: the path was seen from then on,
     * so only the stretch from the previous measurement to there can be a gap. A pong that was merely slow (a
     * filled queue, within the read timeout) is no gap, however long it took.
     */
    void measured(Stamp at, double rttMs) {
        Stamp from = anchor;
        long seenNanos = rttMs > 0 ? (long) Math.min(rttMs * 1e6, Long.MAX_VALUE / 2.0) : 0;
        if (from != null && at.nanoTime() - seenNanos - from.nanoTime() > gapThresholdNanos) {
            gaps.add(new CoverageGap(from.epochMs(), at.epochMs(), at.msSince(from), from.msSince(sessionStart)));
            gapMs += at.msSince(from);
        }
        anchor = at;
        if (firstMeasurementEpochMs == null) {
            firstMeasurementEpochMs = at.epochMs();
        }
        lastMeasurementEpochMs = at.epochMs();
    }

    /** @return the coverage as of {@code at}, a gap still going on counted up to then */
    Coverage coverage(Stamp at, TelemetryCounters counters) {
        double thresholdMs = gapThresholdNanos / 1e6;
        Stamp begin = measuringStart;
        Stamp from = anchor;
        if (begin == null || from == null) {
            return new Coverage(null, 0, 0, 0, thresholdMs, 0, List.of(), null, null);
        }
        List<CoverageGap> all = new ArrayList<>(gaps);
        long total = gapMs;
        if (isGap(from, at)) {
            all.add(new CoverageGap(from.epochMs(), at.epochMs(), at.msSince(from), from.msSince(sessionStart)));
            total += at.msSince(from);
        }
        long measuringMs = at.msSince(begin);
        double covered = firstMeasurementEpochMs == null || measuringMs <= 0 ? 0
                : Math.max(0, Math.min(1, (double) (measuringMs - total) / measuringMs));
        return new Coverage(begin.epochMs(), measuringMs, covered, counters.measuredRatio(), thresholdMs, total,
                all, firstMeasurementEpochMs, lastMeasurementEpochMs);
    }

    private boolean isGap(Stamp from, Stamp to) {
        long nanos = to.nanoTime() - from.nanoTime();
        return nanos > gapThresholdNanos;
    }
}
