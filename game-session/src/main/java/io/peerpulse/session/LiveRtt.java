package io.peerpulse.session;

import java.util.List;
import java.util.Objects;

/**
 * What a game loop reads every frame through {@link GameSession#latest()}: one consistent, immutable
 * snapshot, read without locking.
 *
 * @param quality           the connection quality
 * @param lastRttMs         the newest sample's RTT; NaN before any sample
 * @param lastSampleEpochMs the newest sample's timestamp; 0 before any sample
 * @param recentMedianMs    the median of the recent samples that judge the quality; NaN before any sample
 * @param score             the latest score (E-model R, 0–100, see {@link QualityThresholds}); NaN before any
 *                          sample
 * @param reasons           why the quality is what it is, worst first, as judged when it was last confirmed;
 *                          empty at GOOD and UNKNOWN
 * @since 0.1.0
 */
public record LiveRtt(ConnectionQuality quality, double lastRttMs, long lastSampleEpochMs, double recentMedianMs,
                      double score, List<QualityReason> reasons) {

    /**
     * A snapshot without a score or reasons (as of earlier versions).
     *
     * @param quality           see the record description
     * @param lastRttMs         see the record description
     * @param lastSampleEpochMs see the record description
     * @param recentMedianMs    see the record description
     * @since 0.1.0
     */
    public LiveRtt(ConnectionQuality quality, double lastRttMs, long lastSampleEpochMs, double recentMedianMs) {
        this(quality, lastRttMs, lastSampleEpochMs, recentMedianMs, Double.NaN, List.of());
    }

    /**
     * Checks that the quality is present and copies the reasons.
     *
     * @param quality see the record description
     * @param lastRttMs see the record description
     * @param lastSampleEpochMs see the record description
     * @param recentMedianMs see the record description
     * @param score see the record description
     * @param reasons see the record description
     * @throws NullPointerException when a required component is null
     * @since 0.1.0
     */
    public LiveRtt {
        Objects.requireNonNull(quality, "quality");
        reasons = List.copyOf(reasons);
    }
}
