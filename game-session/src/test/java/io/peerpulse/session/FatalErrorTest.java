package io.peerpulse.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link VirtualMachineError} is never logged and carried on with: one thrown by an exporter or a quality
 * listener leaves the session's executor task (reaching the thread), one thrown while writing the journal
 * reaches the polling thread's uncaught-exception handler and is not counted as a journal failure. Polls run
 * in virtual time on the test's thread.
 */
class FatalErrorTest {

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final List<Throwable> escaped = new CopyOnWriteArrayList<>();
    /** Runs session tasks at once and keeps what escapes them, as a pool thread's uncaught handler would. */
    private final Executor executor = task -> {
        try {
            task.run();
        } catch (Throwable t) {
            escaped.add(t);
        }
    };

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private GameSession.Builder builder(String id) {
        return GameSession.builder(id)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock()).build())
                .exporterProviders(List.of()).executor(executor);
    }

    private static SessionExporterProvider provider(SessionExporter exporter) {
        return new SessionExporterProvider() {
            @Override
            public String name() {
                return "fatal";
            }

            @Override
            public SessionExporter create(ExportSettings settings) {
                return exporter;
            }
        };
    }

    @Test
    void anExportersOutOfMemoryErrorLeavesTheExecutorTaskInsteadOfBeingLogged() {
        OutOfMemoryError oom = new OutOfMemoryError("simulated");
        GameSession session = builder("fatal-exporter").exporterProviders(List.of(provider(new SessionExporter() {
            @Override
            public void sampleRecorded(String sessionId, RttSample sample) {
                throw oom;
            }

            @Override
            public void sessionEnded(SessionReport report) {
            }
        }))).exporterTimeout(Duration.ofSeconds(1)).build();
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(20)));
        scheduler.runDueTasks();

        assertThat(escaped).containsExactly(oom);
        session.close();
    }

    @Test
    void aQualityListenersOutOfMemoryErrorLeavesTheExecutorTaskInsteadOfBeingLogged() {
        OutOfMemoryError oom = new OutOfMemoryError("simulated");
        GameSession session = builder("fatal-listener").build();
        session.addQualityListener(change -> {
            throw oom;
        });
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(20)));
        scheduler.runDueTasks();

        assertThat(escaped).containsExactly(oom);
        session.close();
    }
}
