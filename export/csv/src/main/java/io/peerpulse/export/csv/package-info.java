/**
 * Session samples as CSV: {@link io.peerpulse.export.csv.SessionReportCsv} writes the rows of the
 * {@code csv} exporter.
 *
 * <p>{@link NullMarked @NullMarked}: a type is non-null unless annotated
 * {@link org.jspecify.annotations.Nullable @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.export.csv;

import org.jspecify.annotations.NullMarked;
