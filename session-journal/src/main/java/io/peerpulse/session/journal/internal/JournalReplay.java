package io.peerpulse.session.journal.internal;

import io.peerpulse.session.core.SessionCore;
import io.peerpulse.session.core.SessionEvent;
import io.peerpulse.session.core.Stamp;
import io.peerpulse.session.journal.SessionJournal;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.shared.Redaction;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One recovery: reads a journal line by line, decodes each event line ({@link JournalCodec}) and applies
 * the events, with their own stamps and in sequence order, to a {@link SessionCore} built from the header
 * ({@link SessionCore#forReplay}): the code the live session ran. Nothing reads a clock.
 *
 * <p><b>The rule.</b> A line's checksum is checked first: a line whose {@code crc} does not match its bytes is
 * damaged and skipped (its seq then shows as missing, like a lost line), and so is a line whose seq is
 * beyond the file's line count plus the reorder window (no writer can have numbered it so); a whole line
 * followed by zero bytes instead of its line end (a file extended before a power loss) is read, the zeros
 * reported. A header after line 1 with other bytes than line 1 begins another journal ({@code cat a b > c}): it and
 * the lines that follow it up to the next header are skipped and reported once, never applied, also when it follows
 * the torn last line of this one on the same line. Lines are applied in
 * {@code seq} order: a line that comes early waits in a reorder window of at most
 * {@value #REORDER_WINDOW} lines; when the window is full, or the file ends, the lowest waiting seq is
 * applied next and the seqs before it are a gap (lost lines, reported with their range). A line whose seq
 * was already applied or declared lost is skipped: a duplicate (a conflicting one when its bytes differ
 * from the applied line's) or a line that came too late. An event the session refuses (a time before the
 * last applied event's, a poll before the first open, anything after the end) is skipped; a poll whose path change
 * starts from another path than the view's recovered one (the change between was in lost lines) is applied as it
 * says, and the change it did not see reported; with the first open lost, a later open is applied as the first, and
 * a stand-in first open comes before a poll or probe line that needs one; a second view's poll after a gap, before any
 * open, while the recovered session polls no second view gets a stand-in open naming one at the gap. Every problem
 * names the line number, the seq and why. A journal without {@code end} ends at its last applied event.
 *
 * <p><b>Why one class.</b> Its one job is the rule above. Each decision reads several parts of its state at once
 * (a line's seq against the reorder window, the applied seqs remembered, the gap ranges and the file's line count),
 * and every problem is reported where it is decided; split, the rule would be spread over classes that share all of
 * that state.
 *
 * <p><b>Memory.</b> Besides what the session itself keeps (the windows of {@code maxSamples}, rounds,
 * connection events, quality changes, coverage gaps), at most: one line of {@value #MAX_LINE_BYTES} bytes
 * being read, {@value #REORDER_WINDOW} parsed lines waiting, {@value #DUPLICATE_MEMORY} applied lines'
 * (seq, line number, hash) to tell duplicates apart, {@value #MAX_GAPS} gap ranges, and
 * {@value #MAX_PROBLEMS} problem texts of at most {@value #MAX_PROBLEM_LENGTH} characters (the rest only counted).
 * Nothing grows with the file.
 */
public final class JournalReplay {

    /** Longest line read; a longer one is skipped and reported without being held. */
    public static final int MAX_LINE_BYTES = 65_536;
    /** Lines that may wait for a lower seq. */
    public static final int REORDER_WINDOW = 256;
    /** Applied lines remembered to tell an identical duplicate from a conflicting one. */
    public static final int DUPLICATE_MEMORY = 4_096;
    /** Gap ranges remembered to tell a late line from a duplicate. */
    public static final int MAX_GAPS = 1_000;
    /** Problem texts kept; the rest are counted. */
    public static final int MAX_PROBLEMS = 1_000;
    /** Longest problem text kept; a longer one is cut. */
    public static final int MAX_PROBLEM_LENGTH = 1_000;

    private final Path file;
    private final long fileLines;
    private final InputStream in;
    private final Map<String, String> settings;
    private final @Nullable List<String> exporters;

    private final List<String> problems = new ArrayList<>();
    private long problemCount;
    private long duplicateLineCount;
    private long missingLineCount;
    private long outOfOrderLineCount;
    private long damagedLineCount;
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

    @SuppressWarnings("NullAway.Init") // set by header(), the first thing run() does
    private SessionCore session;
    /** The stamp of the last event applied: where a journal without {@code end} ends. */
    @SuppressWarnings("NullAway.Init")
    private Stamp last;
    private long lineCount;
    private long samples;
    /** The hash of line 1, the header: a header after it with other bytes begins another journal. */
    private long headerHash;
    /** The line of another journal's header while its lines follow (seq = line - this), else 0. */
    private long foreignHeader;
    private long foreignLast;
    private long foreignCount;
    private String foreignSession = "";
    private boolean ended;
    /** Whether the lines after the lost first open showed a second view's poll: its stand-in names a second view. */
    private boolean standInSecondView;
    /** Whether a second view's poll contradicting the recovered fallback was reported since the latest open. */
    private boolean fallbackContradicted;
    private List<CompletableFuture<Void>> exportersDone = List.of();

    /**
     * @param file      the journal, for messages
     * @param fileLines its line count ({@link #countLines}): seqs beyond it (or beyond the line's number, in a
     *                  file that grew since it was counted) plus the window are damage
     * @param in        its bytes
     * @param settings  the exporters' settings
     * @param exporters exporter names, {@code null} for every provider found, empty for none
     */
    public JournalReplay(Path file, long fileLines, InputStream in, Map<String, String> settings,
                         @Nullable List<String> exporters) {
        this.file = file;
        this.fileLines = fileLines;
        this.in = in;
        this.settings = settings;
        this.exporters = exporters;
        Arrays.fill(appliedSeq, -1);
    }

    /**
     * The cheap first pass: how many lines a file has (a last line without line end counted).
     *
     * @param in the file's bytes
     * @return its line count
     * @throws IOException when it cannot be read
     */
    public static long countLines(InputStream in) throws IOException {
        byte[] buffer = new byte[65_536];
        long lines = 0;
        boolean open = false;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            for (int k = 0; k < n; k++) {
                if (buffer[k] == '\n') {
                    lines++;
                    open = false;
                } else {
                    open = true;
                }
            }
        }
        return open ? lines + 1 : lines;
    }

    /**
     * One line read: its number, its bytes (the reader's buffer: only the first {@code length} are the line's,
     * none when too long), its size, whether a line end ended it, the hash of its bytes.
     */
    private record Raw(long number, byte[] bytes, int length, long size, boolean terminated, long hash) {
        boolean tooLong() {
            return size > MAX_LINE_BYTES;
        }

        String text() {
            return new String(bytes, 0, length, StandardCharsets.UTF_8);
        }
    }

    /** A parsed line waiting to be applied. */
    private record Line(long number, long seq, FlatJson.Parsed parsed, long hash) {
    }

    /**
     * @return what was recovered
     * @throws IOException when the file cannot be read, or its header is missing, damaged, invalid or of
     *                     another format version
     */
    public SessionJournal.Recovery run() throws IOException {
        LineReader reader = new LineReader(in);
        Raw first = reader.next();
        if (first == null) {
            throw new IOException("journal " + file + " is empty");
        }
        String utf16 = utf16(first);
        if (utf16 != null) {
            throw new IOException("journal " + file + " is " + utf16 + ", not UTF-8 as PeerPulse writes it: a tool"
                    + " re-encoded it (Windows PowerShell's > and Out-File write UTF-16), so no checksum matches."
                    + " Convert it back (iconv -f " + utf16 + " -t UTF-8 <file> > <copy>) and recover the copy");
        }
        Raw whole = beforeZeros(first);
        if (whole != null) {
            zeros(first, whole);
            first = whole;
        }
        if (first.tooLong()) {
            throw new IOException("journal " + file + " has no valid header line: line 1 is longer than "
                    + MAX_LINE_BYTES + " bytes");
        }
        header(first);
        for (Raw raw = reader.next(); raw != null; raw = reader.next()) {
            read(raw);
        }
        endOfForeignJournal();
        while (!pending.isEmpty()) {
            skipToLowestPending();
        }
        if (!ended) {
            exportersDone = session.apply(new SessionEvent.Ended(last)).exportersDone();
        }
        session.awaitExporters(exportersDone);
        return new SessionJournal.Recovery(file, session.finalReport().orElseThrow(), lineCount, samples, ended,
                duplicateLineCount, missingLineCount, outOfOrderLineCount, damagedLineCount, skippedLineCount,
                problemCount, problems);
    }

    private void header(Raw raw) throws IOException {
        String invalid = "journal " + file + " has no valid header line: ";
        JournalCodec.Header header;
        int zero = firstZero(raw);
        if (zero < raw.length()) { // no line the writer writes holds one (JSON escapes it)
            throw new IOException(invalid + "line 1 holds zero bytes from byte " + (zero + 1) + " on: its data never"
                    + " reached the disk (the file system extended the file first, as before a power loss or a"
                    + " kernel crash), and without the header's configuration nothing can be recovered");
        }
        try {
            String damage = LineChecksum.problem(raw.bytes(), raw.length());
            FlatJson.Parsed parsed;
            try {
                parsed = FlatJson.parse(raw.text());
            } catch (IllegalArgumentException e) {
                // the checksum first; then another version's header may hold what this reader refuses (true,
                // nesting): its format decides
                if (damage != null && !damage.equals(LineChecksum.NO_CRC)) {
                    throw new IOException(invalid + "line 1 is damaged (" + damage + notUtf8(raw) + ")", e);
                }
                Matcher other = OTHER_FORMAT.matcher(raw.text());
                if (other.lookingAt() && !other.group(1).equals(String.valueOf(SessionJournal.FORMAT_VERSION))) {
                    throw otherFormat(other.group(1));
                }
                throw e;
            }
            long format = JournalCodec.format(parsed);
            // another version's header has no crc member: its format decides; with one, the checksum first
            if (damage != null && !damage.equals(LineChecksum.NO_CRC)) {
                throw new IOException(invalid + "line 1 is damaged (" + damage + notUtf8(raw) + ")");
            }
            if (format != SessionJournal.FORMAT_VERSION) {
                throw otherFormat(String.valueOf(format));
            }
            if (damage != null) {
                throw new IOException(invalid + "line 1 is damaged (" + damage + ")");
            }
            if (parsed.has("maxSamples") && !parsed.has("maxSampleCount")) {
                throw earlierNames();
            }
            header = JournalCodec.readHeader(parsed);
        } catch (IllegalArgumentException e) {
            throw new IOException(invalid + shown(String.valueOf(e.getMessage())), e); // it may quote the file
        }
        session = SessionCore.forReplay(header.config(), header.start(), settings, exporters);
        header.notes().forEach(note -> problem("line " + raw.number() + ": " + note));
        last = header.start().stamp();
        remember(0, raw.number(), raw.hash());
        headerHash = raw.hash();
        lineCount++;
    }

    /**
     * A file system that extended the file before a crash (ext4 after a power loss) leaves zero bytes where
     * the data never reached the disk; when they start right after a whole line's last byte (its line end
     * lost with them), that line is before its first zero: the line, else {@code null}.
     */
    private static @Nullable Raw beforeZeros(Raw raw) {
        int zero = firstZero(raw);
        // no line the writer writes holds a zero byte (JSON escapes it): one found ends the line's own bytes
        if (zero == raw.length() || LineChecksum.problem(raw.bytes(), zero) != null) {
            return null;
        }
        return new Raw(raw.number(), raw.bytes(), zero, zero, raw.terminated(), LineReader.hash(raw.bytes(), zero));
    }

    /** @return the index of the line's first zero byte, its length when it holds none */
    private static int firstZero(Raw raw) {
        int zero = 0;
        while (zero < raw.length() && raw.bytes()[zero] != 0) {
            zero++;
        }
        return zero;
    }

    /**
     * UTF-16, as a Windows tool re-encodes a text file (with a byte order mark, or without: '{' beside a zero byte):
     * its name, else {@code null}. No journal line begins otherwise with those bytes.
     */
    private static @Nullable String utf16(Raw first) {
        byte[] b = first.bytes();
        if (first.length() < 2) {
            return null;
        }
        if (b[0] == (byte) 0xFF && b[1] == (byte) 0xFE || b[0] == '{' && b[1] == 0) {
            return "UTF-16LE";
        }
        return b[0] == (byte) 0xFE && b[1] == (byte) 0xFF || b[0] == 0 && b[1] == '{' ? "UTF-16BE" : null;
    }

    /**
     * For a damaged line: whether its bytes are not UTF-8, which the writer writes (a file re-encoded by a tool, as
     * to Latin-1: the checksum covers the UTF-8 bytes of "Zoë", not its Latin-1 ones), said in words; else empty.
     */
    private static String notUtf8(Raw raw) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(raw.bytes(), 0, raw.length()));
            return "";
        } catch (java.nio.charset.CharacterCodingException e) {
            return "; its bytes are not UTF-8: re-encoded by a tool, as to Latin-1 or Windows-1252?";
        }
    }

    private void zeros(Raw raw, Raw whole) {
        problem("line " + raw.number() + ": a whole line followed by " + (raw.size() - whole.size()) + " bytes from"
                + " a zero byte on, not by a line end (the file system extended the file but the data never reached"
                + " the disk, as after a power loss): the line is read, those bytes skipped");
    }

    /** A header's {@code format}, read without parsing the line: {@code {"type":"header","seq":0,"format":N}}. */
    private static final Pattern OTHER_FORMAT = Pattern.compile("\\{\"type\":\"header\",\"seq\":0,\"format\":(\\d{1,9})[,}]");

    /**
     * Format 5 as written before ee18b62 (2026-12-06), which renamed its keys by the naming rule without a new
     * format number: not damage, another version's file.
     */
    private IOException earlierNames() {
        return new IOException("journal " + file + " is of format 5 as PeerPulse wrote it before ee18b62"
                + " (2026-12-06), with keys renamed since (maxSamples, recentSamples, t, n, sent, timestamp, …);"
                + " this version reads format 5's current keys only. Recover it with the PeerPulse version that"
                + " wrote it, or keep its exports");
    }

    private IOException otherFormat(String format) {
        return new IOException("journal " + file + " is of format " + format + "; this version reads format "
                + SessionJournal.FORMAT_VERSION + " only (checksummed lines, the session's events). Recover"
                + " it with the PeerPulse version that wrote it (format 4: PeerPulse before the session"
                + " journal module), or keep its exports");
    }

    // ---- the sequence rule ---------------------------------------------------------------------

    private void read(Raw raw) {
        Raw whole = beforeZeros(raw);
        if (whole != null) {
            zeros(raw, whole);
            raw = whole;
        }
        long n = raw.number();
        if (raw.tooLong()) {
            skipped("line " + n + ": longer than " + MAX_LINE_BYTES + " bytes (" + raw.size() + " bytes): skipped");
            return;
        }
        String damage = LineChecksum.problem(raw.bytes(), raw.length());
        int header = damage == null ? -1 : headerWithin(raw);
        if (header > 0) {
            // a journal cut in the middle of a line (killed) and another after it (cat a b > c): the other's header
            skipped("line " + n + ": torn line (" + header + " bytes, no line end) followed by a header line: the torn"
                    + " part skipped");
            int length = raw.length() - header;
            System.arraycopy(raw.bytes(), header, raw.bytes(), 0, length);
            raw = new Raw(n, raw.bytes(), length, raw.size() - header, raw.terminated(),
                    LineReader.hash(raw.bytes(), length));
            damage = null;
        }
        if (damage != null && raw.text().isBlank()) {
            return; // a failed write leaves the next line on a fresh line; a spent seq, an empty line
        }
        if (damage != null && !raw.terminated()) {
            skipped("line " + n + ": torn last line (" + raw.size() + " bytes, no line end): skipped");
            return;
        }
        if (damage != null) {
            damaged("line " + n + ": damaged (" + damage + notUtf8(raw) + "): skipped");
            return;
        }
        FlatJson.Parsed parsed;
        long seq;
        try {
            parsed = FlatJson.parse(raw.text());
            seq = parsed.requireLongAtLeast("seq", 0);
        } catch (IllegalArgumentException e) {
            skipped("line " + n + ": unparsable (" + e.getMessage() + "): skipped");
            return;
        }
        boolean isHeader = seq == 0 && isHeader(parsed);
        if (foreignHeader > 0 && !isHeader) {
            // another journal's line: every line after its header is its own (a journal is never appended to), also
            // when a line of it repeated or lost shifts its seqs off its line numbers
            foreignLine(n);
            return;
        }
        endOfForeignJournal();
        if (isHeader && raw.hash() != headerHash) {
            // a journal is never appended to (a new file per session): another header is another journal's
            // (cat a b > c); this one's own, repeated (a copy retried), is a duplicate like any other line
            foreignHeader = n;
            try {
                foreignSession = parsed.string("sessionId").orElse("?");
            } catch (IllegalArgumentException e) {
                foreignSession = "?"; // not a string: a header this reader would refuse, still another journal's
            }
            foreignLine(n);
            return;
        }
        // a file still appended to (a live session) has more lines than were counted: line n is there
        long lines = Math.max(fileLines, n);
        if (seq > lines + REORDER_WINDOW) {
            damaged("line " + n + ", seq " + seq + ": damaged (seq beyond the file's " + lines
                    + " lines and the reorder window of " + REORDER_WINDOW + "): skipped");
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

    /** Whether a line of seq 0 is a header; a type that is no string (a crafted line) is none, not a throw. */
    private static boolean isHeader(FlatJson.Parsed parsed) {
        try {
            return "header".equals(parsed.string("type").orElse(null));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void foreignLine(long n) {
        foreignLast = n;
        foreignCount++;
        skippedLineCount++;
    }

    /** Reports the lines of another journal read since its header, once, when they end. */
    private void endOfForeignJournal() {
        if (foreignHeader == 0) {
            return;
        }
        problem("lines " + foreignHeader + " to " + foreignLast + ": another journal (session '" + foreignSession
                + "', its header at line " + foreignHeader + ") follows this one, as after cat a b > c: its "
                + foreignCount + " lines skipped (recover it from its own file)");
        foreignHeader = 0;
        foreignCount = 0;
    }

    private static final byte[] HEADER_START = "{\"type\":\"header\",\"seq\":0,".getBytes(StandardCharsets.US_ASCII);

    /** Where a whole header line begins inside a damaged line after its first byte, else -1. */
    private static int headerWithin(Raw raw) {
        byte[] bytes = raw.bytes();
        search:
        for (int at = 1; at <= raw.length() - HEADER_START.length; at++) {
            for (int k = 0; k < HEADER_START.length; k++) {
                if (bytes[at + k] != HEADER_START[k]) {
                    continue search;
                }
            }
            byte[] rest = Arrays.copyOfRange(bytes, at, raw.length());
            return LineChecksum.problem(rest, rest.length) == null ? at : -1;
        }
        return -1;
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
        if (!ended && secondaryPollBeforeOpen()) {
            secondViewLost(lowest);
        }
        drain();
    }

    /**
     * Whether the lines after a gap (those waiting, up to the next hole) hold a second view's poll before any open while
     * the recovered session polls no second view: live, no such poll is handed on then, so an open naming a second view
     * was in the lost lines.
     */
    private boolean secondaryPollBeforeOpen() {
        if (session.isSecondaryPolled()) {
            return false;
        }
        long seq = next;
        for (Line line : pending.values()) {
            SessionEvent event;
            try {
                event = JournalCodec.decode(line.parsed());
            } catch (IllegalArgumentException invalid) {
                event = null; // refused when applied; says nothing of the lost lines
            }
            if (line.seq() != seq++ || event instanceof SessionEvent.Opened) {
                return false;
            }
            if (event instanceof SessionEvent.Polled polled && polled.view() == SessionEvent.View.SECONDARY) {
                return true;
            }
        }
        return false;
    }

    /**
     * The lost lines before {@code first} held an open naming a second view: with no open applied, the stand-in first
     * open gets a second view too; after one, a stand-in reconnection with both views is applied at the line's time
     * (only a new source names a second view: a reopening keeps the sources), unless the recovered session fell back
     * since its latest open, when the second view's poll may as well say that the live one had not (the lost lines
     * held the polls that decide it) and nothing is applied for it.
     */
    private void secondViewLost(Line first) {
        if (session.primary().isEmpty()) {
            standInSecondView = true;
            return;
        }
        if (session.hasFallenBack()) {
            return;
        }
        SessionEvent.Source unknown = new SessionEvent.Source(UNKNOWN_SOURCE, 0);
        try {
            Stamp at = JournalCodec.decode(first.parsed()).at();
            session.apply(new SessionEvent.Opened(at, SessionEvent.OpenKind.NEW, unknown, unknown));
        } catch (IllegalArgumentException | IllegalStateException e) {
            return; // the line itself is invalid or cannot follow (a time before the last event's): reported when applied
        }
        problem("line " + first.number() + ", seq " + first.seq() + ": an open naming a second view was in the lost"
                + " lines (a second view's poll follows before any open, and the recovered session polls none): a"
                + " reconnection to source '" + UNKNOWN_SOURCE + "' with a second view of that name applied at this"
                + " line's time, so that both views' polls are kept (the lines before it keep the sources and the"
                + " channel as recovered)");
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

    /** The line's seq is the next: applies its event unless the session ended or refuses it. */
    private void consume(Line line) {
        remember(line.seq(), line.number(), line.hash());
        String where = "line " + line.number() + ", seq " + line.seq() + ": ";
        if (ended) {
            skipped(where + "after the end line: skipped");
            return;
        }
        SessionEvent event;
        try {
            event = JournalCodec.decode(line.parsed());
        } catch (IllegalArgumentException e) {
            skipped(where + "invalid (" + e.getMessage() + "): skipped");
            return;
        }
        if (session.primary().isEmpty() && !ended) {
            event = withoutFirstOpen(event, where);
        }
        String unseen = event instanceof SessionEvent.RoundEnded && session.currentRound().isEmpty()
                ? "a round end with no round open: its begin was in lost lines, and the round's number with it (its"
                        + " samples count in no round): nothing to end"
                : event instanceof SessionEvent.ChannelClosed && !session.isChannelOpen()
                ? "a close with no channel open: the open before it was in lost lines (the recovered channel stays"
                        + " closed since the close before): not applied"
                : unseenFallbackOrPathChange(event);
        SessionCore.Applied applied;
        try {
            applied = session.apply(event);
        } catch (IllegalArgumentException | IllegalStateException e) {
            skipped(where + "refused by the session (" + e.getMessage() + "): skipped");
            return;
        }
        if (unseen != null) {
            problem(where + unseen);
        }
        if (event instanceof SessionEvent.Opened) {
            fallbackContradicted = false;
        }
        lineCount++;
        last = event.at();
        if (event instanceof SessionEvent.Ended) {
            ended = true;
            exportersDone = applied.exportersDone();
        } else if (event instanceof SessionEvent.Polled polled && polled.view() == SessionEvent.View.PRIMARY
                && polled.poll().hasSample()) {
            samples++;
        }
    }

    /**
     * An event that needs the session's first open while none was applied: its line was lost (live, nothing but an
     * open comes first). A reopening or reconnection is applied as the first open, with its own sources; before a poll
     * or probe statistics a stand-in first open is applied at their stamp, its source {@value #UNKNOWN_SOURCE} (with a
     * second view of that name before a second view's poll), so that their data is kept. Either is reported.
     */
    private SessionEvent withoutFirstOpen(SessionEvent event, String where) {
        if (event instanceof SessionEvent.Opened opened && opened.kind() != SessionEvent.OpenKind.FIRST) {
            problem(where + "an open of kind " + opened.kind() + " with no open before it: the first open was in lost"
                    + " lines; applied as the first open (so no reconnection counted)");
            return new SessionEvent.Opened(opened.at(), SessionEvent.OpenKind.FIRST, opened.source(),
                    opened.secondary());
        }
        if (!(event instanceof SessionEvent.Polled) && !(event instanceof SessionEvent.ProbeRead)) {
            return event;
        }
        boolean second = standInSecondView
                || event instanceof SessionEvent.Polled polled && polled.view() == SessionEvent.View.SECONDARY;
        SessionEvent.Source unknown = new SessionEvent.Source(UNKNOWN_SOURCE, 0);
        try {
            session.apply(new SessionEvent.Opened(event.at(), SessionEvent.OpenKind.FIRST, unknown,
                    second ? unknown : null));
        } catch (IllegalArgumentException | IllegalStateException e) {
            return event; // the event itself cannot follow either (a time before the last event's): refused below
        }
        problem(where + "the session's first open was in lost lines: a first open of source '" + UNKNOWN_SOURCE + "'"
                + (second ? " with a second view of that name" : "") + " applied at this line's time, so that its"
                + " data and what follows are kept (the time before it counts as without a channel)");
        return event;
    }

    /**
     * A second view's poll after the recovered session fell back (live, none is handed on after a fallback, and the
     * journal records no fallback: recovery decides it again from the polls), the first since the latest open: the live
     * session had not fallen back, the lost lines held polls that decided otherwise. Else as {@link #unseenPathChange}.
     */
    private @Nullable String unseenFallbackOrPathChange(SessionEvent event) {
        if (event instanceof SessionEvent.Polled polled && polled.view() == SessionEvent.View.SECONDARY
                && session.hasFallenBack() && !fallbackContradicted) {
            fallbackContradicted = true;
            return "a second view's poll after the recovered fallback to the second view's source: live none follows a"
                    + " fallback, so the live session had not fallen back, and lost lines held the polls that decided"
                    + " otherwise; the recovered fallback stands (the journal records none), and this and the second"
                    + " view's later polls up to the next open change nothing";
        }
        return unseenPathChange(event);
    }

    /** The name of the source a stand-in first open gives: its open line was lost. */
    static final String UNKNOWN_SOURCE = "unknown (its open line was lost)";

    /**
     * For a poll whose path change starts from another path than the view's recovered one (the change between was
     * in lost lines: live, each change starts from the path before it), what the recovery does, in words; else
     * {@code null}.
     */
    private @Nullable String unseenPathChange(SessionEvent event) {
        if (!(event instanceof SessionEvent.Polled polled) || !polled.poll().pathChanged()) {
            return null;
        }
        NetworkPath from = polled.poll().previousPath();
        NetworkPath current = session.path(polled.view()).orElse(null);
        if (java.util.Objects.equals(from, current) || from == null) {
            // from none while the recovered view holds a path: live a change starts from none only when no path was
            // recorded yet, which lost lines cannot undo; a journal written before 5f5e04f0 started a view's first
            // change after an open or a fallback from none (its own record had no path) - nothing was lost
            return null;
        }
        String view = polled.view() == SessionEvent.View.PRIMARY ? "the path" : "the second view's path";
        String unseen = (current == null ? "the first path, " + from + "," : "the change from " + current + " to " + from)
                + " was in lost lines";
        return "changes " + view + " from " + from + " to "
                + polled.poll().path() + ", but the recovered path was " + (current == null ? "none" : current) + ": "
                + unseen + " (neither listed nor counted); this line's poll applied, the change listed from the"
                + " recovered path";
    }

    private void damaged(String problem) {
        damagedLineCount++;
        skipped(problem);
    }

    private void skipped(String problem) {
        skippedLineCount++;
        problem(problem);
    }

    private void problem(String problem) {
        if (problemCount++ < MAX_PROBLEMS) {
            problems.add(shown(problem));
        }
    }

    /**
     * A problem as it is kept and printed: a control or bidirectional control character (from the file: a value
     * named in the problem) as <code>&#92;uXXXX</code>, since {@code peerpulse recover} prints it to a terminal, which
     * would run an escape sequence; an address or ICE candidate in such a value as the privacy rule has it
     * ({@link Redaction#redactLines}); cut after {@value #MAX_PROBLEM_LENGTH} characters (a value may be as long as
     * a line).
     */
    static String shown(String problem) {
        String shown = java.util.Objects.requireNonNull(Redaction.redactLines(Redaction.escapeControls(problem)));
        if (shown.length() <= MAX_PROBLEM_LENGTH) {
            return shown;
        }
        int end = Character.isHighSurrogate(shown.charAt(MAX_PROBLEM_LENGTH - 1)) // never half a pair
                ? MAX_PROBLEM_LENGTH - 1 : MAX_PROBLEM_LENGTH;
        return shown.substring(0, end) + '…';
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
        @Nullable Raw next() throws IOException {
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

        /** The hash {@link #next} gives a line of these bytes. */
        static long hash(byte[] bytes, int length) {
            long hash = FNV_OFFSET;
            for (int k = 0; k < length; k++) {
                hash = (hash ^ (bytes[k] & 0xff)) * FNV_PRIME;
            }
            return hash;
        }

        private Raw raw(int length, long bytes, boolean terminated, long hash) {
            number++;
            // a copy through Windows: a CR before the line end (also before the end of a file cut between CR and
            // LF), a byte order mark before the first line; a text tool's white space after the line. The writer
            // writes none of them (every line ends with '}', a CR or tab in a value is escaped): taken off, so that
            // the checksum checks what it wrote
            int from = number == 1 && length >= 3 && line[0] == (byte) 0xEF && line[1] == (byte) 0xBB
                    && line[2] == (byte) 0xBF ? 3 : 0;
            int trailing = 0;
            while (bytes <= MAX_LINE_BYTES && length - trailing > from
                    && (line[length - trailing - 1] == '\r' || line[length - trailing - 1] == ' '
                    || line[length - trailing - 1] == '\t')) {
                trailing++;
            }
            if (from > 0 || trailing > 0) {
                length -= trailing;
                System.arraycopy(line, from, line, 0, length - from);
                length -= from;
                bytes -= from + trailing;
                hash = hash(line, length);
            }
            return new Raw(number, line, length, bytes, terminated, hash);
        }
    }

}
