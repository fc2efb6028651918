/**
 * The RTT telemetry API: {@link io.peerpulse.telemetry.LatencyTelemetry} polls an
 * {@link io.peerpulse.telemetry.spi.RttSource} on a scheduler, keeps a window of
 * {@link io.peerpulse.telemetry.RttSample}s and answers {@link io.peerpulse.telemetry.LatencyStats}
 * for the window and {@link io.peerpulse.telemetry.SessionLatencyStats} for the whole session.
 *
 * <p>Parameters and return values are never {@code null} unless a member says otherwise.
 * All times are milliseconds: {@code timestamp} is wall-clock epoch ms, {@code …Ms} is a duration.
 *
 * @since 0.1.0
 */
package io.peerpulse.telemetry;
