package io.peerpulse.session.core;

import static org.assertj.core.api.Assertions.assertThatCode;

import io.peerpulse.session.QualityThresholds;
import io.peerpulse.session.internal.SharedExecutor;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.TelemetryOptions;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The exporters of a recovered session run on the shared pool as a live session's do: behind their plugin's bulkhead. */
class ReplayExportersTest {

    /** A plugin whose exporters are stuck in {@code sessionStarted} until released. */
    private static SessionExporterProvider stuck(CountDownLatch release) {
        return new SessionExporterProvider() {
            @Override
            public String name() {
                return "stuck";
            }

            @Override
            public SessionExporter create(ExportSettings settings) {
                return new SessionExporter() {
                    @Override
                    public void sessionStarted(String sessionId) {
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }

                    @Override
                    public void sessionEnded(io.peerpulse.session.SessionReport report) {
                    }
                };
            }
        };
    }

    /**
     * An integrator recovering journals in a live server, with one exporter plugin stuck for good: the recoveries ran
     * their exporters on the shared pool directly, so 4 recoveries held all 4 threads of the pool and every other
     * plugin's call (of live sessions too) waited; the README promises one plugin at most half of them.
     */
    @Test
    void aStuckExporterOfRecoveriesHoldsAtMostHalfTheSharedPool() throws Exception {
        Field instance = SharedExecutor.class.getDeclaredField("instance");
        instance.setAccessible(true);
        Object pool = instance.get(null);
        String property = SharedExecutor.MAX_THREADS_PROPERTY;
        String before = System.getProperty(property);
        CountDownLatch release = new CountDownLatch(1);
        try {
            instance.set(null, null);
            System.setProperty(property, "4"); // a pool of 4 threads: one plugin holds at most 2
            SessionConfig config = new SessionConfig("recovered", null, TelemetryOptions.defaults(),
                    Duration.ofSeconds(10), QualityThresholds.DEFAULT, 3, Duration.ofSeconds(10));
            for (int i = 0; i < 4; i++) {
                SessionCore.forReplay(config, new SessionStart(0, 0, 0), Map.of(), List.of("stuck"),
                        List.of(stuck(release)));
            }
            CompletableFuture<Void> other = new CompletableFuture<>();
            SharedExecutor.forPlugin("other").execute(() -> other.complete(null));
            assertThatCode(() -> other.get(30, TimeUnit.SECONDS))
                    .as("another plugin's call runs beside the stuck recoveries").doesNotThrowAnyException();
        } finally {
            release.countDown();
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
            instance.set(null, pool);
        }
    }
}
