package io.peerpulse.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.shared.Plugins;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A game back end that loads PeerPulse and an exporter with a loader of its own (a nested-jar launcher such as
 * Spring Boot's, a web app) and builds its session on a thread whose context class loader is another: the common
 * {@code ForkJoinPool}'s (the system loader), none, or another web app's. The session still finds the exporter.
 */
class NestedLoaderExportersTest {

    /** The exporter in the nested loader. */
    public static final class NestedExporterProvider implements SessionExporterProvider {
        public NestedExporterProvider() {
        }

        @Override
        public String name() {
            return "nested";
        }

        @Override
        public SessionExporter create(ExportSettings settings) {
            return report -> { };
        }
    }

    /** game-session, telemetry-core, the exporter and a services file naming it; over the boot loader alone. */
    private static URLClassLoader app(String name, Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services/" + SessionExporterProvider.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(services, NestedExporterProvider.class.getName() + "\n");
        String classFile = NestedExporterProvider.class.getName().replace('.', '/') + ".class";
        Files.createDirectories(dir.resolve(classFile).getParent());
        try (InputStream bytes = NestedExporterProvider.class.getResourceAsStream("/" + classFile)) {
            Files.copy(bytes, dir.resolve(classFile)); // on the module path the test classes are patched into the module
        }
        URL[] urls = {GameSession.class.getProtectionDomain().getCodeSource().getLocation(),
                Plugins.class.getProtectionDomain().getCodeSource().getLocation(), dir.toUri().toURL()};
        return new URLClassLoader(name, urls, null); // not the platform loader: it hands io.peerpulse.* to the modules
    }

    /** The exporters a session of the nested copy of PeerPulse selects by default, built with that context loader. */
    @SuppressWarnings("unchecked")
    private static List<Object> exportersIn(ClassLoader app, ClassLoader context) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(context);
        try {
            Class<?> session = Class.forName(GameSession.class.getName(), true, app);
            Object builder = session.getMethod("builder", String.class).invoke(null, "nested-loader");
            builder = builder.getClass().getMethod("executor", Executor.class).invoke(builder, (Executor) Runnable::run);
            try (AutoCloseable built = (AutoCloseable) builder.getClass().getMethod("build").invoke(builder)) {
                return (List<Object>) session.getMethod("exporterNames").invoke(built);
            }
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    @Test
    void theSessionFindsTheExporterWhateverTheContextLoader(@TempDir Path dir) throws Exception {
        try (URLClassLoader app = app("app", dir.resolve("app")); URLClassLoader other = app("other", dir.resolve("other"))) {
            assertThat(exportersIn(app, app)).containsExactly("nested");
            assertThat(exportersIn(app, ClassLoader.getSystemClassLoader())).containsExactly("nested");
            assertThat(exportersIn(app, null)).containsExactly("nested");
            assertThat(exportersIn(app, other)).containsExactly("nested");
        }
    }
}
