/**
 * Not API: what PeerPulse's own sibling modules share with the telemetry core, the plugin rules
 * ({@link io.peerpulse.telemetry.shared.Plugins}: discovery that survives a broken provider, provider
 * names) and rate-limited plugin warnings ({@link io.peerpulse.telemetry.shared.FaultLog}). Exported only to
 * those modules; it may change in any release. Applications and plugins use {@code io.peerpulse.telemetry}
 * and {@code io.peerpulse.telemetry.spi}.
 *
 * <p>Parameters and return values are never {@code null} unless a member says otherwise.
 *
 * @since 0.1.0
 */
package io.peerpulse.telemetry.shared;
