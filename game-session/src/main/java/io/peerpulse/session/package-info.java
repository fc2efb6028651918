/**
 * The game session API: {@link io.peerpulse.session.GameSession} measures one multiplayer session's
 * RTT and exports {@link io.peerpulse.session.SessionMetrics},
 * {@link io.peerpulse.session.ValidationData} and {@link io.peerpulse.session.MultiplayerMetrics},
 * together a {@link io.peerpulse.session.SessionReport}.
 *
 * <p>Null-marked: nothing is {@code null} unless its type says {@code @Nullable}. Times are milliseconds: {@code …EpochMs} is wall-clock
 * epoch ms from the session clock (the telemetry options' clock), {@code …Ms} a duration. The
 * export records are public in an exported package so that serialisers such as JSON-B can read them;
 * they never hold an IP address, port or ICE candidate string.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.session;

import org.jspecify.annotations.NullMarked;
