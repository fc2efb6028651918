/**
 * Test helpers for plugin authors: contract tests for RTT sources and exporters, a scripted RTT source.
 *
 * <p>{@link NullMarked @NullMarked}: a type is non-null unless annotated
 * {@link org.jspecify.annotations.Nullable @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.testkit;

import org.jspecify.annotations.NullMarked;
