package io.peerpulse.session;

import io.peerpulse.session.internal.ExporterFanOut;
import io.peerpulse.session.internal.FlatJson;
import io.peerpulse.session.internal.SharedExecutor;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.PollEvent;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.internal.PollRecording;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * One recovery: feeds a journal's events, with their own times, into a {@link SessionCore} built from the
 * journal's header — the code a live session runs. A poll event goes through {@link PollRecording} into
 * the session's telemetry, which is never started, and from there to the session as a live poll's event.
 * The telemetry's and the session's clock throws when read: a recovery depends on no clock.
 */
final class JournalReplay {

    /** The clock of a replayed session: nothing may read it. */
    private static final InstantSource NO_CLOCK = new InstantSource() {
        @Override
        public Instant instant() {
            throw new IllegalStateException("a journal replay reads no clock: every event carries its time");
        }
    };

    private final Path file;
    private final byte[] bytes;
    private final Map<String, String> settings;
    private final List<String> exporters;
    private final List<String> problems = new ArrayList<>();
    private SessionCore session;
    private RttSource connection;
    private long startEpochMs;
    private long lastT;
    private long lineCount;
    private long samples;
    private Long endT;
    private long endNanoTime;

    JournalReplay(Path file, byte[] bytes, Map<String, String> settings, List<String> exporters) {
        this.file = file;
        this.bytes = bytes;
        this.settings = settings;
        this.exporters = exporters;
    }

    SessionJournal.Recovery run() throws IOException {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                lines.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        boolean unterminated = start < bytes.length;
        if (unterminated) {
            lines.add(new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8));
        }
        if (lines.isEmpty()) {
            throw new IOException("journal " + file + " is empty");
        }
        header(lines.get(0));
        for (int n = 1; n < lines.size(); n++) {
            String text = lines.get(n);
            boolean last = n == lines.size() - 1;
            if (text.isBlank()) {
                continue; // a failed write leaves the next line on a fresh line
            }
            if (endT != null) {
                problems.add("line " + (n + 1) + ": after the end line: skipped");
                continue;
            }
            FlatJson.Parsed line;
            try {
                line = FlatJson.parse(text);
            } catch (IllegalArgumentException e) {
                problems.add("line " + (n + 1) + ": " + (last && unterminated ? "torn last line ("
                        + text.length() + " characters, no line end)" : "unparsable (" + e.getMessage() + ")")
                        + ": skipped");
                continue;
            }
            try {
                apply(line);
                lineCount++;
            } catch (RuntimeException e) {
                problems.add("line " + (n + 1) + ": " + e.getMessage() + ": skipped");
            }
        }
        long end = endT != null ? endT : lastT;
        long endNanos = endT != null ? endNanoTime
                : session.start().startNanoTime() + (end - startEpochMs) * 1_000_000L;
        session.closing();
        session.exporters().await(session.end(end, endNanos), session.config().exporterTimeout());
        return new SessionJournal.Recovery(file, session.finalReport(), lineCount, samples, endT != null, problems);
    }

    private void header(String text) throws IOException {
        SessionConfig.Header header;
        try {
            header = SessionConfig.readHeader(FlatJson.parse(text), SessionJournal.FORMAT_VERSION,
                    TelemetryOptions.defaults().scheduler(), NO_CLOCK);
        } catch (IllegalArgumentException | ArithmeticException e) {
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
        lineCount++;
    }

    private void apply(FlatJson.Parsed line) {
        String type = line.requireString("type");
        long t = line.requireLong("t");
        switch (type) {
            case "poll" -> {
                PollEvent event = JournalRecorder.readPoll(line);
                LatencyTelemetry telemetry = session.telemetry();
                if (telemetry == null) {
                    throw new IllegalArgumentException("a poll before the first open");
                }
                PollRecording.apply(telemetry, event);
                if (event.hasSample()) {
                    samples++;
                }
            }
            case "open" -> {
                ConnectionLog.OpenKind kind = JournalRecorder.readOpenKind(line);
                if ((kind == ConnectionLog.OpenKind.FIRST) != (connection == null)) {
                    throw new IllegalArgumentException("an open of kind " + kind + (connection == null
                            ? " before the first open" : " after the first open"));
                }
                if (kind != ConnectionLog.OpenKind.SAME) {
                    connection = new ReplayedConnection();
                }
                session.open(connection, t);
            }
            case "close" -> session.channelClosed(line.string("reason").orElse(null), t);
            case "roundBegin" -> session.beginRound(Math.toIntExact(line.requireLong("round")), t);
            case "roundEnd" -> session.endRound(t);
            case "end" -> {
                endT = t;
                endNanoTime = line.requireLong("endNanoTime");
            }
            default -> throw new IllegalArgumentException("unknown type '" + type + "'");
        }
        lastT = Math.max(lastT, t);
    }

    /** A connection of the replayed session: a new instance stands for a new connection; never read. */
    private static final class ReplayedConnection implements RttSource {
        @Override
        public CompletionStage<RttReading> read() {
            return CompletableFuture.failedFuture(new IllegalStateException("a replayed connection is never read"));
        }
    }
}
