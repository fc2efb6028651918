package io.peerpulse.telemetry.internal;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The rules every PeerPulse plugin point shares: discovery that survives a broken provider, and
 * unique lower-case names. Used for RTT sources here and for session exporters in
 * {@code io.peerpulse.session}; a module with its own plugin point may use it too.
 *
 * @since 0.1.0
 */
public final class Plugins {

    /** A valid provider name: lower-case letters, digits, {@code -} and {@code _}, not starting with a sign. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    private static final System.Logger LOG = System.getLogger(Plugins.class.getName());

    private Plugins() {
    }

    /**
     * Every provider the loader finds. One that cannot be loaded ({@link ServiceConfigurationError})
     * is logged and left out; the others still load. The loader is made by the caller, because
     * {@link ServiceLoader#load(Class)} requires the calling module to declare {@code uses}.
     *
     * @param loader the caller's loader
     * @param <P>    the provider type
     * @return the providers, in discovery order
     */
    public static <P> List<P> loadAll(ServiceLoader<P> loader) {
        List<P> found = new ArrayList<>();
        Iterator<P> iterator = loader.iterator();
        while (true) {
            try {
                if (!iterator.hasNext()) {
                    return found;
                }
                found.add(iterator.next());
            } catch (ServiceConfigurationError e) {
                LOG.log(Level.WARNING, "a provider could not be loaded and is left out", e);
            }
        }
    }

    /**
     * The providers by name, after checking every name.
     *
     * @param providers the providers
     * @param name      how to get a provider's name
     * @param kind      what they are, for messages, e.g. {@code "RttSourceProvider"}
     * @param <P>       the provider type
     * @return the providers by name, in the given order
     * @throws IllegalArgumentException when the list holds {@code null}
     * @throws IllegalStateException    when a name is not valid, quoting it, or two providers share a name
     */
    public static <P> Map<String, P> byName(List<? extends P> providers, Function<? super P, String> name, String kind) {
        Map<String, P> byName = new LinkedHashMap<>();
        for (P provider : providers) {
            if (provider == null) {
                throw new IllegalArgumentException(kind + "s must not contain null");
            }
            String providerName = name.apply(provider);
            if (providerName == null || !NAME.matcher(providerName).matches()) {
                throw new IllegalStateException(kind + " " + provider.getClass().getName() + " has an invalid name '"
                        + providerName + "': lower-case letters, digits, '-' and '_' only");
            }
            P previous = byName.putIfAbsent(providerName, provider);
            if (previous != null) {
                throw new IllegalStateException("two " + kind + "s are named '" + providerName + "': "
                        + previous.getClass().getName() + " and " + provider.getClass().getName());
            }
        }
        return byName;
    }

    /**
     * The names for an error message.
     *
     * @param byName providers by name
     * @param kind   what they are
     * @return e.g. {@code json, csv}, or a sentence saying none was found
     */
    public static String known(Map<String, ?> byName, String kind) {
        Objects.requireNonNull(byName, "byName");
        return byName.isEmpty() ? "none (no " + kind + " was found)" : String.join(", ", byName.keySet());
    }
}
