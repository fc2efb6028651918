/**
 * The WebRTC RTT source's machinery (candidate-pair statistics; the data-channel probe's engine, codec
 * and thread) and its provider; not exported, not API.
 *
 * <p>{@link NullMarked @NullMarked}: a type is non-null unless annotated
 * {@link org.jspecify.annotations.Nullable @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.webrtc.internal;

import org.jspecify.annotations.NullMarked;
