package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

/**
 * A data channel that opened again after the first open.
 *
 * @param timestampEpochMs when it opened
 * @param newConnection    {@code true} for a new connection (the telemetry switched source),
 *                         {@code false} for the same connection reopening
 * @param downtimeMs       how long the session was without a channel before; 0 when the previous
 *                         channel was not closed first
 * @param closeReason      the reason of the close before, redacted; {@code null} when none
 * @since 0.1.0
 */
public record Reconnection(long timestampEpochMs, boolean newConnection, long downtimeMs, @Nullable String closeReason) {
}
