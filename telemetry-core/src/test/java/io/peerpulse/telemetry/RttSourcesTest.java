package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.shared.Plugins;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.telemetry.spi.RttSourceProvider;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RttSourcesTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private static final RttSource SOURCE = () -> CompletableFuture.completedFuture(RttReading.stale());

    record Provider(String name, Predicate<Object> supports, RttSource source) implements RttSourceProvider {
        @Override
        public boolean supports(Object connection) {
            return supports.test(connection);
        }

        @Override
        public RttSource create(Object connection) {
            return source;
        }
    }

    @Test
    void picksTheFirstProviderThatSupportsTheConnection() {
        RttSource other = () -> CompletableFuture.completedFuture(RttReading.unavailable("x"));
        List<Provider> providers = List.of(new Provider("numbers", c -> c instanceof Integer, other),
                new Provider("strings", c -> c instanceof String, SOURCE),
                new Provider("anything", c -> true, other));
        assertThat(RttSources.forConnection("a connection", providers)).isSameAs(SOURCE);
    }

    @Test
    void noSupportingProviderNamesTheConnectionTypeAndTheProviders() {
        List<Provider> providers = List.of(new Provider("numbers", c -> c instanceof Integer, SOURCE),
                new Provider("webrtc", c -> false, SOURCE));
        assertThatThrownBy(() -> RttSources.forConnection(new StringBuilder(), providers))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.StringBuilder")
                .hasMessageContaining("numbers, webrtc");
    }

    @Test
    void withNoProviderOnThePathTheMessageSaysNone() {
        assertThat(RttSources.providers()).isEmpty();
        assertThatThrownBy(() -> RttSources.forConnection(new Object()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.Object")
                .hasMessageEndingWith("providers found: none");
    }

    /** A plugin's provider that cannot be loaded: its constructor throws. */
    public static final class UnloadableProvider implements RttSourceProvider {
        public UnloadableProvider() {
            throw new IllegalStateException("acme licence file missing");
        }

        @Override
        public String name() {
            return "acme";
        }

        @Override
        public boolean supports(Object connection) {
            return true;
        }

        @Override
        public RttSource create(Object connection) {
            return SOURCE;
        }
    }

    @Test
    void noSupportingProviderAlsoNamesTheProvidersThatCouldNotBeLoadedAndWhy(@org.junit.jupiter.api.io.TempDir
                                                                              java.nio.file.Path dir) throws Exception {
        try (var classPath = io.peerpulse.telemetry.fixtures.UnloadableProvider.onThisThread(RttSourceProvider.class,
                UnloadableProvider.class, dir)) {
            // the one that would have supported it never loaded: "none supports" alone would send the reader astray
            assertThatThrownBy(() -> RttSources.forConnection(new StringBuilder()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("java.lang.StringBuilder")
                    .hasMessageContaining("providers found: none; 1 provider could not be loaded: ")
                    .hasMessageContaining(UnloadableProvider.class.getName())
                    .hasMessageContaining("acme licence file missing");
            assertThat(log.warnings()).anySatisfy(warning -> assertThat(warning)
                    .contains(UnloadableProvider.class.getName(), "acme licence file missing"));
        }
    }

    /** A plugin's provider that cannot be loaded, saying which server it could not reach. */
    public static final class UnreachableProvider implements RttSourceProvider {
        public UnreachableProvider() {
            throw new IllegalStateException("cannot resolve stun:198.51.100.8:3478");
        }

        @Override
        public String name() {
            return "unreachable";
        }

        @Override
        public boolean supports(Object connection) {
            return true;
        }

        @Override
        public RttSource create(Object connection) {
            return SOURCE;
        }
    }

    @Test
    void aProviderThatCouldNotBeLoadedIsNamedWithoutTheAddressItsErrorQuotes(@org.junit.jupiter.api.io.TempDir
                                                                             java.nio.file.Path dir) throws Exception {
        try (var classPath = io.peerpulse.telemetry.fixtures.UnloadableProvider.onThisThread(RttSourceProvider.class,
                UnreachableProvider.class, dir)) {
            assertThatThrownBy(() -> RttSources.forConnection(new StringBuilder())).satisfies(thrown -> assertThat(
                    thrown.getMessage()).contains(UnreachableProvider.class.getName(), "cannot resolve <redacted>")
                    .doesNotContain("198.51.100.8"));
            assertThat(log.records()).filteredOn(r -> r.getMessage().contains(UnreachableProvider.class.getName()))
                    .singleElement().satisfies(r -> {
                        java.io.StringWriter printed = new java.io.StringWriter();
                        printed.append(r.getMessage()).append('\n');
                        r.getThrown().printStackTrace(new java.io.PrintWriter(printed));
                        assertThat(printed.toString()).doesNotContain("198.51.100.8").contains("cannot resolve <redacted>");
                    });
        }
    }

    /** A provider whose name() throws: a broken plugin, which must not take the others with it. */
    private static RttSourceProvider nameThrows(boolean supports) {
        return new RttSourceProvider() {
            @Override
            public String name() {
                throw new IllegalStateException("acme config not read yet");
            }

            @Override
            public boolean supports(Object connection) {
                return supports;
            }

            @Override
            public RttSource create(Object connection) {
                return SOURCE;
            }
        };
    }

    @Test
    void aProviderWhoseNameThrowsIsPassedOverAndFailsOnlyWhereItWouldBeChosen() {
        RttSource other = () -> CompletableFuture.completedFuture(RttReading.unavailable("x"));
        RttSourceProvider refusing = nameThrows(false);
        assertThat(RttSources.forConnection("c", List.of(refusing, new Provider("good", c -> true, other))))
                .isSameAs(other);
        assertThat(log.warnings(Plugins.class)).anySatisfy(warning -> assertThat(warning)
                .contains(refusing.getClass().getName(), "failed in name()", "acme config not read yet", "left out"));
        RttSourceProvider supporting = nameThrows(true);
        assertThatThrownBy(() -> RttSources.forConnection("c", List.of(supporting, new Provider("good", c -> true, other))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(supporting.getClass().getName())
                .hasMessageContaining("failed in name(): java.lang.IllegalStateException: acme config not read yet");
    }

    @Test
    void duplicateAndInvalidNamesFailWhereTheProviderWouldBeChosen() {
        assertThatThrownBy(() -> RttSources.forConnection("c", List.of(new Provider("dup", c -> true, SOURCE),
                new Provider("dup", c -> true, SOURCE))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'dup'");
        assertThatThrownBy(() -> RttSources.forConnection("c", List.of(new Provider("WebRTC", c -> true, SOURCE))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'WebRTC'");
        assertThatThrownBy(() -> RttSources.forConnection("c", List.of(new Provider(null, c -> true, SOURCE))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("invalid name");
    }

    @Test
    void aProviderThatThrowsInSupportsIsPassedOver() {
        List<Provider> providers = List.of(new Provider("broken", c -> {
            throw new IllegalStateException("boom");
        }, SOURCE), new Provider("good", c -> true, SOURCE));
        assertThat(RttSources.forConnection("c", providers)).isSameAs(SOURCE);
    }

    @Test
    void aProviderThatMakesNoSourceIsNamed() {
        assertThatThrownBy(() -> RttSources.forConnection("c", List.of(new Provider("lazy", c -> true, null))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'lazy'");
    }

    @Test
    void nullArgumentsAreNamed() {
        assertThatThrownBy(() -> RttSources.forConnection(null, List.of()))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("connection");
        assertThatThrownBy(() -> RttSources.forConnection("c", null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("providers");
    }

    record Throwing(String name) implements RttSourceProvider {
        @Override
        public boolean supports(Object connection) {
            return true;
        }

        @Override
        public RttSource create(Object connection) {
            throw new IllegalStateException("cannot open");
        }
    }

    @Test
    void aProviderWhoseCreateThrowsIsNamedInAWarningAndTheNextSupportingProviderIsTried() {
        List<RttSourceProvider> providers = List.of(new Throwing("broken"),
                new Provider("numbers", c -> c instanceof Integer, null), new Provider("good", c -> true, SOURCE));
        assertThat(RttSources.forConnection("c", providers)).isSameAs(SOURCE);
        assertThat(log.warnings(RttSources.class)).singleElement().asString()
                .contains("'broken'", Throwing.class.getName(), "java.lang.String", "cannot open", "next provider");
    }

    @Test
    void whenEverySupportingProviderFailsTheErrorNamesEachAndWhy() {
        List<RttSourceProvider> providers = List.of(new Throwing("broken"), new Provider("lazy", c -> true, null));
        assertThatThrownBy(() -> RttSources.forConnection("c", providers))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'broken'").hasMessageContaining("cannot open")
                .hasMessageContaining("'lazy'").hasMessageContaining("returned no source")
                .hasRootCauseMessage("cannot open");
    }

    @Test
    void aDuplicateNameFailsOnlyWhereItWouldBeChosenAndIsLoggedOnce() {
        List<Provider> providers = List.of(new Provider("twin", c -> c instanceof Integer, SOURCE),
                new Provider("twin", c -> c instanceof Integer, SOURCE), new Provider("strings", c -> true, SOURCE));
        assertThat(RttSources.forConnection("a string", providers)).isSameAs(SOURCE);
        assertThat(RttSources.forConnection("again", providers)).isSameAs(SOURCE);
        assertThat(log.warnings(Plugins.class)).singleElement().asString().contains("'twin'", "left out");
        assertThatThrownBy(() -> RttSources.forConnection(42, providers))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'twin'")
                .hasMessageContaining("java.lang.Integer");
    }

    @Test
    void aProviderWhoseCreateQuotesAnAddressIsNamedWithoutIt() {
        RttSourceProvider turn = new RttSourceProvider() {
            @Override
            public String name() {
                return "turn";
            }

            @Override
            public boolean supports(Object connection) {
                return true;
            }

            @Override
            public RttSource create(Object connection) {
                throw new IllegalStateException("no answer from turn:[2001:db8::9]:3478?transport=udp",
                        new java.io.IOException("sendto 203.0.113.5:3478 failed"));
            }
        };
        assertThatThrownBy(() -> RttSources.forConnection("c", List.of(turn))).satisfies(thrown -> {
            java.io.StringWriter trace = new java.io.StringWriter();
            thrown.printStackTrace(new java.io.PrintWriter(trace));
            assertThat(trace.toString()).doesNotContain("2001:db8::9").doesNotContain("203.0.113.5")
                    .contains("'turn'", "no answer from <redacted>=udp", "sendto <redacted> failed");
        });
        assertThat(log.records()).singleElement().satisfies(record -> {
            java.io.StringWriter printed = new java.io.StringWriter();
            printed.append(record.getMessage());
            record.getThrown().printStackTrace(new java.io.PrintWriter(printed));
            assertThat(printed.toString()).doesNotContain("2001:db8::9").doesNotContain("203.0.113.5")
                    .contains("next provider", "sendto <redacted> failed");
        });
    }

    @Test
    void aProviderNamedAfterAnAddressOrWhoseNameThrowsWithOneIsNamedWithoutIt() {
        RttSourceProvider quoting = new RttSourceProvider() {
            @Override
            public String name() {
                throw new IllegalStateException("no config for turn:198.51.100.4:3478");
            }

            @Override
            public boolean supports(Object connection) {
                return true;
            }

            @Override
            public RttSource create(Object connection) {
                return SOURCE;
            }
        };
        List<String> seen = new java.util.ArrayList<>();
        java.util.function.Consumer<Throwable> print = thrown -> {
            java.io.StringWriter trace = new java.io.StringWriter();
            thrown.printStackTrace(new java.io.PrintWriter(trace));
            seen.add(trace.toString());
        };
        assertThatThrownBy(() -> RttSources.forConnection("c", List.of(quoting))).satisfies(print::accept);
        assertThatThrownBy(() -> RttSources.forConnection("c", List.of(new Provider("turn-198.51.100.5", c -> true,
                SOURCE)))).satisfies(print::accept);
        assertThatThrownBy(() -> RttSources.forConnection(7, List.of(new Provider("turn-198.51.100.6", c -> false,
                SOURCE)))).satisfies(print::accept);
        RttSources.forConnection("c", List.of(new Provider("turn-198.51.100.7", c -> {
            throw new IllegalStateException("supports() failed");
        }, SOURCE), new Provider("good", c -> true, SOURCE)));
        log.records().forEach(r -> {
            seen.add(r.getMessage());
            if (r.getThrown() != null) {
                print.accept(r.getThrown());
            }
        });
        assertThat(seen).hasSizeGreaterThanOrEqualTo(4).allSatisfy(text -> assertThat(text)
                .doesNotContain("198.51.100.4").doesNotContain("198.51.100.5").doesNotContain("198.51.100.6")
                .doesNotContain("198.51.100.7"));
        assertThat(String.join("\n", seen)).contains("failed in name()", "no config for <redacted>",
                "has an invalid name '<redacted>'", "providers found: <redacted>");
    }
}
