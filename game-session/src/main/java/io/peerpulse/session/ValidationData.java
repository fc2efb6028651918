package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.SessionLatencyStats;
import io.peerpulse.telemetry.TelemetryCounters;

import java.util.Objects;

/**
 * What lets a reader trust (or distrust) the latency numbers: how every poll ended, coverage and
 * gaps, path changes, dropped exporter calls, and the clocks. Answers that were not a plausible RTT are
 * counted in {@code counters.rejectedCount}.
 *
 * @param sessionId                the session's id
 * @param latency                  the statistics of the telemetry's window with its samples; {@code null} before any
 *                                 sample
 * @param sessionLatency           aggregates over every sample of the session, evicted ones included; {@code null}
 *                                 before any sample
 * @param counters                 how every poll ended
 * @param coverage                 the share of the session with fresh measurements, and the gaps
 * @param maxPlausibleRttMs        the largest RTT accepted; a larger answer counts in {@code counters.rejectedCount}
 * @param pathChangeCount          how many times the network path changed, the first path not counted
 * @param droppedExporterCallCount how many exporter calls were dropped, summed over the session's exporters:
 *                                 {@code sampleRecorded} calls while an exporter was far behind
 * @param clock                    the session clock and the monotonic origin
 * @param latencySource            the {@link io.peerpulse.telemetry.spi.RttSource#name() name} of the source
 *                                 polled for {@code latency} now (e.g. {@code "probe"} or {@code "ice"});
 *                                 {@code null} before the first open
 * @param probe                    the probe's loss counts and clock offset (use {@code offsetMs} to line up two
 *                                 peers' exports in time) when the primary source is a probing one, read when
 *                                 the report was built; {@code null} otherwise
 * @param secondary                the second view recorded beside {@code latency}; {@code null} when the
 *                                 session was given one source only
 * @param fallback                 when and why the session fell back from its primary to its secondary
 *                                 source; {@code null} when it did not
 * @param stuckExporterCount       how many of the session's exporters were stuck when the report was made: their
 *                                 oldest unfinished call had been running or waiting longer than the exporter
 *                                 timeout (an exporter stuck in this report's own {@code sessionEnded} is logged)
 * @since 0.1.0
 */
public record ValidationData(String sessionId, @Nullable LatencyStats latency, @Nullable SessionLatencyStats sessionLatency,
                             TelemetryCounters counters, Coverage coverage, double maxPlausibleRttMs,
                             long pathChangeCount, long droppedExporterCallCount, ClockInfo clock,
                             @Nullable String latencySource, @Nullable ProbeStats probe, @Nullable SecondaryLatency secondary,
                             @Nullable SourceFallback fallback, long stuckExporterCount) {

    /**
     * Checks that the required parts are present.
     *
     * @param sessionId see the record description
     * @param latency see the record description
     * @param sessionLatency see the record description
     * @param counters see the record description
     * @param coverage see the record description
     * @param maxPlausibleRttMs see the record description
     * @param pathChangeCount see the record description
     * @param droppedExporterCallCount see the record description
     * @param clock see the record description
     * @param latencySource see the record description
     * @param probe see the record description
     * @param secondary see the record description
     * @param fallback see the record description
     * @param stuckExporterCount see the record description
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
