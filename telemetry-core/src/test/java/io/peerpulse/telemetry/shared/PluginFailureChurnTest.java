package io.peerpulse.telemetry.shared;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.UnloadableProvider;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.telemetry.spi.RttSourceProvider;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server builds sessions for weeks, and every build loads the providers again: a provider that fails with a message
 * of its own each time (a time, an attempt number) must neither log one line per build nor be remembered once per
 * build.
 */
class PluginFailureChurnTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    /** Counts the attempts in a system property: the class is defined again by the fixture's loader. */
    static final String ATTEMPTS = "peerpulse.test.PluginFailureChurnTest.attempts";

    /** A plugin's provider whose constructor fails with a message that differs at each attempt. */
    public static final class ChangingFailureProvider implements RttSourceProvider {
        public ChangingFailureProvider() {
            int attempt = Integer.getInteger(ATTEMPTS, 0) + 1;
            System.setProperty(ATTEMPTS, Integer.toString(attempt));
            throw new IllegalStateException("licence server did not answer (attempt " + attempt + ")");
        }

        @Override
        public String name() {
            return "changing";
        }

        @Override
        public boolean supports(Object connection) {
            return false;
        }

        @Override
        public RttSource create(Object connection) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void aProviderFailingWithANewMessageAtEachLoadIsLoggedOnceAndRememberedOnce(@TempDir Path dir) throws Exception {
        int before = Plugins.loggedCount();
        try (UnloadableProvider classPath = UnloadableProvider.of(RttSourceProvider.class,
                ChangingFailureProvider.class, dir)) {
            for (int i = 0; i < 200; i++) { // one load per session build
                Plugins.Loaded<RttSourceProvider> loaded = Plugins.load(ServiceLoader.load(RttSourceProvider.class,
                        classPath));
                // each load still says what failed this time, with its own message
                assertThat(loaded.failures()).singleElement().asString()
                        .contains(ChangingFailureProvider.class.getName(), "attempt " + (i + 1) + ")");
            }
        } finally {
            System.clearProperty(ATTEMPTS);
        }
        assertThat(log.warnings(Plugins.class)).singleElement().asString()
                .contains("a provider could not be loaded and is left out", ChangingFailureProvider.class.getName(),
                        "attempt 1)");
        assertThat(Plugins.loggedCount() - before).isEqualTo(1);
    }

    @Test
    void aProviderWhoseNameFailsWithANewMessageAtEachCallIsLoggedOnceAndRememberedOnce() {
        int before = Plugins.loggedCount();
        AtomicInteger calls = new AtomicInteger();
        RttSourceProvider changing = new ChangingNameProvider(calls);
        for (int i = 0; i < 200; i++) { // one catalog per session build
            Plugins.Catalog<RttSourceProvider> catalog = Plugins.catalog(java.util.List.of(changing),
                    RttSourceProvider::name, "RttSourceProvider");
            assertThat(catalog.usable()).isEmpty();
        }
        assertThat(log.warnings(Plugins.class)).singleElement().asString()
                .contains(ChangingNameProvider.class.getName(), "failed in name()", "call 1)");
        assertThat(Plugins.loggedCount() - before).isEqualTo(1);
    }

    /** A provider whose {@code name()} fails with a message that differs at each call. */
    private static final class ChangingNameProvider implements RttSourceProvider {
        private final AtomicInteger calls;

        ChangingNameProvider(AtomicInteger calls) {
            this.calls = calls;
        }

        @Override
        public String name() {
            throw new IllegalStateException("registry not ready (call " + calls.incrementAndGet() + ")");
        }

        @Override
        public boolean supports(Object connection) {
            return false;
        }

        @Override
        public RttSource create(Object connection) {
            throw new UnsupportedOperationException();
        }
    }
}
