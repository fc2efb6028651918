package io.peerpulse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.peerpulse.telemetry.shared.Plugins;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.telemetry.spi.RttSourceProvider;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link RttSourceProvider} must keep; a plugin's own test extends this class.
 *
 * <pre>{@code
 * class MyProviderTest extends RttSourceProviderContract {
 *     protected RttSourceProvider createProvider() { return new MyRttSourceProvider(); }
 *     protected Object supportedConnection() { return openTestConnection(); }
 * }
 * }</pre>
 *
 * <p>Checks: the name is valid (lower-case letters, digits, {@code -}, {@code _}) and stable;
 * {@code supports} accepts the supported connection and refuses others without throwing; {@code create}
 * makes a source for a supported connection (which the kit then closes with its {@code close()}) and fails for an unsupported one with an
 * {@link IllegalArgumentException} whose message names the connection's type; the provider is discoverable
 * with {@code ServiceLoader} on both paths ({@link PluginDiscovery}). Check the sources it makes with
 * {@link RttSourceContract}.
 *
 * @since 0.1.0
 */
public abstract class RttSourceProviderContract {

    /**
     * For subclasses.
     *
     * @since 0.1.0
     */
    protected RttSourceProviderContract() {
    }

    /**
     * @return a fresh provider, as {@code ServiceLoader} makes it
     * @throws Exception when it cannot be made
     * @since 0.1.0
     */
    protected abstract RttSourceProvider createProvider() throws Exception;

    /**
     * @return a connection the provider supports; fresh for each test
     * @throws Exception when it cannot be opened
     * @since 0.1.0
     */
    protected abstract Object supportedConnection() throws Exception;

    /**
     * @return a connection the provider does not support; default a plain {@code Object}
     * @since 0.1.0
     */
    protected Object unsupportedConnection() {
        return new Object();
    }

    /**
     * Releases a connection from {@link #supportedConnection()}; does nothing by default.
     *
     * @param connection the connection
     * @throws Exception when releasing fails
     * @since 0.1.0
     */
    protected void closeConnection(Object connection) throws Exception {
    }

    /**
     * @throws Exception when the provider cannot be made
     * @since 0.1.0
     */
    @Test
    @DisplayName("the name is lower-case letters, digits, '-' and '_', and stable")
    public void nameIsValidAndStable() throws Exception {
        RttSourceProvider provider = createProvider();
        String name = name(provider);
        if (name == null || !Plugins.NAME.matcher(name).matches()) {
            fail("name() is '%s': a provider name is lower-case letters, digits, '-' and '_', not starting with"
                    + " '-' or '_' (e.g. \"webrtc\"); applications select providers by it", name);
        }
        assertThat(name(provider)).as("name() called twice").isEqualTo(name);
        assertThat(name(createProvider())).as("name() of another instance").isEqualTo(name);
    }

    private static String name(RttSourceProvider provider) {
        try {
            return provider.name();
        } catch (RuntimeException thrown) {
            throw new AssertionError("name() threw " + thrown + ": it must answer the provider's name (e.g. \"webrtc\")"
                    + " at once, without a connection; RttSources asks it of every provider it finds", thrown);
        }
    }

    /**
     * @throws Exception when the provider or connection cannot be made
     * @since 0.1.0
     */
    @Test
    @DisplayName("supports() accepts the supported connection and refuses others without throwing")
    public void supportsTellsConnectionsApart() throws Exception {
        RttSourceProvider provider = createProvider();
        Object connection = supportedConnection();
        try {
            assertThat(provider.supports(connection)).as("supports(%s)", connection.getClass().getName()).isTrue();
        } finally {
            closeConnection(connection);
        }
        Object other = unsupportedConnection();
        boolean supported;
        try {
            supported = provider.supports(other);
        } catch (RuntimeException e) {
            throw new AssertionError("supports(" + other.getClass().getName() + ") threw instead of answering false;"
                    + " RttSources asks every provider about every connection", e);
        }
        assertThat(supported).as("supports(%s)", other.getClass().getName()).isFalse();
    }

    /**
     * @throws Exception when the provider or connection cannot be made
     * @since 0.1.0
     */
    @Test
    @DisplayName("create() makes a source for a supported connection")
    public void createMakesASource() throws Exception {
        RttSourceProvider provider = createProvider();
        Object connection = supportedConnection();
        try {
            String type = connection.getClass().getName();
            RttSource source;
            try {
                source = provider.create(connection);
            } catch (RuntimeException thrown) {
                throw new AssertionError("create(" + type + ") of a connection supports() accepted threw " + thrown
                        + ": it must make a source for every connection supports() accepts", thrown);
            }
            if (source == null) {
                fail("create(%s) answered null: it must answer a new RttSource for a connection supports() accepted",
                        type);
            }
            source.close(); // a source holds a socket or a thread: released as a session releases it
        } finally {
            closeConnection(connection);
        }
    }

    /**
     * @throws Exception when the provider cannot be made
     * @since 0.1.0
     */
    @Test
    @DisplayName("create() fails for an unsupported connection with an IllegalArgumentException naming its type")
    public void createFailsClearlyForAnUnsupportedConnection() throws Exception {
        RttSourceProvider provider = createProvider();
        Object other = unsupportedConnection();
        String type = other.getClass().getName();
        try {
            provider.create(other);
        } catch (IllegalArgumentException expected) {
            if (expected.getMessage() == null || !expected.getMessage().contains(type)) {
                fail("create(%s) threw IllegalArgumentException(\"%s\"): name the connection's type %s in the"
                        + " message", type, expected.getMessage(), type);
            }
            return;
        } catch (RuntimeException other2) {
            throw new AssertionError("create(" + type + ") of a connection supports() refused threw " + other2
                    + ": throw IllegalArgumentException naming its type", other2);
        }
        fail("create(%s) of a connection supports() refused returned: throw IllegalArgumentException naming its type",
                type);
    }

    /**
     * Override with {@code @Disabled("why")} for a provider that is not registered (e.g. one made only for a
     * test).
     *
     * @throws Exception when the provider cannot be made
     * @since 0.1.0
     */
    @Test
    @DisplayName("ServiceLoader finds the provider on the module path and on the class path")
    public void discoverableByServiceLoader() throws Exception {
        PluginDiscovery.assertDiscoverable(RttSourceProvider.class, createProvider().getClass());
    }
}
