/**
 * One JSON line per finished session: {@link io.peerpulse.export.jsonl.SessionJsonLines}.
 *
 * <p>{@link NullMarked @NullMarked}: a type is non-null unless annotated
 * {@link org.jspecify.annotations.Nullable @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.export.jsonl;

import org.jspecify.annotations.NullMarked;
