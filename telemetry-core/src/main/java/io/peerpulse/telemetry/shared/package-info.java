/**
 * Not API: what PeerPulse's own sibling modules share with the telemetry core, the plugin rules
 * ({@link io.peerpulse.telemetry.shared.Plugins}: discovery that survives a broken provider, provider
 * names), rate-limited plugin warnings ({@link io.peerpulse.telemetry.shared.FaultLog}) and the one privacy and
 * text rule ({@link io.peerpulse.telemetry.shared.Redaction}: ids, free text, addresses) and the one way to make a
 * pool of PeerPulse's own threads ({@link io.peerpulse.telemetry.shared.DaemonPool}). Exported only to
 * those modules; it may change in any release. Applications and plugins use {@code io.peerpulse.telemetry}
 * and {@code io.peerpulse.telemetry.spi}.
 *
 * <p>Null-marked: nothing is {@code null} unless its type says {@code @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.telemetry.shared;

import org.jspecify.annotations.NullMarked;
