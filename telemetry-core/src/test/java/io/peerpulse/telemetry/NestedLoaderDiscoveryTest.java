package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.telemetry.spi.RttSourceProvider;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * PeerPulse and a plugin defined by a loader of their own, as a nested-jar launcher (Spring Boot's), a web app or
 * an application server loads them, while the calling thread's context class loader is not that loader: discovery
 * still finds the plugin.
 */
class NestedLoaderDiscoveryTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    /** The plugin in the nested loader. */
    public static final class NestedProvider implements RttSourceProvider {
        public NestedProvider() {
        }

        @Override
        public String name() {
            return "nested";
        }

        @Override
        public boolean supports(Object connection) {
            return true;
        }

        @Override
        public RttSource create(Object connection) {
            return () -> CompletableFuture.completedFuture(RttReading.stale());
        }
    }

    /** telemetry-core, {@link NestedProvider} and a services file naming it. */
    private static URLClassLoader app(String name, Path services) throws Exception {
        Path file = services.resolve("META-INF/services/" + RttSourceProvider.class.getName());
        Files.createDirectories(file.getParent());
        Files.createDirectories(services.resolve(NestedProvider.class.getPackageName().replace('.', '/')));
        Files.writeString(file, NestedProvider.class.getName() + "\n");
        // the plugin's class file beside it: on the module path the test classes are patched into the module
        String classFile = NestedProvider.class.getName().replace('.', '/') + ".class";
        try (InputStream bytes = NestedProvider.class.getResourceAsStream("/" + classFile)) {
            Files.copy(bytes, services.resolve(classFile));
        }
        List<URL> urls = new ArrayList<>();
        urls.add(RttSources.class.getProtectionDomain().getCodeSource().getLocation());
        urls.add(services.toUri().toURL());
        // over the boot loader: the platform loader would hand io.peerpulse.* to this module when on the module path
        return new URLClassLoader(name, urls.toArray(URL[]::new), null);
    }

    /** The names of {@code RttSources.providers()} as the nested copy of PeerPulse finds them, on this thread. */
    private static List<String> providersIn(ClassLoader app, ClassLoader context) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(context);
        try {
            List<?> providers = (List<?>) Class.forName(RttSources.class.getName(), true, app)
                    .getMethod("providers").invoke(null);
            Class<?> service = Class.forName(RttSourceProvider.class.getName(), false, app);
            List<String> names = new ArrayList<>();
            for (Object provider : providers) {
                names.add((String) service.getMethod("name").invoke(provider));
            }
            return names;
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    @Test
    void aContextLoaderThatIsNullOrCannotSeePeerPulseStillFindsThePlugin(@TempDir Path dir) throws Exception {
        try (URLClassLoader app = app("app", dir)) {
            assertThat(providersIn(app, app)).containsExactly("nested");
            // a thread of the common ForkJoinPool or of a container: the system loader, which holds another copy
            assertThat(providersIn(app, ClassLoader.getSystemClassLoader())).containsExactly("nested");
            assertThat(providersIn(app, null)).containsExactly("nested");
            assertThat(providersIn(app, ClassLoader.getPlatformClassLoader())).containsExactly("nested");
        }
    }

    @Test
    void anotherAppsContextLoaderYieldsNoForeignProviders(@TempDir Path dir) throws Exception {
        // a thread handed over from another web app: the same jars in another loader, whose classes are "not a subtype"
        try (URLClassLoader app = app("app", dir.resolve("a")); URLClassLoader other = app("other", dir.resolve("b"))) {
            assertThat(providersIn(app, other)).containsExactly("nested");
        }
        assertThat(log.warnings()).isEmpty();
    }
}
