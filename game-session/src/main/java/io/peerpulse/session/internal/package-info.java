/**
 * Implementation details of the game session; not exported, not API.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.session.internal;

import org.jspecify.annotations.NullMarked;
