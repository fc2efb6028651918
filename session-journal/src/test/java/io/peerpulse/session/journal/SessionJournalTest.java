package io.peerpulse.session.journal;

import static io.peerpulse.telemetry.fixtures.Records.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.journal.internal.JournalWriter;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.spi.RttReading;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash-safe journal of a session driven in virtual time, and its recovery: the recovered report
 * equals the live one field by field, samples bit-exact, every poll outcome counted as live.
 */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class SessionJournalTest {

    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final NetworkPath DIRECT = path("host", "host", "udp");
    private static final NetworkPath RELAYED = path("relay", "srflx", "tcp");

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final InstantSource tickingClock = Journals.tickingClock(scheduler);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private GameSession.Builder builder(String id) {
        return builder(id, tickingClock);
    }

    private GameSession.Builder builder(String id, InstantSource clock) {
        return GameSession.builder(id).playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(clock)
                        .readTimeout(Duration.ofMillis(2500)).maxSampleCount(4).build())
                .exporterProviders(List.of())
                .executor(Runnable::run)
                .journalDirectory(dir);
    }

    /** Its journal written by the thread that applies each event, so that the file can be read as if killed now. */
    private static GameSession writtenAsApplied(GameSession.Builder builder) {
        return builder.exportAttribute(JournalWriter.IoExecutor.class, Runnable::run).build();
    }

    private void advance(int seconds) {
        scheduler.advance(SECOND.multipliedBy(seconds));
    }

    /** A session that sees every outcome, path changes, rounds, a close, a reopen and a reconnection. */
    private GameSession scriptedSession(String id) {
        return scriptedSession(builder(id));
    }

    private GameSession scriptedSession(GameSession.Builder builder) {
        GameSession session = builder.qualityThresholds(Duration.ofMillis(50), Duration.ofMillis(90)).build();
        ScriptedRttSource first = new ScriptedRttSource()
                .thenMeasured(80.123456789)
                .then(RttReading.measured(0.1 + 0.2, DIRECT))
                .thenStale()
                .thenMeasured(Double.NaN)                 // rejected
                .thenUnavailable("no pair")
                .thenFail(new IOException("boom"))
                .thenHang()                               // two skipped polls, then failed at the timeout
                .thenMeasured(1e-7, 1_234_567L)           // its own timestamp
                .then(RttReading.measured(123.0000000001, RELAYED))
                .then(RttReading.stale(DIRECT))
                .thenReturnNull()                         // failed
                .thenThrow(new IllegalStateException("x")) // failed
                .thenUnavailable("a").thenUnavailable("b").thenUnavailable("c").thenUnavailable("d")
                .thenUnavailable("e").thenUnavailable("f")
                .orElse(RttReading.measured(Math.PI * 10));
        ScriptedRttSource second = ScriptedRttSource.repeating(RttReading.measured(Math.E * 10, DIRECT));
        session.onDataChannelOpen(first);
        scheduler.runDueTasks();
        advance(2);
        session.beginRound(1);
        advance(5);
        session.endRound();
        advance(4);
        session.onDataChannelClose("peer at 10.1.2.3:5000 left");
        advance(1);
        session.onDataChannelOpen(first);                 // reopened, same source
        session.beginRound(2);
        advance(10);
        session.beginRound(3);                            // ends round 2
        session.onDataChannelOpen(second);                // reconnected on a new connection
        advance(3);
        return session;
    }

    private static List<String> lines(Path journal) throws IOException {
        return Journals.lines(journal);
    }

    @Test
    void theJournalHoldsAHeaderEveryPollAndEveryEventInOrder() throws IOException {
        GameSession session = scriptedSession("journal-content");
        Path journal = session.journalPath().orElseThrow();
        session.close();

        assertThat(journal.getFileName().toString()).isEqualTo("journal-content.journal.jsonl");
        List<String> lines = lines(journal);
        assertThat(lines.get(0)).startsWith("{\"type\":\"header\",\"seq\":0,\"format\":5,\"sessionId\":\"journal-content\"")
                .contains("\"playerId\":\"p1\"", "\"pollIntervalNanos\":1000000000", "\"maxSampleCount\":4",
                        "\"readTimeoutNanos\":2500000000", "\"fallbackAfterNanos\":10000000000");
        assertThat(lines).as("every line ends with its checksum")
                .allMatch(l -> l.matches("\\{\"type\":\"[a-zA-Z]+\",\"seq\":\\d+,.*,\"crc\":\"[0-9a-f]{8}\"}"));
        assertThat(lines.subList(1, lines.size())).as("every event line has its two times")
                .allMatch(l -> l.matches("\\{\"type\":\"[a-zA-Z]+\",\"seq\":\\d+,\"epochMs\":\\d+,\"nanoTime\":\\d+[,}].*"));
        assertThat(lines.get(lines.size() - 1)).startsWith("{\"type\":\"end\"");
        TelemetryCounters counters = session.exportReport().validationData().counters();
        assertThat(lines.stream().filter(l -> l.startsWith("{\"type\":\"poll\""))).hasSize((int) counters.pollCount());
        for (String outcome : List.of("MEASURED", "STALE", "UNAVAILABLE", "FAILED", "REJECTED", "SKIPPED")) {
            assertThat(lines).anyMatch(l -> l.contains("\"outcome\":\"" + outcome + "\""));
        }
        assertThat(lines).anyMatch(l -> l.contains("\"timestampEpochMs\":1234567,\"rttMs\":1.0E-7,\"rttBits\":"
                + Double.doubleToRawLongBits(1e-7)));
        assertThat(lines).as("a path change is part of its poll's line, with the poll's time")
                .anyMatch(l -> l.startsWith("{\"type\":\"poll\"") && l.contains("\"pathLocalType\":\"relay\"")
                        && l.contains("\"previousLocalType\":\"host\""))
                .noneMatch(l -> l.startsWith("{\"type\":\"path\""));
        assertThat(lines).anyMatch(l -> l.startsWith("{\"type\":\"close\"") && l.contains("<redacted>"))
                .noneMatch(l -> l.contains("10.1.2.3"));
        assertThat(lines.stream().filter(l -> l.startsWith("{\"type\":\"open\""))
                .map(l -> l.replaceAll(".*\"kind\":(\"[a-z]+\").*", "$1")))
                .containsExactly("\"first\"", "\"same\"", "\"new\"");
        assertThat(lines).filteredOn(l -> l.startsWith("{\"type\":\"open\""))
                .allMatch(l -> Journals.unsealed(l).endsWith(",\"name\":\"unnamed\",\"refreshNanos\":0}"));
        assertThat(lines).filteredOn(l -> l.startsWith("{\"type\":\"round")).hasSize(4); // close() ends round 3 itself
        assertThat(session.journalFailureCount()).isZero();
    }

    @Test
    void recoveringACompleteJournalGivesTheLiveReportFieldByField() throws IOException {
        GameSession session = scriptedSession("journal-equal");
        session.close();
        SessionReport live = session.exportReport();

        SessionJournal.Recovery recovery = SessionJournal.recover(session.journalPath().orElseThrow());

        assertThat(recovery.problems()).isEmpty();
        assertThat(recovery.complete()).isTrue();
        assertThat(recovery.lineCount()).isEqualTo(lines(session.journalPath().orElseThrow()).size());
        SessionReport recovered = recovery.report();
        assertThat(recovered.sessionMetrics()).isEqualTo(live.sessionMetrics());
        assertThat(recovered.validationData()).isEqualTo(live.validationData());
        assertThat(recovered.multiplayerMetrics()).isEqualTo(live.multiplayerMetrics());
        assertThat(recovered).isEqualTo(live);
        TelemetryCounters counters = live.validationData().counters();
        assertThat(counters.skippedCount()).as("the script makes every outcome happen").isPositive();
        assertThat(counters.failedCount()).isGreaterThanOrEqualTo(3);
        assertThat(counters.rejectedCount()).isEqualTo(1);
        assertThat(counters.staleCount()).isGreaterThanOrEqualTo(2);
        assertThat(counters.unavailableCount()).isGreaterThanOrEqualTo(6);
        assertThat(recovery.sampleCount()).isEqualTo(counters.measuredCount());
        assertThat(live.multiplayerMetrics().pathChanges()).hasSize(3);
        assertThat(live.multiplayerMetrics().qualityChanges()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(live.multiplayerMetrics().rounds()).hasSize(3);
        assertThat(live.multiplayerMetrics().reconnections()).hasSize(2);
        assertThat(live.validationData().coverage().gaps()).as("the hang and the unavailable run").isNotEmpty();
        assertBitExact(recovered.sessionMetrics().latency().samples(), live.sessionMetrics().latency().samples());
    }

    private static void assertBitExact(List<RttSample> actual, List<RttSample> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).timestampEpochMs()).isEqualTo(expected.get(i).timestampEpochMs());
            assertThat(Double.doubleToRawLongBits(actual.get(i).rttMs()))
                    .isEqualTo(Double.doubleToRawLongBits(expected.get(i).rttMs()));
        }
    }

    /**
     * A session clock whose reads the test multiplies: every read also makes {@code extra} reads of the
     * ticking clock beneath (each advances it 1 ms), as if the live path read the clock more often.
     */
    private final class GreedyClock implements InstantSource {
        final int extra;
        final AtomicLong reads = new AtomicLong();

        GreedyClock(int extra) {
            this.extra = extra;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public long millis() {
            reads.incrementAndGet();
            for (int i = 0; i < extra; i++) {
                tickingClock.millis();
            }
            return tickingClock.millis();
        }
    }

    /**
     * Extra clock reads on the live path — the clock itself reads more, and an exporter and a quality
     * listener running synchronously on the polling thread read the session clock in the middle of every
     * poll — shift every time the live session records, yet the recovered report equals the live one.
     *
     * <p>On the old design this could not hold: the journal kept a path change as a separate line without
     * the poll's time, and the replay drove a real telemetry with a ReplayScheduler whose clock answered
     * by position ("first read after setTime: the poll's t; later reads: the path line's t"). The replay's
     * reads therefore had to happen in exactly the live order and number; a read added anywhere on that
     * path (for example the telemetry reading its clock once per poll before telling its listeners, as it
     * does now, besides the read for the sample's timestamp) made the replayed poll take the path line's
     * time, or the path change take the poll's, and the recovered coverage gaps, quality change times and
     * path change times differed from the live ones. Now a replay reads no clock at all (its clock throws
     * when read, so any read would show up as a problem or a different report): events carry their times.
     */
    @Test
    void extraClockReadsOnTheLivePathNeverChangeTheRecoveredReport() throws IOException {
        SessionReport plain = liveAndRecovered("greedy-0", new GreedyClock(0));
        GreedyClock greedy = new GreedyClock(3);
        SessionReport withExtraReads = liveAndRecovered("greedy-3", greedy);

        assertThat(greedy.reads).as("the live path read the clock").hasValueGreaterThan(20);
        assertThat(withExtraReads.multiplayerMetrics().qualityChanges())
                .as("the extra reads did shift the live times").isNotEqualTo(plain.multiplayerMetrics().qualityChanges());
    }

    /** Runs the scripted session with extra clock readers and checks its recovery; returns the live report. */
    private SessionReport liveAndRecovered(String id, GreedyClock clock) throws IOException {
        AtomicLong readByExporter = new AtomicLong();
        SessionExporterProvider reading = new SessionExporterProvider() {
            @Override
            public String name() {
                return "clock-reader";
            }

            @Override
            public SessionExporter create(ExportSettings settings) {
                return new SessionExporter() {
                    @Override
                    public void sampleRecorded(String sessionId, RttSample sample) {
                        readByExporter.addAndGet(clock.millis());
                    }

                    @Override
                    public void sessionEnded(SessionReport report) {
                        clock.millis();
                    }
                };
            }
        };
        GameSession.Builder builder = builder(id, clock).exporterProviders(List.of(reading));
        GameSession session = scriptedSession(builder);
        session.addQualityListener(change -> clock.millis());
        session.close();
        SessionReport live = session.exportReport();
        assertThat(readByExporter).as("the exporter read the clock during polls").hasPositiveValue();

        SessionJournal.Recovery recovery = SessionJournal.recover(session.journalPath().orElseThrow());

        assertThat(recovery.problems()).isEmpty();
        assertThat(recovery.report().sessionMetrics()).isEqualTo(live.sessionMetrics());
        assertThat(recovery.report().validationData()).isEqualTo(live.validationData());
        assertThat(recovery.report().multiplayerMetrics()).isEqualTo(live.multiplayerMetrics());
        assertThat(recovery.report()).isEqualTo(live);
        assertThat(live.multiplayerMetrics().pathChanges()).isNotEmpty();
        assertThat(live.validationData().coverage().gaps()).isNotEmpty();
        return live;
    }

    @Test
    void aVersion4JournalIsRefusedNamingBothVersionsAndWhatToDo() throws IOException {
        // the first line of a journal written by PeerPulse before the journal module (format 4, no checksums)
        Path old = Files.writeString(dir.resolve("old.journal.jsonl"), "{\"type\":\"header\",\"seq\":0,\"format\":4,"
                + "\"sessionId\":\"old\",\"playerId\":null,\"startEpochMs\":1767225600000,\"startNanoTime\":0,"
                + "\"systemClockOffsetMs\":0,\"pollIntervalNanos\":1000000000,\"readTimeoutNanos\":1000000000,"
                + "\"maxSampleCount\":1000,\"exporterTimeoutNanos\":10000000000,\"fairFromNanos\":150000000,"
                + "\"poorFromNanos\":300000000,\"recentSampleCount\":5,\"toleratedBadPollCount\":3,\"gapAfterPollCount\":3}\n"
                + "{\"type\":\"end\",\"seq\":1,\"epochMs\":1767225600000,\"endNanoTime\":0}\n");

        assertThatThrownBy(() -> SessionJournal.recover(old)).isInstanceOf(IOException.class)
                .hasMessageContaining("old.journal.jsonl").hasMessageContaining("is of format 4")
                .hasMessageContaining("reads format 5 only")
                .hasMessageContaining("Recover it with the PeerPulse version that wrote it");

        GameSession session = builder("journal-v6").build();
        session.close();
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        lines.set(0, Journals.resealed(lines.get(0).replace("\"format\":5", "\"format\":6")));
        assertThatThrownBy(() -> SessionJournal.recover(Journals.write(journal, lines)))
                .isInstanceOf(IOException.class).hasMessageContaining("format 6").hasMessageContaining("format 5");
    }

    /**
     * A format-5 journal written before ids refused bidirectional controls (043943d and every version before it
     * took {@code "exp-42\u200Fx"}, e.g. an id built from a right-to-left player name, which carries U+200F): its
     * session is recovered whole, the controls in its ids become spaces (as in free text) and a problem says so.
     * Refusing the header instead loses the killed session's every sample.
     */
    @Test
    void aJournalOfAnEarlierVersionWhoseIdsHoldBidiControlsRecovers() throws IOException {
        GameSession session = writtenAsApplied(builder("journal-bidi-x"));
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40)));
        scheduler.runDueTasks();
        advance(3);
        session.close();
        Path journal = session.journalPath().orElseThrow();
        SessionReport live = session.exportReport();
        List<String> lines = lines(journal);
        assertThat(lines.get(0)).contains("\"sessionId\":\"journal-bidi-x\"").contains("\"playerId\":\"p1\"");
        lines.set(0, Journals.resealed(lines.get(0)
                .replace("\"sessionId\":\"journal-bidi-x\"", "\"sessionId\":\"journal-bidi\u200Fx\"")
                .replace("\"playerId\":\"p1\"", "\"playerId\":\"p\u202E1\"")));

        SessionJournal.Recovery recovery = SessionJournal.recover(Journals.write(journal, lines));

        assertThat(recovery.report().multiplayerMetrics().sessionId()).isEqualTo("journal-bidi x");
        assertThat(recovery.report().multiplayerMetrics().playerId()).isEqualTo("p 1");
        assertThat(recovery.sampleCount()).isEqualTo(4);
        assertThat(recovery.report().multiplayerMetrics().latency().samples())
                .isEqualTo(live.multiplayerMetrics().latency().samples());
        assertThat(recovery.problems()).containsExactly(
                "line 1: sessionId holds a bidirectional control character (U+200F at index 12), which ids may no"
                        + " longer hold: recovered with a space in its place",
                "line 1: playerId holds a bidirectional control character (U+202E at index 1), which ids may no"
                        + " longer hold: recovered with a space in its place");
    }

    /** A line written without its checksum, sealed with it. */
    private static String sealed(String body) {
        return Journals.resealed(body.substring(0, body.length() - 1) + ",\"crc\":\"00000000\"}");
    }

    /** A later format may hold what this version's strict reader refuses: its format number still decides. */
    @Test
    void aNewerJournalWithMembersThisReaderRefusesIsRefusedAsANewerFormat() throws IOException {
        GameSession session = builder("journal-v6-new").build();
        session.close();
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        String v6 = Journals.unsealed(lines.get(0)).replace("\"format\":5", "\"format\":6");
        for (String member : List.of("\"replayed\":true", "\"source\":{\"kind\":\"probe\"}", "\"tags\":[\"a\"]")) {
            String header = v6.substring(0, v6.length() - 1) + "," + member + "}";
            for (String line : List.of(sealed(header), header)) { // with its checksum, and without
                lines.set(0, line);
                assertThatThrownBy(() -> SessionJournal.recover(Journals.write(journal, lines)))
                        .as(line).isInstanceOf(IOException.class)
                        .hasMessageContaining("is of format 6; this version reads format 5 only");
            }
        }
        // a damaged one stays damaged, and one of this format this reader refuses stays invalid
        lines.set(0, sealed(v6.replace("\"format\":6", "\"format\":5").replace("}", ",\"x\":true}"))
                .replace("\"format\":5", "\"format\":4"));
        assertThatThrownBy(() -> SessionJournal.recover(Journals.write(journal, lines)))
                .isInstanceOf(IOException.class).hasMessageContaining("line 1 is damaged (CRC32C ");
        lines.set(0, sealed(v6.replace("\"format\":6", "\"format\":5").replace("}", ",\"x\":true}")));
        assertThatThrownBy(() -> SessionJournal.recover(Journals.write(journal, lines)))
                .isInstanceOf(IOException.class).hasMessageContaining("no valid header line")
                .hasMessageContaining("'x' is 'true'");
    }

    @Test
    void aDamagedHeaderIsRefused() throws IOException {
        GameSession session = builder("journal-bad-header").build();
        session.close();
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        lines.set(0, lines.get(0).replace("\"maxSampleCount\":4", "\"maxSampleCount\":5"));

        assertThatThrownBy(() -> SessionJournal.recover(Journals.write(journal, lines)))
                .isInstanceOf(IOException.class).hasMessageContaining("no valid header line")
                .hasMessageContaining("line 1 is damaged (CRC32C ");

        // '5' and '4' are one bit apart: a checksummed header whose format reads 4 is damaged, not format 4
        List<String> flipped = lines(session.journalPath().orElseThrow());
        flipped.set(0, lines.get(0).replace("\"maxSampleCount\":5", "\"maxSampleCount\":4").replace("\"format\":5", "\"format\":4"));
        assertThatThrownBy(() -> SessionJournal.recover(Journals.write(journal, flipped)))
                .isInstanceOf(IOException.class).hasMessageContaining("line 1 is damaged (CRC32C ")
                .hasMessageNotContaining("is of format 4");
    }

    /**
     * A journal copied through Windows (git's autocrlf, a text-mode transfer, Notepad's "save") gets CRLF line ends,
     * and from Notepad a byte order mark: every line was then "damaged" (its checksum covered the CR, the BOM) and the
     * whole journal refused for "no valid header line". The writer writes neither (a CR in a value is escaped), so both
     * are taken off before the checksum, which still covers every byte the writer wrote: it recovers, with no problem.
     */
    @Test
    void aJournalWithWindowsLineEndsAndAByteOrderMarkRecovers() throws IOException {
        GameSession session = scriptedSession("journal-crlf");
        session.close();
        Path journal = session.journalPath().orElseThrow();
        SessionJournal.Recovery original = SessionJournal.recover(journal);
        String text = Files.readString(journal, StandardCharsets.UTF_8);
        Path windows = journal.resolveSibling("windows.journal.jsonl");
        Files.write(windows, ("\uFEFF" + text.replace("\n", "\r\n")).getBytes(StandardCharsets.UTF_8));

        SessionJournal.Recovery recovery = SessionJournal.recover(windows);

        assertThat(recovery.problems()).isEmpty();
        assertThat(recovery.lineCount()).isEqualTo(original.lineCount());
        assertThat(recovery.report()).isEqualTo(original.report());
    }

    @Test
    void aTornLastLineIsSkippedAndReportedAndTheRestRecovered() throws IOException {
        GameSession session = writtenAsApplied(builder("journal-torn"));
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(42.5)));
        scheduler.runDueTasks();
        advance(5);
        Path journal = session.journalPath().orElseThrow();
        byte[] bytes = Files.readAllBytes(journal);
        session.close();
        // as if killed in the middle of the sixth poll's line
        String text = new String(bytes, StandardCharsets.UTF_8);
        int lastLineStart = text.lastIndexOf('\n', text.length() - 2) + 1;
        Files.write(journal, java.util.Arrays.copyOf(bytes, lastLineStart + 25));

        SessionJournal.Recovery recovery = SessionJournal.recover(journal);

        assertThat(recovery.complete()).isFalse();
        assertThat(recovery.problems()).singleElement().asString().contains("torn last line", "skipped");
        assertThat(recovery.sampleCount()).isEqualTo(5);
        assertThat(recovery.report().validationData().counters().measuredCount()).isEqualTo(5);
        assertThat(recovery.report().sessionMetrics().endEpochMs()).as("ends at the last event")
                .isEqualTo(recovery.report().validationData().coverage().lastMeasurementEpochMs());
    }

    /** ext4 after a power loss: the file was extended, but its last block, from a line end on, holds zeros. */
    @Test
    void aWholeLineFollowedByZerosInsteadOfItsLineEndIsRead() throws IOException {
        GameSession session = writtenAsApplied(builder("journal-zeros"));
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(42.5)));
        scheduler.runDueTasks();
        advance(5);
        byte[] bytes = Files.readAllBytes(session.journalPath().orElseThrow());
        session.close();
        Path killed = Files.write(dir.resolve("killed.journal.jsonl"), bytes);
        SessionJournal.Recovery expected = SessionJournal.recover(killed);
        long lines = lines(killed).size();

        for (int zeros : new int[] {1, 4_096, 70_000}) { // 70,000: longer than a line may be
            Path zeroed = Files.write(dir.resolve("zeroed-" + zeros + ".journal.jsonl"),
                    java.util.Arrays.copyOf(java.util.Arrays.copyOf(bytes, bytes.length - 1), bytes.length - 1 + zeros));

            SessionJournal.Recovery recovery = SessionJournal.recover(zeroed);

            assertThat(recovery.report()).as("%d zeros", zeros).isEqualTo(expected.report());
            assertThat(recovery.lineCount()).isEqualTo(expected.lineCount()).isEqualTo(lines);
            assertThat(recovery.skippedLineCount()).isZero();
            assertThat(recovery.problems()).singleElement().asString().startsWith("line " + lines + ": ")
                    .contains("followed by " + zeros + " bytes from a zero byte on", "the line is read");
        }
        // the same after the header alone
        int headerEnd = new String(bytes, StandardCharsets.UTF_8).indexOf('\n');
        Path header = Files.write(dir.resolve("header.journal.jsonl"), java.util.Arrays.copyOf(
                java.util.Arrays.copyOf(bytes, headerEnd), headerEnd + 4_096));
        SessionJournal.Recovery recovery = SessionJournal.recover(header);
        assertThat(recovery.report().sessionMetrics().sessionId()).isEqualTo("journal-zeros");
        assertThat(recovery.lineCount()).isOne();
        assertThat(recovery.problems()).singleElement().asString().startsWith("line 1: a whole line followed by");
    }

    @Test
    void aGarbageLineInTheMiddleIsSkippedAndReported() throws IOException {
        GameSession session = builder("journal-garbage").build();
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(42.5)));
        scheduler.runDueTasks();
        advance(3);
        session.close();
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = new java.util.ArrayList<>(lines(journal));
        lines.add(3, "{\"type\":\"poll\",\"epochMs\":");
        lines.add(4, "not json at all");
        Files.write(journal, lines, StandardCharsets.UTF_8);

        SessionJournal.Recovery recovery = SessionJournal.recover(journal);

        assertThat(recovery.complete()).isTrue();
        assertThat(recovery.problems()).containsExactly("line 4: damaged (no crc member at its end): skipped",
                "line 5: damaged (no crc member at its end): skipped");
        assertThat(recovery.damagedLineCount()).isEqualTo(2);
        assertThat(recovery.report()).isEqualTo(session.exportReport());
    }

    @Test
    void anExistingJournalIsNeverOverwritten() throws IOException {
        Path taken = dir.resolve("journal-taken.journal.jsonl");
        Files.writeString(taken, "keep me");
        GameSession session = builder("journal-taken").build();
        session.close();
        assertThat(Files.readString(taken)).isEqualTo("keep me");
        assertThat(session.journalPath()).contains(dir.toAbsolutePath().resolve("journal-taken-1.journal.jsonl"));
    }

    @Test
    void theSettingTurnsTheJournalOnAndAnUnusableDirectoryFailsAtBuild() throws IOException {
        GameSession bySetting = GameSession.builder("journal-setting").exporterProviders(List.of())
                .exportSetting(SessionJournal.DIRECTORY_SETTING, dir.toString()).build();
        bySetting.close();
        assertThat(bySetting.journalPath()).isPresent();
        GameSession off = GameSession.builder("journal-off").exporterProviders(List.of())
                .exportSetting(SessionJournal.DIRECTORY_SETTING, dir.toString()).journal(false).build();
        off.close();
        assertThat(off.journalPath()).isEmpty();
        GameSession none = GameSession.builder("journal-none").exporterProviders(List.of()).build();
        none.close();
        assertThat(none.journalPath()).isEmpty();

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertThatThrownBy(() -> GameSession.builder("journal-bad").exporterProviders(List.of())
                .journalDirectory(file).build())
                .isInstanceOf(UncheckedIOException.class).hasMessage("session 'journal-bad': cannot create journal"
                        + " directory " + file.toAbsolutePath() + ": it exists and is not a directory"); // not "already exists"
    }

    @Test
    void anUnreadableJournalFailsWithTheReason() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.journal.jsonl"));
        assertThatThrownBy(() -> SessionJournal.recover(empty)).isInstanceOf(IOException.class)
                .hasMessageContaining("empty");
        Path noHeader = Files.writeString(dir.resolve("x.journal.jsonl"), "{\"type\":\"poll\",\"epochMs\":1}\n");
        assertThatThrownBy(() -> SessionJournal.recover(noHeader)).isInstanceOf(IOException.class)
                .hasMessageContaining("header");
        assertThatThrownBy(() -> SessionJournal.recover(dir.resolve("missing"))).isInstanceOf(IOException.class);
    }

    /** {@code recover <(cat j)}: a pipe can be read once, and a recovery reads the file twice. */
    @Test
    void aPipeIsRefusedInWordsNotWaitedOnForever() throws Exception {
        Path fifo = dir.resolve("pipe.journal.jsonl");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        // no writer: a recovery that opens the pipe waits for one (forever, the second time)
        java.util.concurrent.CompletableFuture<SessionJournal.Recovery> recovery =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return SessionJournal.recover(fifo);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
        assertThatThrownBy(() -> recovery.get(10, java.util.concurrent.TimeUnit.SECONDS))
                .isInstanceOf(java.util.concurrent.ExecutionException.class)
                .cause().isInstanceOf(java.io.UncheckedIOException.class).cause().isInstanceOf(IOException.class)
                .hasMessageContaining("pipe.journal.jsonl").hasMessageContaining("not a regular file");
        assertThatThrownBy(() -> SessionJournal.recover(Path.of("/dev/null"))).isInstanceOf(IOException.class)
                .hasMessageContaining("not a regular file");
    }

    @Test
    void hostileJournalSettingsFailTheBuildNamingTheSetting() {
        assertThatThrownBy(() -> builder("journal-fsync").exportSetting(SessionJournal.FSYNC_SETTING, "maybe").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(SessionJournal.FSYNC_SETTING)
                .hasMessageContaining("'maybe'");
        GameSession.Builder noDirectory = GameSession.builder("journal-blank").exporterProviders(List.of());
        assertThatThrownBy(() -> noDirectory.exportSetting(SessionJournal.DIRECTORY_SETTING, "  ").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(SessionJournal.DIRECTORY_SETTING);
        assertThatThrownBy(() -> noDirectory.exportSetting(SessionJournal.DIRECTORY_SETTING, "a\u0000b").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(SessionJournal.DIRECTORY_SETTING);
        // JAVA_TOOL_OPTIONS="-Dpeerpulse.journal.directory=~/journals": no shell expanded it
        assertThatThrownBy(() -> noDirectory.exportSetting(SessionJournal.DIRECTORY_SETTING, "~/journals").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(SessionJournal.DIRECTORY_SETTING + " is '~/journals', which starts with '~'");
        assertThat(Path.of("~")).doesNotExist();
        GameSession session = builder("journal-fsync-true").exportSetting(SessionJournal.FSYNC_SETTING, " TRUE ").build();
        session.close();
        assertThat(session.journalPath()).isPresent();
    }

    @Test
    void aDamagedLineIsReportedWithBothChecksumsAndShowsAsAMissingSeq() throws IOException {
        GameSession session = builder("journal-damaged").build();
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(42.5)));
        scheduler.runDueTasks();
        advance(8);
        session.close();
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = lines(journal);
        String line = lines.get(6);
        assertThat(line).contains("\"rttMs\":42.5,");
        lines.set(6, line.replace("\"rttMs\":42.5,", "\"rttMs\":42.6,"));

        SessionJournal.Recovery recovery = SessionJournal.recover(Journals.write(journal, lines));

        assertThat(recovery.problems()).hasSize(2);
        assertThat(recovery.problems().get(0)).matches("line 7: damaged \\(CRC32C [0-9a-f]{8}, expected "
                + line.substring(line.length() - 10, line.length() - 2) + "\\): skipped");
        assertThat(recovery.problems().get(1)).startsWith("line 8, seq 7: seq 6 is missing before it");
        assertThat(recovery.damagedLineCount()).isEqualTo(1);
        assertThat(recovery.missingLineCount()).isEqualTo(1);
        assertThat(recovery.sampleCount()).isEqualTo(session.exportReport().validationData().counters().measuredCount() - 1);
    }
}
