/**
 * The network lab: a UDP impairment relay and two real webrtc-java peers in one JVM.
 * {@link NullMarked @NullMarked}: a type is non-null unless annotated
 * {@link org.jspecify.annotations.Nullable @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.lab;

import org.jspecify.annotations.NullMarked;
