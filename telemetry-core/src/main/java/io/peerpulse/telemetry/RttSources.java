package io.peerpulse.telemetry;

import io.peerpulse.telemetry.internal.Plugins;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.telemetry.spi.RttSourceProvider;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * Finds the {@link RttSource} for a connection among the {@link RttSourceProvider}s on the module
 * path and class path.
 *
 * @since 0.1.0
 */
public final class RttSources {

    private static final System.Logger LOG = System.getLogger(RttSources.class.getName());
    private static final String KIND = "RttSourceProvider";

    private RttSources() {
    }

    /**
     * The providers found with {@link ServiceLoader}. A provider that cannot be loaded is logged
     * and left out; the others still load.
     *
     * @return the providers, in discovery order
     * @throws IllegalStateException when two providers have the same name, or a name is not valid
     */
    public static List<RttSourceProvider> providers() {
        List<RttSourceProvider> found = Plugins.loadAll(ServiceLoader.load(RttSourceProvider.class));
        Plugins.byName(found, RttSourceProvider::name, KIND);
        return List.copyOf(found);
    }

    /**
     * The source of the first provider found with {@link ServiceLoader} that supports the connection.
     *
     * @param connection a connection, e.g. a WebRTC peer connection
     * @return a new source reading that connection
     * @throws IllegalArgumentException naming the connection's class and the providers found, when
     *                                  none supports it
     */
    public static RttSource forConnection(Object connection) {
        return forConnection(connection, providers());
    }

    /**
     * The source of the first of the given providers that supports the connection. A provider whose
     * {@code supports} throws is logged and passed over.
     *
     * @param connection a connection
     * @param providers  the providers to ask, in order
     * @return a new source reading that connection
     * @throws IllegalArgumentException naming the connection's class and the providers, when none supports it
     * @throws IllegalStateException    when providers share a name, or the chosen provider makes no source
     */
    public static RttSource forConnection(Object connection, List<? extends RttSourceProvider> providers) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(providers, "providers");
        Map<String, ? extends RttSourceProvider> byName = Plugins.byName(providers, RttSourceProvider::name, KIND);
        for (RttSourceProvider provider : providers) {
            boolean supported;
            try {
                supported = provider.supports(connection);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "RttSourceProvider '" + provider.name() + "' failed in supports(); passed over", e);
                continue;
            }
            if (supported) {
                RttSource source = provider.create(connection);
                if (source == null) {
                    throw new IllegalStateException("RttSourceProvider '" + provider.name() + "' ("
                            + provider.getClass().getName() + ") returned no source for " + connection.getClass().getName());
                }
                return source;
            }
        }
        throw new IllegalArgumentException("no RttSourceProvider supports a connection of type "
                + connection.getClass().getName() + "; providers found: " + (byName.isEmpty() ? "none"
                : String.join(", ", byName.keySet())));
    }
}
