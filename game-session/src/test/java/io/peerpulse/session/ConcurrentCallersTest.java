package io.peerpulse.session;

import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many threads call one session at once — a round begun on one and ended on another, the channel closed
 * and reopened, {@code close()} racing all of them — on the real clocks and the shared scheduler (polls
 * at once, racing too). Every final report must be one the exporters can write: no duration below zero,
 * every round ended, no event after the end.
 */
class ConcurrentCallersTest {

    private static final int SESSIONS = 1_000;
    private static final int THREADS = 6;

    @Test
    void aThousandSessionsDrivenFromSixThreadsWithRacingCloseAllEndWithValidReports() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<String> problems = new ArrayList<>();
        try {
            for (int i = 0; i < SESSIONS; i++) {
                GameSession session = GameSession.builder("race-" + i)
                        .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO)
                                .pollInterval(Duration.ofMillis(1)).build())
                        .exporterProviders(List.of()).build();
                ScriptedRttSource source = ScriptedRttSource.repeating(RttReading.measured(20));
                session.onDataChannelOpen(source);
                CountDownLatch go = new CountDownLatch(1);
                List<Runnable> calls = List.of(
                        () -> { session.beginRound(1); session.endRound(); session.beginRound(2); },
                        () -> { session.endRound(); session.beginRound(3); },
                        () -> { session.onDataChannelClose("peer left"); session.onDataChannelOpen(source); },
                        session::close,
                        () -> { session.exportReport(); session.close(); },
                        () -> { session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(30)));
                                session.onDataChannelClose("again"); });
                List<Future<?>> done = new ArrayList<>();
                for (Runnable call : calls) {
                    done.add(pool.submit(() -> {
                        go.await();
                        try {
                            call.run();
                        } catch (IllegalStateException closed) {
                            // a call after close() is refused: that is the race's other outcome
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> call : done) {
                    call.get(30, TimeUnit.SECONDS);
                }
                session.close();
                SessionReport report = session.exportReport();
                for (String negative : Durations.negative(report)) {
                    problems.add(session.sessionId() + " " + negative);
                }
                if (report.sessionMetrics().endEpochMs() == null
                        || report.multiplayerMetrics().rounds().stream().anyMatch(r -> r.endEpochMs() == null)) {
                    problems.add(session.sessionId() + " not ended: " + report.multiplayerMetrics().rounds());
                }
                assertThat(session.exportReport()).as("the final report never changes").isSameAs(report);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(problems).isEmpty();
    }
}
