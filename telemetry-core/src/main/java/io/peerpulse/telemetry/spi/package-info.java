/**
 * The plugin point for RTT sources: {@link io.peerpulse.telemetry.spi.RttSource} reads one
 * connection's RTT without blocking, {@link io.peerpulse.telemetry.spi.RttSourceProvider} makes
 * sources for a kind of connection and is found with {@link java.util.ServiceLoader}.
 *
 * <p>Null-marked: nothing is {@code null} unless its type says {@code @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.telemetry.spi;

import org.jspecify.annotations.NullMarked;
