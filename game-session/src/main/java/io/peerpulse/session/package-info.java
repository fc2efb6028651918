/**
 * The game session API: {@link io.peerpulse.session.GameSession} measures one multiplayer session's
 * RTT and exports {@link io.peerpulse.session.SessionMetrics},
 * {@link io.peerpulse.session.ValidationData} and {@link io.peerpulse.session.MultiplayerMetrics},
 * together a {@link io.peerpulse.session.SessionReport}.
 *
 * <p>Parameters and return values are never {@code null} unless a member says otherwise; record
 * components that may be {@code null} say so. Times are milliseconds: {@code …EpochMs} is wall-clock
 * epoch ms from the session clock (the telemetry options' clock), {@code …Ms} a duration. The
 * export records are public in an exported package so that serialisers such as JSON-B can read them;
 * they never hold an IP address, port or ICE candidate string.
 *
 * @since 0.1.0
 */
package io.peerpulse.session;
