package io.peerpulse.session.core;

import org.jspecify.annotations.Nullable;

import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.LiveRtt;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.QualityMetric;
import io.peerpulse.session.QualityReason;
import io.peerpulse.session.QualitySummary;
import io.peerpulse.session.QualityThresholds;
import io.peerpulse.telemetry.PollEvent;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.RttSample;

import java.util.ArrayList;
import java.util.List;

/**
 * Judges the connection quality poll by poll from the evidence of the recent window ({@link QualityModel}), with
 * the hysteresis and the run of bad polls that {@link QualityThresholds} describes, and tallies the time in each
 * quality and the scores ({@link QualityTally}). Takes each event's time from the event; nothing here reads a
 * clock. Not thread-safe: the session's lock guards it.
 */
final class QualityJudge {

    private final QualityThresholds thresholds;
    private final QualityModel model;
    private final QualityTally session;
    private double lastRtt = Double.NaN;
    private long lastSampleMs;
    private double lastScore = Double.NaN;
    private int badPolls;
    private long firstBadNanos;
    /** Pongs of the primary probe so far, answered or late, by its latest reading; and by the previous poll's that
     * was not rejected or skipped. */
    private long pongs;
    private long pongsAtPoll;
    private boolean judged;
    private ConnectionQuality quality = ConnectionQuality.UNKNOWN;
    private List<QualityReason> reasons = List.of();
    private @Nullable ConnectionQuality pending;
    private int pendingPolls;
    private final List<QualityChange> changes = new ArrayList<>();
    /** The session's start: a change's place on the monotonic clock is measured from it. */
    private final Stamp start;

    QualityJudge(QualityThresholds thresholds, Stamp start) {
        this.thresholds = thresholds;
        this.start = start;
        this.model = new QualityModel(thresholds);
        this.session = new QualityTally(ConnectionQuality.UNKNOWN, start);
    }

    /**
     * Takes a poll of the primary view into account.
     *
     * @param event   the poll
     * @param at      its stamp
     * @param trusted whether its sample may feed the grade ({@code false} for the poll whose sample made the source
     *                suspect)
     * @param rounds  told of the score and of a change
     * @return the quality change it caused, {@code null} when none
     */
    @Nullable QualityChange poll(PollEvent event, Stamp at, boolean trusted, Rounds rounds) {
        RttSample sample = event.sample();
        if (sample != null) {
            lastRtt = sample.rttMs();
            lastSampleMs = sample.timestampEpochMs();
            if (trusted) {
                model.sample(sample.rttMs(), at);
            }
        }
        ConnectionQuality next = quality;
        List<QualityReason> why = reasons;
        Double score = null;
        PollOutcome outcome = event.outcome();
        // a pong since the previous poll, if only a late one, shows the peer reachable: no lost ping of a down path
        boolean ponged = pongs > pongsAtPoll;
        if (outcome != PollOutcome.REJECTED && outcome != PollOutcome.SKIPPED) {
            pongsAtPoll = pongs; // a poll that says nothing of the connection leaves the pong to the next one
        }
        boolean lostPing = outcome == PollOutcome.STALE && model.probing() && !ponged;
        if (outcome == PollOutcome.UNAVAILABLE || outcome == PollOutcome.FAILED || lostPing) {
            if (badPolls++ == 0) {
                firstBadNanos = at.nanoTime();
            }
            if (badPolls > thresholds.toleratedBadPollCount() && quality != ConnectionQuality.LOST) {
                next = ConnectionQuality.LOST;
                why = List.of(new QualityReason(QualityMetric.BAD_POLLS, badPolls, ConnectionQuality.LOST,
                        thresholds.toleratedBadPollCount() + 1, (at.nanoTime() - firstBadNanos) / 1_000_000,
                        badPolls));
            }
        } else if (outcome == PollOutcome.MEASURED || outcome == PollOutcome.STALE) {
            badPolls = 0;
        } // rejected and skipped polls say nothing about the connection
        // LOST lasts until the next measurement, or a pong a probe's stale poll saw
        judged = model.sampleCount() > 0 && (outcome == PollOutcome.MEASURED
                || outcome == PollOutcome.STALE && model.probing() && ponged);
        if (judged) {
            if (quality == ConnectionQuality.LOST) {
                // the pings lost while down were the outage, told by LOST: not loss (also when a pong ends it)
                model.restartLoss();
            }
            QualityModel.Evidence evidence = model.judge();
            score = evidence.score();
            lastScore = evidence.score();
            session.score(evidence.score());
            rounds.score(evidence.score());
            if (evidence.grade() == quality) {
                pending = null;
                why = evidence.reasons();
            } else if (quality == ConnectionQuality.UNKNOWN || quality == ConnectionQuality.LOST
                    || held(evidence.grade())) {
                next = evidence.grade();
                why = evidence.reasons();
            }
        }
        reasons = why;
        if (next == quality) {
            return null;
        }
        pending = null;
        QualityChange change = new QualityChange(event.timestampEpochMs(), quality, next,
                model.sampleCount() == 0 ? null : model.median(), score, why, at.msSince(start));
        changes.add(change);
        session.grade(next, at);
        rounds.quality(next, at);
        quality = next;
        return change;
    }

    /** Counts a poll judging {@code grade}; true once enough consecutive ones did. */
    private boolean held(ConnectionQuality grade) {
        if (grade != pending) {
            pending = grade;
            pendingPolls = 0;
        }
        return ++pendingPolls >= thresholds.hysteresisPollCount();
    }

    /**
     * Whether the latest poll was judged: a measured one; and a stale one of a probing primary that saw a pong since
     * the previous poll, if only a late one (the path is up, slower than the ping timeout: its lost pings are loss).
     * A lost ping without one is a bad poll; a stale poll of another source only found nothing new.
     *
     * @return whether it was judged
     */
    boolean judgedLastPoll() {
        return judged;
    }

    /** A probe reading of the primary source, when it may feed the grade. */
    void probe(ProbeStats stats, Stamp at) {
        long counted = stats.answeredCount() + stats.lateCount();
        if (!model.probing() || counted < pongs) {
            // the first reading of a source (one given again counted pongs before), or counts that went back (a new
            // probe): the base the next poll's pongs are counted from, none of them since the previous poll
            pongsAtPoll = counted;
        }
        model.probe(stats, at);
        pongs = counted;
    }

    /** A new source: the old one's probe counts are no longer the primary's. */
    void sourceChanged() {
        model.forgetLoss();
    }

    /** The primary source fell back: a suspect one's samples leave the window; no probe's loss counts any more. */
    void fellBack(boolean suspect) {
        if (suspect) {
            model.forgetAll();
        } else {
            model.forgetLoss();
        }
    }

    /** @return the live snapshot now */
    LiveRtt live() {
        return new LiveRtt(quality, lastRtt, lastSampleMs, model.sampleCount() == 0 ? Double.NaN : model.median(),
                lastScore, reasons);
    }

    ConnectionQuality quality() {
        return quality;
    }

    /** @return the changes so far (the record copies it) */
    List<QualityChange> changes() {
        return changes;
    }

    QualitySummary summary(Stamp at) {
        return session.summary(at);
    }

    QualityThresholds thresholds() {
        return thresholds;
    }
}
