/**
 * Virtual time for tests: a scheduler whose clock moves only when the test says, and scripted replies.
 * {@link NullMarked @NullMarked}: a type is non-null unless annotated
 * {@link org.jspecify.annotations.Nullable @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.virtualtime;

import org.jspecify.annotations.NullMarked;
