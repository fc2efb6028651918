/**
 * The RTT telemetry API: {@link io.peerpulse.telemetry.LatencyTelemetry} polls an
 * {@link io.peerpulse.telemetry.spi.RttSource} on a scheduler, keeps a window of
 * {@link io.peerpulse.telemetry.RttSample}s and answers {@link io.peerpulse.telemetry.LatencyStats}
 * for the window and {@link io.peerpulse.telemetry.SessionLatencyStats} for the whole session. It is an
 * {@link io.peerpulse.telemetry.RttPoller}, which only polls and hands each
 * {@link io.peerpulse.telemetry.PollEvent} on, applying the events to a
 * {@link io.peerpulse.telemetry.LatencyRecord}, the state, which an application may also own itself.
 *
 * <p>Parameters and return values are never {@code null} unless a member says otherwise.
 * All times are milliseconds: {@code …EpochMs} is wall-clock epoch ms, any other {@code …Ms} a duration.
 *
 * @since 0.1.0
 */
package io.peerpulse.telemetry;
