package io.peerpulse.telemetry.shared;

import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
    /**
     * Name problems and load failures already logged, so that each is logged once per JVM: a failure by what does not
     * change from one attempt to the next (the provider, the type of what it threw), never by a plugin's message.
     */
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private Plugins() {
    }

    /**
     * The class loader to find the providers of {@code service} with: the thread's context class loader, as
     * {@link ServiceLoader#load(Class)} uses, when it sees this very {@code service} type; else the loader that
     * defined {@code service}. A context loader that is {@code null}, that cannot see PeerPulse (a thread of the
     * common {@code ForkJoinPool} or of a container, whose context loader is the system loader, under a nested-jar
     * launcher or in a web app) or that sees another copy of it (another web app's) finds no provider, or only
     * providers that are "not a subtype", though PeerPulse's own loader sees them.
     *
     * @param service the service type
     * @return the loader to pass to {@link ServiceLoader#load(Class, ClassLoader)}
     */
    public static @Nullable ClassLoader loaderFor(Class<?> service) {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
            try {
                if (Class.forName(service.getName(), false, context) == service) {
                    return context; // it may see more: providers in a child of PeerPulse's loader
                }
            } catch (ClassNotFoundException | LinkageError e) {
                // it cannot see the service: PeerPulse's own loader below
            }
        }
        return service.getClassLoader();
    }

    /**
     * Every provider the loader finds. One that cannot be loaded ({@link ServiceConfigurationError})
     * is logged (once per JVM for the same provider and type of cause, whatever its message: every session loads
     * its exporters) and left out; the
     * others still load. The loader is made by the caller, because
     * {@link ServiceLoader#load(Class)} requires the calling module to declare {@code uses}.
     *
     * @param loader the caller's loader
     * @param <P>    the provider type
     * @return the providers, in discovery order
     */
    public static <P> List<P> loadAll(ServiceLoader<P> loader) {
        return load(loader).providers();
    }

    /** @return how many failures and name problems are remembered as logged: for tests */
    static int loggedCount() {
        return LOGGED.size();
    }

    /**
     * Every provider the loader finds, as {@link #loadAll}, and what could not be loaded: a provider whose
     * constructor throws has no name to be asked for by, so an error about a name not found should say what
     * failed to load ({@link Loaded#notLoaded()}). A provider class found in several jars or directories of the
     * class path (two versions of one plugin) is logged once per JVM, naming each; the first is used.
     *
     * @param loader the caller's loader
     * @param <P>    the provider type
     * @return the providers, in discovery order, and the failures
     */
    public static <P> Loaded<P> load(ServiceLoader<P> loader) {
        List<P> found = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Iterator<P> iterator = loader.iterator();
        while (true) {
            try {
                if (!iterator.hasNext()) {
                    return new Loaded<>(List.copyOf(found), List.copyOf(failures));
                }
                P provider = iterator.next();
                found.add(provider);
                String copies = COPIES.get(provider.getClass());
                if (!copies.isEmpty() && LOGGED.add(copies)) {
                    LOG.log(Level.WARNING, copies);
                }
            } catch (ServiceConfigurationError e) {
                Throwable safe = Redaction.redactThrown(e); // a plugin's message may quote a server or a peer
                String failure = safe.getMessage() + (safe.getCause() == null ? "" : " (" + safe.getCause() + ")");
                failures.add(failure);
                // every session build loads the providers again: one line, not one each; keyed without the cause's
                // message, which may differ at each attempt (a time, a count), so that the set stays bounded
                String logged = safe.getMessage() + (e.getCause() == null ? "" : " " + e.getCause().getClass().getName());
                if (LOGGED.add(logged)) {
                    LOG.log(Level.WARNING, "a provider could not be loaded and is left out: " + failure, safe);
                }
            }
        }
    }

    /**
     * For a provider class on the class path: a warning naming every jar or directory that holds that class when
     * there are several, e.g. two versions of one plugin's jar; {@code ""} when one. {@code ServiceLoader} loads a
     * provider class once, from the first of them, whatever the others' versions: silently, without this. Once per
     * class: a {@link ClassValue} keeps it with the class, so it holds no class loader alive.
     */
    private static final ClassValue<String> COPIES = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            ClassLoader loader = type.getClassLoader();
            if (type.getModule().isNamed() || loader == null) {
                return ""; // on the module path one module of a name is read, the JVM sees to that
            }
            String file = type.getName().replace('.', '/') + ".class";
            java.util.Set<String> places = new java.util.LinkedHashSet<>(); // a parent may answer for its child
            try {
                for (java.net.URL url : java.util.Collections.list(loader.getResources(file))) {
                    String place = url.toString();
                    place = place.endsWith("!/" + file) ? place.substring(0, place.length() - file.length() - 2)
                            : place.endsWith("/" + file) ? place.substring(0, place.length() - file.length()) : place;
                    places.add(place.startsWith("jar:") ? place.substring(4) : place);
                }
            } catch (java.io.IOException | RuntimeException e) {
                return ""; // where it is cannot be told: no warning rather than a failed discovery
            }
            return places.size() < 2 ? "" : "provider " + type.getName() + " is on the class path " + places.size()
                    + " times, in " + String.join(" and ", places) + ": only the first is used (two versions of one"
                    + " plugin?); keep one";
        }
    };

    /**
     * What {@link #load} found.
     *
     * @param providers the providers loaded, in discovery order
     * @param failures  each provider that could not be loaded, in words: the service, its class and why
     * @param <P>       the provider type
     * @since 0.1.0
     */
    public record Loaded<P>(List<P> providers, List<String> failures) {

        /** @return {@code ""} when every provider loaded, else e.g. {@code "; 1 provider could not be loaded: …"} */
        public String notLoaded() {
            return failures.isEmpty() ? "" : "; " + failures.size() + (failures.size() == 1 ? " provider" : " providers")
                    + " could not be loaded: " + String.join("; ", failures);
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
                        + Redaction.redact(providerName) + "': lower-case letters, digits, '-' and '_' only");
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

    /**
     * The providers by name without failing: a name that is invalid or that several providers share
     * fails only where it is selected ({@link Catalog#require}); elsewhere it is logged once per JVM and
     * left out of {@link Catalog#usable()}. A provider whose {@code name()} throws has no name: it is logged
     * once per JVM, left out, and {@link Catalog#problemOf} says so.
     *
     * @param providers the providers
     * @param name      how to get a provider's name
     * @param kind      what they are, for messages
     * @param <P>       the provider type
     * @return the catalog
     * @throws IllegalArgumentException when the list holds {@code null}
     */
    public static <P> Catalog<P> catalog(List<? extends P> providers, Function<? super P, String> name, String kind) {
        Map<String, List<P>> all = new LinkedHashMap<>();
        Map<P, String> unnamed = new java.util.IdentityHashMap<>();
        for (P provider : providers) {
            if (provider == null) {
                throw new IllegalArgumentException(kind + "s must not contain null");
            }
            String providerName;
            try {
                providerName = name.apply(provider);
            } catch (RuntimeException e) {
                // one broken plugin must not take the others with it
                Throwable safe = Redaction.redactThrown(e); // a plugin's message may quote a server or a peer
                String problem = kind + " " + provider.getClass().getName() + " failed in name(): " + safe;
                unnamed.put(provider, problem);
                // keyed without the message, which may differ at each call: one line per provider class and fault
                if (LOGGED.add(kind + '\u0000' + provider.getClass().getName() + " name() " + e.getClass().getName())) {
                    LOG.log(System.Logger.Level.WARNING, problem + "; it is left out", safe);
                }
                continue;
            }
            all.computeIfAbsent(providerName == null ? "<null>" : providerName, k -> new ArrayList<>()).add(provider);
        }
        Catalog<P> catalog = new Catalog<>(kind, all, unnamed);
        all.forEach((providerName, group) -> catalog.problem(providerName).ifPresent(problem -> {
            if (LOGGED.add(kind + '\u0000' + problem)) {
                LOG.log(System.Logger.Level.WARNING, problem + "; it is left out unless selected by name, where it fails");
            }
        }));
        return catalog;
    }

    /**
     * Providers grouped by name, as {@link #catalog} found them.
     *
     * @param <P> the provider type
     * @since 0.1.0
     */
    public static final class Catalog<P> {
        private final String kind;
        private final Map<String, List<P>> all;
        /** Providers whose name() threw, with what it threw; in no group of {@link #all}. */
        private final Map<P, String> unnamed;

        private Catalog(String kind, Map<String, List<P>> all, Map<P, String> unnamed) {
            this.kind = kind;
            this.all = all;
            this.unnamed = unnamed;
        }

        /** @return the providers whose name is valid and unique, by name, in discovery order */
        public Map<String, P> usable() {
            Map<String, P> usable = new LinkedHashMap<>();
            all.forEach((name, group) -> {
                if (problem(name).isEmpty()) {
                    usable.put(name, group.get(0));
                }
            });
            return usable;
        }

        /** @return every name found, valid or not, in discovery order, for messages: by the text rule of {@link Redaction} */
        public java.util.Set<String> names() {
            java.util.Set<String> names = new java.util.LinkedHashSet<>();
            all.keySet().forEach(name -> names.add(Redaction.redact(name)));
            return names;
        }

        /**
         * @param name a name
         * @return the provider of that name, {@code null} when none has it
         * @throws IllegalStateException quoting the name when it is invalid or several providers share it
         */
        public @Nullable P require(String name) {
            List<P> group = all.get(name);
            if (group == null) {
                return null;
            }
            problem(name).ifPresent(problem -> {
                throw new IllegalStateException(problem);
            });
            return group.get(0);
        }

        /**
         * @param provider one of the providers
         * @return what is wrong with its name: invalid, shared, or {@code name()} threw; empty when nothing
         */
        public java.util.Optional<String> problemOf(P provider) {
            String noName = unnamed.get(provider);
            if (noName != null) {
                return java.util.Optional.of(noName);
            }
            for (Map.Entry<String, List<P>> entry : all.entrySet()) {
                if (entry.getValue().contains(provider)) {
                    return problem(entry.getKey());
                }
            }
            return java.util.Optional.empty();
        }

        java.util.Optional<String> problem(String name) {
            List<P> group = all.get(name);
            if (group == null) {
                return java.util.Optional.empty();
            }
            if (!NAME.matcher(name).matches()) {
                return java.util.Optional.of(kind + " " + group.get(0).getClass().getName() + " has an invalid name '"
                        + Redaction.redact(name) + "': lower-case letters, digits, '-' and '_' only");
            }
            if (group.size() > 1) {
                StringBuilder classes = new StringBuilder();
                for (P provider : group) {
                    classes.append(classes.length() == 0 ? "" : " and ").append(provider.getClass().getName());
                }
                return java.util.Optional.of((group.size() == 2 ? "two " : group.size() + " ") + kind + "s are named '" + name + "': " + classes);
            }
            return java.util.Optional.empty();
        }
    }
}
