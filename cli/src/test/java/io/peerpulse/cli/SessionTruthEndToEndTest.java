package io.peerpulse.cli;

import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.ClockStep;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.journal.SessionJournal;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session's own files hold when the world misbehaves: the wall clock steps (NTP) and callers race. The
 * JSON export reads back, {@code peerpulse report} renders it, and a recovery from the journal equals the
 * live report field by field.
 */
class SessionTruthEndToEndTest {

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private void advanceMs(long ms) {
        scheduler.advance(Duration.ofMillis(ms));
    }

    @Test
    void aSteppingWallClockLeavesFilesThatReadBackRenderAndRecoverAsLive() throws Exception {
        Path exports = dir.resolve("exports");
        Path journals = dir.resolve("journals");
        GameSession session = GameSession.builder("ntp-steps").playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).build())
                .exporters("json").exportSetting(SessionReportJson.DIRECTORY_SETTING, exports.toString())
                .journalDirectory(journals).build();
        session.onDataChannelOpen(new ScriptedRttSource().thenMeasured(40).thenMeasured(42).thenStale()
                .orElse(RttReading.measured(41)));
        advanceMs(2_000);
        session.beginRound(1);
        advanceMs(1_500);
        scheduler.stepWallClock(Duration.ofSeconds(-5));     // back 5 s mid-round
        advanceMs(2_500);
        session.endRound();
        advanceMs(1_000);
        scheduler.stepWallClock(Duration.ofSeconds(-5));     // back 5 s mid-session
        session.onDataChannelClose("peer left");
        advanceMs(2_000);
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(43)));
        advanceMs(2_000);
        scheduler.stepWallClock(Duration.ofDays(400));       // forward 400 days
        session.beginRound(2);
        advanceMs(3_000);
        session.close();
        SessionReport live = session.exportReport();

        assertThat(live.validationData().clock().clockSteps()).extracting(ClockStep::stepMs)
                .containsExactly(-5_000L, -5_000L, Duration.ofDays(400).toMillis());
        assertThat(live.sessionMetrics().durationMs()).isEqualTo(14_000);
        Path json;
        try (Stream<Path> files = Files.list(exports)) {
            json = files.filter(f -> f.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        assertThat(SessionReportJson.read(json)).isEqualTo(live);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(Main.run(new String[] {"report", json.toString()}, new PrintWriter(out, true),
                new PrintWriter(err, true))).as("stderr %s", err).isZero();

        SessionJournal.Recovery recovery = SessionJournal.recover(session.journalPath().orElseThrow());
        assertThat(recovery.problems()).isEmpty();
        assertThat(recovery.report()).isEqualTo(live);
    }

    @Test
    void aThousandRacingSessionsAllWriteReportsThatReadBack() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<String> refused = new ArrayList<>();
        try {
            for (int i = 0; i < 1_000; i++) {
                GameSession session = GameSession.builder("race-" + i).exporters()
                        .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO)
                                .pollInterval(Duration.ofMillis(1)).build()).build();
                ScriptedRttSource source = ScriptedRttSource.repeating(RttReading.measured(20));
                session.onDataChannelOpen(source);
                CountDownLatch go = new CountDownLatch(1);
                List<Runnable> calls = List.of(
                        () -> { session.beginRound(1); session.endRound(); },
                        () -> { session.endRound(); session.beginRound(2); },
                        () -> { session.onDataChannelClose("left"); session.onDataChannelOpen(source); },
                        session::close,
                        () -> { session.exportReport(); session.close(); },
                        () -> session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(30))));
                List<Future<?>> done = new ArrayList<>();
                for (Runnable call : calls) {
                    done.add(pool.submit(() -> {
                        go.await();
                        try {
                            call.run();
                        } catch (IllegalStateException closed) {
                            // refused after close(): the race's other outcome
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
                try {
                    // the reader refuses a negative duration: what racing callers made before events were
                    // stamped under the core's lock (a round of -3 ms, a disconnection of -36 ms)
                    assertThat(SessionReportJson.fromJson(SessionReportJson.toJson(report))).isEqualTo(report);
                    assertThat(report.multiplayerMetrics().rounds()).allSatisfy(r -> assertThat(r.endEpochMs()).isNotNull());
                } catch (RuntimeException | AssertionError e) {
                    refused.add(session.sessionId() + ": " + e.getMessage());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(refused).isEmpty();
    }
}
