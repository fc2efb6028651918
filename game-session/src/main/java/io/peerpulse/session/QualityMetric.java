package io.peerpulse.session;

/**
 * What a {@link QualityReason} measured; see {@link QualityThresholds} for how each is judged.
 *
 * @since 0.1.0
 */
public enum QualityMetric {
    /** The median RTT of the recent samples, ms. */
    RTT_MEDIAN,
    /** The mean absolute difference of consecutive recent RTT samples, ms. */
    JITTER,
    /** The probe's lost pings over the loss window, as a ratio (0–1) of the pings that ended (answered or lost). */
    LOSS,
    /** The E-model score (R, 0–100) of the median, jitter and loss; lower is worse. */
    SCORE,
    /** Consecutive polls that reached no peer: unavailable, failed, or a probe's lost pings. */
    BAD_POLLS
}
