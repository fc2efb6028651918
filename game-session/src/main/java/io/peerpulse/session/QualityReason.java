package io.peerpulse.session;

import java.util.Locale;
import java.util.Objects;

/**
 * One reason for a connection quality: a metric that crossed its threshold, with the window it was
 * measured over. {@link #text()} says it for people, e.g. "loss 20 % over the last 10 s (from 10 %)".
 *
 * @param metric      what was measured
 * @param value       its value in the unit {@link QualityMetric} names: ms, a ratio (0–1, shown as a percentage), a
 *                    score or polls
 * @param level       the quality this metric alone gives: FAIR, POOR or LOST
 * @param threshold   the threshold it reached: from it on (below it, for {@link QualityMetric#SCORE}) the
 *                    metric gives {@code level}
 * @param windowMs    the time the window spans: from the oldest to the newest sample (RTT, jitter, score),
 *                    between the two probe readings compared (loss), or from the first bad poll (bad polls)
 * @param windowCount how many samples (RTT, jitter, score), pings (loss) or polls (bad polls) the window holds
 * @since 0.1.0
 */
public record QualityReason(QualityMetric metric, double value, ConnectionQuality level, double threshold,
                            long windowMs, long windowCount) {

    /**
     * Checks the parts.
     *
     * @param metric      see the record description
     * @param value       see the record description
     * @param level       see the record description
     * @param threshold   see the record description
     * @param windowMs    see the record description
     * @param windowCount see the record description
     * @throws NullPointerException when the metric or level is null
     * @since 0.1.0
     */
    public QualityReason {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(level, "level");
    }

    /**
     * @return the reason for people, e.g. "RTT median 180 ms over the last 5 samples (from 150 ms)",
     *         "loss 12 % over the last 10 s (from 10 %)", "score 39.4 over the last 5 samples (below 70)",
     *         "no measurement in the last 4 polls"
     * @since 0.1.0
     */
    public String text() {
        return switch (metric) {
            case RTT_MEDIAN -> "RTT median " + number(value) + " ms over the last " + samples() + " (from "
                    + number(threshold) + " ms)";
            case JITTER -> "jitter " + number(value) + " ms over the last " + samples() + " (from "
                    + number(threshold) + " ms)";
            case LOSS -> "loss " + number(100 * value) + " % over the last " + number(windowMs / 1000.0) + " s (from "
                    + number(100 * threshold) + " %)";
            case SCORE -> "score " + number(value) + " over the last " + samples() + " (below " + number(threshold)
                    + ")";
            case BAD_POLLS -> "no measurement in the last " + windowCount + " polls";
        };
    }

    private String samples() {
        return windowCount == 1 ? "sample" : windowCount + " samples";
    }

    /** One decimal at most, none when whole. */
    private static String number(double value) {
        String text = String.format(Locale.ROOT, "%.1f", value);
        return text.endsWith(".0") ? text.substring(0, text.length() - 2) : text;
    }
}
