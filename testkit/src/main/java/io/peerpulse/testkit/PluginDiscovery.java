package io.peerpulse.testkit;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.module.ModuleDescriptor;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/**
 * Checks that a plugin is found by {@link ServiceLoader} on the module path and on the class path. Call it
 * from one of your tests:
 *
 * <pre>{@code
 * @Test
 * void isDiscoverable() {
 *     PluginDiscovery.assertDiscoverable(RttSourceProvider.class, MyRttSourceProvider.class);
 * }
 * }</pre>
 *
 * <p>It checks both registrations whatever path the test runs on — the {@code provides … with …} of the
 * provider's {@code module-info.java} (when its module is named) and the
 * {@code META-INF/services/<service>} file next to it — and that {@code ServiceLoader.load(service)} on the
 * path the test runs on finds the provider. To prove the loading on both paths, run the test twice with
 * Maven Surefire: once as usual (a modular project runs on the module path) and once in a second execution
 * with {@code <useModulePath>false</useModulePath>}.
 *
 * @since 0.1.0
 */
public final class PluginDiscovery {

    private PluginDiscovery() {
    }

    /**
     * Fails unless the provider is declared for both paths and found by {@code ServiceLoader} here.
     *
     * @param service  the service type, e.g. {@code RttSourceProvider.class}; the testkit's module declares
     *                 {@code uses} for PeerPulse's two plugin points
     * @param provider the plugin's provider class
     * @param <S>      the service type
     * @since 0.1.0
     */
    public static <S> void assertDiscoverable(Class<S> service, Class<? extends S> provider) {
        assertDeclared(service, provider);
        assertLoaded(ServiceLoader.load(service), service, provider);
    }

    /**
     * Fails unless the provider is declared for both paths: in its module's descriptor (when named) and in
     * {@code META-INF/services/<service>}.
     *
     * @param service  the service type
     * @param provider the plugin's provider class
     * @param <S>      the service type
     * @since 0.1.0
     */
    public static <S> void assertDeclared(Class<S> service, Class<? extends S> provider) {
        Module module = provider.getModule();
        List<String> problems = problems(service.getName(), provider.getName(),
                module.isNamed() ? Optional.of(module.getDescriptor()) : Optional.empty(), servicesFile(service, provider));
        if (!problems.isEmpty()) {
            fail(String.join("; ", problems));
        }
    }

    /** What is missing, for a provider in a module with the given descriptor and services file lines. */
    static List<String> problems(String service, String provider, Optional<ModuleDescriptor> descriptor,
                                 Optional<List<String>> servicesFile) {
        List<String> problems = new ArrayList<>();
        descriptor.ifPresent(d -> {
            boolean provided = d.provides().stream().anyMatch(p -> p.service().equals(service)
                    && p.providers().contains(provider));
            if (!provided) {
                problems.add("module " + d.name() + " does not declare 'provides " + service + " with " + provider
                        + ";' in its module-info.java: on the module path ServiceLoader will not find it");
            }
        });
        if (servicesFile.isEmpty()) {
            problems.add("there is no META-INF/services/" + service + " next to " + provider
                    + ": on the class path ServiceLoader will not find it; add that file with the line " + provider);
        } else if (servicesFile.get().stream().map(PluginDiscovery::stripComment).noneMatch(provider::equals)) {
            problems.add("META-INF/services/" + service + " does not list " + provider
                    + ": on the class path ServiceLoader will not find it; add the line " + provider);
        }
        return problems;
    }

    static <S> void assertLoaded(ServiceLoader<S> loader, Class<S> service, Class<? extends S> provider) {
        List<String> found = new ArrayList<>();
        List<String> broken = new ArrayList<>(); // another plugin's services file may list a class that is missing
        java.util.Iterator<ServiceLoader.Provider<S>> candidates = loader.stream().iterator();
        while (broken.size() < 100) {
            ServiceLoader.Provider<S> candidate;
            try {
                if (!candidates.hasNext()) {
                    break;
                }
                candidate = candidates.next();
            } catch (java.util.ServiceConfigurationError e) {
                broken.add(e.getMessage()); // ServiceLoader goes on with the next one
                continue;
            }
            found.add(candidate.type().getName());
            if (candidate.type() == provider) {
                return;
            }
        }
        fail("ServiceLoader.load(%s) on the %s does not find %s; it finds %s%s", service.getName(),
                provider.getModule().isNamed() ? "module path" : "class path", provider.getName(),
                found.isEmpty() ? "no provider" : String.join(", ", found),
                broken.isEmpty() ? "" : "; and could not load: " + String.join("; ", broken));
    }

    private static String stripComment(String line) {
        int hash = line.indexOf('#');
        return (hash >= 0 ? line.substring(0, hash) : line).strip();
    }

    private static Optional<List<String>> servicesFile(Class<?> service, Class<?> provider) {
        String name = "META-INF/services/" + service.getName();
        try (InputStream in = provider.getModule().isNamed() ? provider.getModule().getResourceAsStream(name)
                : openNextTo(provider, name)) {
            if (in == null) {
                return Optional.empty();
            }
            return Optional.of(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
        } catch (IOException e) {
            return fail("cannot read " + name + " of " + provider.getName(), e);
        }
    }

    /**
     * The resource of that name in the provider's own jar or directory, {@code null} when it has none. On the class
     * path every jar may hold a services file of the same service, and {@code getResource} answers the first found:
     * another plugin's, when its jar comes first.
     */
    private static @Nullable InputStream openNextTo(Class<?> provider, String name) throws IOException {
        ClassLoader loader = provider.getClassLoader();
        if (loader == null) {
            return null;
        }
        java.security.CodeSource source = provider.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return loader.getResourceAsStream(name); // where it came from is not known: the first found
        }
        String location = source.getLocation().toString();
        String root = location.endsWith("/") ? location : "jar:" + location + "!/";
        for (URL file : Collections.list(loader.getResources(name))) {
            if (file.toString().equals(root + name)) {
                return file.openStream();
            }
        }
        return null;
    }
}
