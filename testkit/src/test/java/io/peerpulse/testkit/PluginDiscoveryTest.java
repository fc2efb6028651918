package io.peerpulse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.spi.SessionExporterProvider;
import java.lang.module.ModuleDescriptor;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PluginDiscoveryTest {

    private static final String SERVICE = "io.peerpulse.telemetry.spi.RttSourceProvider";
    private static final String PROVIDER = "com.acme.rtt.AcmeProvider";

    private static ModuleDescriptor module(boolean provides) {
        ModuleDescriptor.Builder builder = ModuleDescriptor.newModule("com.acme.rtt").packages(Set.of("com.acme.rtt"));
        if (provides) {
            builder.provides(SERVICE, List.of(PROVIDER));
        }
        return builder.build();
    }

    @Test
    void aProviderDeclaredForBothPathsHasNoProblem() {
        assertThat(PluginDiscovery.problems(SERVICE, PROVIDER, Optional.of(module(true)),
                Optional.of(List.of("# Acme", PROVIDER + "  # the provider")))).isEmpty();
        assertThat(PluginDiscovery.problems(SERVICE, PROVIDER, Optional.empty(), Optional.of(List.of(PROVIDER))))
                .as("a class-path-only jar has no descriptor to check").isEmpty();
    }

    @Test
    void eachMissingDeclarationIsNamedWithItsFix() {
        assertThat(PluginDiscovery.problems(SERVICE, PROVIDER, Optional.of(module(false)), Optional.of(List.of(PROVIDER))))
                .singleElement().asString().contains("module com.acme.rtt does not declare 'provides " + SERVICE
                        + " with " + PROVIDER + ";'", "module path");
        assertThat(PluginDiscovery.problems(SERVICE, PROVIDER, Optional.of(module(true)), Optional.empty()))
                .singleElement().asString().contains("no META-INF/services/" + SERVICE, "class path");
        assertThat(PluginDiscovery.problems(SERVICE, PROVIDER, Optional.of(module(true)),
                Optional.of(List.of("com.acme.rtt.Other")))).singleElement().asString()
                .contains("does not list " + PROVIDER);
    }

    @Test
    void aProviderServiceLoaderDoesNotFindFailsListingWhatItFinds() {
        assertThatThrownBy(() -> PluginDiscovery.assertLoaded(ServiceLoader.load(SessionExporterProvider.class),
                SessionExporterProvider.class, RecordingProvider.class))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("does not find " + RecordingProvider.class.getName())
                .hasMessageContaining("module path");
    }

    @Test
    void onTheClassPathTheProvidersOwnServicesFileCountsNotAnotherJarsBeforeIt(@org.junit.jupiter.api.io.TempDir
                                                                              java.nio.file.Path dir) throws Exception {
        // another plugin's jar, first on the class path, registers its own provider of the same service
        java.nio.file.Path other = dir.resolve("other-plugin");
        java.nio.file.Path services = other.resolve("META-INF/services/" + SessionExporterProvider.class.getName());
        java.nio.file.Files.createDirectories(services.getParent());
        java.nio.file.Files.writeString(services, "com.other.OtherExporterProvider\n");
        try (var otherJar = new java.net.URLClassLoader(new java.net.URL[] {other.toUri().toURL()},
                PluginDiscoveryTest.class.getClassLoader());
             var classPath = io.peerpulse.telemetry.fixtures.UnloadableProvider.of(SessionExporterProvider.class,
                     RecordingProvider.class, java.nio.file.Files.createDirectory(dir.resolve("acme-plugin")), otherJar)) {
            Class<? extends SessionExporterProvider> provider = Class.forName(RecordingProvider.class.getName(), false,
                    classPath).asSubclass(SessionExporterProvider.class);
            assertThat(provider.getModule().isNamed()).as("on the class path").isFalse();

            assertThatCode(() -> PluginDiscovery.assertDeclared(SessionExporterProvider.class, provider))
                    .doesNotThrowAnyException();
        }
    }

    /** Another plugin's services file names a class that is not there: our provider is still looked for. */
    @Test
    void aBrokenEntryOfAnotherPluginIsNamedNotThrownAndTheSearchGoesOn(@org.junit.jupiter.api.io.TempDir
                                                                      java.nio.file.Path dir) throws Exception {
        java.nio.file.Path services = dir.resolve("META-INF/services/" + SessionExporterProvider.class.getName());
        java.nio.file.Files.createDirectories(services.getParent());
        java.nio.file.Files.writeString(services, "com.other.MissingExporterProvider\n");
        try (var broken = new java.net.URLClassLoader(new java.net.URL[] {dir.toUri().toURL()},
                PluginDiscoveryTest.class.getClassLoader())) {
            assertThatThrownBy(() -> PluginDiscovery.assertLoaded(ServiceLoader.load(SessionExporterProvider.class,
                    broken), SessionExporterProvider.class, RecordingProvider.class))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("does not find " + RecordingProvider.class.getName())
                    .hasMessageContaining("could not load: ")
                    .hasMessageContaining("com.other.MissingExporterProvider");
        }
    }

    /** Not registered anywhere. */
    static final class RecordingProvider implements SessionExporterProvider {
        @Override
        public String name() {
            return "recording";
        }

        @Override
        public io.peerpulse.session.spi.SessionExporter create(io.peerpulse.session.spi.ExportSettings settings) {
            return report -> { };
        }
    }
}
