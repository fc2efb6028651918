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
 * @param thresholds        the quality's criteria, window and hysteresis, as exported; {@code fairFromMs} and
 *                          {@code poorFromMs} in whole nanoseconds ({@link #fairFrom()}, {@link #poorFrom()}: the
 *                          builder's durations, and what the journal keeps)
 * @param gapAfterPollCount poll intervals without a measurement that are still not a gap
 * @param fallbackAfter     how long a primary source may go without a measurement before the session falls back
 * @since 0.1.0
 */
public record SessionConfig(String sessionId, @Nullable String playerId, TelemetryOptions telemetryOptions,
                            Duration exporterTimeout, QualityThresholds thresholds, int gapAfterPollCount,
                            Duration fallbackAfter) {

    /** Largest {@code hysteresisPollCount}.
     * @since 0.1.0 */
    public static final int MAX_HYSTERESIS_POLLS = 10_000;

    /** Largest {@code recentSampleCount}.
     * @since 0.1.0 */
    public static final int MAX_RECENT_SAMPLES = 10_000;
    private static final Duration MAX_DURATION = Duration.ofHours(24);

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
        if (thresholds == null) {
            throw new IllegalArgumentException("qualityThresholds must not be null");
        }
        Duration fairFrom = ofMs(thresholds.fairFromMs());
        Duration poorFrom = ofMs(thresholds.poorFromMs());
        if (fairFrom.isNegative() || fairFrom.isZero()) {
            throw new IllegalArgumentException("qualityThresholds fairFrom must be above 0, was " + fairFrom);
        }
        if (poorFrom.compareTo(fairFrom) <= 0 || poorFrom.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("qualityThresholds poorFrom must be above fairFrom (" + fairFrom
                    + ") and at most 60 s, was " + poorFrom);
        }
        if (thresholds.recentSampleCount() < 1 || thresholds.recentSampleCount() > MAX_RECENT_SAMPLES) {
            throw new IllegalArgumentException("qualityRecentSamples must be between 1 and " + MAX_RECENT_SAMPLES
                    + ", was " + thresholds.recentSampleCount());
        }
        if (thresholds.toleratedBadPollCount() < 0) {
            throw new IllegalArgumentException("toleratedBadPolls must be >= 0, was "
                    + thresholds.toleratedBadPollCount());
        }
        if (gapAfterPollCount < 1 || gapAfterPollCount > 1_000_000) {
            throw new IllegalArgumentException("gapAfterPolls must be between 1 and 1000000, was " + gapAfterPollCount);
        }
        if (fallbackAfter == null || fallbackAfter.isNegative() || fallbackAfter.isZero()
                || fallbackAfter.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("fallbackAfter must be above 0 and at most 24 h, was " + fallbackAfter);
        }
        pair("jitterFairFromMs", "jitterPoorFromMs", thresholds.jitterFairFromMs(), thresholds.jitterPoorFromMs(),
                60_000, false);
        pair("lossFairFromRatio", "lossPoorFromRatio", thresholds.lossFairFromRatio(), thresholds.lossPoorFromRatio(),
                1, false);
        pair("fairBelowScore", "poorBelowScore", thresholds.fairBelowScore(), thresholds.poorBelowScore(), 100, true);
        if (thresholds.lossWindowMs() < 1 || thresholds.lossWindowMs() > MAX_DURATION.toMillis()) {
            throw new IllegalArgumentException("qualityThresholds lossWindowMs must be between 1 and 86400000, was "
                    + thresholds.lossWindowMs());
        }
        if (thresholds.hysteresisPollCount() < 1 || thresholds.hysteresisPollCount() > MAX_HYSTERESIS_POLLS) {
            throw new IllegalArgumentException("qualityThresholds hysteresisPollCount must be between 1 and "
                    + MAX_HYSTERESIS_POLLS + ", was " + thresholds.hysteresisPollCount());
        }
    }

    /** @return the recent median from which the quality is FAIR, in whole nanoseconds
     * @since 0.1.0 */
    public Duration fairFrom() {
        return ofMs(thresholds.fairFromMs());
    }

    /** @return the recent median from which the quality is POOR, in whole nanoseconds
     * @since 0.1.0 */
    public Duration poorFrom() {
        return ofMs(thresholds.poorFromMs());
    }

    /** @param ms milliseconds, with the fraction
     * @return them as a duration of whole nanoseconds, rounded; NaN as 0 (a threshold refused as not above 0)
     * @since 0.1.0 */
    public static Duration ofMs(double ms) {
        return Duration.ofNanos(Math.round(ms * 1e6));
    }

    /** Checks a pair of quality thresholds: each absent or in (0, max], the POOR one past the FAIR one. */
    private static void pair(String fairName, String poorName, @Nullable Double fair, @Nullable Double poor, double max,
                             boolean below) {
        inRange(fairName, fair, max);
        inRange(poorName, poor, max);
        if (fair != null && poor != null && (below ? poor >= fair : poor <= fair)) {
            throw new IllegalArgumentException("qualityThresholds " + poorName + " must be " + (below ? "below " : "above ")
                    + fairName + " (" + fair + "), was " + poor);
        }
    }

    /** Checks one quality threshold: absent or in (0, max]. */
    private static void inRange(String name, @Nullable Double value, double max) {
        if (value != null && !(value > 0 && value <= max)) {
            throw new IllegalArgumentException("qualityThresholds " + name + " must be above 0 and at most "
                    + (max == 1 ? "1" : String.valueOf((long) max)) + ", was " + value);
        }
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
