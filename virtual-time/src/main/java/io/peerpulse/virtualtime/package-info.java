/**
 * Virtual time for tests: a scheduler whose clock moves only when the test says, and scripted replies.
 * Parameters are non-null unless stated otherwise.
 *
 * @since 0.1.0
 */
package io.peerpulse.virtualtime;
