package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.NetworkPath;

import java.util.Objects;

/**
 * The network path changed, e.g. from a direct {@code host/srflx/udp} to a {@code relay} path.
 *
 * @param timestampEpochMs when the telemetry saw the new path
 * @param previous         the path before; {@code null} for the first path seen
 * @param current          the new path
 * @since 0.1.0
 */
public record PathChange(long timestampEpochMs, @Nullable NetworkPath previous, NetworkPath current) {

    /**
     * Checks that the new path is present.
     *
     * @param timestampEpochMs see the record description
     * @param previous see the record description
     * @param current see the record description
     * @throws NullPointerException when a required component is null
     * @since 0.1.0
     */
    public PathChange {
        Objects.requireNonNull(current, "current");
    }
}
