package io.peerpulse.session;

import java.util.Objects;

/**
 * What a game loop reads every frame through {@link GameSession#latest()}: one consistent, immutable
 * snapshot, read without locking.
 *
 * @param quality           the connection quality
 * @param lastRttMs         the newest sample's RTT; NaN before any sample
 * @param lastSampleEpochMs the newest sample's timestamp; 0 before any sample
 * @param recentMedianMs    the median of the recent samples that judge the quality; NaN before any sample
 * @since 0.1.0
 */
public record LiveRtt(ConnectionQuality quality, double lastRttMs, long lastSampleEpochMs, double recentMedianMs) {

    /** Before any sample. */
    static final LiveRtt NONE = new LiveRtt(ConnectionQuality.UNKNOWN, Double.NaN, 0, Double.NaN);

    /**
     * Checks that the quality is present.
     *
     * @param quality see the record description
     * @param lastRttMs see the record description
     * @param lastSampleEpochMs see the record description
     * @param recentMedianMs see the record description
     * @throws NullPointerException when a required component is null
     * @since 0.1.0
     */
    public LiveRtt {
        Objects.requireNonNull(quality, "quality");
    }
}
