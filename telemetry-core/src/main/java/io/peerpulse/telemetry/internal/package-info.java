/**
 * The telemetry's implementation: the window, the histogram, the shared scheduler, the poll grid and the
 * isolated-read pool. Exported to nobody; not API.
 *
 * @since 0.1.0
 */
@NullMarked
package io.peerpulse.telemetry.internal;

import org.jspecify.annotations.NullMarked;
