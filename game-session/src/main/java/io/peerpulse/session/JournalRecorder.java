package io.peerpulse.session;

import io.peerpulse.session.internal.FlatJson;
import io.peerpulse.session.internal.JournalWriter;
import io.peerpulse.session.spi.ExportFiles;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.PollEvent;
import io.peerpulse.telemetry.PollOutcome;
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
 * session applies them (callers hold the session's lock). The poll line is read back here too
 * ({@link #readPoll}), so that its format lives in one place; the header's lives in {@link SessionConfig}.
 * A recorder without a file ({@link #OFF}) writes nothing.
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

    /** One line per poll: its outcome and time, the sample with its exact bits, the path change. */
    void poll(PollEvent event) {
        if (writer == null) {
            return;
        }
        FlatJson line = line("poll", event.timestampEpochMs()).put("outcome", event.outcome().name());
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
     * Reads a poll line written by {@link #poll}.
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

    void open(ConnectionLog.OpenKind kind, long t) {
        if (writer != null) {
            append(line("open", t).put("source", kind.name().toLowerCase(Locale.ROOT)));
        }
    }

    /** @return the kind of an open line written by {@link #open} */
    static ConnectionLog.OpenKind readOpenKind(FlatJson.Parsed line) {
        String kind = line.requireString("source");
        for (ConnectionLog.OpenKind known : ConnectionLog.OpenKind.values()) {
            if (known.name().toLowerCase(Locale.ROOT).equals(kind)) {
                return known;
            }
        }
        throw new IllegalArgumentException("unknown open source '" + kind + "'");
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
