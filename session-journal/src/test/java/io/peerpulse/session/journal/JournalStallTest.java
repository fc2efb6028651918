package io.peerpulse.session.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.journal.internal.JournalWriter;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.ThrowingHandler;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that stalls (a write that does not return: a frozen file system, a hung network disk) never holds the
 * game loop nor the polling: the journal's lines are written on the journal's own writer thread, in apply order;
 * a writer too far behind drops lines and counts them; {@code close()} waits for the journal at most its timeout.
 * The stall is a sink whose writes after the header wait on a latch; nothing sleeps.
 */
class JournalStallTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();
    /** The game loop's thread. */
    private final ExecutorService game = Executors.newSingleThreadExecutor();
    /** A write of the sink (after the header's) has started waiting. */
    private final CountDownLatch stalled = new CountDownLatch(1);
    /** Lets the sink's writes through. */
    private final CountDownLatch release = new CountDownLatch(1);
    /** The sink was closed. */
    private final CountDownLatch sinkClosed = new CountDownLatch(1);
    private final AtomicInteger writes = new AtomicInteger();

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        game.shutdownNow();
        scheduler.shutdownNow();
        assertThat(game.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Writes after the first (the header, written by {@code build()}) wait until {@link #release}. */
    private JournalWriter.SinkWrapper stalling() {
        return real -> new ForwardingSink(real) {
            @Override
            public void write(ByteBuffer bytes) throws IOException {
                if (writes.incrementAndGet() > 1) {
                    stalled.countDown();
                    try {
                        if (!release.await(30, TimeUnit.SECONDS)) {
                            throw new IOException("the test never released the stalled write");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted", e);
                    }
                }
                real.write(bytes);
            }

            @Override
            public void close() throws IOException {
                real.close();
                sinkClosed.countDown();
            }
        };
    }

    private GameSession.Builder builder(String id) {
        return GameSession.builder(id)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).build())
                .exporterProviders(List.of()).executor(Runnable::run).journalDirectory(dir)
                .exportAttribute(JournalWriter.SinkWrapper.class, stalling());
    }

    /** Runs {@code calls} on the game thread; fails when they do not return within 10 s. */
    private void onGameThread(Runnable calls) throws Exception {
        Future<?> done = game.submit(calls);
        done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void gameThreadCallsAndPollsReturnWhileTheJournalsWriteIsStuckAndTheLinesFollowInOrder() throws Exception {
        GameSession session = builder("journal-stalled").journalFsync(true).build();

        onGameThread(() -> {
            session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(42.5)));
            scheduler.runDueTasks();
            session.beginRound(1);
            scheduler.advance(Duration.ofSeconds(3));
            session.endRound();
            session.latest();
        });
        assertThat(stalled.await(10, TimeUnit.SECONDS)).as("the writer is stuck in a write").isTrue();
        assertThat(release.getCount()).as("still stuck when every call had returned").isOne();

        release.countDown();
        onGameThread(session::close);

        assertThat(session.journalFailureCount()).isZero();
        List<String> lines = Journals.lines(session.journalPath().orElseThrow());
        assertThat(lines).extracting(l -> l.replaceFirst("^\\{\"type\":\"(\\w+)\",\"seq\":(\\d+),.*", "$1 $2"))
                .containsExactly("header 0", "open 1", "poll 2", "roundBegin 3", "poll 4", "poll 5", "poll 6",
                        "roundEnd 7", "end 8");
        SessionReport live = session.exportReport();
        assertThat(live.sessionMetrics().latency().samples()).hasSize(4);
        Journals.assertRecoversAsLive(session.journalPath().orElseThrow(), live);
    }

    @Test
    void aWriterTooFarBehindDropsLinesCountsThemAndTheRecoveryReadsWhatFollowsTheGap() throws Exception {
        GameSession session = builder("journal-behind").build();
        int rounds = 20_000; // two lines each, about 130 bytes a line: beyond the writer's bound
        onGameThread(() -> {
            for (int round = 1; round <= rounds; round++) {
                session.beginRound(round);
                session.endRound();
            }
        });
        assertThat(stalled.await(10, TimeUnit.SECONDS)).isTrue();
        long dropped = session.journalFailureCount();
        assertThat(dropped).as("lines beyond the bound dropped and counted").isPositive().isLessThan(2L * rounds);
        awaitWarning();
        assertThat(log.warnings(JournalWriter.class)).as("said once").singleElement().asString()
                .contains("journal-behind", session.journalPath().orElseThrow().toString(),
                        "behind", "dropped", "counted");
        SessionReport live = session.exportReport();
        assertThat(live.multiplayerMetrics().rounds()).as("the live report keeps every round").hasSize(rounds);

        release.countDown();
        onGameThread(session::close);

        assertThat(session.journalFailureCount()).as("nothing lost after the stall").isEqualTo(dropped);
        SessionJournal.Recovery recovery = SessionJournal.recover(session.journalPath().orElseThrow());
        assertThat(recovery.missingLineCount()).as("every dropped line a missing seq").isEqualTo(dropped);
        assertThat(recovery.damagedLineCount()).as("the lines after the gap are read, not taken for damage")
                .isZero();
        assertThat(recovery.complete()).as("the end line, written after the gap, read").isTrue();
        assertThat(recovery.problems()).singleElement().asString()
                .contains("(" + dropped + " lines) are missing before it");
        assertThat(recovery.report().multiplayerMetrics().rounds().size())
                .as("the rounds whose lines were written").isPositive().isLessThan(rounds);
    }

    @Test
    void closeWithAStuckJournalReturnsWithinItsTimeoutAndSaysSo() throws Exception {
        GameSession session = builder("journal-stuck").exporterTimeout(Duration.ofMillis(300)).build();
        onGameThread(() -> session.beginRound(1));
        assertThat(stalled.await(10, TimeUnit.SECONDS)).isTrue();

        onGameThread(session::close);

        assertThat(session.isClosed()).isTrue();
        assertThat(session.exportReport().multiplayerMetrics().rounds()).hasSize(1);
        assertThat(log.warnings(JournalWriter.class)).singleElement().asString()
                .contains("journal-stuck", session.journalPath().orElseThrow().toString(), "2 lines",
                        "not written when close() stopped waiting (PT0.");
        release.countDown();
        assertThat(sinkClosed.await(10, TimeUnit.SECONDS)).as("written and closed once the write returns")
                .isTrue();
        assertThat(Journals.lines(session.journalPath().orElseThrow())).hasSize(3);
    }

    /**
     * The warning that the journal's lines were not written when close() stopped waiting is the last thing close()
     * does: a log handler that throws on it (a broken handler of the game's) must not make close() throw, as none of
     * close()'s other warnings does. Old code threw the handler's exception out of close().
     */
    @Test
    void closeWithAStuckJournalReturnsNormallyWhenLoggingItThrows() throws Exception {
        GameSession session = builder("journal-stuck-log").exporterTimeout(Duration.ofMillis(300)).build();
        onGameThread(() -> session.beginRound(1));
        assertThat(stalled.await(10, TimeUnit.SECONDS)).isTrue();
        Logger logger = Logger.getLogger(JournalWriter.class.getName());
        Handler throwing = ThrowingHandler.whenMessageContains("not written",
                new IllegalStateException("the log handler failed"));
        logger.addHandler(throwing);
        try {
            onGameThread(session::close); // old code: ExecutionException: IllegalStateException: the log handler failed
        } finally {
            logger.removeHandler(throwing);
        }

        assertThat(session.isClosed()).isTrue();
        release.countDown();
        assertThat(sinkClosed.await(10, TimeUnit.SECONDS)).as("written and closed once the write returns")
                .isTrue();
        assertThat(Journals.lines(session.journalPath().orElseThrow())).hasSize(3);
    }

    /**
     * The first drop's warning is logged off the game thread: a log handler that blocks (a log file on the same
     * stuck disk) holds a writer pool thread, never the session's caller. Before, the game thread logged it itself,
     * under the session core's lock, and stayed stuck in the handler with every other call of the session.
     */
    @Test
    void theFirstDropsWarningNeverHoldsTheGameThreadWhenTheLogBlocksToo() throws Exception {
        Logger logger = Logger.getLogger(JournalWriter.class.getName());
        CountDownLatch logBlocked = new CountDownLatch(1);
        Handler stuckLog = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage().contains("behind")) {
                    logBlocked.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(stuckLog);
        try {
            GameSession session = builder("journal-log-stuck").build();
            onGameThread(() -> {
                for (int round = 1; round <= 20_000; round++) { // beyond the writer's bound: lines dropped
                    session.beginRound(round);
                    session.endRound();
                }
            });
            assertThat(session.journalFailureCount()).isPositive();
            assertThat(logBlocked.await(10, TimeUnit.SECONDS)).as("the warning is being logged").isTrue();
            onGameThread(() -> session.beginRound(20_001));
            release.countDown();
            onGameThread(session::close);
            awaitWarning();
            assertThat(log.warnings(JournalWriter.class)).singleElement().asString().contains("journal-log-stuck",
                    "behind");
        } finally {
            logger.removeHandler(stuckLog);
        }
    }

    /**
     * Until the writer's pool has logged the first drop: nothing signals that moment, so the log is looked at,
     * parked between looks (bounded: 10 s).
     */
    private void awaitWarning() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (log.warnings(JournalWriter.class).isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
