/**
 * The {@code jsonl} exporter's provider and exporter; not exported, not API.
 *
 * <p>{@link NullMarked @NullMarked}: a type is non-null unless annotated
 * {@link org.jspecify.annotations.Nullable @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.export.jsonl.internal;

import org.jspecify.annotations.NullMarked;
