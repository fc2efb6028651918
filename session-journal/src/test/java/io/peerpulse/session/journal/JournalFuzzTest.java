package io.peerpulse.session.journal;

import static io.peerpulse.telemetry.fixtures.Records.path;
import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single bit flips in a real journal: whatever one flip does to the recovered report, it is never silent.
 * Each of 3,000 flips (a seeded choice of byte and bit) is recovered; every recovery whose report differs
 * from the unflipped journal's reports a problem (or is refused as a whole, for a flip in the header).
 */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class JournalFuzzTest {

    private static final int FLIPS = 3_000;

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** About 50 events: opens, a close, a reconnection, rounds, path changes, every kind of poll outcome. */
    private Path journal() {
        GameSession session = GameSession.builder("fuzz").playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().scheduler(scheduler).clock(scheduler.clock())
                        .nanoClock(scheduler.nanoClock()).firstPollDelay(Duration.ZERO).maxSampleCount(20).build())
                .exporterProviders(List.of()).executor(Runnable::run).journalDirectory(dir).build();
        ScriptedRttSource first = new ScriptedRttSource().thenMeasured(40.25)
                .then(RttReading.measured(41, path("host", "srflx", "udp"))).thenStale()
                .thenUnavailable("x").thenMeasured(39.5).thenFail(new IOException("boom"))
                .orElse(RttReading.measured(Math.PI * 10));
        session.onDataChannelOpen(first);
        scheduler.runDueTasks();
        session.beginRound(1);
        scheduler.advance(Duration.ofSeconds(12));
        session.endRound();
        session.onDataChannelClose("peer left");
        scheduler.advance(Duration.ofSeconds(2));
        session.onDataChannelOpen(first);
        session.beginRound(2);
        scheduler.advance(Duration.ofSeconds(10));
        session.onDataChannelOpen(new ScriptedRttSource().thenMeasured(60)
                .then(RttReading.measured(61, path("relay", "relay", "tcp"))).orElse(RttReading.measured(62)));
        scheduler.advance(Duration.ofSeconds(10));
        session.close();
        return session.journalPath().orElseThrow();
    }

    @Test
    void everyBitFlipThatChangesTheReportIsReported() throws IOException {
        Path journal = journal();
        byte[] original = Files.readAllBytes(journal);
        List<String> lines = Journals.lines(journal);
        assertThat(lines).hasSizeBetween(40, 60);
        SessionJournal.Recovery unflipped = SessionJournal.recover(journal);
        assertThat(unflipped.problems()).isEmpty();
        SessionReport expected = unflipped.report();

        Random random = new Random(20_261_206L);
        Path flipped = dir.resolve("flipped.journal.jsonl");
        int changed = 0;
        int reported = 0;
        int refused = 0;
        List<String> silent = new ArrayList<>();
        for (int i = 0; i < FLIPS; i++) {
            int at = random.nextInt(original.length);
            int bit = random.nextInt(8);
            byte[] bytes = original.clone();
            bytes[at] ^= (byte) (1 << bit);
            Files.write(flipped, bytes);
            SessionJournal.Recovery recovery;
            try {
                recovery = SessionJournal.recover(flipped);
            } catch (IOException refusedWhole) { // the header: no configuration, nothing to recover
                refused++;
                continue;
            }
            boolean differs = !recovery.report().equals(expected);
            changed += differs ? 1 : 0;
            reported += recovery.problemCount() > 0 ? 1 : 0;
            if (differs && recovery.problemCount() == 0) {
                silent.add("byte " + at + " bit " + bit);
            }
        }
        System.out.printf("journal fuzz: %d single-bit flips in %d bytes (%d lines): %d refused (header), %d changed"
                + " the report, %d reported problems, %d changed it silently%n", FLIPS, original.length, lines.size(),
                refused, changed, reported, silent.size());

        assertThat(silent).as("flips that changed the report without a problem").isEmpty();
        assertThat(changed).as("the flips did change reports").isPositive();
        assertThat(refused + reported).as("a checksum catches every single-bit flip").isEqualTo(FLIPS);
    }
}
