package io.peerpulse.session;

/**
 * How good the connection is now, judged from the median of the recent samples and from how the
 * latest polls ended; see {@link GameSession.Builder#qualityThresholds}.
 *
 * @since 0.1.0
 */
public enum ConnectionQuality {
    /** No sample yet. */
    UNKNOWN,
    /** Recent median below the FAIR threshold (default 150 ms). */
    GOOD,
    /** Recent median at or above the FAIR threshold and below the POOR threshold (default 300 ms). */
    FAIR,
    /** Recent median at or above the POOR threshold. */
    POOR,
    /** More consecutive polls than tolerated (default 3) found no connection or failed. */
    LOST
}
