/**
 * Rendering a session report as HTML. Parameters and return values are never {@code null}.
 *
 * @since 0.1.0
 */
package io.peerpulse.export.html;
