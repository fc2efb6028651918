package io.peerpulse.session.internal;

import org.jspecify.annotations.Nullable;

import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.shared.Plugins;

import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/** Finds exporter providers, selects them by name and checks the setting keys given against theirs. */
public final class Providers {

    /** The exporter runtime's logger, under which a session's exporter problems are logged too. */
    private static final System.Logger LOG = System.getLogger(ExporterFanOut.class.getName());

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
    private static String howToAdd(String name) {
        return "An exporter is found by ServiceLoader: add the artifact that provides it"
                + (OWN.contains(name) ? " (io.peerpulse:export-" + name + ")" : "") + " to the class or module path;"
                + " in a shaded or assembled jar, merge the META-INF/services files of all jars (maven-shade-plugin's"
                + " ServicesResourceTransformer), or only one exporter is found";
    }

    /**
     * @param name a name
     * @return whether it is the name of one of PeerPulse's own exporters
     */
    private static boolean isOwn(String name) {
        return OWN.contains(name);
    }

    /**
     * Refuses a {@code peerpulse.*} session setting that nothing reads, and logs such a system property, by the
     * rule of game-session's README ("Writing an exporter"). One of PeerPulse's own providers, from its own module,
     * that declares no key reads none (the {@code jfr} exporter); another that declares none leaves its prefix open.
     *
     * @param givenKeys        the keys of the session's settings
     * @param available        the providers found
     * @param systemProperties the names of the system properties
     * @throws IllegalArgumentException naming the key and why, with the closest known key when it is a typo
     */
    static void checkKeys(java.util.Collection<String> givenKeys, List<? extends SessionExporterProvider> available,
                          java.util.Collection<String> systemProperties) {
        Set<String> known = new java.util.TreeSet<>(SESSION_KEYS);
        Set<String> openPrefixes = new HashSet<>();
        Set<String> readingNone = new HashSet<>();
        Set<String> names = new java.util.LinkedHashSet<>();
        for (SessionExporterProvider provider : available) {
            String name;
            try {
                name = provider.name();
            } catch (RuntimeException broken) {
                continue; // a broken plugin without a name (the catalog logs it): no prefix is its own
            }
            names.add(name);
            Set<String> keys;
            try {
                keys = provider.settingKeys();
            } catch (RuntimeException broken) {
                keys = Set.of(); // a broken plugin: its prefix stays unchecked
            }
            if ((keys == null || keys.isEmpty()) && isOwn(name)
                    && provider.getClass().getPackageName().startsWith("io.peerpulse.export." + name)) {
                // one of ours, from its own module (not an application's wrapper of it), declaring no key reads
                // none: any key of it is a mistake
                readingNone.add(name);
            } else if (keys == null || keys.isEmpty()) {
                openPrefixes.add("peerpulse.export." + name + ".");
            } else {
                known.addAll(keys);
            }
        }
        for (String key : givenKeys) {
            String problem = problem(key, known, openPrefixes, readingNone, names);
            if (problem != null) {
                throw new IllegalArgumentException("exportSetting '" + key + "' " + problem);
            }
        }
        for (String property : systemProperties) {
            String plain = property.strip().toLowerCase(java.util.Locale.ROOT);
            if (givenKeys.contains(property) || property.equals(SharedExecutor.MAX_THREADS_PROPERTY)
                    || SESSION_NAMESPACES.stream().noneMatch(plain::startsWith)) {
                continue;
            }
            String problem = problem(property, known, openPrefixes, readingNone, names);
            if (problem != null && WARNED_PROPERTIES.add(property)) {
                LOG.log(Level.WARNING, "system property '" + property + "' " + problem + "; it is ignored");
            }
        }
    }

    /** @return what is wrong with a {@code peerpulse.*} key, after "the key", or {@code null} when nothing is */
    private static @Nullable String problem(String key, Set<String> known, Set<String> openPrefixes,
                                            Set<String> readingNone, Set<String> names) {
        // "PeerPulse.export…" or " peerpulse.export…" is a mistyped key of ours, not another namespace
        String plain = key.strip().toLowerCase(java.util.Locale.ROOT);
        if (!plain.startsWith("peerpulse.") || known.contains(key)
                || openPrefixes.stream().anyMatch(key::startsWith)) {
            return null;
        }
        if (key.equals(SharedExecutor.MAX_THREADS_PROPERTY)) {
            return "is a system property, read once for the whole JVM when the shared pool is first used, not a"
                    + " session setting: give it to java as -D" + key + "=…";
        }
        String exporter = key.startsWith(EXPORT_PREFIX) && key.indexOf('.', EXPORT_PREFIX.length()) > 0
                ? key.substring(EXPORT_PREFIX.length(), key.indexOf('.', EXPORT_PREFIX.length())) : null;
        if (exporter != null && readingNone.contains(exporter)) {
            return "is read by no exporter found and not by the session: the " + exporter + " exporter reads no setting";
        }
        if (exporter != null && !names.contains(exporter) && isOwn(exporter)) {
            // not a typo: that exporter is missing, and a key of another is no answer
            return "is for the " + exporter + " exporter, which was not found (exporters found: "
                    + (names.isEmpty() ? "none" : String.join(", ", names)) + "). " + howToAdd(exporter);
        }
        String closest = null;
        int best = Integer.MAX_VALUE;
        for (String candidate : known) {
            // an abbreviation ("…json.dir") means the key it starts, before any nearer by letters ("…jsonl.file")
            int distance = candidate.startsWith(plain) ? -1 : distance(plain, candidate);
            if (distance < best) {
                best = distance;
                closest = candidate;
            }
        }
        return "is read by no exporter found and not by the session"
                + (closest == null ? "" : "; did you mean '" + closest + "'?")
                + " (known keys: " + String.join(", ", known) + ")";
    }

    /** The namespaces of the session's own system properties, checked for mistypes (others are other code's). */
    private static final List<String> SESSION_NAMESPACES = List.of("peerpulse.export.", "peerpulse.journal.",
            "peerpulse.session.");

    /** The system properties already logged as mistyped: each once for the JVM. */
    private static final Set<String> WARNED_PROPERTIES = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final String EXPORT_PREFIX = "peerpulse.export.";

    /** The session's own keys: the journal's. */
    private static final Set<String> SESSION_KEYS = Set.of(
            io.peerpulse.session.core.EventLogProvider.DIRECTORY_SETTING,
            io.peerpulse.session.core.EventLogProvider.FSYNC_SETTING);

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String known(Plugins.Catalog<?> catalog) {
        return catalog.names().isEmpty() ? Plugins.known(Map.of(), KIND) : String.join(", ", catalog.names());
    }
}
