/**
 * The file rules: {@link io.peerpulse.export.files.ExportFiles} and
 * {@link io.peerpulse.export.files.FileExporterProvider}. Null-marked: nothing is {@code null} unless its type
 * says {@code @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.export.files;

import org.jspecify.annotations.NullMarked;
