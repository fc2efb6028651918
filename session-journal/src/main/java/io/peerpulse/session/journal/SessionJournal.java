package io.peerpulse.session;


import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The crash-safe session journal and its recovery.
 *
 * <p><b>Writing.</b> A session with a journal ({@link GameSession.Builder#journalDirectory(Path)} or the
 * setting {@value #DIRECTORY_SETTING}) appends one JSON object per line to
 * {@code <dir>/<stem>.journal.jsonl}: a {@code header} (the session's configuration and start), then every
 * event as it happens, each with its own time {@code t} — one line per poll of either view (its outcome, the
 * sample's timestamp and exact RTT bits when measured, the network path change if any), data-channel opens
 * (with the sources' names and refresh periods) and closes, round begins and ends, the fallback, the probe's
 * statistics whenever they changed at a poll and once more at close — and {@code end} at
 * {@link GameSession#close()}. Each line is written by
 * one {@code write} call on an unbuffered file channel, synchronously in the telemetry's listener call,
 * before the telemetry lets the next read start: when the process is killed, at most the poll in flight
 * is lost. Lines reach the OS page cache, which survives a killed process but not a power loss; with
 * {@value #FSYNC_SETTING}{@code =true} each line is also forced to the device.
 *
 * <p><b>Recovery.</b> {@link #recover(Path)} feeds the journaled events, with their own times, into the
 * same code the live session runs: each poll event is applied to a telemetry that never polls (its state —
 * window, session aggregates, counters, path — changes exactly as in the live poll), which hands it on to
 * the session's bookkeeping as a live poll does; opens, closes and rounds are applied at their journaled
 * times. Nothing reads a clock during a recovery, so how often the live session read its clock cannot
 * change the result: every statistic, counter, round, quality change, coverage gap and path change comes
 * out as live, every sample with its journaled timestamp and bit-identical RTT. A journal of another
 * format version is refused. Every line carries a sequence number {@code seq}; the file is read line by
 * line and lines are applied in {@code seq} order (a reorder window of 256 lines): duplicates, gaps,
 * lines too late for the window, impossible times and torn or unparsable lines are skipped or reported in
 * {@link Recovery#problems()}, never fatal; memory does not grow with the file (see the game-session
 * README, "Recovery rule" and "Recovery memory"). A journal without {@code end} (the process died) yields
 * the report as of its last event.
 *
 * @since 0.1.0
 */
public final class SessionJournal {

    /**
     * The setting (session setting, else system property) naming the journal directory.
     *
     * @since 0.1.0
     */
    public static final String DIRECTORY_SETTING = "peerpulse.journal.directory";
    /**
     * The setting that, when {@code true}, forces every journal line to the device.
     *
     * @since 0.1.0
     */
    public static final String FSYNC_SETTING = "peerpulse.journal.fsync";
    /**
     * The journal format version written in the header.
     *
     * @since 0.1.0
     */
    public static final int FORMAT_VERSION = 4;
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
     * @param lineCount            how many lines were replayed (the header included; skipped lines not)
     * @param sampleCount          how many samples of {@code latency}'s source were replayed (the second
     *                             view's not counted)
     * @param complete             whether the journal ends with {@code end}: the session was closed, not killed
     * @param duplicateLineCount   lines skipped because their {@code seq} was already applied (identical or
     *                             conflicting)
     * @param missingLineCount     seqs never found: lines lost (their events are not in the report)
     * @param outOfOrderLineCount  lines found after a higher seq: replayed in sequence order when within the
     *                             reorder window, else skipped
     * @param impossibleTimeCount  lines skipped for a time the live session cannot have written
     * @param skippedLineCount     lines skipped for any reason (torn, unparsable, too long, duplicate, too late,
     *                             impossible time, after the end, invalid)
     * @param problemCount         every problem found; {@code problems} lists at most the first 1,000
     * @param problems             one entry per problem, naming the line number, its seq when known, and why;
     *                             empty when none
     * @since 0.1.0
     */
    public record Recovery(Path journal, SessionReport report, long lineCount, long sampleCount, boolean complete,
                           long duplicateLineCount, long missingLineCount, long outOfOrderLineCount,
                           long impossibleTimeCount, long skippedLineCount, long problemCount,
                           List<String> problems) {
        /**
         * Copies the problems.
         *
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
     * @throws IOException when the file cannot be read or its first line is not a valid header
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
     * @throws IOException              when the file cannot be read or its first line is not a valid header
     * @throws IllegalArgumentException when an exporter name is unknown (listing the known ones)
     * @since 0.1.0
     */
    public static Recovery recoverAndExport(Path journal, Map<String, String> settings, List<String> exporters)
            throws IOException {
        Objects.requireNonNull(journal, "journal");
        Objects.requireNonNull(settings, "settings");
        try (InputStream in = Files.newInputStream(journal)) {
            return new JournalReplay(journal, in, settings, exporters).run();
        }
    }
}
