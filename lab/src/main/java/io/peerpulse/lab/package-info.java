/**
 * The network lab: a UDP impairment relay and two real webrtc-java peers in one JVM. Parameters are
 * non-null unless stated otherwise.
 *
 * @since 0.1.0
 */
package io.peerpulse.lab;
