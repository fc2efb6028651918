/**
 * The session's core: the {@link io.peerpulse.session.core.SessionEvent}s every input becomes, the
 * {@link io.peerpulse.session.core.SessionCore} that applies them, and the journal's plugin point
 * ({@link io.peerpulse.session.core.EventLogProvider}). Exported only to {@code io.peerpulse.session.journal};
 * not API. Null-marked: nothing is {@code null} unless its type says {@code @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.session.core;

import org.jspecify.annotations.NullMarked;
