/**
 * Test helpers: a virtual-time scheduler, a scripted RTT source, and contract tests for plugins.
 *
 * <p>Parameters and return values are never {@code null} unless a member says otherwise.
 *
 * @since 0.1.0
 */
package io.peerpulse.testkit;
