package io.peerpulse.session.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.GameSession;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many sessions with journals on the real writer pool and real files, each closed from several threads at once
 * while its own thread polls (virtual time) and begins and ends rounds: every close() that returns finds the
 * {@code end} line written, every journal has every seq in order, recovers to the live report field by field, and
 * no journal failure is counted; once every close() returned, no writer is still writing.
 */
class JournalRaceTest {

    private static final int THREADS = 6;
    private static final int SESSIONS = 1_000;
    private static final int CLOSERS = 3;
    private static final Pattern TYPE_SEQ = Pattern.compile("^\\{\"type\":\"(\\w+)\",\"seq\":(\\d+),");

    @TempDir
    Path dir;

    private final ExecutorService owners = Executors.newFixedThreadPool(THREADS);
    private final ExecutorService closers = Executors.newFixedThreadPool(CLOSERS * 2);

    @AfterEach
    void stop() throws InterruptedException {
        owners.shutdownNow();
        closers.shutdownNow();
        assertThat(owners.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(closers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void journalsClosedFromManyThreadsWhileTheirSessionsPollRecoverAsLive() throws Exception {
        ConcurrentLinkedQueue<GameSession> sessions = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> endMissing = new ConcurrentLinkedQueue<>();
        List<Future<?>> owned = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            owned.add(owners.submit(() -> {
                VirtualScheduler scheduler = new VirtualScheduler();
                try {
                    for (int i = thread; i < SESSIONS; i += THREADS) {
                        sessions.add(raceOne("race-" + i, scheduler, endMissing));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    scheduler.shutdownNow();
                }
                return null;
            }));
        }
        for (Future<?> f : owned) {
            f.get(300, TimeUnit.SECONDS);
        }

        assertThat(endMissing).as("close() returned before its end line was written").isEmpty();
        assertThat(sessions).hasSize(SESSIONS);
        // A writer counts its journal closed just before it leaves its task: nothing signals that moment, so the
        // threads are looked at, parked between looks, until none is in a writer (bounded: 10 s).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (writerRunning() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertThat(writerRunning()).as("a journal writer still writing after every close()").isFalse();
        for (GameSession session : sessions) {
            assertThat(session.journalFailureCount()).as(session.sessionId()).isZero();
            Path journal = session.journalPath().orElseThrow();
            List<String> lines = Journals.lines(journal);
            for (int seq = 0; seq < lines.size(); seq++) {
                Matcher m = TYPE_SEQ.matcher(lines.get(seq));
                assertThat(m.find()).as(journal + " line " + (seq + 1)).isTrue();
                assertThat(Long.parseLong(m.group(2))).as(journal + " line " + (seq + 1)).isEqualTo(seq);
                assertThat(m.group(1).equals("end")).as(journal + " line " + (seq + 1) + " is end")
                        .isEqualTo(seq == lines.size() - 1);
            }
            Journals.assertRecoversAsLive(journal, session.exportReport());
        }
    }

    private static boolean writerRunning() {
        return Thread.getAllStackTraces().values().stream()
                .anyMatch(stack -> List.of(stack).toString().contains("JournalWriter.drain"));
    }

    /** One session: polls and rounds on this thread, racing {@value #CLOSERS} close() calls from others. */
    private GameSession raceOne(String id, VirtualScheduler scheduler, ConcurrentLinkedQueue<String> endMissing)
            throws Exception {
        GameSession session = GameSession.builder(id).playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).pollInterval(Duration.ofMillis(100)).build())
                .exporterProviders(List.of()).executor(Runnable::run).journalDirectory(dir).build();
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40.25)));
        for (int round = 1; round <= 3; round++) {
            session.beginRound(round);
            scheduler.advance(Duration.ofMillis(300));
            session.endRound();
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> closes = new ArrayList<>();
        for (int c = 0; c < CLOSERS; c++) {
            closes.add(closers.submit(() -> {
                go.await();
                session.close();
                List<String> lines = Journals.lines(session.journalPath().orElseThrow());
                if (!lines.get(lines.size() - 1).startsWith("{\"type\":\"end\"")) {
                    endMissing.add(id + ": " + lines.get(lines.size() - 1));
                }
                return null;
            }));
        }
        go.countDown();
        for (int round = 4; round < 10; round++) { // a few, not until closed: a loop spinning that long outruns
            // the writer on a busy machine, and the lines beyond its bound are dropped (and counted), as designed
            try {
                session.beginRound(round);
                scheduler.advance(Duration.ofMillis(100));
                session.endRound();
            } catch (IllegalStateException closed) {
                break;
            }
        }
        for (Future<?> close : closes) {
            close.get(60, TimeUnit.SECONDS);
        }
        return session;
    }
}
