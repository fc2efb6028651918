/**
 * The WebRTC RTT source. {@link NullMarked @NullMarked}: a type is non-null unless annotated
 * {@link org.jspecify.annotations.Nullable @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.webrtc;

import org.jspecify.annotations.NullMarked;
