package io.peerpulse.session.journal;

import static io.peerpulse.telemetry.fixtures.Records.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.journal.TestSources.IceLike;
import io.peerpulse.session.journal.TestSources.ScriptedProbe;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.SampleReports;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real journals damaged the way disks, copy tools and text tools damage them (single bit flips:
 * {@link JournalFuzzTest}). Each journal comes from a real session on virtual time: the probe with an ICE-like view
 * beside it, two rounds, a close, a reconnection, non-ASCII ids and close reason.
 */
@ExtendWith(LogCapture.class) // the sessions made here log what they are given
class JournalRealDamageTest {

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** A closed session of about 80 lines: opens, probe lines, polls of both views, rounds, closes, a reconnection. */
    private Path journal(String sessionId, String playerId, String reason) {
        GameSession session = GameSession.builder(sessionId).playerId(playerId)
                .telemetryOptions(TelemetryOptions.builder().scheduler(scheduler).clock(scheduler.clock())
                        .nanoClock(scheduler.nanoClock()).firstPollDelay(Duration.ZERO).maxSampleCount(100).build())
                .exporterProviders(List.of()).executor(Runnable::run).journalDirectory(dir).build();
        ScriptedProbe probe = new ScriptedProbe(new ScriptedRttSource().thenMeasured(41.5)
                .then(RttReading.measured(0.1 + 0.2, path("host", "srflx", "udp"))).thenStale()
                .orElse(RttReading.measured(42.25)));
        session.onDataChannelOpen(probe, IceLike.everyThirdPoll(43.0));
        scheduler.runDueTasks();
        session.beginRound(1);
        probe.offset = SampleReports.record(ProbeStats.class, "offsetMs", -1.5, "errorBoundMs", 0.25,
                "offsetEpochMs", VirtualScheduler.DEFAULT_START.toEpochMilli() + 1_000);
        scheduler.advance(Duration.ofSeconds(10));
        session.endRound();
        session.onDataChannelClose(reason);
        scheduler.advance(Duration.ofSeconds(2));
        session.onDataChannelOpen(new ScriptedProbe(new ScriptedRttSource().thenMeasured(60)
                .orElse(RttReading.measured(61))), IceLike.everyThirdPoll(62.0));
        session.beginRound(2);
        scheduler.advance(Duration.ofSeconds(10));
        session.endRound();
        session.onDataChannelClose(reason);
        session.close();
        return session.journalPath().orElseThrow();
    }

    private Path journal() {
        return journal("会话-Zoë-🎮", "Zoë", "会话 closed 🎮 by Zoë");
    }

    private Path write(String name, byte[]... parts) throws IOException {
        Path file = dir.resolve(name + SessionJournal.FILE_SUFFIX);
        try (var out = Files.newOutputStream(file)) {
            for (byte[] part : parts) {
                out.write(part);
            }
        }
        return file;
    }

    /** Where the line holding byte {@code at - 1} starts. */
    private static int lineStart(byte[] bytes, int at) {
        int k = at;
        while (k > 0 && bytes[k - 1] != '\n') {
            k--;
        }
        return k;
    }

