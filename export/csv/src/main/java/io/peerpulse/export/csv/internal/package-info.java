/**
 * The {@code csv} exporter's provider and exporter; not exported, not API.
 *
 * @since 0.1.0
 */
package io.peerpulse.export.csv.internal;
