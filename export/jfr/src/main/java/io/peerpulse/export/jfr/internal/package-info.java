/**
 * The JFR exporter's implementation: the event classes, the exporter and its provider; not exported, found
 * through {@link java.util.ServiceLoader} as the provider named {@code jfr}. The module's README lists every
 * event and field.
 *
 * <p>{@link NullMarked @NullMarked}: a type is non-null unless annotated
 * {@link org.jspecify.annotations.Nullable @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.export.jfr.internal;

import org.jspecify.annotations.NullMarked;
