/**
 * Session reports as JSON: {@link io.peerpulse.export.json.SessionReportJson} writes a
 * {@link io.peerpulse.session.SessionReport} in the format of the {@code json} exporter and reads such
 * files back. The format is described by {@code docs/session-report.schema.json} (JSON Schema draft
 * 2020-12).
 *
 * <p>Parameters and return values are never {@code null}.
 *
 * @since 0.1.0
 */
package io.peerpulse.export.json;
