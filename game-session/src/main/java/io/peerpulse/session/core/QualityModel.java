package io.peerpulse.session.core;

import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.QualityMetric;
import io.peerpulse.session.QualityReason;
import io.peerpulse.session.QualityThresholds;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.shared.RecentRtts;
import org.jspecify.annotations.Nullable;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The evidence of the recent window, as {@link QualityThresholds} describes it: the median and jitter of the
 * latest samples, the loss between two probe readings, the E-model score, and the level each criterion gives.
 * Times are the events' monotonic stamps; nothing here reads a clock. Not thread-safe: the session's lock
 * guards it.
 */
final class QualityModel {

    /**
     * What one judged poll found.
     *
     * @param grade       the worst level of the criteria (GOOD, FAIR or POOR)
     * @param score       the E-model score
     * @param reasons     the criteria at FAIR or POOR, worst first
     */
    record Evidence(ConnectionQuality grade, double score, List<QualityReason> reasons) {
    }

    private final QualityThresholds thresholds;
    /** The recent samples, stamped with their events' monotonic times. */
    private final RecentRtts recent;
    /** Probe readings within the loss window: {monotonic ns, answered, lost}, oldest first. */
    private final ArrayDeque<long[]> readings = new ArrayDeque<>();

    QualityModel(QualityThresholds thresholds) {
        this.thresholds = thresholds;
        this.recent = new RecentRtts(thresholds.recentSampleCount());
    }

    /** A trusted sample at {@code at}. */
    void sample(double rttMs, Stamp at) {
        recent.add(at.nanoTime(), rttMs);
    }

    /** A probe reading of the primary source at {@code at}; counts that went back mean a new probe. */
    void probe(ProbeStats stats, Stamp at) {
        long[] last = readings.peekLast();
        if (last != null && (stats.answeredCount() < last[1] || stats.lostCount() < last[2])) {
            readings.clear();
        }
        readings.addLast(new long[] {at.nanoTime(), stats.answeredCount(), stats.lostCount()});
        long from = at.nanoTime() - thresholds.lossWindowMs() * 1_000_000;
        // keep the newest reading at or before the window's start: it is the base of the difference
        while (readings.size() > 1) {
            long[] first = readings.pollFirst();
            long[] second = readings.peekFirst();
            if (second == null || second[0] > from) {
                readings.addFirst(first);
                break;
            }
        }
    }

    /** Loss counts from the latest probe reading on: the pings ended before it leave the window. */
    void restartLoss() {
        while (readings.size() > 1) {
            readings.pollFirst();
        }
    }

    /** Forgets the probe readings (a new source, or a fallback: its loss is no longer the primary's). */
    void forgetLoss() {
        readings.clear();
    }

    /** Forgets the samples and the probe readings (they came from a source found suspect). */
    void forgetAll() {
        recent.clear();
        forgetLoss();
    }

    /** @return whether probe readings of the primary source are kept: its stale polls are lost pings */
    boolean probing() {
        return !readings.isEmpty();
    }

    int sampleCount() {
        return recent.count();
    }

    double median() {
        return recent.median();
    }

    /** @return the evidence now; at least one sample must be in the window */
    Evidence judge() {
        double median = recent.median();
        double jitter = recent.jitter();
        long spanMs = recent.span() / 1_000_000;
        int count = recent.count();
        List<QualityReason> reasons = new ArrayList<>(4);
        level(reasons, QualityMetric.RTT_MEDIAN, median, thresholds.fairFromMs(), thresholds.poorFromMs(), spanMs,
                count);
        level(reasons, QualityMetric.JITTER, jitter, thresholds.jitterFairFromMs(), thresholds.jitterPoorFromMs(),
                spanMs, count);
        double lossRatio = 0;
        long[] first = readings.peekFirst();
        long[] last = readings.peekLast();
        if (first != null && last != null && first != last) {
            long lost = last[2] - first[2];
            long pings = last[1] - first[1] + lost;
            if (pings >= QualityThresholds.MIN_LOSS_PINGS) {
                lossRatio = Math.round(1e6 * lost / pings) / 1e6;
                level(reasons, QualityMetric.LOSS, lossRatio, thresholds.lossFairFromRatio(),
                        thresholds.lossPoorFromRatio(), (last[0] - first[0]) / 1_000_000, pings);
            }
        }
        double score = score(median, jitter, 100 * lossRatio);
        Double fairBelow = thresholds.fairBelowScore();
        Double poorBelow = thresholds.poorBelowScore();
        if (poorBelow != null && score < poorBelow) {
            reasons.add(new QualityReason(QualityMetric.SCORE, score, ConnectionQuality.POOR, poorBelow, spanMs, count));
        } else if (fairBelow != null && score < fairBelow) {
            reasons.add(new QualityReason(QualityMetric.SCORE, score, ConnectionQuality.FAIR, fairBelow, spanMs, count));
        }
        reasons.sort(Comparator.comparing(QualityReason::level).reversed()); // stable: metric order within a level
        ConnectionQuality grade = reasons.isEmpty() ? ConnectionQuality.GOOD : reasons.get(0).level();
        return new Evidence(grade, score, List.copyOf(reasons));
    }

    private static void level(List<QualityReason> reasons, QualityMetric metric, double value, @Nullable Double fairFrom,
                              @Nullable Double poorFrom, long windowMs, long windowCount) {
        if (poorFrom != null && value >= poorFrom) {
            reasons.add(new QualityReason(metric, value, ConnectionQuality.POOR, poorFrom, windowMs, windowCount));
        } else if (fairFrom != null && value >= fairFrom) {
            reasons.add(new QualityReason(metric, value, ConnectionQuality.FAIR, fairFrom, windowMs, windowCount));
        }
    }

    /**
     * The simplified E-model (see {@link QualityThresholds}).
     *
     * @param rttMs       the RTT, ms
     * @param jitterMs    the jitter, ms
     * @param lossPercent the loss, percent
     * @return R, clamped to 0–100, rounded to 0.1
     */
    static double score(double rttMs, double jitterMs, double lossPercent) {
        double effective = rttMs + 2 * jitterMs + 10;
        double r = effective < 160 ? 93.2 - effective / 40 : 93.2 - (effective - 120) / 10;
        r -= 2.5 * lossPercent;
        return Math.round(Math.max(0, Math.min(100, r)) * 10) / 10.0;
    }
}
