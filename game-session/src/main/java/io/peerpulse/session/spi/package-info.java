/**
 * The plugin point for exporters: a {@link io.peerpulse.session.spi.SessionExporterProvider}, found
 * with {@link java.util.ServiceLoader}, makes one {@link io.peerpulse.session.spi.SessionExporter} per
 * session from the session's {@link io.peerpulse.session.spi.ExportSettings}.
 *
 * <p>Parameters and return values are never {@code null} unless a member says otherwise.
 *
 * @since 0.1.0
 */
package io.peerpulse.session.spi;
