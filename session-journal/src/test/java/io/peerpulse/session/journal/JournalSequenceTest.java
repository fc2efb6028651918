package io.peerpulse.session.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.journal.internal.JournalReplay;
import io.peerpulse.session.journal.internal.JournalWriter;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every line carries {@code seq}; recovery applies lines in sequence order and reports (never silently
 * applies) duplicates, gaps, out-of-order lines, implausible seqs and events the session refuses. The
 * reproductions of issue 15 (a duplicated MEASURED line gave 13 samples, doubling every line doubled the
 * samples and rounds, swapping two poll lines invented an 11 s gap — all with "problems: none") are the
 * first tests. Lines a test edits are resealed (their checksum made right) unless the checksum is the point.
 */
class JournalSequenceTest {

    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");
    private static final Pattern N = Pattern.compile("\"nanoTime\":(-?\\d+)");

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** Twelve measured polls, one a second, in two rounds of six; closed. */
    private GameSession twelveSamples(String id) {
        GameSession session = GameSession.builder(id).playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock())
                        .maxSampleCount(100).build())
                .exporterProviders(List.of()).executor(Runnable::run).journalDirectory(dir).build();
        session.beginRound(1);
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(42.5)));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(5));
        session.beginRound(2);
        scheduler.advance(Duration.ofSeconds(6));
        session.close();
        assertThat(session.exportReport().sessionMetrics().latency().sampleCount()).isEqualTo(12);
        return session;
    }

    private static List<String> lines(Path journal) throws IOException {
        return new ArrayList<>(Files.readAllLines(journal, StandardCharsets.UTF_8));
    }

    private static Path write(Path journal, List<String> lines) throws IOException {
        Files.write(journal, lines, StandardCharsets.UTF_8);
        return journal;
    }

    private static int firstPoll(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("{\"type\":\"poll\"")) {
                return i;
            }
        }
        throw new AssertionError("no poll line");
    }

    private static int lastPoll(List<String> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("{\"type\":\"poll\"")) {
                return i;
            }
        }
        throw new AssertionError("no poll line");
    }

    private static long number(Pattern pattern, String line) {
        Matcher m = pattern.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void everyLineCarriesTheNextSequenceNumberFromZeroAtTheHeader() throws IOException {
        GameSession session = twelveSamples("seq-numbers");
        List<String> lines = lines(session.journalPath().orElseThrow());
        for (int i = 0; i < lines.size(); i++) {
            assertThat(number(SEQ, lines.get(i))).as(lines.get(i)).isEqualTo(i);
        }
        assertThat(lines.get(0)).contains("\"format\":5");
    }

    @Test
    void oneDuplicatedMeasuredLineGivesTwelveSamplesNotThirteen() throws IOException {
        GameSession session = twelveSamples("seq-dup-one");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        int poll = firstPoll(lines) + 3;
        lines.add(poll + 1, lines.get(poll));

        SessionJournal.Recovery recovery = SessionJournal.recover(write(journal, lines));

        assertThat(recovery.sampleCount()).isEqualTo(12);
        assertThat(recovery.report()).isEqualTo(session.exportReport());
        assertThat(recovery.duplicateLineCount()).isEqualTo(1);
        assertThat(recovery.problems()).containsExactly("line " + (poll + 2) + ", seq " + poll + ": duplicate of line "
                + (poll + 1) + ": skipped");
    }

    @Test
    void doublingEveryLineGivesTheOriginalReportWithEachRoundOnce() throws IOException {
        GameSession session = twelveSamples("seq-double");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        List<String> doubled = new ArrayList<>();
        lines.forEach(l -> {
            doubled.add(l);
            doubled.add(l);
        });

        SessionJournal.Recovery recovery = SessionJournal.recover(write(journal, doubled));

        assertThat(recovery.report()).isEqualTo(session.exportReport());
        assertThat(recovery.report().multiplayerMetrics().rounds()).hasSize(2);
        assertThat(recovery.sampleCount()).isEqualTo(12);
        assertThat(recovery.lineCount()).isEqualTo(lines.size());
        assertThat(recovery.duplicateLineCount()).isEqualTo(lines.size());
        assertThat(recovery.skippedLineCount()).isEqualTo(lines.size());
        assertThat(recovery.problems()).hasSize(lines.size()).allMatch(p -> p.contains("duplicate of line"));
        assertThat(recovery.complete()).isTrue();
    }

    @Test
    void swappingTwoPollLinesInventsNoGapAndCoverageStaysOne() throws IOException {
        GameSession session = twelveSamples("seq-swap");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        int first = firstPoll(lines);
        int last = lastPoll(lines);
        String moved = lines.get(first);
        lines.set(first, lines.get(last));
        lines.set(last, moved);

        SessionJournal.Recovery recovery = SessionJournal.recover(write(journal, lines));

        assertThat(recovery.report().validationData().coverage().coveredRatio()).isEqualTo(1.0);
        assertThat(recovery.report().validationData().coverage().gaps()).isEmpty();
        assertThat(recovery.report()).isEqualTo(session.exportReport());
        assertThat(recovery.outOfOrderLineCount()).isEqualTo(1);
        assertThat(recovery.problems()).singleElement().asString()
                .startsWith("line " + (last + 1) + ", seq " + first + ": out of order (after seq " + last)
                .endsWith("replayed in sequence order");
    }

    @Test
    void aConflictingDuplicateIsSkippedAndCalledConflicting() throws IOException {
        GameSession session = twelveSamples("seq-conflict");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        int poll = firstPoll(lines) + 2;
        lines.add(poll + 1, Journals.resealed(lines.get(poll).replace("\"rttMs\":42.5", "\"rttMs\":42.25")
                .replaceAll("\"rttBits\":-?\\d+", "\"rttBits\":" + Double.doubleToRawLongBits(42.25))));

        SessionJournal.Recovery recovery = SessionJournal.recover(write(journal, lines));

        assertThat(recovery.report()).isEqualTo(session.exportReport());
        assertThat(recovery.problems()).containsExactly("line " + (poll + 2) + ", seq " + poll
                + ": conflicting duplicate: differs from line " + (poll + 1) + " (applied): skipped");
    }

    /**
     * A crafted journal (its checksums made right) whose values hold ESC, BEL and U+202E: the problem texts,
     * which {@code peerpulse recover} prints, show them as <code>&#92;uXXXX</code>, never raw (a terminal would run the
     * escape sequence), and a 20,000-character value does not make a 20,000-character problem.
     */
    @Test
    void aProblemShowsTheFilesControlCharactersEscapedAndIsCut() throws IOException {
        GameSession session = twelveSamples("seq-hostile");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        int poll = firstPoll(lines);
        lines.set(poll, Journals.resealed(lines.get(poll).replace("\"outcome\":\"MEASURED\"",
                "\"outcome\":\"\\u001b]0;pwned\\u0007\\u202eM\"")));
        lines.set(poll + 1, Journals.resealed(lines.get(poll + 1).replaceFirst("\"type\":\"\\w+\"",
                "\"type\":\"" + "x".repeat(20_000) + "\"")));

        SessionJournal.Recovery recovery = SessionJournal.recover(write(journal, lines));

        assertThat(recovery.problems()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(recovery.problems().get(0)).contains("'\\u001B]0;pwned\\u0007\\u202EM'");
        for (String problem : recovery.problems()) {
            assertThat(problem.chars()).as(problem).noneMatch(c -> c < 0x20 || c == 0x202E);
            assertThat(problem.length()).as(problem).isLessThanOrEqualTo(1_001);
        }
    }

    /**
     * A crafted journal's values quoted in a problem, or in a refused header's message, which {@code recover} prints,
     * go by the privacy rule ({@code Redaction}): an address or an ICE candidate is not printed, where it was is.
     */
    @Test
    void aProblemOrARefusedHeaderQuotesNoAddressFromTheFile() throws IOException {
        GameSession session = twelveSamples("seq-address");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        int poll = firstPoll(lines);
        lines.set(poll, Journals.resealed(lines.get(poll).replace("\"outcome\":\"MEASURED\"",
                "\"outcome\":\"192.168.1.23\"")));
        lines.set(poll + 1, Journals.resealed(lines.get(poll + 1).replaceFirst("\"type\":\"\\w+\"",
                "\"type\":\"candidate:1 1 udp 2122260223 10.0.0.5 54321 typ host\"")));

        SessionJournal.Recovery recovery = SessionJournal.recover(write(journal, lines));

        assertThat(recovery.problems()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(recovery.problems().get(0)).startsWith("line " + (poll + 1)).contains("'<redacted>'");
        assertThat(recovery.problems().get(1)).startsWith("line " + (poll + 2)).contains("<redacted: ICE candidate>");
        assertThat(String.join("\n", recovery.problems())).doesNotContain("192.168").doesNotContain("10.0.0.5")
                .doesNotContain("54321");

        lines.set(0, Journals.resealed(lines.get(0).replaceFirst("\"maxSampleCount\":\\d+",
                "\"maxSampleCount\":\"fe80::1\"")));
        write(journal, lines);
        assertThatThrownBy(() -> SessionJournal.recover(journal)).isInstanceOf(IOException.class)
                .hasMessageContaining("no valid header line").hasMessageContaining("maxSampleCount")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("fe80"));
    }

    /** The same for a header that is refused: its message, which {@code recover} prints, shows ESC escaped. */
    @Test
    void aRefusedHeaderShowsTheFilesControlCharactersEscaped() throws IOException {
        GameSession session = twelveSamples("seq-hostile-header");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        lines.set(0, Journals.resealed(lines.get(0).replaceFirst("\"maxSampleCount\":\\d+",
                "\"maxSampleCount\":\"\\\\u001b[2J\"")));
        write(journal, lines);

        assertThatThrownBy(() -> SessionJournal.recover(journal)).isInstanceOf(IOException.class)
                .hasMessageContaining("no valid header line").hasMessageContaining("\"\\u001B[2J\"")
                .satisfies(e -> assertThat(e.getMessage().chars()).noneMatch(c -> c < 0x20));
    }

    @Test
    void missingLinesAreAGapReportedWithTheirRangeAndTheirEventsAreLost() throws IOException {
        GameSession session = twelveSamples("seq-gap");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        int poll = firstPoll(lines) + 4;
        lines.remove(poll);
        lines.remove(poll);
        lines.remove(poll);

        SessionJournal.Recovery recovery = SessionJournal.recover(write(journal, lines));

        assertThat(recovery.missingLineCount()).isEqualTo(3);
        assertThat(recovery.problems()).singleElement().asString().isEqualTo("line " + (poll + 1) + ", seq " + (poll + 3)
                + ": seqs " + poll + " to " + (poll + 2) + " (3 lines) are missing before it: their events are lost"
                + " (polls neither counted nor sampled, opens, closes and round marks not applied)");
        assertThat(recovery.report().validationData().counters().pollCount()).as("two polls and round 2's begin lost")
                .isEqualTo(10);
        assertThat(recovery.report().multiplayerMetrics().rounds()).hasSize(1);
    }

    @Test
    void aLineTooLateForTheReorderWindowIsSkippedAndItsEventStaysLost() throws IOException {
        GameSession session = twelveSamples("seq-late");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        int poll = firstPoll(lines) + 1;
        String late = lines.remove(poll);
        // more than REORDER_WINDOW lines after its place: copies of the end line with later seqs
        String endLine = lines.get(lines.size() - 1);
        long endSeq = number(SEQ, endLine);
        for (int i = 1; i <= JournalReplay.REORDER_WINDOW + 1; i++) {
            lines.add(Journals.resealed(endLine.replace("\"seq\":" + endSeq, "\"seq\":" + (endSeq + i))));
        }
        lines.add(late);

        SessionJournal.Recovery recovery = SessionJournal.recover(write(journal, lines));

        assertThat(recovery.missingLineCount()).isEqualTo(1);
        assertThat(recovery.outOfOrderLineCount()).isEqualTo(1);
        assertThat(recovery.sampleCount()).isEqualTo(11);
        assertThat(recovery.problems()).anyMatch(p -> p.startsWith("line " + lines.size() + ", seq " + poll
                + ": out of order, too late") && p.endsWith("skipped, its event stays lost"));
        assertThat(recovery.problems()).filteredOn(p -> p.contains("after the end line"))
                .hasSize(JournalReplay.REORDER_WINDOW + 1);
    }

    /**
     * The wall clock is a label: a line whose {@code t} is before the start or 400 days on is applied as it
     * is (the session reports it as a clock step). Only the monotonic time orders events: a line whose
     * {@code n} is before the last applied event's is refused by the session, reported and skipped.
     */
    @Test
    void eventsBackInMonotonicTimeAreRefusedByTheSessionAndWallClockLabelsAreNot() throws IOException {
        GameSession session = twelveSamples("seq-time");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        long start = number(Pattern.compile("\"startEpochMs\":(-?\\d+)"), lines.get(0));
        int poll = firstPoll(lines);
        long n4 = number(N, lines.get(poll + 4));
        lines.set(poll + 5, Journals.resealed(lines.get(poll + 5).replaceFirst("\"nanoTime\":-?\\d+", "\"nanoTime\":" + (n4 - 1))));
        lines.set(poll + 7, Journals.resealed(lines.get(poll + 7).replaceFirst("\"epochMs\":-?\\d+", "\"epochMs\":"
                + (start + Duration.ofDays(400).toMillis()))));

        SessionJournal.Recovery recovery = SessionJournal.recover(write(journal, lines));

        assertThat(recovery.problems()).singleElement().asString().isEqualTo("line " + (poll + 6) + ", seq "
                + (poll + 5) + ": refused by the session (nanoTime " + (n4 - 1) + " is before the last event's " + n4
                + ": events are applied in time order): skipped");
        assertThat(recovery.sampleCount()).isEqualTo(11);
        assertThat(recovery.report().validationData().clock().clockStepCount()).as("400 days on and back")
                .isEqualTo(2);
    }

    /** A seq no writer can have given this file (beyond its lines plus the reorder window) is damage. */
    @Test
    void aSeqBeyondTheFileIsDamageNotBillionsOfMissingLines() throws IOException {
        GameSession session = twelveSamples("seq-beyond");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        int poll = firstPoll(lines) + 3;
        String original = lines.get(poll);
        lines.set(poll, Journals.resealed(original.replaceFirst("\"seq\":\\d+", "\"seq\":9000000000")));

        SessionJournal.Recovery recovery = SessionJournal.recover(write(journal, lines));

        assertThat(recovery.damagedLineCount()).isEqualTo(1);
        assertThat(recovery.missingLineCount()).as("only its own seq").isEqualTo(1);
        assertThat(recovery.problems()).hasSize(2);
        assertThat(recovery.problems().get(0)).isEqualTo("line " + (poll + 1) + ", seq 9000000000: damaged (seq beyond"
                + " the file's " + lines.size() + " lines and the reorder window of " + JournalReplay.REORDER_WINDOW
                + "): skipped");
        assertThat(recovery.problems().get(1)).contains("seq " + poll + " is missing before it");
        assertThat(recovery.sampleCount()).isEqualTo(11);

        // the last seq a file can hold is still read
        lines.set(poll, Journals.resealed(original.replaceFirst("\"seq\":\\d+", "\"seq\":"
                + (lines.size() + JournalReplay.REORDER_WINDOW))));
        SessionJournal.Recovery plausible = SessionJournal.recover(write(journal, lines));
        assertThat(plausible.damagedLineCount()).isZero();
    }

    /**
     * A recovery counts the lines, then reads them: a live session appending in between (recovering a journal
     * still written to) adds lines the count has not seen, and they are whole lines, not damage.
     */
    @Test
    void linesAppendedAfterTheCountAreReadNotCalledDamaged() throws IOException {
        GameSession session = GameSession.builder("seq-growing").playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).maxSampleCount(1_000).build())
                .exporterProviders(List.of()).executor(Runnable::run).journalDirectory(dir)
                .exportAttribute(JournalWriter.IoExecutor.class, Runnable::run).build(); // written as applied
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(42.5)));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(JournalReplay.REORDER_WINDOW + 100));
        Path journal = session.journalPath().orElseThrow(); // not closed: still live
        SessionJournal.Recovery whole = SessionJournal.recover(journal);
        assertThat(whole.problems()).isEmpty();
        long counted = 10; // the line count the first pass saw, the session 8 polls old

        SessionJournal.Recovery recovery;
        try (java.io.InputStream in = Files.newInputStream(journal)) {
            recovery = new JournalReplay(journal, counted, in, java.util.Map.of(), List.of()).run();
        }

        assertThat(recovery.problems()).isEmpty();
        assertThat(recovery.damagedLineCount()).isZero();
        assertThat(recovery.lineCount()).isEqualTo(whole.lineCount()).isEqualTo(lines(journal).size());
        assertThat(recovery.report()).isEqualTo(whole.report());
        session.close();
    }

    @Test
    void aLineLongerThanTheCapIsSkippedAndReportedWithItsLength() throws IOException {
        GameSession session = twelveSamples("seq-long");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        int poll = firstPoll(lines) + 1;
        lines.add(poll, "x".repeat(JournalReplay.MAX_LINE_BYTES * 3));

        SessionJournal.Recovery recovery = SessionJournal.recover(write(journal, lines));

        assertThat(recovery.report()).isEqualTo(session.exportReport());
        assertThat(recovery.problems()).containsExactly("line " + (poll + 1) + ": longer than "
                + JournalReplay.MAX_LINE_BYTES + " bytes (" + JournalReplay.MAX_LINE_BYTES * 3 + " bytes): skipped");
    }

    @Test
    void problemsBeyondTheCapAreCountedNotListed() throws IOException {
        GameSession session = twelveSamples("seq-many");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        String copy = lines.get(firstPoll(lines));
        for (int i = 0; i < JournalReplay.MAX_PROBLEMS + 500; i++) {
            lines.add(lines.size() - 1, copy);
        }

        SessionJournal.Recovery recovery = SessionJournal.recover(write(journal, lines));

        assertThat(recovery.problems()).hasSize(JournalReplay.MAX_PROBLEMS);
        assertThat(recovery.problemCount()).isEqualTo(JournalReplay.MAX_PROBLEMS + 500);
        assertThat(recovery.duplicateLineCount()).isEqualTo(JournalReplay.MAX_PROBLEMS + 500);
        assertThat(recovery.report()).isEqualTo(session.exportReport());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "maxSampleCount|9223372036854775808|outside the integer range",
            "maxSampleCount|2147483648|outside the range",
            "maxSampleCount|1e300|outside the integer range",
            "maxSampleCount|1.9|must be a whole number",
            "pollIntervalNanos|-1000000000|must be at least 1",
            "pollIntervalNanos|0|must be at least 1",
            "readTimeoutNanos|-5|must be at least 1",
            "exporterTimeoutNanos|-1|must be at least 1",
            "fairFromNanos|-1|must be at least 1",
            "startEpochMs|-1|must be at least 0",
            "startEpochMs|9223372036854775807|must be at most",
            "recentSampleCount|2.5|must be a whole number",
            "gapAfterPollCount|18446744073709551616|outside the integer range",
            "fallbackAfterNanos|0|must be at least 1",
            "seq|1|must be 0",
    })
    void hostileHeaderValuesAreRefusedNamingTheKeyAndTheValue(String key, String value, String why)
            throws IOException {
        GameSession session = twelveSamples("seq-header");
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        String header = lines.get(0).replaceFirst("\"" + key + "\":-?[0-9.eE+]+", "\"" + key + "\":" + value);
        assertThat(header).as("the test replaced the value").contains("\"" + key + "\":" + value);
        lines.set(0, Journals.resealed(header));

        assertThatThrownBy(() -> SessionJournal.recover(write(journal, lines))).isInstanceOf(IOException.class)
                .hasMessageContaining("no valid header line").hasMessageContaining(key).hasMessageContaining(value)
                .hasMessageContaining(why);
    }
}
