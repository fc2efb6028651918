/**
 * The Micrometer exporter's implementation; not exported, found through
 * {@link java.util.ServiceLoader} as the provider named {@code micrometer}.
 *
 * <p>Parameters and return values are never {@code null} unless a member says otherwise.
 *
 * @since 0.1.0
 */
package io.peerpulse.export.micrometer.internal;
