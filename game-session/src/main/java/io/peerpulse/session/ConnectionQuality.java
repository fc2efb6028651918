package io.peerpulse.session;

/**
 * How good the connection is now, judged from the recent window of RTT, jitter and loss and from how the
 * latest polls ended, as {@link QualityThresholds} describes; see {@link GameSession.Builder#qualityThresholds}.
 *
 * @since 0.1.0
 */
public enum ConnectionQuality {
    /** No sample yet. */
    UNKNOWN,
    /** No criterion reached its FAIR threshold. */
    GOOD,
    /** The worst criterion reached its FAIR threshold but not its POOR one. */
    FAIR,
    /** A criterion reached its POOR threshold. */
    POOR,
    /**
     * Down: more consecutive polls than tolerated (default 3) reached no peer — unavailable or failed, or a probing
     * source's lost pings with no pong, not even a late one — until the next measurement (see
     * {@link QualityThresholds}).
     */
    LOST
}
