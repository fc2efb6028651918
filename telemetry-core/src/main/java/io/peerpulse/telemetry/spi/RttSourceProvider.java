package io.peerpulse.telemetry.spi;

/**
 * Makes {@link RttSource}s for one kind of connection; found with {@link java.util.ServiceLoader}
 * through {@link io.peerpulse.telemetry.RttSources#forConnection(Object)}.
 *
 * <p>A provider module declares {@code provides io.peerpulse.telemetry.spi.RttSourceProvider with …}
 * and ships {@code META-INF/services/io.peerpulse.telemetry.spi.RttSourceProvider} for class-path users.
 *
 * @since 0.1.0
 */
public interface RttSourceProvider {

    /**
     * The provider's unique name: lower case letters, digits, {@code -} and {@code _}, e.g. {@code webrtc}.
     *
     * @return the name
     * @since 0.1.0
     */
    String name();

    /**
     * Whether this provider can measure the given connection.
     *
     * @param connection a connection object of any type
     * @return {@code true} when {@link #create(Object)} accepts it
     * @since 0.1.0
     */
    boolean supports(Object connection);

    /**
     * Makes a source for a connection that {@link #supports(Object)} accepted.
     *
     * @param connection the connection
     * @return a new source reading that connection
     * @since 0.1.0
     */
    RttSource create(Object connection);
}