    /**
     * {@code cat a b > c} of a killed session's journal and another session's: the other journal's lines were read as
     * this session's. Those whose seq this one had already applied were "conflicting duplicates", and every one
     * beyond it was applied, unreported: the killed session gained the other's last 17 lines, its samples and its end
     * (14 samples instead of 9, complete). A header after line 1 begins another journal: its lines are skipped and
     * reported as such, once.
     */
    @Test
    void anotherJournalAppendedIsSkippedNotAppliedToThisSession() throws IOException {
        byte[] killed = Files.readAllBytes(journal());
        killed = Arrays.copyOf(killed, lineStart(killed, killed.length / 2));
        byte[] other = Files.readAllBytes(journal("other-session", "p2", "bye"));
        long killedLines = Journals.lines(write("killed", killed)).size();
        SessionJournal.Recovery alone = SessionJournal.recover(dir.resolve("killed" + SessionJournal.FILE_SUFFIX));
        long otherLines = Journals.lines(write("other", other)).size();

        SessionJournal.Recovery recovery = SessionJournal.recover(write("cat", killed, other));

        assertThat(recovery.report()).isEqualTo(alone.report());
        assertThat(recovery.complete()).isFalse();
        assertThat(recovery.sampleCount()).isEqualTo(alone.sampleCount());
        assertThat(recovery.skippedLineCount()).isEqualTo(otherLines);
        assertThat(recovery.problems()).containsExactly("lines " + (killedLines + 1) + " to " + (killedLines + otherLines)
                + ": another journal (session 'other-session', its header at line " + (killedLines + 1) + ") follows"
                + " this one, as after cat a b > c: its " + otherLines + " lines skipped (recover it from its own file)");

        // killed in the middle of a line: its torn tail runs into the other journal's header, on one line
        byte[] torn = Arrays.copyOf(killed, killed.length + 40);
        System.arraycopy(Files.readAllBytes(journal()), killed.length, torn, killed.length, 40);
        SessionJournal.Recovery tornRecovery = SessionJournal.recover(write("torn-cat", torn, other));
        assertThat(tornRecovery.report()).isEqualTo(alone.report());
        assertThat(tornRecovery.problems()).containsExactly("line " + (killedLines + 1) + ": torn line (40 bytes, no"
                + " line end) followed by a header line: the torn part skipped", "lines " + (killedLines + 1)
                + " to " + (killedLines + otherLines) + ": another journal (session 'other-session', its header at line "
                + (killedLines + 1) + ") follows this one, as after cat a b > c: its " + otherLines
                + " lines skipped (recover it from its own file)");

        // the other way round: the first journal is the one recovered, whole
        SessionJournal.Recovery reversed = SessionJournal.recover(write("reversed", other, killed));
        assertThat(reversed.report()).isEqualTo(SessionJournal.recover(dir.resolve("other"
                + SessionJournal.FILE_SUFFIX)).report());
        assertThat(reversed.problems()).singleElement().asString().startsWith("lines " + (otherLines + 1) + " to "
                + (otherLines + killedLines) + ": another journal (session '会话-Zoë-🎮', its header at line ");
    }

    /**
     * The other journal is no cleaner than this one: a line of it repeated (a copy retried) or lost (a line cut out,
     * two lines run together) shifts its seqs off its line numbers. The lines after that were read as this journal's:
     * those past this one's last seq applied to this session (the other's close, reconnection and end: endEpochMs
     * 44 s after the start instead of 9 s).
     */
    @Test
    void anotherJournalWithALineRepeatedOrLostIsStillNotAppliedToThisSession() throws IOException {
        byte[] killed = Files.readAllBytes(journal());
        killed = Arrays.copyOf(killed, lineStart(killed, killed.length / 2));
        SessionJournal.Recovery alone = SessionJournal.recover(write("killed", killed));
        List<String> other = Journals.lines(journal("other-session", "p2", "bye"));
        List<String> repeated = new ArrayList<>(other);
        repeated.add(5, other.get(4));
        List<String> lost = new ArrayList<>(other);
        lost.remove(5);
        for (List<String> edited : List.of(repeated, lost)) {
            byte[] bytes = (String.join("\n", edited) + "\n").getBytes(StandardCharsets.UTF_8);
            SessionJournal.Recovery recovery = SessionJournal.recover(write("cat-edited", killed, bytes));
            assertThat(recovery.report()).isEqualTo(alone.report());
            assertThat(recovery.complete()).isFalse();
            assertThat(recovery.sampleCount()).isEqualTo(alone.sampleCount());
            assertThat(recovery.problems()).anyMatch(p -> p.contains("another journal (session 'other-session'"));
        }
    }

