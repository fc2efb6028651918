/**
 * The WebRTC RTT source. Parameters and return values are never {@code null} unless a member
 * says otherwise.
 *
 * @since 0.1.0
 */
package io.peerpulse.webrtc;
