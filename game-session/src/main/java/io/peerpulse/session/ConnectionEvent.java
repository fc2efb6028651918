package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * One change of the data channel.
 *
 * @param timestampEpochMs when it happened
 * @param type             what happened
 * @param reason           for {@link Type#CLOSED}, the caller's reason with anything that looks like an
 *                         address redacted; {@code null} otherwise or when none was given
 * @since 0.1.0
 */
public record ConnectionEvent(long timestampEpochMs, Type type, @Nullable String reason) {

    /**
     * Checks that the type is present.
     *
     * @param timestampEpochMs see the record description
     * @param type see the record description
     * @param reason see the record description
     * @throws NullPointerException when a required component is null
     * @since 0.1.0
     */
    public ConnectionEvent {
        Objects.requireNonNull(type, "type");
    }

    /**
     * What happened to the data channel.
     *
     * @since 0.1.0
     */
    public enum Type {
        /** The first channel opened; the telemetry started. */
        OPENED,
        /** The same connection's channel opened again after a close. */
        REOPENED,
        /** A channel of a new connection opened; the telemetry switched to it, keeping its samples. */
        RECONNECTED,
        /** The channel closed. */
        CLOSED
    }
}
