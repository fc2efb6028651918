/**
 * Helpers of the integration tests.
 *
 * @since 0.1.0
 */
package io.peerpulse.integration;
