package io.peerpulse.session.internal;

import org.jspecify.annotations.Nullable;

import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.shared.Plugins;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/** Finds exporter providers and selects them by name. */
public final class Providers {

    private static final String KIND = "SessionExporterProvider";

    /** The names of PeerPulse's own exporters, each in the artifact {@code io.peerpulse:export-<name>}. */
    private static final Set<String> OWN = Set.of("json", "csv", "jsonl", "html", "micrometer", "jfr");

    private Providers() {
    }

    /**
     * @return the providers {@link ServiceLoader} finds through {@link Plugins#loaderFor}, in discovery order, and
     *         those that could not be loaded (logged, as {@link Plugins#load} does)
     */
    public static Plugins.Loaded<SessionExporterProvider> discover() {
        return Plugins.load(ServiceLoader.load(SessionExporterProvider.class,
                Plugins.loaderFor(SessionExporterProvider.class)));
    }

    /**
     * Selects providers by name, as {@code GameSession.Builder.build()} says: a provider whose name is invalid or
     * shared fails only when asked for by name, and the default selection logs and leaves it out.
     *
     * @param providers the providers available
     * @param names     the names asked for, in the order wanted; {@code null} for every provider
     * @param notLoaded the providers that could not be loaded, in words ({@link Plugins.Loaded#notLoaded()}), said
     *                  when a name asked for is unknown: it may be one of theirs; {@code ""} for none
     * @return the selected providers by name, in order
     * @throws IllegalStateException    when a name asked for is shared by two providers, quoting it
     * @throws IllegalArgumentException when a name asked for is blank, unknown or asked for twice
     */
    public static Map<String, SessionExporterProvider> select(List<? extends SessionExporterProvider> providers,
                                                              @Nullable List<String> names, String notLoaded) {
        Plugins.Catalog<SessionExporterProvider> catalog =
                Plugins.<SessionExporterProvider>catalog(providers, SessionExporterProvider::name, KIND);
        if (names == null) {
            return catalog.usable();
        }
        for (String name : names) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("exporters must not contain a blank name, was "
                        + (name == null ? "null" : "'" + name + "'"));
            }
        }
        Map<String, SessionExporterProvider> selected = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (!seen.add(name)) {
                throw new IllegalArgumentException("exporters names '" + name + "' twice; known exporters: "
                        + known(catalog));
            }
            SessionExporterProvider provider = catalog.require(name);
            if (provider == null) {
                throw new IllegalArgumentException("exporters names an unknown exporter '" + name + "'"
                        + misspelled(name, catalog.names()).orElse("; known exporters: " + known(catalog) + notLoaded
                        + ". " + howToAdd(name)));
            }
            selected.put(name, provider);
        }
        return selected;
    }

    /**
     * @param name  a name asked for and not found
     * @param found the names found
     * @return the hint, then the names found, when {@code name} is one of them in another case or with spaces, or
     *         several of them joined by commas: not a missing artifact
     */
    private static java.util.Optional<String> misspelled(String name, java.util.Collection<String> found) {
        String plain = name.strip().toLowerCase(java.util.Locale.ROOT);
        List<String> parts = java.util.Arrays.stream(plain.split(",", -1)).map(String::strip).toList();
        String hint;
        if (found.contains(plain)) {
            hint = "; did you mean '" + plain + "'? (names are lower-case, without spaces)";
        } else if (parts.size() > 1 && found.containsAll(parts)) {
            hint = ": give each name as its own argument, exporters(\"" + String.join("\", \"", parts) + "\")";
        } else {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(hint + "; known exporters: " + String.join(", ", found));
    }

    /**
     * @param name the name of an exporter not found
     * @return how to add it, for an error message: its artifact when it is one of PeerPulse's own, and what a
     *         shaded or assembled jar needs (the services files of every exporter merged)
     */
    static String howToAdd(String name) {
        return "An exporter is found by ServiceLoader: add the artifact that provides it"
                + (OWN.contains(name) ? " (io.peerpulse:export-" + name + ")" : "") + " to the class or module path;"
                + " in a shaded or assembled jar, merge the META-INF/services files of all jars (maven-shade-plugin's"
                + " ServicesResourceTransformer), or only one exporter is found";
    }

    /**
     * @param name a name
     * @return whether it is the name of one of PeerPulse's own exporters
     */
    static boolean isOwn(String name) {
        return OWN.contains(name);
    }

    private static String known(Plugins.Catalog<?> catalog) {
        return catalog.names().isEmpty() ? Plugins.known(Map.of(), KIND) : String.join(", ", catalog.names());
    }
}
