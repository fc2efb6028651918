package io.peerpulse.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.telemetry.fixtures.ThrowingHandler;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link GameSession#close()} against the game's own misbehaving infrastructure: a log handler that throws, an
 * executor that throws from {@code execute}, a probe that throws an {@code Error}. Each time close() still returns
 * normally, runs the exporters' {@code sessionEnded} it can and closes every source (a {@code DataChannelProbe} left
 * open before its factory is disposed crashes the JVM). Polling in virtual time; waits bounded.
 */
class GameSessionCloseFaultsTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void cleanUp() throws InterruptedException {
        pool.shutdown();
        if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
            pool.shutdownNow();
        }
        scheduler.shutdownNow();
    }

    record Provider(String name, Supplier<SessionExporter> exporter) implements SessionExporterProvider {
        @Override
        public SessionExporter create(ExportSettings settings) {
            return exporter.get();
        }
    }

    /** Counts its sessionEnded calls. */
    static final class Ending implements SessionExporter {
        final AtomicInteger ended = new AtomicInteger();

        @Override
        public void sessionEnded(SessionReport report) {
            ended.incrementAndGet();
        }
    }

    /** A probe measuring 40 ms whose probeStats() answers nothing until {@link #failWith} is set, then throws it. */
    static class Probe implements ProbeStatsSource {
        private final ScriptedRttSource script = ScriptedRttSource.repeating(RttReading.measured(40.0));
        final AtomicInteger closed = new AtomicInteger();
        volatile RuntimeException failWith;
        volatile Error errorWith;

        @Override
        public CompletionStage<RttReading> read() {
            return script.read();
        }

        @Override
        public String name() {
            return "probe";
        }

        @Override
        public ProbeStats probeStats() {
            if (errorWith != null) {
                throw errorWith;
            }
            if (failWith != null) {
                throw failWith;
            }
            return null;
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    private GameSession.Builder builder(Executor executor, SessionExporterProvider... providers) {
        return GameSession.builder("close-faults")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).build())
                .exporterProviders(List.of(providers))
                .exporterTimeout(Duration.ofSeconds(5))
                .executor(executor);
    }

    /** A handler that throws on every record whose message contains {@code text}. */
    private static Handler throwingOn(String text) {
        return ThrowingHandler.whenMessageContains(text, new IllegalStateException("the log handler failed"));
    }

    /**
     * The last read of the probe's statistics at close() throws, and logging that throws too (a broken handler of the
     * game's): close() still ends the session, runs every exporter's sessionEnded and closes the probe. Old code let
     * the handler's exception out of close() before the session ended: no sessionEnded, the probe never closed.
     */
    @Test
    void aLoggerThatThrowsOnAFailingProbeReadAtCloseSkipsNothing() {
        Ending first = new Ending();
        Ending second = new Ending();
        GameSession session = builder(pool, new Provider("first", () -> first), new Provider("second", () -> second))
                .build();
        Probe probe = new Probe();
        session.onDataChannelOpen(probe);
        scheduler.advance(Duration.ofSeconds(3));
        int collected = session.exportValidationData().latency().samples().size();
        probe.failWith = new IllegalStateException("the peer connection is gone");
        Logger logger = Logger.getLogger(GameSession.class.getName());
        Handler throwing = throwingOn("failed in probeStats()");
        logger.addHandler(throwing);
        try {
            assertThatCode(session::close).as("old code: the handler's exception").doesNotThrowAnyException();
        } finally {
            logger.removeHandler(throwing);
        }
        assertThat(first.ended).as("first exporter's sessionEnded").hasValue(1);
        assertThat(second.ended).as("second exporter's sessionEnded").hasValue(1);
        assertThat(probe.closed).as("the probe, closed").hasValue(1);
        assertThat(session.exportValidationData().latency().samples()).as("the samples collected")
                .hasSize(collected).isNotEmpty();
    }

    /**
     * A probe's probeStats() that throws an Error (an {@code UnsatisfiedLinkError} or {@code NoClassDefFoundError} of
     * a native plugin) at close(): logged like an exception, and the session still ends and closes the probe, as a
     * source's close() or an exporter's call that throws an Error. Old code let the Error out of close() before the
     * session ended.
     */
    @Test
    void aProbeReadThatThrowsAnErrorAtCloseSkipsNothing() {
        Ending ending = new Ending();
        GameSession session = builder(pool, new Provider("ending", () -> ending)).build();
        Probe probe = new Probe();
        session.onDataChannelOpen(probe);
        scheduler.advance(Duration.ofSeconds(3));
        probe.errorWith = new NoClassDefFoundError("dev/onvoid/webrtc/RTCStatsReport");

        assertThatCode(session::close).as("old code: the probe's Error").doesNotThrowAnyException();

        assertThat(ending.ended).hasValue(1);
        assertThat(probe.closed).hasValue(1);
        assertThat(log.warnings()).anyMatch(w -> w.contains("failed in probeStats()"));
    }

    /**
     * The game's own executor throws from execute() at close() (a custom executor already shut down throws
     * IllegalStateException): the exporters' calls are lost (logged), and close() still returns normally and closes
     * the sources. Old code let the IllegalStateException out of close() after the session ended: the sources were
     * never closed.
     */
    @Test
    void aGameExecutorThatThrowsAtCloseStillLetsCloseCloseTheSources() {
        AtomicBoolean shutDown = new AtomicBoolean();
        java.util.Queue<Runnable> tasks = new java.util.ArrayDeque<>();
        Executor executor = task -> { // the game's: runs its tasks when the game says so, on the game's thread
            if (shutDown.get()) {
                throw new IllegalStateException("executor of the game is shut down");
            }
            tasks.add(task);
        };
        Ending ending = new Ending();
        GameSession session = builder(executor, new Provider("ending", () -> ending)).build();
        Probe probe = new Probe();
        session.onDataChannelOpen(probe);
        scheduler.advance(Duration.ofSeconds(3));
        for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
            task.run(); // every exporter call so far: the queues are idle, close() must start a drain
        }
        int collected = session.exportValidationData().latency().samples().size();
        shutDown.set(true);

        assertThatCode(session::close).as("old code: the executor's exception").doesNotThrowAnyException();

        assertThat(probe.closed).as("the probe, closed").hasValue(1);
        assertThat(ending.ended).as("its call lost: nothing can run it").hasValue(0);
        assertThat(log.warnings()).anyMatch(w -> w.contains("exporter 'ending' of session 'close-faults'")
                && w.contains("the executor rejected its tasks"));
        assertThat(session.exportValidationData().latency().samples()).as("the samples collected")
                .hasSize(collected).isNotEmpty();
    }

    /**
     * Two sources: the primary's close() throws and logging that throws too. The secondary is still closed. Old code
     * left the loop over the sources at the handler's exception: the secondary was never closed.
     */
    @Test
    void aLoggerThatThrowsOnAFailingSourceCloseLeavesNoOtherSourceOpen() {
        GameSession session = builder(pool).build();
        Probe primary = new Probe() {
            @Override
            public void close() {
                super.close();
                throw new IllegalStateException("already disposed");
            }
        };
        Probe secondary = new Probe() {
            @Override
            public String name() {
                return "ice";
            }
        };
        session.onDataChannelOpen(primary, secondary);
        scheduler.advance(Duration.ofSeconds(3));
        Logger logger = Logger.getLogger(GameSession.class.getName());
        Handler throwing = throwingOn("failed in close()");
        logger.addHandler(throwing);
        try {
            assertThatCode(session::close).doesNotThrowAnyException();
        } finally {
            logger.removeHandler(throwing);
        }
        assertThat(primary.closed).hasValue(1);
        assertThat(secondary.closed).as("the secondary (old code: never closed)").hasValue(1);
    }
}
