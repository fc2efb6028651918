package io.peerpulse.session.journal;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.core.EventLogProvider;
import io.peerpulse.session.journal.internal.JournalReplay;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The crash-safe session journal and its recovery.
 *
 * <p><b>Writing.</b> A session with a journal ({@link GameSession.Builder#journalDirectory(Path)} or the
 * setting {@value #DIRECTORY_SETTING}) appends one JSON object per line to
 * {@code <dir>/<stem>.journal.jsonl}: a {@code header} (the session's whole configuration and its start),
 * then every event the session applies, in the order it applies them: opens, polls of either view, probe
 * statistics, closes, round begins and ends, and {@code end} at {@link GameSession#close()}. Each line
 * carries its sequence number {@code seq}, its wall-clock label {@code epochMs}, its monotonic time {@code nanoTime}, and
 * last its checksum {@code crc} (CRC32C of the line without that member). Applying an event only queues its
 * line; the journal's writer, on a daemon thread of its own ({@code peerpulse-journal-N}), writes each with one
 * {@code write} call on an unbuffered file stream, so a slow or stuck disk never holds the session. When the
 * process is killed, the lines still queued are lost: normally none or the last few, at most 1 MiB of lines when
 * the disk does not keep up (beyond that further lines are dropped and counted,
 * {@link GameSession#journalFailureCount()}). Written lines reach the OS page cache, which survives a killed
 * process but not a power loss; with {@value #FSYNC_SETTING}{@code =true} the writer also forces each batch it
 * wrote to the device (group commit). {@link GameSession#close()} waits, within the exporter timeout, until every
 * line is written and the file closed.
 *
 * <p><b>Recovery.</b> {@link #recover(Path)} decodes the journaled events and applies them, with their own
 * stamps and in {@code seq} order, to a session core built from the header: the same
 * {@code SessionCore.apply} the live session ran, so every statistic, counter, round, quality change,
 * coverage gap, path change, fallback and clock step comes out as live, every sample bit-identical. Nothing
 * reads a clock. A line whose checksum does not match is damaged; damaged, torn, unparsable and implausible
 * lines, duplicates, gaps, lines too late for the reorder window of 256 lines, events the core refuses, and the
 * lines of another journal appended to this one ({@code cat a b > c}) are skipped and reported in {@link Recovery#problems()}, never fatal; memory does not grow with the file
 * (see the module README). A journal without {@code end} (the process died) ends at its last applied event.
 * A journal of another format version is refused, and so is one of format 5 written with the key names it had
 * before they were renamed without a new number, naming that version (the module README, "Format 5").
 *
 * @since 0.1.0
 */
public final class SessionJournal {

    /**
     * The setting (session setting, else system property) naming the journal directory.
     *
     * @since 0.1.0
     */
    public static final String DIRECTORY_SETTING = EventLogProvider.DIRECTORY_SETTING;
    /**
     * The setting that, when {@code true}, forces every journal line to the device.
     *
     * @since 0.1.0
     */
    public static final String FSYNC_SETTING = EventLogProvider.FSYNC_SETTING;
    /**
     * The journal format version written in the header.
     *
     * @since 0.1.0
     */
    public static final int FORMAT_VERSION = 5;
    /**
     * The journal file name ending.
     *
     * @since 0.1.0
     */
    public static final String FILE_SUFFIX = ".journal.jsonl";

    private SessionJournal() {
    }

    /**
     * What a recovery found.
     *
     * @param journal              the journal read
     * @param report               the session's report rebuilt from it
     * @param lineCount            how many lines were applied (the header included; skipped lines not)
     * @param sampleCount          how many samples of {@code latency}'s source were replayed (the second
     *                             view's not counted)
     * @param complete             whether the journal ends with {@code end}: the session was closed, not killed
     * @param duplicateLineCount   lines skipped because their {@code seq} was already applied (identical or
     *                             conflicting)
     * @param missingLineCount     seqs never found: lines lost (their events are not in the report)
     * @param outOfOrderLineCount  lines found after a higher seq: replayed in sequence order when within the
     *                             reorder window, else skipped
     * @param damagedLineCount     lines skipped as damaged: a checksum that does not match the line, or a seq
     *                             beyond the file's line count plus the reorder window
     * @param skippedLineCount     lines skipped for any reason (damaged, torn, unparsable, too long, duplicate,
     *                             too late, after the end, refused by the session, another journal's)
     * @param problemCount         every problem found; {@code problems} lists at most the first 1,000
     * @param problems             one entry per problem, naming the line number, its seq when known, and why;
     *                             empty when none
     * @since 0.1.0
     */
    public record Recovery(Path journal, SessionReport report, long lineCount, long sampleCount, boolean complete,
                           long duplicateLineCount, long missingLineCount, long outOfOrderLineCount,
                           long damagedLineCount, long skippedLineCount, long problemCount,
                           List<String> problems) {
        /**
         * Copies the problems.
         *
         * @param journal             see the record description
         * @param report              see the record description
         * @param lineCount           see the record description
         * @param sampleCount         see the record description
         * @param complete            see the record description
         * @param duplicateLineCount  see the record description
         * @param missingLineCount    see the record description
         * @param outOfOrderLineCount see the record description
         * @param damagedLineCount    see the record description
         * @param skippedLineCount    see the record description
         * @param problemCount        see the record description
         * @param problems            see the record description
         * @since 0.1.0
         */
        public Recovery {
            problems = List.copyOf(problems);
        }
    }

    /**
     * Rebuilds a session's report from its journal, running no exporter.
     *
     * @param journal the journal file
     * @return what was recovered
     * @throws IOException when the file cannot be read, is not a regular file (a pipe, a device), or its first
     *                     line is not a valid header
     * @since 0.1.0
     */
    public static Recovery recover(Path journal) throws IOException {
        return recoverAndExport(journal, Map.of(), List.of());
    }

    /**
     * Rebuilds a session's report from its journal and runs exporters on it as a live session's
     * {@code close()} does: {@code sessionStarted}, {@code sampleRecorded} for every replayed sample,
     * {@code sessionEnded} once; a failing exporter is logged and the others still run.
     *
     * @param journal   the journal file
     * @param settings  the exporters' settings (as {@link GameSession.Builder#exportSetting}), e.g. their
     *                  directories
     * @param exporters provider names as {@link GameSession.Builder#exporters(String...)}; {@code null} for
     *                  every provider found by {@link java.util.ServiceLoader}; empty for none
     * @return what was recovered
     * @throws IOException              when the file cannot be read, is not a regular file (a pipe, a device:
     *                                  a recovery reads it twice), or its first line is not a valid header
     * @throws IllegalArgumentException when an exporter name is unknown (listing the known ones)
     * @since 0.1.0
     */
    public static Recovery recoverAndExport(Path journal, Map<String, String> settings,
                                            @Nullable List<String> exporters)
            throws IOException {
        Objects.requireNonNull(journal, "journal");
        Objects.requireNonNull(settings, "settings");
        if (!Files.isDirectory(journal) && !Files.readAttributes(journal, BasicFileAttributes.class).isRegularFile()) {
            // a recovery reads the file twice: a pipe would block the second time for a writer that never comes
            throw new IOException("journal " + journal + " is not a regular file (a pipe or a device): a recovery"
                    + " reads the file twice; copy it to a file first");
        }
        long lines;
        try (InputStream in = Files.newInputStream(journal)) {
            lines = JournalReplay.countLines(in);
        }
        try (InputStream in = Files.newInputStream(journal)) {
            return new JournalReplay(journal, lines, in, settings, exporters).run();
        }
    }
}
