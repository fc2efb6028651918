package io.peerpulse.session;

import io.peerpulse.session.internal.FlatJson;
import io.peerpulse.session.internal.JournalWriter;
import io.peerpulse.session.spi.ExportFiles;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.PollEvent;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.RttSample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Writes a session's journal: one line per event, each with the event's own time, in the order the
 * session applies them (callers hold the session's lock). Every line but the header is read back here too
 * ({@link #readPoll}, {@link #readOpen}, {@link #readFallback}, {@link #readProbe}), so that its format lives
 * in one place; the header's lives in {@link SessionConfig}. A recorder without a file ({@link #OFF}) writes
 * nothing.
 */
final class JournalRecorder {

    /** No journal. */
    static final JournalRecorder OFF = new JournalRecorder(null);

    private final JournalWriter writer;
    /** The last line's sequence number: the header is 0; guarded by the session's lock like every call. */
    private long seq;

    private JournalRecorder(JournalWriter writer) {
        this.writer = writer;
    }

    /**
     * Opens the journal the builder asked for, or none.
     *
     * @param sessionId the session's id
     * @param enabled   whether a journal may be written at all
     * @param directory the directory, {@code null} for the setting {@value SessionJournal#DIRECTORY_SETTING}
     * @param fsync     whether to force every line, {@code null} for the setting {@value SessionJournal#FSYNC_SETTING}
     * @param settings  the session's export settings
     * @param wrapper   wraps the file sink (tests)
     * @return the recorder, {@link #OFF} when no journal is configured
     * @throws IllegalArgumentException when a setting is invalid
     * @throws UncheckedIOException     naming the path when the file cannot be created
     */
    static JournalRecorder open(String sessionId, boolean enabled, Path directory, Boolean fsync,
                                ExportSettings settings, UnaryOperator<JournalWriter.Sink> wrapper) {
        if (!enabled) {
            return OFF;
        }
        Path dir = directory;
        if (dir == null) {
            Optional<String> value = settings.get(SessionJournal.DIRECTORY_SETTING);
            if (value.isEmpty()) {
                return OFF;
            }
            if (value.get().isBlank()) {
                throw new IllegalArgumentException(SessionJournal.DIRECTORY_SETTING + " must not be blank");
            }
            try {
                dir = Path.of(value.get());
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException(SessionJournal.DIRECTORY_SETTING + " is not a valid path: "
                        + e.getMessage(), e);
            }
        }
        boolean force = fsync != null ? fsync
                : settings.get(SessionJournal.FSYNC_SETTING).map(JournalRecorder::parseFsync).orElse(false);
        try {
            return new JournalRecorder(JournalWriter.create(dir, ExportFiles.fileStem(sessionId), sessionId, force,
                    wrapper));
        } catch (IOException e) {
            throw new UncheckedIOException("session '" + sessionId + "': " + e.getMessage(), e);
        }
    }

    private static boolean parseFsync(String value) {
        String text = value.strip();
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(SessionJournal.FSYNC_SETTING + " must be true or false, was '" + value
                + "'");
    }

    /** @return whether lines are written: callers skip work that only a journal needs */
    boolean on() {
        return writer != null;
    }

    Optional<Path> path() {
        return writer == null ? Optional.empty() : Optional.of(writer.path());
    }

    long failures() {
        return writer == null ? 0 : writer.failures();
    }

    /** Callers check {@code writer != null} first, so that {@link #OFF}'s counter is never touched. */
    private void append(FlatJson line) {
        writer.append(line.toString());
    }

    /**
     * Starts the next line: its type, its sequence number (the previous line's plus one, also when that
     * line could not be written, so that recovery sees the loss as a gap) and its time.
     */
    private FlatJson line(String type, long t) {
        return FlatJson.object().put("type", type).put("seq", ++seq).put("t", t);
    }

    void header(SessionConfig config, SessionConfig.Start start) {
        if (writer != null) {
            writer.append(config.headerLine(SessionJournal.FORMAT_VERSION, start));
        }
    }

    /** One line per poll of the primary view: its outcome and time, the sample with its exact bits, the path change. */
    void poll(PollEvent event) {
        pollLine("poll", event);
    }

    /** One line per poll of the second view, as {@link #poll}'s. */
    void secondaryPoll(PollEvent event) {
        pollLine("secondaryPoll", event);
    }

    private void pollLine(String type, PollEvent event) {
        if (writer == null) {
            return;
        }
        FlatJson line = line(type, event.timestampEpochMs()).put("outcome", event.outcome().name());
        if (event.hasSample()) {
            RttSample sample = event.sample();
            line.put("timestamp", sample.timestamp()).put("rttMs", sample.rttMs())
                    .put("rttBits", Double.doubleToRawLongBits(sample.rttMs()));
        }
        if (event.pathChanged()) {
            putPath(line, "path", event.path());
            if (event.previousPath() != null) {
                putPath(line, "previous", event.previousPath());
            }
        }
        append(line);
    }

    private static void putPath(FlatJson line, String prefix, NetworkPath path) {
        line.put(prefix + "LocalType", path.localType()).put(prefix + "RemoteType", path.remoteType())
                .put(prefix + "Protocol", path.protocol());
    }

    /**
     * Reads a poll line written by {@link #poll} or {@link #secondaryPoll}.
     *
     * @param line the parsed line
     * @return the event
     * @throws IllegalArgumentException when the line is not a valid poll line
     */
    static PollEvent readPoll(FlatJson.Parsed line) {
        PollOutcome outcome = PollOutcome.valueOf(line.requireString("outcome"));
        RttSample sample = null;
        if (outcome == PollOutcome.MEASURED) {
            long bits = line.requireLong("rttBits");
            if (Double.doubleToRawLongBits(line.requireDouble("rttMs")) != bits) {
                throw new IllegalArgumentException("rttMs and rttBits disagree");
            }
            sample = new RttSample(line.requireLong("timestamp"), Double.longBitsToDouble(bits));
        }
        return new PollEvent(outcome, line.requireLong("t"), sample, readPath(line, "previous"), readPath(line, "path"));
    }

    private static NetworkPath readPath(FlatJson.Parsed line, String prefix) {
        if (!line.has(prefix + "LocalType")) {
            return null;
        }
        return new NetworkPath(line.requireString(prefix + "LocalType"), line.requireString(prefix + "RemoteType"),
                line.requireString(prefix + "Protocol"));
    }

    /**
     * An open: its kind, the primary source's name and refresh period, and the secondary source's when one
     * was opened beside it ({@code secondaryName} {@code null} otherwise).
     */
    void open(ConnectionLog.OpenKind kind, long t, String name, long refreshNanos, String secondaryName,
              long secondaryRefreshNanos) {
        if (writer == null) {
            return;
        }
        FlatJson line = line("open", t).put("source", kind.name().toLowerCase(Locale.ROOT)).put("name", name)
                .put("refreshNanos", refreshNanos);
        if (secondaryName != null) {
            line.put("secondaryName", secondaryName).put("secondaryRefreshNanos", secondaryRefreshNanos);
        }
        append(line);
    }

    /**
     * An open line read back.
     *
     * @param kind                  first, same or new
     * @param name                  the primary source's name
     * @param refreshNanos          its refresh period
     * @param secondaryName         the secondary source's name, {@code null} when none was opened
     * @param secondaryRefreshNanos its refresh period
     */
    record Open(ConnectionLog.OpenKind kind, String name, long refreshNanos, String secondaryName,
                long secondaryRefreshNanos) {
    }

    /** @return the open line written by {@link #open} */
    static Open readOpen(FlatJson.Parsed line) {
        String kind = line.requireString("source");
        for (ConnectionLog.OpenKind known : ConnectionLog.OpenKind.values()) {
            if (known.name().toLowerCase(Locale.ROOT).equals(kind)) {
                boolean secondary = line.has("secondaryName");
                return new Open(known, line.requireString("name"), line.requireLong("refreshNanos"),
                        secondary ? line.requireString("secondaryName") : null,
                        secondary ? line.requireLong("secondaryRefreshNanos") : 0);
            }
        }
        throw new IllegalArgumentException("unknown open source '" + kind + "'");
    }

    /** The session fell back from its primary source to its secondary one at {@code t}. */
    void fallback(SourceFallback fallback) {
        if (writer != null) {
            append(line("fallback", fallback.timestamp()).put("from", fallback.fromSource())
                    .put("to", fallback.toSource()).put("reason", fallback.reason()));
        }
    }

    /** @return the fallback line written by {@link #fallback} */
    static SourceFallback readFallback(FlatJson.Parsed line) {
        return new SourceFallback(line.requireString("from"), line.requireString("to"), line.requireLong("t"),
                line.requireString("reason"));
    }

    /** The probe's statistics as read at {@code t}; each double also as its exact bits, which recovery uses. */
    void probe(ProbeStats stats, long t) {
        if (writer == null) {
            return;
        }
        FlatJson line = line("probe", t).put("sent", stats.sentCount()).put("answered", stats.answeredCount())
                .put("lost", stats.lostCount()).put("late", stats.lateCount())
                .put("unanswered", stats.unansweredCount());
        putDouble(line, "lossRatio", stats.lossRatio());
        if (stats.offsetMs() != null) {
            putDouble(line, "offsetMs", stats.offsetMs());
            putDouble(line, "errorBoundMs", stats.errorBoundMs());
            line.put("offsetTimestamp", stats.offsetTimestamp());
        }
        append(line);
    }

    /** A double as text (null when not finite: JSON has no such number) and as {@code <key>Bits}. */
    private static void putDouble(FlatJson line, String key, double value) {
        if (Double.isFinite(value)) {
            line.put(key, value);
        } else {
            line.put(key, (String) null);
        }
        line.put(key + "Bits", Double.doubleToRawLongBits(value));
    }

    private static double readDouble(FlatJson.Parsed line, String key) {
        long bits = line.requireLong(key + "Bits");
        double value = Double.longBitsToDouble(bits);
        if (line.isNull(key) && !Double.isFinite(value)) {
            return value;
        }
        if (Double.doubleToRawLongBits(line.requireDouble(key)) != bits) {
            throw new IllegalArgumentException(key + " and " + key + "Bits disagree");
        }
        return value;
    }

    /** @return the probe statistics written by {@link #probe} */
    static ProbeStats readProbe(FlatJson.Parsed line) {
        boolean offset = line.has("offsetMsBits");
        return new ProbeStats(line.requireLong("sent"), line.requireLong("answered"), line.requireLong("lost"),
                line.requireLong("late"), line.requireLong("unanswered"), readDouble(line, "lossRatio"),
                offset ? readDouble(line, "offsetMs") : null, offset ? readDouble(line, "errorBoundMs") : null,
                offset ? line.requireLong("offsetTimestamp") : null);
    }

    void close(String safeReason, long t) {
        if (writer != null) {
            append(line("close", t).put("reason", safeReason));
        }
    }

    void roundBegin(int round, long t) {
        if (writer != null) {
            append(line("roundBegin", t).put("round", round));
        }
    }

    void roundEnd(long t) {
        if (writer != null) {
            append(line("roundEnd", t));
        }
    }

    /** Writes the end line and closes the file. */
    void end(long t, long endNanoTime) {
        if (writer != null) {
            append(line("end", t).put("endNanoTime", endNanoTime));
            writer.close();
        }
    }
}
