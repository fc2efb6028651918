package io.peerpulse.telemetry;

/**
 * How one poll ended; each maps to one counter of {@link TelemetryCounters}.
 *
 * @since 0.1.0
 */
public enum PollOutcome {
    /** A new RTT was recorded. */
    MEASURED,
    /** Connected, but no new measurement since the previous poll. */
    STALE,
    /** Not connected, no selected path, or closed. */
    UNAVAILABLE,
    /** The source threw, failed, answered {@code null}, or did not answer within the read timeout. */
    FAILED,
    /** The source answered a value that is not a plausible RTT; not stored. */
    REJECTED,
    /** The poll fell due while the previous read was still in flight. */
    SKIPPED
}
