/**
 * Rendering a session report as HTML. {@link NullMarked @NullMarked}: a type is non-null unless annotated
 * {@link org.jspecify.annotations.Nullable @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.export.html;

import org.jspecify.annotations.NullMarked;
