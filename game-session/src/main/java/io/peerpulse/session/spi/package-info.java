/**
 * The plugin point for exporters: a {@link io.peerpulse.session.spi.SessionExporterProvider}, found
 * with {@link java.util.ServiceLoader}, makes one {@link io.peerpulse.session.spi.SessionExporter} per
 * session from the session's {@link io.peerpulse.session.spi.ExportSettings}. An exporter that writes one
 * file per session extends {@code io.peerpulse.export.files.FileExporterProvider}, which follows the file
 * rules of {@code io.peerpulse.export.files.ExportFiles}.
 *
 * <p>Null-marked: nothing is {@code null} unless its type says {@code @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.session.spi;

import org.jspecify.annotations.NullMarked;
