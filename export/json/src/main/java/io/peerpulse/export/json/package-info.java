/**
 * Session reports as JSON: {@link io.peerpulse.export.json.SessionReportJson} writes a
 * {@link io.peerpulse.session.SessionReport} in the format of the {@code json} exporter and reads such
 * files back. The format is described by {@code docs/session-report.schema.json} (JSON Schema draft
 * 2020-12).
 *
 * <p>{@link NullMarked @NullMarked}: a type is non-null unless annotated
 * {@link org.jspecify.annotations.Nullable @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.export.json;

import org.jspecify.annotations.NullMarked;
