package io.peerpulse.session.core;

import io.peerpulse.session.QualityThresholds;
import io.peerpulse.telemetry.shared.Redaction;
import io.peerpulse.telemetry.TelemetryOptions;
import org.jspecify.annotations.Nullable;

import java.time.Duration;

/**
 * A session's validated configuration, built by {@code GameSession.Builder.build()}; the journal's header
 * carries it, so that a recovery applies events under the configuration the live session had.
 *
 * @param sessionId         the session's id
 * @param playerId          the local player's id, {@code null} for none
 * @param telemetryOptions  the telemetry's options; their clock is the session clock
 * @param exporterTimeout   how long close() waits for the exporters
 * @param fairFrom          the recent median from which the quality is FAIR
 * @param poorFrom          the recent median from which the quality is POOR
 * @param recentSampleCount     how many latest samples judge the quality
 * @param toleratedBadPollCount consecutive unavailable or failed polls still not LOST
 * @param gapAfterPollCount     poll intervals without a measurement that are still not a gap
 * @param fallbackAfter     how long a primary source may go without a measurement before the session falls back
 * @param jitterFairFromMs  see {@link QualityThresholds}; {@code null}: not judged
 * @param jitterPoorFromMs  see {@link QualityThresholds}; {@code null}: never POOR by it
 * @param lossFairFromRatio see {@link QualityThresholds}; {@code null}: not judged
 * @param lossPoorFromRatio see {@link QualityThresholds}; {@code null}: never POOR by it
 * @param fairBelowScore    see {@link QualityThresholds}; {@code null}: not judged
 * @param poorBelowScore    see {@link QualityThresholds}; {@code null}: never POOR by it
 * @param lossWindowMs      see {@link QualityThresholds}
 * @param hysteresisPollCount see {@link QualityThresholds}
 * @since 0.1.0
 */
public record SessionConfig(String sessionId, @Nullable String playerId, TelemetryOptions telemetryOptions,
                            Duration exporterTimeout, Duration fairFrom, Duration poorFrom, int recentSampleCount,
                            int toleratedBadPollCount, int gapAfterPollCount, Duration fallbackAfter,
                            @Nullable Double jitterFairFromMs, @Nullable Double jitterPoorFromMs,
                            @Nullable Double lossFairFromRatio, @Nullable Double lossPoorFromRatio,
                            @Nullable Double fairBelowScore, @Nullable Double poorBelowScore, long lossWindowMs,
                            int hysteresisPollCount) {

    /** Largest {@code hysteresisPollCount}.
     * @since 0.1.0 */
    public static final int MAX_HYSTERESIS_POLLS = 10_000;

    /** Largest {@code recentSampleCount}.
     * @since 0.1.0 */
    public static final int MAX_RECENT_SAMPLES = 10_000;
    private static final Duration MAX_DURATION = Duration.ofHours(24);
    /** Longest session or player id.
     * @since 0.1.0 */
    public static final int MAX_ID_LENGTH = Redaction.MAX_ID_LENGTH;

    /** Checks every value; the message names the first bad field.
     * @since 0.1.0 */
    public SessionConfig {
        Redaction.checkId("sessionId", sessionId, false);
        Redaction.checkId("playerId", playerId, true);
        if (telemetryOptions == null) {
            throw new IllegalArgumentException("telemetryOptions must not be null");
        }
        if (exporterTimeout == null || exporterTimeout.isNegative() || exporterTimeout.isZero()
                || exporterTimeout.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("exporterTimeout must be above 0 and at most 24 h, was "
                    + exporterTimeout);
        }
        if (fairFrom == null || fairFrom.isNegative() || fairFrom.isZero()) {
            throw new IllegalArgumentException("qualityThresholds fairFrom must be above 0, was " + fairFrom);
        }
        if (poorFrom == null || poorFrom.compareTo(fairFrom) <= 0 || poorFrom.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("qualityThresholds poorFrom must be above fairFrom (" + fairFrom
                    + ") and at most 60 s, was " + poorFrom);
        }
        if (recentSampleCount < 1 || recentSampleCount > MAX_RECENT_SAMPLES) {
            throw new IllegalArgumentException("qualityRecentSamples must be between 1 and " + MAX_RECENT_SAMPLES
                    + ", was " + recentSampleCount);
        }
        if (toleratedBadPollCount < 0) {
            throw new IllegalArgumentException("toleratedBadPolls must be >= 0, was " + toleratedBadPollCount);
        }
        if (gapAfterPollCount < 1 || gapAfterPollCount > 1_000_000) {
            throw new IllegalArgumentException("gapAfterPolls must be between 1 and 1000000, was " + gapAfterPollCount);
        }
        if (fallbackAfter == null || fallbackAfter.isNegative() || fallbackAfter.isZero()
                || fallbackAfter.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("fallbackAfter must be above 0 and at most 24 h, was " + fallbackAfter);
        }
        pair("jitterFairFromMs", "jitterPoorFromMs", jitterFairFromMs, jitterPoorFromMs, 60_000, false);
        pair("lossFairFromRatio", "lossPoorFromRatio", lossFairFromRatio, lossPoorFromRatio, 1, false);
        pair("fairBelowScore", "poorBelowScore", fairBelowScore, poorBelowScore, 100, true);
        if (lossWindowMs < 1 || lossWindowMs > MAX_DURATION.toMillis()) {
            throw new IllegalArgumentException("qualityThresholds lossWindowMs must be between 1 and 86400000, was "
                    + lossWindowMs);
        }
        if (hysteresisPollCount < 1 || hysteresisPollCount > MAX_HYSTERESIS_POLLS) {
            throw new IllegalArgumentException("qualityThresholds hysteresisPollCount must be between 1 and "
                    + MAX_HYSTERESIS_POLLS + ", was " + hysteresisPollCount);
        }
    }

    /** Checks a pair of quality thresholds: each absent or in (0, max], the POOR one past the FAIR one. */
    private static void pair(String fairName, String poorName, @Nullable Double fair, @Nullable Double poor, double max,
                             boolean below) {
        for (Object[] one : new Object[][] {{fairName, fair}, {poorName, poor}}) {
            Double value = (Double) one[1];
            if (value != null && !(value > 0 && value <= max)) {
                throw new IllegalArgumentException("qualityThresholds " + one[0] + " must be above 0 and at most "
                        + (max == 1 ? "1" : String.valueOf((long) max)) + ", was " + value);
            }
        }
        if (fair != null && poor != null && (below ? poor >= fair : poor <= fair)) {
            throw new IllegalArgumentException("qualityThresholds " + poorName + " must be " + (below ? "below " : "above ")
                    + fairName + " (" + fair + "), was " + poor);
        }
    }

    /** @return the thresholds as exported
     * @since 0.1.0 */
    public QualityThresholds thresholds() {
        return new QualityThresholds(toMs(fairFrom), toMs(poorFrom), recentSampleCount, toleratedBadPollCount,
                jitterFairFromMs, jitterPoorFromMs, lossFairFromRatio, lossPoorFromRatio, fairBelowScore,
                poorBelowScore, lossWindowMs, hysteresisPollCount);
    }

    /** @return the time without a measurement beyond which a stretch is a coverage gap */
    long gapThresholdNanos() {
        return telemetryOptions.pollInterval().toNanos() * gapAfterPollCount;
    }

    /** @param duration a duration
     * @return it in milliseconds, with the fraction
     * @since 0.1.0 */
    public static double toMs(Duration duration) {
        return duration.toNanos() / 1e6;
    }
}