    /**
     * A line of seq 0 whose type is no string (crafted, its checksum right) is a duplicate of the header like any
     * other: it threw "'type' must be a string, was a number" out of the recovery, which recovered nothing.
     */
    @Test
    void aSeqZeroLineWhoseTypeIsNoStringIsADuplicateNotAThrow() throws IOException {
        Path journal = journal();
        List<String> lines = Journals.lines(journal);
        SessionJournal.Recovery expected = SessionJournal.recover(journal);
        List<String> crafted = new ArrayList<>(lines);
        crafted.add(3, Journals.resealed(lines.get(0).replace("\"type\":\"header\"", "\"type\":7")));
        SessionJournal.Recovery recovery = SessionJournal.recover(Journals.write(dir.resolve("crafted"
                + SessionJournal.FILE_SUFFIX), crafted));
        assertThat(recovery.report()).isEqualTo(expected.report());
        assertThat(recovery.problems()).singleElement().asString().startsWith("line 4, seq 0: conflicting duplicate");
    }

    /**
     * What text tools do to a file without changing a byte the writer wrote is the same journal: CRLF line ends and a
     * byte order mark (a Windows checkout, Notepad), white space added after each line (an editor, a template) or
     * stripped (nothing to strip: every line ends with '}'), the final line end removed, a CRLF file cut between its
     * last CR and LF. Spaces or a tab after a line were "no crc member at its end": the header so, the whole journal
     * was refused; a file ending in "}\r" lost its last whole line as "torn".
     */
    @Test
    void textToolsThatKeepTheWritersBytesLeaveTheSameJournal() throws IOException {
        byte[] original = Files.readAllBytes(journal());
        SessionJournal.Recovery expected = SessionJournal.recover(write("original", original));
        assertThat(expected.problems()).isEmpty();
        String text = new String(original, StandardCharsets.UTF_8);
        String crlf = text.replace("\n", "\r\n");
        Map<String, String> edits = new LinkedHashMap<>();
        edits.put("crlf-bom", "\uFEFF" + crlf);
        edits.put("spaces-added", text.replace("\n", "  \n"));
        edits.put("tab-added-crlf", text.replace("\n", "\t\r\n"));
        edits.put("stripped", text.lines().map(String::stripTrailing).collect(Collectors.joining("\n", "", "\n")));
        edits.put("no-final-line-end", text.substring(0, text.length() - 1));
        edits.put("crlf-cut-before-last-lf", crlf.substring(0, crlf.length() - 1));
        for (Map.Entry<String, String> edit : edits.entrySet()) {
            SessionJournal.Recovery recovery = SessionJournal.recover(write(edit.getKey(),
                    edit.getValue().getBytes(StandardCharsets.UTF_8)));
            assertThat(recovery.problems()).as(edit.getKey()).isEmpty();
            assertThat(recovery.complete()).as(edit.getKey()).isTrue();
            assertThat(recovery.report()).as(edit.getKey()).isEqualTo(expected.report());
        }
    }

    /**
     * Re-encoding changes the bytes the checksums cover: damage, but said as such. A journal saved as UTF-16 (Windows
     * PowerShell's > and Out-File) was refused for "an object '{' was expected, found '��{\u0000"\u0000t…'"; one saved
     * as Latin-1 with "Zoë" in its header for "line 1 is damaged (CRC32C …, expected …)". Now the refusal names the
     * encoding and how to convert it back, and a damaged line whose bytes are not UTF-8 says so.
     */
    @Test
    void aReEncodedJournalIsDamageSaidAsSuch() throws IOException {
        String text = Files.readString(journal(), StandardCharsets.UTF_8);
        Path powerShell = write("powershell", ("\uFEFF" + text).getBytes(StandardCharsets.UTF_16LE));
        assertThatThrownBy(() -> SessionJournal.recover(powerShell)).isInstanceOf(IOException.class)
                .hasMessageContaining("journal " + powerShell + " is UTF-16LE, not UTF-8")
                .hasMessageContaining("iconv -f UTF-16LE -t UTF-8");
        Path bigEndian = write("big-endian", text.getBytes(StandardCharsets.UTF_16BE));
        assertThatThrownBy(() -> SessionJournal.recover(bigEndian)).isInstanceOf(IOException.class)
                .hasMessageContaining("is UTF-16BE, not UTF-8");
        Path latin1 = write("latin1", text.replace("会话-", "").replace("-🎮", "")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> SessionJournal.recover(latin1)).isInstanceOf(IOException.class)
                .hasMessageContaining("line 1 is damaged (CRC32C ").hasMessageContaining("not UTF-8");

        // ASCII ids, a non-ASCII close reason: only the close lines are damaged, the rest recovered
        byte[] ascii = Files.readAllBytes(journal("ascii-session", "p1", "Zoë left"));
        SessionJournal.Recovery original = SessionJournal.recover(write("ascii", ascii));
        SessionJournal.Recovery recovery = SessionJournal.recover(write("ascii-latin1",
                new String(ascii, StandardCharsets.UTF_8).getBytes(StandardCharsets.ISO_8859_1)));
        assertThat(recovery.damagedLineCount()).isEqualTo(2);
        assertThat(recovery.problems()).filteredOn(p -> p.contains("damaged")).hasSize(2)
                .allMatch(p -> p.endsWith("; its bytes are not UTF-8: re-encoded by a tool, as to Latin-1 or"
                        + " Windows-1252?): skipped"));
        assertThat(recovery.sampleCount()).isEqualTo(original.sampleCount());
        assertThat(recovery.complete()).isTrue();
    }

