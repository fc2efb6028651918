/**
 * The Micrometer exporter's implementation; not exported, found through
 * {@link java.util.ServiceLoader} as the provider named {@code micrometer}.
 *
 * <p>{@link NullMarked @NullMarked}: a type is non-null unless annotated
 * {@link org.jspecify.annotations.Nullable @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.export.micrometer.internal;

import org.jspecify.annotations.NullMarked;
