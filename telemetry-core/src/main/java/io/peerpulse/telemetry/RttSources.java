package io.peerpulse.telemetry;

import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.telemetry.spi.RttSourceProvider;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Finds the {@link RttSource} for a connection among the {@link RttSourceProvider}s on the module
 * path and class path.
 *
 * @since 0.1.0
 */
public final class RttSources {

    private static final System.Logger LOG = System.getLogger(RttSources.class.getName());
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

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
        List<RttSourceProvider> found = new ArrayList<>();
        Iterator<RttSourceProvider> iterator = ServiceLoader.load(RttSourceProvider.class).iterator();
        while (true) {
            try {
                if (!iterator.hasNext()) {
                    break;
                }
                found.add(iterator.next());
            } catch (ServiceConfigurationError e) {
                LOG.log(Level.WARNING, "an RttSourceProvider could not be loaded and is left out", e);
            }
        }
        checkNames(found);
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
        checkNames(providers);
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
        String names = providers.isEmpty() ? "none"
                : providers.stream().map(RttSourceProvider::name).collect(Collectors.joining(", "));
        throw new IllegalArgumentException("no RttSourceProvider supports a connection of type "
                + connection.getClass().getName() + "; providers found: " + names);
    }

    private static void checkNames(List<? extends RttSourceProvider> providers) {
        Map<String, RttSourceProvider> byName = new HashMap<>();
        for (RttSourceProvider provider : providers) {
            Objects.requireNonNull(provider, "providers must not contain null");
            String name = provider.name();
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalStateException("RttSourceProvider " + provider.getClass().getName()
                        + " has an invalid name '" + name + "': lower-case letters, digits, '-' and '_' only");
            }
            RttSourceProvider previous = byName.putIfAbsent(name, provider);
            if (previous != null) {
                throw new IllegalStateException("two RttSourceProviders are named '" + name + "': "
                        + previous.getClass().getName() + " and " + provider.getClass().getName());
            }
        }
    }
}