    /** Whether the file ends with a whole line ('}' and maybe white space, no line end): recovered, no problem. */
    private static boolean endsWithWholeLine(byte[] bytes, int end) {
        int k = end;
        while (k > 0 && (bytes[k - 1] == '\r' || bytes[k - 1] == ' ')) {
            k--;
        }
        return k > 0 && bytes[k - 1] == '}';
    }

    /**
     * A torn write: the journal cut at every byte of its last four lines (plain and CRLF) recovers as the journal cut
     * at its last whole line, with one problem for the torn part, none for a cut at a line's end; the same for a crash
     * after the kernel extended the file but before the data reached the disk (ext4, XFS): the tail from a random
     * offset, or the last 1, 4 or 8 KiB, zeros.
     */
    @Test
    void aTornOrZeroFilledTailRecoversAsTheJournalCutAtItsLastWholeLine() throws IOException {
        byte[] lf = Files.readAllBytes(journal());
        byte[] crlf = new String(lf, StandardCharsets.UTF_8).replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        int cuts = 0;
        for (byte[] original : List.of(lf, crlf)) {
            int from = original.length;
            for (int k = 0; k < 5; k++) {
                from = lineStart(original, from - 1);
            }
            for (int cut = from; cut <= original.length; cut++) {
                byte[] torn = Arrays.copyOf(original, cut);
                boolean clean = torn[cut - 1] == '\n' || endsWithWholeLine(torn, cut);
                assertRecoversAsCut(torn, original, clean ? cut : lineStart(torn, cut), clean ? 0 : 1, "cut " + cut);
                cuts++;
            }
        }
        Random random = new Random(20_261_207L);
        for (int i = 0; i < 60; i++) {
            int zerosFrom = i < 3 ? lf.length - 1024 * (1 << (i * 3 / 2)) : lf.length / 8 + random.nextInt(lf.length * 7 / 8);
            byte[] zeroed = lf.clone();
            Arrays.fill(zeroed, zerosFrom, zeroed.length, (byte) 0);
            boolean whole = zeroed[zerosFrom - 1] == '\n' || endsWithWholeLine(zeroed, zerosFrom);
            assertRecoversAsCut(zeroed, lf, whole ? zerosFrom : lineStart(zeroed, zerosFrom), 1, "zeros from " + zerosFrom);
        }
        assertThat(cuts).isGreaterThan(1_000);
    }

    /** The recoveries of the journals cut at a line end, by the original's length and the cut. */
    private final Map<List<Integer>, SessionJournal.Recovery> cutRecoveries = new java.util.HashMap<>();

