/**
 * The commands of {@code peerpulse}. Not an API: the commands and their output are the interface.
 *
 * @since 0.1.0
 */
package io.peerpulse.cli;
