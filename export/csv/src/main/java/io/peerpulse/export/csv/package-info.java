/**
 * Session samples as CSV: {@link io.peerpulse.export.csv.SessionReportCsv} writes the rows of the
 * {@code csv} exporter.
 *
 * <p>Parameters and return values are never {@code null}.
 *
 * @since 0.1.0
 */
package io.peerpulse.export.csv;
