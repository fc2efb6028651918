package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.LatencyStats;

import java.util.List;
import java.util.Objects;

/**
 * What a multiplayer analysis lines up with the game: latency per round, reconnections, network path
 * changes and connection quality over time.
 *
 * @param sessionId         the session's id
 * @param playerId          the local player's id; {@code null} when none was given
 * @param latency           the statistics of the telemetry's window with its samples; {@code null} before any sample
 * @param rounds            every round in the order they began; an open round has no end
 * @param reconnections     every channel that opened again after the first, oldest first
 * @param pathChanges       every network path seen, the first included, oldest first
 * @param quality           the connection quality at the end (or snapshot)
 * @param qualityChanges    every change of the quality, oldest first
 * @param qualityThresholds how the quality was judged
 * @param qualitySummary    time in each quality over the session and the scores judged; {@code null} in a file
 *                          of an earlier version
 * @since 0.1.0
 */
public record MultiplayerMetrics(String sessionId, @Nullable String playerId, @Nullable LatencyStats latency, List<RoundMetrics> rounds,
                                 List<Reconnection> reconnections, List<PathChange> pathChanges,
                                 ConnectionQuality quality, List<QualityChange> qualityChanges,
                                 QualityThresholds qualityThresholds, @Nullable QualitySummary qualitySummary) {

    /**
     * Checks the required parts and makes the lists unmodifiable copies.
     *
     * @param sessionId see the record description
     * @param playerId see the record description
     * @param latency see the record description
     * @param rounds see the record description
     * @param reconnections see the record description
     * @param pathChanges see the record description
     * @param quality see the record description
     * @param qualityChanges see the record description
     * @param qualityThresholds see the record description
     * @param qualitySummary see the record description
     * @throws NullPointerException when a required component is null
     * @since 0.1.0
     */
    public MultiplayerMetrics {
        Objects.requireNonNull(sessionId, "sessionId");
        rounds = List.copyOf(rounds);
        reconnections = List.copyOf(reconnections);
        pathChanges = List.copyOf(pathChanges);
        Objects.requireNonNull(quality, "quality");
        qualityChanges = List.copyOf(qualityChanges);
        Objects.requireNonNull(qualityThresholds, "qualityThresholds");
    }
}
