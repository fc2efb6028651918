/**
 * Implementation of the session journal (the line format, the appender, the recovery); not exported, not API.
 *
 * <p>Null-marked: nothing is {@code null} unless its type says {@code @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.session.journal.internal;

import org.jspecify.annotations.NullMarked;
