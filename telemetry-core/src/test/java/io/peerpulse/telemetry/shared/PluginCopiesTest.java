package io.peerpulse.telemetry.shared;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.UnloadableProvider;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.telemetry.spi.RttSourceProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two versions of one plugin's jar on the class path: {@code ServiceLoader} loads its provider class once, from the
 * first, and says nothing. Discovery names both places.
 */
class PluginCopiesTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    /** The plugin, in two "jars" (directories) of the class path. */
    public static final class TwiceProvider implements RttSourceProvider {
        public TwiceProvider() {
        }

        @Override
        public String name() {
            return "twice";
        }

        @Override
        public boolean supports(Object connection) {
            return false;
        }

        @Override
        public RttSource create(Object connection) {
            return () -> CompletableFuture.completedFuture(RttReading.stale());
        }
    }

    @Test
    void aProviderClassInTwoPlacesOfTheClassPathIsLoggedNamingBoth(@TempDir Path dir) throws Exception {
        Path older = dir.resolve("acme-rtt-1.0");
        Path newer = dir.resolve("acme-rtt-2.0");
        // a class path of two copies, each with its services file; the later one defines the class
        try (UnloadableProvider first = UnloadableProvider.of(RttSourceProvider.class, TwiceProvider.class, older);
             UnloadableProvider both = UnloadableProvider.of(RttSourceProvider.class, TwiceProvider.class, newer, first)) {
            for (int i = 0; i < 2; i++) { // every session build discovers again: one line, not one each
                List<RttSourceProvider> found = Plugins.loadAll(ServiceLoader.load(RttSourceProvider.class, both));
                assertThat(found).singleElement().extracting(RttSourceProvider::name).isEqualTo("twice");
            }
        }
        assertThat(log.warnings(Plugins.class)).singleElement().asString()
                .contains("provider " + TwiceProvider.class.getName() + " is on the class path ",
                        // (and in the test classes, whose loader is the fixture's parent)
                        older.toUri().toURL() + " and " + newer.toUri().toURL(), "only the first is used", "keep one");
    }
}
