/**
 * The plugin point for exporters: a {@link io.peerpulse.session.spi.SessionExporterProvider}, found
 * with {@link java.util.ServiceLoader}, makes one {@link io.peerpulse.session.spi.SessionExporter} per
 * session from the session's {@link io.peerpulse.session.spi.ExportSettings}. An exporter that writes one
 * file per session extends {@link io.peerpulse.session.spi.FileExporterProvider}, which follows the file
 * rules of {@link io.peerpulse.session.spi.ExportFiles}.
 *
 * <p>Parameters and return values are never {@code null} unless a member says otherwise.
 *
 * @since 0.1.0
 */
package io.peerpulse.session.spi;
