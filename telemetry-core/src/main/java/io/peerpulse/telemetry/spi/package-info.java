/**
 * The plugin point for RTT sources: {@link io.peerpulse.telemetry.spi.RttSource} reads one
 * connection's RTT without blocking, {@link io.peerpulse.telemetry.spi.RttSourceProvider} makes
 * sources for a kind of connection and is found with {@link java.util.ServiceLoader}.
 *
 * <p>Parameters and return values are never {@code null} unless a member says otherwise.
 *
 * @since 0.1.0
 */
package io.peerpulse.telemetry.spi;
