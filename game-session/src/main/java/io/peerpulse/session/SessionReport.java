package io.peerpulse.session;

import java.util.Objects;

/**
 * Everything a session exports at its end, handed to every exporter's {@code sessionEnded}.
 *
 * @param sessionMetrics     identities, times, connection history, path and latency
 * @param validationData     counters, coverage, gaps and clock information to check the numbers
 * @param multiplayerMetrics rounds, reconnections, path and quality changes
 * @since 0.1.0
 */
public record SessionReport(SessionMetrics sessionMetrics, ValidationData validationData,
                            MultiplayerMetrics multiplayerMetrics) {

    /**
     * Checks that every part is present.
     *
     * @param sessionMetrics see the record description
     * @param validationData see the record description
     * @param multiplayerMetrics see the record description
     * @throws NullPointerException when a required component is null
     * @since 0.1.0
     */
    public SessionReport {
        Objects.requireNonNull(sessionMetrics, "sessionMetrics");
        Objects.requireNonNull(validationData, "validationData");
        Objects.requireNonNull(multiplayerMetrics, "multiplayerMetrics");
    }
}
