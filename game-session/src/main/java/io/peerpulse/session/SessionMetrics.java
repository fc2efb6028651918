package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.NetworkPath;

import java.util.Objects;

/**
 * Who played, when, over which connection, with what latency. A snapshot during the session has no
 * end and measures its duration up to the snapshot.
 *
 * @param sessionId    the session's id
 * @param playerId     the local player's id; {@code null} when none was given
 * @param startEpochMs when the session was built
 * @param endEpochMs   when it was closed; {@code null} while it runs
 * @param durationMs   from start to end, or to the snapshot while it runs
 * @param connection   every data channel open and close, disconnections and time without a channel
 * @param path         the latest network path recorded (the last of the path changes: of the primary view's readings
 *                     or the secondary's); {@code null} when none was
 * @param latency      the statistics of the telemetry's window with its samples; {@code null} before any sample
 * @since 0.1.0
 */
public record SessionMetrics(String sessionId, @Nullable String playerId, long startEpochMs, @Nullable Long endEpochMs,
                             long durationMs, ConnectionHistory connection, @Nullable NetworkPath path,
                             @Nullable LatencyStats latency) {

    /**
     * Checks that the required parts are present.
     *
     * @param sessionId see the record description
     * @param playerId see the record description
     * @param startEpochMs see the record description
     * @param endEpochMs see the record description
     * @param durationMs see the record description
     * @param connection see the record description
     * @param path see the record description
     * @param latency see the record description
     * @throws NullPointerException when a required component is null
     * @since 0.1.0
     */
    public SessionMetrics {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(connection, "connection");
    }
}
