package io.peerpulse.session.internal;

import io.peerpulse.session.spi.SessionExporterProvider;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Pattern;

/** Finds exporter providers and selects them by name. */
public final class Providers {

    private static final System.Logger LOG = System.getLogger(Providers.class.getName());
    /** Lower-case letters, digits, {@code -} and {@code _}, as for RTT source providers. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    private Providers() {
    }

    /**
     * The providers {@link ServiceLoader} finds on the module path and class path; one that cannot
     * be loaded is logged and left out.
     *
     * @return the providers in discovery order
     */
    public static List<SessionExporterProvider> discover() {
        List<SessionExporterProvider> found = new ArrayList<>();
        Iterator<SessionExporterProvider> iterator = ServiceLoader.load(SessionExporterProvider.class).iterator();
        while (true) {
            try {
                if (!iterator.hasNext()) {
                    break;
                }
                found.add(iterator.next());
            } catch (ServiceConfigurationError e) {
                LOG.log(Level.WARNING, "a SessionExporterProvider could not be loaded and is left out", e);
            }
        }
        return found;
    }

    /**
     * Checks the providers' names and selects the named ones.
     *
     * @param providers the providers available
     * @param names     the names asked for, in the order wanted; {@code null} for every provider
     * @return the selected providers by name, in order
     * @throws IllegalStateException    when a provider's name is invalid or two providers share a name
     * @throws IllegalArgumentException when a name asked for is blank, unknown or asked for twice
     */
    public static Map<String, SessionExporterProvider> select(List<? extends SessionExporterProvider> providers,
                                                              List<String> names) {
        Map<String, SessionExporterProvider> byName = new LinkedHashMap<>();
        for (SessionExporterProvider provider : providers) {
            if (provider == null) {
                throw new IllegalArgumentException("exporterProviders must not contain null");
            }
            String name = provider.name();
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalStateException("SessionExporterProvider " + provider.getClass().getName()
                        + " has an invalid name '" + name + "': lower-case letters, digits, '-' and '_' only");
            }
            SessionExporterProvider previous = byName.putIfAbsent(name, provider);
            if (previous != null) {
                throw new IllegalStateException("two SessionExporterProviders are named '" + name + "': "
                        + previous.getClass().getName() + " and " + provider.getClass().getName());
            }
        }
        if (names == null) {
            return byName;
        }
        Map<String, SessionExporterProvider> selected = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("exporters must not contain a blank name, was "
                        + (name == null ? "null" : "'" + name + "'"));
            }
        }
        for (String name : names) {
            if (!seen.add(name)) {
                throw new IllegalArgumentException("exporters names '" + name + "' twice; known exporters: "
                        + known(byName));
            }
            SessionExporterProvider provider = byName.get(name);
            if (provider == null) {
                throw new IllegalArgumentException("exporters names an unknown exporter '" + name
                        + "'; known exporters: " + known(byName));
            }
            selected.put(name, provider);
        }
        return selected;
    }

    private static String known(Map<String, ?> byName) {
        return byName.isEmpty() ? "none (no SessionExporterProvider was found)" : String.join(", ", byName.keySet());
    }
}
