package io.peerpulse.telemetry.spi;

import io.peerpulse.telemetry.NetworkPath;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one {@link RttSource#read()} found: a new measurement, nothing new, or no connection.
 *
 * <p>Factories do not judge plausibility: the telemetry counts a measurement that is NaN,
 * infinite, negative or above 60,000 ms as {@code rejected} and never stores it.
 *
 * @since 0.1.0
 */
public sealed interface RttReading permits RttReading.Measured, RttReading.Stale, RttReading.Unavailable {

    /**
     * A new measurement, timestamped by the telemetry's clock when the read completes.
     *
     * @param rttMs the round-trip time in milliseconds
     * @return the reading
     * @since 0.1.0
     */
    static RttReading measured(double rttMs) {
        return new Measured(rttMs, OptionalLong.empty(), Optional.empty());
    }

    /**
     * A new measurement that carries its own time.
     *
     * @param rttMs            the round-trip time in milliseconds
     * @param timestampEpochMs wall-clock time of the measurement, epoch milliseconds
     * @return the reading
     * @since 0.1.0
     */
    static RttReading measured(double rttMs, long timestampEpochMs) {
        return new Measured(rttMs, OptionalLong.of(timestampEpochMs), Optional.empty());
    }

    /**
     * A new measurement over a known path, timestamped by the telemetry's clock.
     *
     * @param rttMs the round-trip time in milliseconds
     * @param path  the path it was measured on
     * @return the reading
     * @since 0.1.0
     */
    static RttReading measured(double rttMs, NetworkPath path) {
        return new Measured(rttMs, OptionalLong.empty(), Optional.of(path));
    }

    /**
     * The connection is up but has no new measurement since the previous read.
     *
     * @return the reading
     * @since 0.1.0
     */
    static RttReading stale() {
        return Stale.INSTANCE;
    }

    /**
     * The connection is up over a known path but has no new measurement since the previous read.
     *
     * @param path the path in use
     * @return the reading
     * @since 0.1.0
     */
    static RttReading stale(NetworkPath path) {
        return new Stale(Optional.of(path));
    }

    /**
     * There is nothing to measure: not connected, closed, or no selected path.
     *
     * @param reason a short reason for people and logs; must not contain an address
     * @return the reading
     * @since 0.1.0
     */
    static RttReading unavailable(String reason) {
        return new Unavailable(reason);
    }

    /**
     * A new measurement.
     *
     * @param rttMs            the round-trip time in milliseconds, not yet checked for plausibility
     * @param timestampEpochMs the measurement's own wall-clock time, when the source knows it
     * @param path             the path it was measured on, when the source knows it
     * @since 0.1.0
     */
    record Measured(double rttMs, OptionalLong timestampEpochMs, Optional<NetworkPath> path) implements RttReading {
        /**
         * Checks that the optional holders are present.
         *
         * @param rttMs            see the record description
         * @param timestampEpochMs see the record description
         * @param path             see the record description
         * @since 0.1.0
         */
        public Measured {
            Objects.requireNonNull(timestampEpochMs, "timestampEpochMs");
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * Connected, with no new measurement since the previous read.
     *
     * @param path the path in use, when the source knows it
     * @since 0.1.0
     */
    record Stale(Optional<NetworkPath> path) implements RttReading {
        private static final Stale INSTANCE = new Stale(Optional.empty());

        /**
         * Checks that the optional holder is present.
         *
         * @param path see the record description
         * @since 0.1.0
         */
        public Stale {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * Nothing to measure.
     *
     * @param reason why, for people and logs
     * @since 0.1.0
     */
    record Unavailable(String reason) implements RttReading {
        /**
         * Checks that a reason is given.
         *
         * @param reason see the record description
         * @since 0.1.0
         */
        public Unavailable {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
