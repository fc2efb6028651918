package io.peerpulse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
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
