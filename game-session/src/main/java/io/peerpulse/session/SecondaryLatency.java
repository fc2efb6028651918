package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.LatencySummary;
import io.peerpulse.telemetry.TelemetryCounters;

import java.util.Objects;

/**
 * The second view of RTT a session records beside {@code latency}, from the secondary source given to
 * {@link GameSession#onDataChannelOpen(io.peerpulse.telemetry.spi.RttSource, io.peerpulse.telemetry.spi.RttSource)}
 * (e.g. the ICE view beside the probe's): polled at the same interval until the session ends or falls
 * back to it (then its readings go to {@code latency} and this stops growing).
 *
 * @param source   the secondary source's {@link io.peerpulse.telemetry.spi.RttSource#name() name}, e.g. {@code "ice"}
 * @param latency  statistics of its window, without the samples; {@code null} before its first measurement
 * @param counters how its polls ended
 * @since 0.1.0
 */
public record SecondaryLatency(String source, @Nullable LatencySummary latency, TelemetryCounters counters) {

    /**
     * Checks that the required parts are present.
     *
     * @param source   see the record description
     * @param latency  see the record description
     * @param counters see the record description
     * @throws NullPointerException when {@code source} or {@code counters} is null
     * @since 0.1.0
     */
    public SecondaryLatency {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(counters, "counters");
    }
}
