/**
 * Test helpers for plugin authors: contract tests for RTT sources and exporters, a scripted RTT source.
 *
 * <p>Parameters and return values are never {@code null} unless a member says otherwise.
 *
 * @since 0.1.0
 */
package io.peerpulse.testkit;
