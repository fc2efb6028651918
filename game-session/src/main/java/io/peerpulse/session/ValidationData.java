package io.peerpulse.session;

import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.SessionLatencyStats;
import io.peerpulse.telemetry.TelemetryCounters;

import java.util.Objects;

/**
 * What lets a reader trust (or distrust) the latency numbers: how every poll ended, coverage and
 * gaps, plausibility rejections, and the clocks.
 *
 * @param sessionId              the session's id
 * @param latency                the statistics of the telemetry's window with its samples; {@code null} before any sample
 * @param sessionLatency         aggregates over every sample of the session, evicted ones included;
 *                               {@code null} before any sample
 * @param counters               how every poll ended
 * @param coverage               the share of the session with fresh measurements, and the gaps
 * @param plausibilityRejections answers that were not a plausible RTT (NaN, infinite, negative or
 *                               above {@code maxPlausibleRttMs}): never stored
 * @param maxPlausibleRttMs      the largest RTT accepted
 * @param pathChanges            how many times the network path changed, the first path not counted
 * @param droppedExporterCalls   sample calls not delivered to exporters that fell far behind
 * @param clock                  the session clock and the monotonic origin
 * @since 0.1.0
 */
public record ValidationData(String sessionId, LatencyStats latency, SessionLatencyStats sessionLatency,
                             TelemetryCounters counters, Coverage coverage, long plausibilityRejections,
                             double maxPlausibleRttMs, long pathChanges, long droppedExporterCalls,
                             ClockInfo clock) {

    /**
     * Checks that the required parts are present.
     *
     * @param sessionId see the record description
     * @param latency see the record description
     * @param sessionLatency see the record description
     * @param counters see the record description
     * @param coverage see the record description
     * @param plausibilityRejections see the record description
     * @param maxPlausibleRttMs see the record description
     * @param pathChanges see the record description
     * @param droppedExporterCalls see the record description
     * @param clock see the record description
     * @throws NullPointerException when a required component is null
     * @since 0.1.0
     */
    public ValidationData {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(counters, "counters");
        Objects.requireNonNull(coverage, "coverage");
        Objects.requireNonNull(clock, "clock");
    }
}
