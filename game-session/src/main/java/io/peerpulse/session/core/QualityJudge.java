package io.peerpulse.session.core;

import org.jspecify.annotations.Nullable;

import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.LiveRtt;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.QualityThresholds;
import io.peerpulse.telemetry.PollEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * Judges the connection quality poll by poll from the median of the latest samples (its own small
 * ring, see {@link MedianRing}) and the run of bad polls, as {@link QualityThresholds} describes. Takes
 * each event's time from the event; nothing here reads a clock. Not thread-safe: the session's lock
 * guards it.
 */
final class QualityJudge {

    private final QualityThresholds thresholds;
    private final MedianRing recent;
    private double lastRtt = Double.NaN;
    private long lastSampleMs;
    private int badPolls;
    private ConnectionQuality quality = ConnectionQuality.UNKNOWN;
    private final List<QualityChange> changes = new ArrayList<>();

    QualityJudge(QualityThresholds thresholds) {
        this.thresholds = thresholds;
        this.recent = new MedianRing(thresholds.recentSampleCount());
    }

    /**
     * Takes a poll into account.
     *
     * @param event the poll
     * @return the quality change it caused, {@code null} when none
     */
    @Nullable QualityChange poll(PollEvent event) {
        if (event.hasSample()) {
            recent.add(event.sample().rttMs());
            lastRtt = event.sample().rttMs();
            lastSampleMs = event.sample().timestampEpochMs();
        }
        ConnectionQuality next = judge(event);
        if (next == quality) {
            return null;
        }
        QualityChange change = new QualityChange(event.timestampEpochMs(), quality, next,
                recent.count() == 0 ? null : recent.median());
        changes.add(change);
        quality = next;
        return change;
    }

    private ConnectionQuality judge(PollEvent event) {
        switch (event.outcome()) {
            case MEASURED -> {
                badPolls = 0;
                double median = recent.median();
                if (median < thresholds.fairFromMs()) {
                    return ConnectionQuality.GOOD;
                }
                return median < thresholds.poorFromMs() ? ConnectionQuality.FAIR : ConnectionQuality.POOR;
            }
            case STALE -> badPolls = 0;
            case UNAVAILABLE, FAILED -> {
                badPolls++;
                if (badPolls > thresholds.toleratedBadPollCount()) {
                    return ConnectionQuality.LOST;
                }
            }
            default -> {
                // rejected and skipped polls say nothing about the connection
            }
        }
        return quality;
    }

    /** @return the live snapshot now */
    LiveRtt live() {
        return new LiveRtt(quality, lastRtt, lastSampleMs, recent.median());
    }

    ConnectionQuality quality() {
        return quality;
    }

    /** @return the changes so far (the record copies it) */
    List<QualityChange> changes() {
        return changes;
    }

    QualityThresholds thresholds() {
        return thresholds;
    }
}
