package io.peerpulse.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.RttPoller;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.Records;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Inputs that race the session's own decisions, interleaved deterministically in virtual time: the racing call
 * is made from a callback on the polling thread, at the exact point another thread could make it.
 */
class GameSessionRacesTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private GameSession.Builder builder() {
        return GameSession.builder("races-1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).build())
                .exporterProviders(List.of())
                .executor(Runnable::run);
    }

    /**
     * A fallback is decided under the core's lock, but the pollers were switched afterwards: a reconnection in
     * between was undone (its primary never polled, its second view stopped) while the report named it.
     */
    @Test
    void aReconnectionRightAfterAFallbackKeepsItsOwnSources() {
        GameSession session = builder().fallbackAfter(Duration.ofSeconds(3)).toleratedBadPolls(3).build();
        ScriptedRttSource newPrimary = ScriptedRttSource.repeating(RttReading.measured(20.0));
        ScriptedRttSource newSecondary = ScriptedRttSource.repeating(RttReading.measured(90.0));
        AtomicReference<QualityChange> reconnectedAt = new AtomicReference<>();
        // the primary's 4th bad poll (at 3 s) makes the quality LOST and the session fall back: a reconnection
        // arrives between that poll's apply and the switch of the pollers
        session.addQualityListener(change -> {
            if (change.current() == ConnectionQuality.LOST && reconnectedAt.compareAndSet(null, change)) {
                session.onDataChannelOpen(newPrimary, newSecondary);
            }
        });
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.unavailable("no answer")),
                ScriptedRttSource.repeating(RttReading.measured(40.0)));

        scheduler.advance(Duration.ofSeconds(6));

        assertThat(reconnectedAt.get()).isNotNull();
        ValidationData data = session.exportValidationData();
        assertThat(data.fallback()).isNotNull(); // decided, then superseded by the reconnection
        assertThat(newPrimary.readCount()).isGreaterThanOrEqualTo(3);
        assertThat(newSecondary.readCount()).isGreaterThanOrEqualTo(3);
        assertThat(data.latency().samples()).extracting(RttSample::rttMs).containsOnly(20.0);
        session.close();
    }

    /**
     * A poll whose hand-over was under way when {@code close()} stopped the poller reads the probe's statistics
     * after the end: that must be ignored like the poll itself, not thrown into the poller (which logs it).
     */
    @Test
    void aProbeReadByAPollThatRacedCloseIsIgnored() {
        GameSession session = builder().build();
        ClosingProbe probe = new ClosingProbe(session);
        session.onDataChannelOpen(probe);
        probe.closeOnNextRead = true;
        scheduler.advance(Duration.ofSeconds(1));

        assertThat(session.isClosed()).isTrue();
        assertThat(probe.closed).isTrue();
        assertThat(log.warnings(RttPoller.class)).isEmpty();
        assertThat(session.exportValidationData().probe().sentCount()).isEqualTo(probe.sent);
    }

    /** A probe whose statistics read, once armed, is where another thread's {@code close()} runs. */
    private static final class ClosingProbe implements ProbeStatsSource {
        private final GameSession session;
        private final RttSource script = ScriptedRttSource.repeating(RttReading.measured(10.0));
        boolean closeOnNextRead;
        boolean closed;
        long sent;

        ClosingProbe(GameSession session) {
            this.session = session;
        }

        @Override
        public CompletionStage<RttReading> read() {
            return script.read();
        }

        @Override
        public ProbeStats probeStats() {
            ProbeStats stats = Records.record(ProbeStats.class, "sentCount", ++sent, "answeredCount", sent);
            if (closeOnNextRead) {
                closeOnNextRead = false;
                session.close(); // reads the statistics once more, then ends the session
                closed = true;
            }
            return stats;
        }
    }

    /**
     * Two polls of the primary are handed on at once — a skipped poll on the polling thread, the read in flight on
     * the thread that answers it — and each reads the probe's statistics, then applies them: the one read first
     * but applied last made the session's statistics go back (a session then also forgets the loss it saw, taking
     * the smaller counts for a new probe). Ordered by latches and joins, not by timing.
     */
    @Test
    void probeStatisticsReadByRacingPollsNeverGoBack() throws Exception {
        GameSession session = builder().build();
        java.util.concurrent.CompletableFuture<RttReading> answer = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CountDownLatch readingFirst = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong(1);
        Thread answering = new Thread(() -> answer.complete(RttReading.measured(40.0)), "answering");
        ProbeStatsSource probe = new ProbeStatsSource() {
            @Override
            public CompletionStage<RttReading> read() {
                return answer;
            }

            @Override
            public ProbeStats probeStats() {
                ProbeStats now = stats(sent.get());
                if (Thread.currentThread() == answering) {
                    readingFirst.countDown();
                    await(release); // read first, applied after the other poll's
                }
                return now;
            }
        };
        session.onDataChannelOpen(probe);            // the first poll at 0 s: its read stays in flight
        scheduler.runDueTasks();
        answering.start();                           // answers it, reads {sent 1} and waits
        assertThat(readingFirst.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        sent.set(2);
        Thread skipping = new Thread(() -> scheduler.advance(Duration.ofSeconds(1)), "skipping");
        skipping.start();                            // the poll at 1 s is skipped; it may read {sent 2}
        skipping.join(10_000);
        assertThat(skipping.isAlive()).as("the skipped poll was handed on").isFalse();
        long before = sentCount(session);
        release.countDown();
        answering.join(10_000);
        assertThat(answering.isAlive()).as("the answered poll was handed on").isFalse();
        assertThat(sentCount(session)).as("sentCount after both polls, not below the %d seen between them", before)
                .isGreaterThanOrEqualTo(before);
        session.close();
        assertThat(session.exportValidationData().probe().sentCount()).as("close() reads them last").isEqualTo(2);
    }

    /**
     * The probe's statistics were read from the source named by a field read before the read, and applied without
     * asking whether that source was still the one polled: a read of the old probe that was under way when another
     * thread reconnected to a source that does not probe was applied after the reconnection, so the report kept the
     * replaced probe's statistics beside the new source's name (and its stale polls were judged as lost pings).
     * Ordered by latches, not by timing: the read after the first open runs on the session's executor (a thread of
     * the test's) and is held inside {@code probeStats()} while this thread reconnects.
     */
    @Test
    void probeStatisticsOfAProbeReplacedWhileTheyWereReadAreNotApplied() throws Exception {
        java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            GameSession session = builder().executor(executor).build();
            java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            RttSource script = ScriptedRttSource.repeating(RttReading.measured(40.0));
            ProbeStatsSource replaced = new ProbeStatsSource() {
                @Override
                public CompletionStage<RttReading> read() {
                    return script.read();
                }

                @Override
                public ProbeStats probeStats() {
                    reading.countDown();
                    await(release); // read before the reconnection, applied after it
                    return Records.record(ProbeStats.class, "sentCount", 7L, "answeredCount", 5L, "lostCount", 2L,
                            "lossRatio", 2 / 7.0);
                }
            };
            session.onDataChannelOpen(replaced);         // its statistics are read on the executor
            assertThat(reading.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(50.0))); // does not probe
            release.countDown();
            executor.submit(() -> { }).get(10, java.util.concurrent.TimeUnit.SECONDS); // the read has ended
            scheduler.advance(Duration.ofSeconds(1));

            ValidationData data = session.exportValidationData();
            assertThat(data.latencySource()).isEqualTo("unnamed");
            assertThat(data.probe()).as("the replaced probe's statistics").isNull();
            session.close();
            assertThat(session.exportValidationData().probe()).isNull();
        } finally {
            executor.shutdownNow();
        }
    }

    private static long sentCount(GameSession session) {
        ProbeStats probe = session.exportValidationData().probe();
        return probe == null ? 0 : probe.sentCount();
    }

    private static ProbeStats stats(long sent) {
        return Records.record(ProbeStats.class, "sentCount", sent);
    }

    private static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            if (!latch.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
