package io.peerpulse.session.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.journal.internal.JournalWriter;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A journal that cannot be written (a full disk, simulated by a sink that fails after writing part of
 * a line) never stops the session or its polling: failures are counted, the journal resumes on a fresh
 * line, and what was written is still recoverable; nor does an interrupted caller; a header that cannot be
 * written fails the build. Polls run in virtual time.
 */
class SessionJournalFailureTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** What a test sink does with the {@code n}th write (1-based) of a line to the real sink. */
    private interface Write {
        void write(JournalWriter.Sink real, ByteBuffer bytes, int n) throws IOException;
    }

    /** A sink whose writes go through {@code write}; forcing and closing reach the real one. */
    private static JournalWriter.SinkWrapper writes(Write write) {
        return real -> {
            int[] writes = {0};
            return new ForwardingSink(real) {
                @Override
                public void write(ByteBuffer bytes) throws IOException {
                    write.write(real, bytes, ++writes[0]);
                }
            };
        };
    }

    /** Fails writes number {@code from} to {@code to}, each after writing half of the line. */
    private static JournalWriter.SinkWrapper failing(int from, int to) {
        return writes((real, bytes, n) -> {
            if (n >= from && n <= to) {
                ByteBuffer half = bytes.duplicate();
                half.limit(half.position() + half.remaining() / 2);
                real.write(half);
                throw new IOException("No space left on device");
            }
            real.write(bytes);
        });
    }

    private GameSession.Builder builder(String id) {
        return GameSession.builder(id)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).build())
                .exporterProviders(List.of()).executor(Runnable::run).journalDirectory(dir);
    }

    @Test
    void aFailingJournalNeverStopsTheSessionAndResumesOnAFreshLine() throws IOException {
        GameSession session = builder("journal-failing")
                .exportAttribute(JournalWriter.SinkWrapper.class, failing(4, 6)).build();
        session.onDataChannelOpen(() -> CompletableFuture.completedStage(RttReading.measured(50)));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(9)); // 10 polls
        session.close();
        assertThat(log.warnings(JournalWriter.class)).as("three failures, logged once, the cause in words")
                .singleElement().asString().contains("journal-failing",
                        session.journalPath().orElseThrow() + ": no space left on device;");

        assertThat(session.exportReport().validationData().counters().measuredCount())
                .as("every poll recorded despite the journal").isEqualTo(10);
        assertThat(session.journalFailureCount()).isEqualTo(3);
        List<String> lines = Files.readAllLines(session.journalPath().orElseThrow(), StandardCharsets.UTF_8);
        assertThat(lines.get(lines.size() - 1)).startsWith("{\"type\":\"end\"");

        SessionJournal.Recovery recovery = SessionJournal.recover(session.journalPath().orElseThrow());
        assertThat(recovery.complete()).isTrue();
        assertThat(recovery.problems()).as("the three half lines, then the gap their seqs leave").hasSize(4);
        assertThat(recovery.problems().subList(0, 3)).allMatch(p -> p.contains("damaged (no crc member at its end)"));
        assertThat(recovery.damagedLineCount()).isEqualTo(3);
        assertThat(recovery.problems().get(3)).contains("seqs 3 to 5 (3 lines) are missing before it");
        assertThat(recovery.missingLineCount()).isEqualTo(3);
        assertThat(recovery.sampleCount()).as("10 polls, the 2nd to 4th not journaled").isEqualTo(7);
    }

    /**
     * A disk full for longer than the reorder window (each write failing whole, as ENOSPC does): the lines
     * written after it are still read, not taken for damage (seqs beyond the file's lines).
     */
    @Test
    void linesWrittenAfterMoreFailuresInARowThanTheReorderWindowAreRecovered() throws IOException {
        JournalWriter.SinkWrapper full = writes((real, bytes, n) -> {
            if (n >= 4 && n <= 603) {
                throw new IOException("No space left on device");
            }
            real.write(bytes);
        });
        GameSession session = builder("journal-full-long")
                .exportAttribute(JournalWriter.SinkWrapper.class, full).build();
        session.onDataChannelOpen(() -> CompletableFuture.completedStage(RttReading.measured(50)));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(609)); // 610 polls: the 2nd to 601st fail

        session.close();

        assertThat(session.journalFailureCount()).isEqualTo(600);
        SessionJournal.Recovery recovery = SessionJournal.recover(session.journalPath().orElseThrow());
        assertThat(recovery.missingLineCount()).isEqualTo(600);
        assertThat(recovery.sampleCount()).as("the first poll and the last 9, read after the gap").isEqualTo(10);
        assertThat(recovery.complete()).isTrue();
        assertThat(recovery.report().validationData().counters().measuredCount()).isEqualTo(10);
    }

    @Test
    void aJournalThatCannotBeClosedIsCountedToo() {
        JournalWriter.SinkWrapper unclosable = real -> new ForwardingSink(real) {
            @Override
            public void force() {
            }

            @Override
            public void close() throws IOException {
                real.close();
                throw new IOException("closing failed");
            }
        };
        GameSession session = builder("journal-unclosable")
                .exportAttribute(JournalWriter.SinkWrapper.class, unclosable).build();
        session.close();
        assertThat(session.isClosed()).isTrue();
        assertThat(session.journalFailureCount()).isEqualTo(1);
        assertThat(log.records()).filteredOn(r -> r.getMessage().contains("could not be closed")).singleElement()
                .satisfies(r -> assertThat(r.getMessage()).contains("journal-unclosable"))
                .satisfies(r -> assertThat(r.getThrown()).hasMessage("closing failed"));
    }

    @Test
    void anOutOfMemoryErrorWhileWritingTheJournalReachesThePollingThreadAndItsLineIsCounted() {
        OutOfMemoryError oom = new OutOfMemoryError("simulated");
        JournalWriter.SinkWrapper fatal = writes((real, bytes, n) -> {
            if (n == 3) { // header, open, then the first poll's line
                throw oom;
            }
            real.write(bytes);
        });
        GameSession session = builder("journal-fatal").exportAttribute(JournalWriter.SinkWrapper.class, fatal)
                .exportAttribute(JournalWriter.IoExecutor.class, Runnable::run).build(); // written on this thread
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        Thread thread = Thread.currentThread();
        Thread.UncaughtExceptionHandler previous = thread.getUncaughtExceptionHandler();
        thread.setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try {
            session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(20)));
            scheduler.runDueTasks();
        } finally {
            thread.setUncaughtExceptionHandler(previous);
        }

        assertThat(uncaught).containsExactly(oom);
        assertThat(session.journalFailureCount()).as("not swallowed as an I/O failure, but the line it took down"
                + " is counted: a recovery finds it missing").isOne();
        session.close();
    }

    /** Runs {@code call} with this thread's interrupt flag set; answers whether it was still set after (then clear). */
    private static boolean stillInterruptedAfter(Runnable call) {
        Thread.currentThread().interrupt();
        boolean set;
        try {
            call.run();
        } finally {
            set = Thread.interrupted();
        }
        return set;
    }

    @ParameterizedTest(name = "fsync {0}")
    @ValueSource(booleans = {false, true})
    void anInterruptedCallerLosesNoLineAndKeepsItsInterrupt(boolean fsync) throws IOException {
        GameSession session = builder("journal-interrupted").journalFsync(fsync).build();
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(30)));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(3));

        assertThat(stillInterruptedAfter(() -> session.beginRound(1))).as("the interrupt left set").isTrue();
        scheduler.advance(Duration.ofSeconds(3));
        session.endRound();
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(stillInterruptedAfter(session::close)).as("the interrupt left set by close()").isTrue();

        assertThat(session.journalFailureCount()).as("every line after the interrupted call written").isZero();
        assertThat(log.warnings(JournalWriter.class)).isEmpty();
        SessionReport live = session.exportReport();
        assertThat(live.sessionMetrics().latency().samples()).hasSize(9);
        assertThat(live.multiplayerMetrics().rounds()).hasSize(1);
        SessionJournal.Recovery recovery = Journals.assertRecoversAsLive(session.journalPath().orElseThrow(), live);
        assertThat(recovery.complete()).as("the interrupted close() wrote the end line").isTrue();
    }

    @Test
    void aJournalDirectoryThatCannotBeCreatedFailsTheBuildWithTheCauseInWords() throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("a-file"), "x");
        assertThatThrownBy(() -> builder("journal-nodir").journalDirectory(file.resolve("sub")).build())
                .isInstanceOf(UncheckedIOException.class)
                .hasMessage("session 'journal-nodir': cannot create journal directory "
                        + file.resolve("sub").toAbsolutePath() + ": not a directory");
    }

    @Test
    void aHeaderThatCannotBeWrittenFailsTheBuildNamingTheJournalAndTheCauseAndLeavesNoFile() {
        assertThatThrownBy(() -> builder("journal-headless")
                .exportAttribute(JournalWriter.SinkWrapper.class, failing(1, 1)).build())
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("session 'journal-headless'")
                .hasMessageContaining("cannot write the header of journal "
                        + dir.toAbsolutePath().resolve("journal-headless.journal.jsonl") + ": no space left on device");
        assertThat(dir).as("the half-written file deleted").isEmptyDirectory();
        assertThat(log.warnings(JournalWriter.class)).as("an error, not a logged write failure").isEmpty();
    }

    /**
     * A fatal error in the writer (an {@code OutOfMemoryError} in a write) reaches its thread, but the lines it
     * took down with it are counted, their seqs spent as empty lines, and the journal goes on: the recovery reports
     * as many lines missing as were counted. Before, the rest of the batch vanished uncounted (0 failures, 4 lines
     * missing) and its bytes stayed "behind" for good.
     */
    @Test
    void aFatalErrorInTheWriterLosesOnlyCountedLinesAndTheJournalGoesOn() throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        List<Throwable> fatal = new CopyOnWriteArrayList<>();
        CountDownLatch hold = new CountDownLatch(1);
        CountDownLatch fatalSeen = new CountDownLatch(1);
        try {
            writer.execute(() -> await(hold)); // the lines below queue up as one batch behind it
            GameSession session = builder("journal-fatal")
                    .exportAttribute(JournalWriter.IoExecutor.class, task -> writer.execute(() -> {
                        try {
                            task.run();
                        } catch (OutOfMemoryError e) {
                            fatal.add(e);
                            fatalSeen.countDown();
                        }
                    }))
                    .exportAttribute(JournalWriter.SinkWrapper.class, writes((real, bytes, n) -> {
                        if (n == 3) {
                            throw new OutOfMemoryError("Java heap space (test)");
                        }
                        real.write(bytes);
                    })).build();
            session.onDataChannelOpen(() -> CompletableFuture.completedStage(RttReading.measured(50)));
            scheduler.runDueTasks();
            scheduler.advance(Duration.ofSeconds(3)); // open and 4 polls in one batch: the first poll's write fails
            hold.countDown();
            // the batch is exactly those 5 lines: nothing more is applied until the error has ended its writer
            assertThat(fatalSeen.await(10, TimeUnit.SECONDS)).isTrue();
            session.beginRound(1);
            scheduler.advance(Duration.ofSeconds(2));
            session.close();

            assertThat(fatal).as("the error reached the writer's thread").hasSize(1);
            assertThat(session.journalFailureCount()).as("the failed line and the 3 after it in its batch")
                    .isEqualTo(4);
            SessionJournal.Recovery recovery = SessionJournal.recover(session.journalPath().orElseThrow());
            assertThat(recovery.missingLineCount()).isEqualTo(session.journalFailureCount());
            assertThat(recovery.damagedLineCount()).isZero();
            assertThat(recovery.complete()).as("the lines after them written, the end line too").isTrue();
        } finally {
            hold.countDown();
            writer.shutdownNow();
        }
    }

    /** A fatal error writing the end line: close() is not left waiting for a writer that died, the file closes. */
    @Test
    void aFatalErrorWritingTheEndLineClosesTheJournalWithoutAWait() throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        CountDownLatch sinkClosed = new CountDownLatch(1);
        try {
            GameSession session = builder("journal-fatal-end")
                    .exportAttribute(JournalWriter.IoExecutor.class, task -> writer.execute(() -> {
                        try {
                            task.run();
                        } catch (OutOfMemoryError e) {
                            // reaches the writer's thread: expected here
                        }
                    }))
                    .exportAttribute(JournalWriter.SinkWrapper.class, real -> new ForwardingSink(real) {
                        @Override
                        public void write(ByteBuffer bytes) throws IOException {
                            if (StandardCharsets.UTF_8.decode(bytes.duplicate()).toString().contains("\"end\"")) {
                                throw new OutOfMemoryError("Java heap space (test)");
                            }
                            real.write(bytes);
                        }

                        @Override
                        public void close() throws IOException {
                            real.close();
                            sinkClosed.countDown();
                        }
                    }).build();
            session.beginRound(1);
            session.close();

            assertThat(sinkClosed.getCount()).as("the journal closed when close() returned").isZero();
            assertThat(log.warnings(JournalWriter.class)).as("close() did not wait out its timeout").isEmpty();
            assertThat(session.journalFailureCount()).isOne();
            assertThat(SessionJournal.recover(session.journalPath().orElseThrow()).complete()).isFalse();
        } finally {
            writer.shutdownNow();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
