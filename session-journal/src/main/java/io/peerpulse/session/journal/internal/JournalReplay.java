package io.peerpulse.session;

import io.peerpulse.session.internal.ExporterFanOut;
import io.peerpulse.session.internal.FlatJson;
import io.peerpulse.session.internal.SharedExecutor;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.PollEvent;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttReading;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * One recovery: reads a journal line by line and feeds its events, with their own times and in sequence
 * order, into a {@link SessionCore} built from the journal's header — the code a live session runs. A poll
 * event goes into the session's telemetry, which is never started, and from
 * there to the session as a live poll's event; a second view's poll into the second view's telemetry. Opens
 * use stand-in sources with the journaled names and refresh periods, answering the journaled probe
 * statistics; a fallback is applied as journaled, never decided. The telemetry's and the session's clock throws when read:
 * a recovery depends on no clock.
 *
 * <p><b>The rule.</b> Lines are applied in {@code seq} order: a line that comes early waits in a reorder
 * window of at most {@value #REORDER_WINDOW} lines; when the window is full, or the file ends, the lowest
 * waiting seq is applied next and the seqs before it are a gap (lost lines, reported with their range). A
 * line whose seq was already applied or declared lost is skipped: a duplicate (a conflicting one when its
 * bytes differ from the applied line's) or a line that came too late. A line with an impossible time
 * (before the start, more than {@value #MAX_SESSION_DAYS} days after it, a poll that read its source or
 * the end earlier than the last such poll applied, a sample stamped more than 24 h after its poll) is
 * skipped. Every problem names
 * the line number, the seq and why.
 *
 * <p><b>Memory.</b> Besides what the session itself keeps (the windows of {@code maxSamples}, rounds,
 * connection events, quality changes, coverage gaps), at most: one line of {@value #MAX_LINE_BYTES} bytes
 * being read, {@value #REORDER_WINDOW} parsed lines waiting, {@value #DUPLICATE_MEMORY} applied lines'
 * (seq, line number, hash) to tell duplicates apart, {@value #MAX_GAPS} gap ranges, and
 * {@value #MAX_PROBLEMS} problem texts (the rest only counted). Nothing grows with the file.
 */
final class JournalReplay {

    /** Longest line read; a longer one is skipped and reported without being held. */
    static final int MAX_LINE_BYTES = 65_536;
    /** Lines that may wait for a lower seq. */
    static final int REORDER_WINDOW = 256;
    /** Applied lines remembered to tell an identical duplicate from a conflicting one. */
    static final int DUPLICATE_MEMORY = 4_096;
    /** Gap ranges remembered to tell a late line from a duplicate. */
    static final int MAX_GAPS = 1_000;
    /** Problem texts kept; the rest are counted. */
    static final int MAX_PROBLEMS = 1_000;
    /** Events later than this after the session's start are in the far future. */
    static final int MAX_SESSION_DAYS = 366;
    private static final long MAX_SESSION_MS = Duration.ofDays(MAX_SESSION_DAYS).toMillis();
    /** A sample stamped this much after its poll's time cannot have been measured by that poll. */
    private static final long MAX_SAMPLE_AHEAD_MS = Duration.ofHours(24).toMillis();

    /** The clock of a replayed session: nothing may read it. */
    private static final InstantSource NO_CLOCK = new InstantSource() {
        @Override
        public Instant instant() {
            throw new IllegalStateException("a journal replay reads no clock: every event carries its time");
        }
    };

    private final Path file;
    private final InputStream in;
    private final Map<String, String> settings;
    private final List<String> exporters;

    private final List<String> problems = new ArrayList<>();
    private long problemCount;
    private long duplicateLineCount;
    private long missingLineCount;
    private long outOfOrderLineCount;
    private long impossibleTimeCount;
    private long skippedLineCount;

    /** Lines waiting for a lower seq, by seq. */
    private final TreeMap<Long, Line> pending = new TreeMap<>();
    /** The seq to apply next. */
    private long next = 1;
    private final long[] appliedSeq = new long[DUPLICATE_MEMORY];
    private final long[] appliedLine = new long[DUPLICATE_MEMORY];
    private final long[] appliedHash = new long[DUPLICATE_MEMORY];
    /** {from, to, line after} of the latest gaps. */
    private final ArrayDeque<long[]> gaps = new ArrayDeque<>();

    private SessionCore session;
    private ReplayedConnection connection;
    private long startEpochMs;
    private long lastT;
    /** The time and line of the last primary poll that read its source. */
    private long lastPollT;
    private long lastPollLine;
    /** The same for the second view, whose polls are ordered among themselves only. */
    private long lastSecondaryPollT;
    private long lastSecondaryPollLine;
    private long lineCount;
    private long samples;
    private Long endT;
    private long endNanoTime;

    JournalReplay(Path file, InputStream in, Map<String, String> settings, List<String> exporters) {
        this.file = file;
        this.in = in;
        this.settings = settings;
        this.exporters = exporters;
        Arrays.fill(appliedSeq, -1);
    }

    /** One line read: its number, text ({@code null} when too long), length and hash of its bytes. */
    private record Raw(long number, String text, long bytes, boolean terminated, long hash) {
    }

    /** A parsed line waiting to be applied. */
    private record Line(long number, long seq, FlatJson.Parsed parsed, long hash) {
    }

    SessionJournal.Recovery run() throws IOException {
        LineReader reader = new LineReader(in);
        Raw first = reader.next();
        if (first == null) {
            throw new IOException("journal " + file + " is empty");
        }
        if (first.text() == null) {
            throw new IOException("journal " + file + " has no valid header line: line 1 is longer than "
                    + MAX_LINE_BYTES + " bytes");
        }
        header(first);
        for (Raw raw = reader.next(); raw != null; raw = reader.next()) {
            read(raw);
        }
        while (!pending.isEmpty()) {
            skipToLowestPending();
        }
        long end = endT != null ? endT : lastT;
        long endNanos = endT != null ? endNanoTime
                : saturatedAdd(session.start().startNanoTime(), (end - startEpochMs) * 1_000_000L);
        session.closing();
        session.exporters().await(session.end(end, endNanos), session.config().exporterTimeout());
        return new SessionJournal.Recovery(file, session.finalReport(), lineCount, samples, endT != null,
                duplicateLineCount, missingLineCount, outOfOrderLineCount, impossibleTimeCount, skippedLineCount,
                problemCount, problems);
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : sum;
    }

    private void header(Raw raw) throws IOException {
        SessionConfig.Header header;
        try {
            header = SessionConfig.readHeader(FlatJson.parse(raw.text()), SessionJournal.FORMAT_VERSION,
                    TelemetryOptions.defaults().scheduler(), NO_CLOCK);
        } catch (IllegalArgumentException e) {
            throw new IOException("journal " + file + " has no valid header line: " + e.getMessage(), e);
        }
        SessionConfig config = header.config();
        String id = config.sessionId();
        boolean none = exporters != null && exporters.isEmpty();
        Executor executor = none ? Runnable::run : SharedExecutor.get();
        ExporterFanOut fanOut = ExporterFanOut.create(id, none ? List.of() : null, exporters,
                ExportSettings.of(settings, Map.of()), executor, GameSession.MAX_QUEUED_EXPORTER_CALLS);
        session = new SessionCore(config, header.start(), false, fanOut, JournalRecorder.OFF,
                new QualityListeners(id, executor));
        fanOut.started();
        startEpochMs = header.start().startEpochMs();
        lastT = startEpochMs;
        lastPollT = startEpochMs;
        lastSecondaryPollT = startEpochMs;
        remember(0, raw.number(), raw.hash());
        lineCount++;
    }

    // ---- the sequence rule ---------------------------------------------------------------------

    private void read(Raw raw) {
        long n = raw.number();
        if (raw.text() == null) {
            skipped("line " + n + ": longer than " + MAX_LINE_BYTES + " bytes (" + raw.bytes() + " bytes): skipped");
            return;
        }
        if (raw.text().isBlank()) {
            return; // a failed write leaves the next line on a fresh line
        }
        FlatJson.Parsed parsed;
        long seq;
        try {
            parsed = FlatJson.parse(raw.text());
            seq = parsed.requireLongAtLeast("seq", 0);
        } catch (IllegalArgumentException e) {
            skipped("line " + n + ": " + (raw.terminated() ? "unparsable (" + e.getMessage() + ")"
                    : "torn last line (" + raw.bytes() + " bytes, no line end)") + ": skipped");
            return;
        }
        Line line = new Line(n, seq, parsed, raw.hash());
        if (seq < next) {
            late(line);
            return;
        }
        Line waiting = pending.get(seq);
        if (waiting != null) {
            duplicate(line, waiting.number(), waiting.hash() == line.hash(), "waiting");
            return;
        }
        if (seq == next && !pending.isEmpty()) {
            // it fills a hole that higher seqs already passed: it is the one out of place
            Line highest = pending.lastEntry().getValue();
            outOfOrderLineCount++;
            problem("line " + n + ", seq " + seq + ": out of order (after seq " + highest.seq() + " at line "
                    + highest.number() + "): replayed in sequence order");
        }
        pending.put(seq, line);
        drain();
        while (pending.size() > REORDER_WINDOW) {
            skipToLowestPending();
        }
    }

    /** Applies waiting lines while the next seq is there. */
    private void drain() {
        Line line;
        while ((line = pending.remove(next)) != null) {
            next++;
            consume(line);
        }
    }

    /** Declares the seqs before the lowest waiting one lost, then applies what follows. */
    private void skipToLowestPending() {
        Line lowest = pending.firstEntry().getValue();
        long from = next;
        long to = lowest.seq() - 1;
        missingLineCount += to - from + 1;
        if (gaps.size() == MAX_GAPS) {
            gaps.removeFirst();
        }
        gaps.addLast(new long[] {from, to, lowest.number()});
        problem("line " + lowest.number() + ", seq " + lowest.seq() + ": " + (from == to ? "seq " + from + " is"
                : "seqs " + from + " to " + to + " (" + (to - from + 1) + " lines) are")
                + " missing before it: their events are lost (polls neither counted nor sampled, opens, closes and"
                + " round marks not applied)");
        next = lowest.seq();
        drain();
    }

    /** A line whose seq is below the next one: already applied (a duplicate), or declared lost (late). */
    private void late(Line line) {
        int slot = (int) (line.seq() % DUPLICATE_MEMORY);
        if (appliedSeq[slot] == line.seq()) {
            duplicate(line, appliedLine[slot], appliedHash[slot] == line.hash(), "applied");
            return;
        }
        for (long[] gap : gaps) {
            if (line.seq() >= gap[0] && line.seq() <= gap[1]) {
                outOfOrderLineCount++;
                skipped("line " + line.number() + ", seq " + line.seq() + ": out of order, too late (more than "
                        + REORDER_WINDOW + " lines after its place; declared missing at line " + gap[2]
                        + "): skipped, its event stays lost");
                return;
            }
        }
        duplicateLineCount++;
        skipped("line " + line.number() + ", seq " + line.seq() + ": duplicate of a line applied more than "
                + DUPLICATE_MEMORY + " lines earlier (content not compared): skipped");
    }

    private void duplicate(Line line, long original, boolean identical, String state) {
        duplicateLineCount++;
        skipped("line " + line.number() + ", seq " + line.seq() + ": " + (identical ? "duplicate of line " + original
                : "conflicting duplicate: differs from line " + original + " (" + state + ")") + ": skipped");
    }

    private void remember(long seq, long lineNumber, long hash) {
        int slot = (int) (seq % DUPLICATE_MEMORY);
        appliedSeq[slot] = seq;
        appliedLine[slot] = lineNumber;
        appliedHash[slot] = hash;
    }

    /** The line's seq is the next: applies it unless the session ended or its time is impossible. */
    private void consume(Line line) {
        remember(line.seq(), line.number(), line.hash());
        String where = "line " + line.number() + ", seq " + line.seq() + ": ";
        if (endT != null) {
            skipped(where + "after the end line: skipped");
            return;
        }
        try {
            apply(line);
            lineCount++;
        } catch (ImpossibleTime e) {
            impossibleTimeCount++;
            skipped(where + "impossible time: " + e.getMessage() + ": skipped");
        } catch (RuntimeException e) {
            skipped(where + e.getMessage() + ": skipped");
        }
    }

    private void skipped(String problem) {
        skippedLineCount++;
        problem(problem);
    }

    private void problem(String problem) {
        if (problemCount++ < MAX_PROBLEMS) {
            problems.add(problem);
        }
    }

    // ---- applying one event --------------------------------------------------------------------

    /** A time the live session cannot have written. */
    private static final class ImpossibleTime extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        ImpossibleTime(String message) {
            super(message);
        }
    }

    /**
     * @param ordered whether the event is one of those whose times never decrease: a poll that read its
     *                source (one read at a time per view: the next starts after the previous one was
     *                journaled) or the end (written after both views stopped). A SKIPPED poll ends while a
     *                read is in flight and may be journaled after that read's later time; the two views poll
     *                on their own, so one's polls may be journaled after the other's later time; opens,
     *                closes, round marks, fallbacks and probe statistics come from the application's threads
     *                or follow another event: those are only checked against the start and the far future.
     * @param afterT  the time an ordered event may not be earlier than
     * @param after   the line of that time
     */
    private void checkTime(boolean ordered, long t, long afterT, long after) {
        if (t < startEpochMs) {
            throw new ImpossibleTime("t " + t + " is before the session's start " + startEpochMs);
        }
        if (t - startEpochMs > MAX_SESSION_MS) {
            throw new ImpossibleTime("t " + t + " is more than " + MAX_SESSION_DAYS + " days after the session's start "
                    + startEpochMs);
        }
        if (ordered && t < afterT) {
            throw new ImpossibleTime("t " + t + " is " + (afterT - t) + " ms before the poll at line " + after
                    + " (the times of polls that read their source, and of the end, never decrease)");
        }
    }

    private void apply(Line journaled) {
        FlatJson.Parsed line = journaled.parsed();
        String type = line.requireString("type");
        long t = line.requireLong("t");
        boolean secondary = type.equals("secondaryPoll");
        PollEvent event = type.equals("poll") || secondary ? JournalRecorder.readPoll(line) : null;
        boolean ordered = type.equals("end") || event != null && event.outcome() != PollOutcome.SKIPPED;
        if (secondary || type.equals("end") && lastSecondaryPollT > lastPollT) {
            checkTime(ordered, t, lastSecondaryPollT, lastSecondaryPollLine);
        } else {
            checkTime(ordered, t, lastPollT, lastPollLine);
        }
        switch (type) {
            case "poll", "secondaryPoll" -> {
                if (event.hasSample() && event.sample().timestamp() - t > MAX_SAMPLE_AHEAD_MS) {
                    throw new ImpossibleTime("the sample's timestamp " + event.sample().timestamp()
                            + " is more than 24 h after its poll's time " + t);
                }
                LatencyTelemetry telemetry = secondary ? session.secondaryTelemetry() : session.telemetry();
                if (telemetry == null) {
                    throw new IllegalArgumentException(secondary ? "a secondary poll before a secondary source was opened"
                            : "a poll before the first open");
                }
                replayPoll(telemetry, event);
                if (ordered && secondary) {
                    lastSecondaryPollT = t;
                    lastSecondaryPollLine = journaled.number();
                } else if (ordered) {
                    lastPollT = t;
                    lastPollLine = journaled.number();
                }
                if (event.hasSample() && !secondary) {
                    samples++;
                }
            }
            case "open" -> {
                JournalRecorder.Open open = JournalRecorder.readOpen(line);
                ConnectionLog.OpenKind kind = open.kind();
                if ((kind == ConnectionLog.OpenKind.FIRST) != (connection == null)) {
                    throw new IllegalArgumentException("an open of kind " + kind + (connection == null
                            ? " before the first open" : " after the first open"));
                }
                ReplayedConnection view = null;
                if (kind != ConnectionLog.OpenKind.SAME) {
                    connection = new ReplayedConnection(open.name(), open.refreshNanos());
                    view = open.secondaryName() == null ? null
                            : new ReplayedConnection(open.secondaryName(), open.secondaryRefreshNanos());
                }
                session.open(connection, view, t);
            }
            case "close" -> session.channelClosed(line.string("reason").orElse(null), t);
            case "roundBegin" -> session.beginRound(line.requireInt("round"), t);
            case "roundEnd" -> session.endRound(t);
            case "fallback" -> session.replayFallback(JournalRecorder.readFallback(line));
            case "probe" -> {
                ProbeStats stats = JournalRecorder.readProbe(line);
                if (connection == null) {
                    throw new IllegalArgumentException("probe statistics before the first open");
                }
                connection.stats = stats;
            }
            case "end" -> {
                endNanoTime = line.requireLong("endNanoTime");
                endT = t;
            }
            default -> throw new IllegalArgumentException("unknown type '" + type + "'");
        }
        lastT = Math.max(lastT, t);
    }

    /** Reads lines of at most {@link #MAX_LINE_BYTES} bytes; a longer one is measured, not held. */
    private static final class LineReader {
        private static final long FNV_OFFSET = 0xcbf29ce484222325L;
        private static final long FNV_PRIME = 0x100000001b3L;

        private final InputStream in;
        private final byte[] buffer = new byte[65_536];
        private int position;
        private int limit;
        private final byte[] line = new byte[MAX_LINE_BYTES];
        private long number;

        LineReader(InputStream in) {
            this.in = in;
        }

        /** @return the next line, {@code null} at the end of the file */
        Raw next() throws IOException {
            int length = 0;
            long bytes = 0;
            long hash = FNV_OFFSET;
            while (true) {
                if (position == limit) {
                    limit = in.read(buffer, 0, buffer.length);
                    position = 0;
                    if (limit <= 0) {
                        limit = 0;
                        if (bytes == 0) {
                            return null;
                        }
                        return raw(length, bytes, false, hash);
                    }
                }
                byte b = buffer[position++];
                if (b == '\n') {
                    return raw(length, bytes, true, hash);
                }
                hash = (hash ^ (b & 0xff)) * FNV_PRIME;
                if (bytes++ < MAX_LINE_BYTES) {
                    line[length++] = b;
                }
            }
        }

        private Raw raw(int length, long bytes, boolean terminated, long hash) {
            number++;
            String text = bytes > MAX_LINE_BYTES ? null : new String(line, 0, length, StandardCharsets.UTF_8);
            return new Raw(number, text, bytes, terminated, hash);
        }
    }

    /**
     * A connection of the replayed session, never read: a new instance stands for a new connection; it has
     * the name and refresh period journaled at its open and, as a probe, the statistics journaled last.
     */
    private static final class ReplayedConnection implements ProbeStatsSource {
        private final String name;
        private final Duration refreshPeriod;
        /** {@code null} until a probe line: the live source was no probe, or none was journaled yet. */
        ProbeStats stats;

        ReplayedConnection(String name, long refreshNanos) {
            this.name = name;
            this.refreshPeriod = Duration.ofNanos(refreshNanos);
        }

        @Override
        public CompletionStage<RttReading> read() {
            return CompletableFuture.failedFuture(new IllegalStateException("a replayed connection is never read"));
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Duration refreshPeriod() {
            return refreshPeriod;
        }

        @Override
        public ProbeStats probeStats() {
            return stats;
        }
    }

    /** Applies a journaled poll event as a live poll of {@code telemetry} ended with it. */
    private static void replayPoll(LatencyTelemetry telemetry, PollEvent event) {
        // TODO session-events: replayed into the session's LatencyRecord
        throw new UnsupportedOperationException("replaying a poll into " + telemetry
                + " needs the session's LatencyRecord: " + event);
    }
}