    private void assertRecoversAsCut(byte[] damaged, byte[] original, int wholeLinesEnd, long problems, String what)
            throws IOException {
        SessionJournal.Recovery recovery = SessionJournal.recover(write("damaged", damaged));
        SessionJournal.Recovery cut = cutRecoveries.computeIfAbsent(List.of(original.length, wholeLinesEnd), key -> {
            try {
                return SessionJournal.recover(write("cut", Arrays.copyOf(original, wholeLinesEnd)));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(cut.problems()).as(what).isEmpty();
        assertThat(recovery.report()).as(what).isEqualTo(cut.report());
        assertThat(recovery.problemCount()).as(what + ": %s", recovery.problems()).isEqualTo(problems);
        assertThat(recovery.problems()).as(what).allMatch(p -> p.startsWith("line "));
    }

    /**
     * Damage in the middle: a 4 KiB block overwritten by zeros (a lost write), a run of lines duplicated (a copy tool
     * retrying), two lines swapped, a line deleted. Nothing throws; the lines the damage touched are reported with
     * their line numbers, the rest of the journal, before and after, is applied.
     */
    @Test
    void damageInTheMiddleIsReportedAndTheRestKept() throws IOException {
        byte[] original = Files.readAllBytes(journal());
        List<String> lines = Journals.lines(write("original", original));
        SessionJournal.Recovery expected = SessionJournal.recover(dir.resolve("original" + SessionJournal.FILE_SUFFIX));
        for (int block = 4096; block + 4096 <= original.length; block += 4096) {
            byte[] zeroed = original.clone();
            Arrays.fill(zeroed, block, block + 4096, (byte) 0);
            int touched = 0; // the lines the block overlaps, their line ends included
            for (int k = 0; k < block + 4096; k = nextLine(original, k)) {
                touched += nextLine(original, k) > block ? 1 : 0;
            }
            SessionJournal.Recovery recovery = SessionJournal.recover(write("zeroed", zeroed));
            assertThat(recovery.lineCount()).as("block at %d", block).isEqualTo(lines.size() - touched);
            assertThat(recovery.missingLineCount()).as("block at %d", block).isEqualTo(touched);
            // the damage and the gap; then what an intact line could not do without a lost one (a round end whose
            // begin, a close whose open was in the block)
            assertThat(recovery.problems()).as("block at %d", block).hasSizeGreaterThanOrEqualTo(2)
                    .allMatch(p -> p.startsWith("line "));
            assertThat(recovery.problems().subList(2, recovery.problems().size())).as("block at %d", block)
                    .allMatch(p -> p.contains(" was in lost lines"));
            assertThat(recovery.complete()).isTrue();
        }

        List<String> duplicated = new ArrayList<>(lines);
        duplicated.addAll(40, lines.subList(30, 40));
        SessionJournal.Recovery retried = SessionJournal.recover(Journals.write(dir.resolve("retried.journal.jsonl"),
                duplicated));
        assertThat(retried.report()).isEqualTo(expected.report());
        assertThat(retried.duplicateLineCount()).isEqualTo(10);
        assertThat(retried.problems()).hasSize(10).first().isEqualTo("line 41, seq 30: duplicate of line 31: skipped");

        List<String> swapped = new ArrayList<>(lines);
        java.util.Collections.swap(swapped, 20, 21);
        SessionJournal.Recovery reordered = SessionJournal.recover(Journals.write(dir.resolve("swapped.journal.jsonl"),
                swapped));
        assertThat(reordered.report()).isEqualTo(expected.report());
        assertThat(reordered.problems()).containsExactly("line 22, seq 20: out of order (after seq 21 at line 21):"
                + " replayed in sequence order");

        List<String> deleted = new ArrayList<>(lines);
        deleted.remove(25);
        SessionJournal.Recovery lost = SessionJournal.recover(Journals.write(dir.resolve("deleted.journal.jsonl"),
                deleted));
        assertThat(lost.lineCount()).isEqualTo(lines.size() - 1);
        assertThat(lost.problems()).singleElement().asString().startsWith("line 26, seq 26: seq 25 is missing before it");
    }

    private static int nextLine(byte[] bytes, int from) {
        int k = from;
        while (k < bytes.length && bytes[k] != '\n') {
            k++;
        }
        return k + 1;
    }

    /**
     * Without its header, or with it lost to zeros, a journal cannot be recovered: refused, saying why. A header
     * whose data never reached the disk (a power loss right after the session began, fsync off) was refused for "an
     * object '{' was expected, found '\\u0000\\u0000…' at character 1", or, zeroed from its middle on, as
     * "damaged (CRC32C …)": now the refusal says zero bytes, from where.
     */
    @Test
    void aJournalWithoutItsHeaderIsRefusedSayingWhy() throws IOException {
        byte[] original = Files.readAllBytes(journal());
        int second = nextLine(original, 0);
        Path headless = write("headless", Arrays.copyOfRange(original, second, original.length));
        assertThatThrownBy(() -> SessionJournal.recover(headless)).isInstanceOf(IOException.class)
                .hasMessage("journal " + headless + " has no valid header line: the first line is not a header");
        byte[] zeroed = original.clone();
        Arrays.fill(zeroed, 200, 4096, (byte) 0);
        Path zeroHeader = write("zero-header", zeroed);
        assertThatThrownBy(() -> SessionJournal.recover(zeroHeader)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("journal " + zeroHeader + " has no valid header line: line 1 holds zero bytes"
                        + " from byte 201 on: its data never reached the disk");
        // a power loss right after the session began: the file extended, its first block never written
        Path zeros = write("zeros", new byte[4096]);
        assertThatThrownBy(() -> SessionJournal.recover(zeros)).isInstanceOf(IOException.class)
                .hasMessage("journal " + zeros + " has no valid header line: line 1 holds zero bytes from byte 1 on: its"
                        + " data never reached the disk (the file system extended the file first, as before a power loss"
                        + " or a kernel crash), and without the header's configuration nothing can be recovered");
    }

    /**
     * {@code peerpulse recover} on a running session's file: a thread polls the session (its journal's writer on a
     * thread of its own) while recoveries read the file. None throws; each is a consistent earlier state of the
     * session (not complete, at least as many samples as the one before), with no problem but at most a last line
     * still being written; once the session is closed, the recovery equals the live report.
     */
    private static final int RECOVERIES = 30;

    @Test
    void aJournalStillBeingWrittenRecoversAsFarAsItWasWritten() throws Exception {
        GameSession session = GameSession.builder("live-会话").playerId("Zoë")
                .telemetryOptions(TelemetryOptions.builder().scheduler(scheduler).clock(scheduler.clock())
                        .nanoClock(scheduler.nanoClock()).firstPollDelay(Duration.ZERO).maxSampleCount(100).build())
                .exporterProviders(List.of()).executor(Runnable::run).journalDirectory(dir).build();
        session.onDataChannelOpen(new ScriptedProbe(new ScriptedRttSource().thenMeasured(41.5)
                .orElse(RttReading.measured(42.25))), IceLike.everyThirdPoll(43.0));
        Path journal = session.journalPath().orElseThrow();
        Semaphore rounds = new Semaphore(0); // 50 rounds played while each recovery reads
        CompletableFuture<Void> game = CompletableFuture.runAsync(() -> {
            for (int round = 1; round <= RECOVERIES * 50; round++) {
                rounds.acquireUninterruptibly();
                session.beginRound(round);
                scheduler.advance(Duration.ofSeconds(1));
                session.endRound();
            }
        });
        long samples = 0;
        for (int i = 0; i < RECOVERIES; i++) {
            rounds.release(50);
            SessionJournal.Recovery recovery = SessionJournal.recover(journal);
            assertThat(recovery.complete()).isFalse();
            assertThat(recovery.sampleCount()).isGreaterThanOrEqualTo(samples);
            samples = recovery.sampleCount();
            assertThat(recovery.problems()).as("recovery %d", i)
                    .allMatch(p -> p.contains("torn last line")).hasSizeLessThanOrEqualTo(1);
        }
        game.get(30, TimeUnit.SECONDS);
        session.close();
        Journals.assertRecoversAsLive(journal, session.exportReport());
    }
}
