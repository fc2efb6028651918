package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

/**
 * A stretch without a data channel after a close.
 *
 * @param startEpochMs when the channel closed
 * @param endEpochMs   when a channel opened again; {@code null} when none did before the end (or snapshot)
 * @param durationMs   until the reopening, else until the end (or snapshot)
 * @param reason       the close's reason, redacted; {@code null} when none was given
 * @since 0.1.0
 */
public record Disconnection(long startEpochMs, @Nullable Long endEpochMs, long durationMs, @Nullable String reason) {
}
