/**
 * The crash-safe session journal: {@link io.peerpulse.session.journal.SessionJournal#recover} rebuilds a
 * session's report from the journal its session wrote, by applying the journaled events again.
 *
 * <p>Null-marked: nothing is {@code null} unless its type says {@code @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.session.journal;

import org.jspecify.annotations.NullMarked;
