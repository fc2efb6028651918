package io.peerpulse.session;

import io.peerpulse.session.internal.FlatJson;
import io.peerpulse.session.internal.ReplayScheduler;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The crash-safe session journal and its recovery.
 *
 * <p><b>Writing.</b> A session with a journal ({@link GameSession.Builder#journalDirectory(Path)} or the
 * setting {@value #DIRECTORY_SETTING}) appends one JSON object per line to
 * {@code <dir>/<stem>.journal.jsonl}: a {@code header}, then every event as it happens — each poll's
 * outcome (with the sample's timestamp and RTT when measured), path changes, data-channel opens and
 * closes, round begins and ends — and {@code end} at {@link GameSession#close()}. Each line is written by
 * one {@code write} call on an unbuffered file channel, synchronously in the telemetry's listener call,
 * before the telemetry lets the next read start: when the process is killed, at most the poll in flight
 * is lost. Lines reach the OS page cache, which survives a killed process but not a power loss; with
 * {@value #FSYNC_SETTING}{@code =true} each line is also forced to the device.
 *
 * <p><b>Recovery.</b> {@link #recover(Path)} replays the journal into a fresh {@link GameSession} whose
 * telemetry polls a replay source on a replay scheduler and clock, so every statistic, counter, round,
 * quality change, coverage gap and path change comes out of the same code as in the live session, and
 * every sample has its journaled timestamp and bit-identical RTT. A torn or unparsable line is skipped
 * and reported in {@link Recovery#problems()}; a journal without {@code end} (the process died) yields
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
    public static final int FORMAT_VERSION = 1;
    /**
     * The journal file name ending.
     *
     * @since 0.1.0
     */
    public static final String FILE_SUFFIX = ".journal.jsonl";

    static final String OPEN_FIRST = "first";
    static final String OPEN_SAME = "same";
    static final String OPEN_NEW = "new";

    private SessionJournal() {
    }

    /**
     * What a recovery found.
     *
     * @param journal     the journal read
     * @param report      the session's report rebuilt from it
     * @param lineCount   how many lines were replayed (the header included; skipped lines not)
     * @param sampleCount how many samples were replayed
     * @param complete    whether the journal ends with {@code end}: the session was closed, not killed
     * @param problems    one entry per skipped line, naming its number and why; empty when none
     * @since 0.1.0
     */
    public record Recovery(Path journal, SessionReport report, long lineCount, long sampleCount, boolean complete,
                           List<String> problems) {
        /** Copies the problems. */
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
        byte[] bytes = Files.readAllBytes(journal);
        return new Replay(journal, bytes, settings, exporters).run();
    }

    // ---- lines ---------------------------------------------------------------------------------

    static String headerLine(String sessionId, String playerId, long startEpochMs, long startNanoTime,
                             long systemClockOffsetMs, TelemetryOptions options, Duration fairFrom,
                             Duration poorFrom, int recentSamples, int toleratedBadPolls, int gapAfterPolls) {
        return FlatJson.object().put("type", "header").put("format", FORMAT_VERSION).put("sessionId", sessionId)
                .put("playerId", playerId).put("startEpochMs", startEpochMs).put("startNanoTime", startNanoTime)
                .put("systemClockOffsetMs", systemClockOffsetMs)
                .put("pollIntervalNanos", options.pollInterval().toNanos())
                .put("readTimeoutNanos", options.readTimeout().toNanos()).put("maxSamples", options.maxSamples())
                .put("fairFromNanos", fairFrom.toNanos()).put("poorFromNanos", poorFrom.toNanos())
                .put("recentSamples", recentSamples).put("toleratedBadPolls", toleratedBadPolls)
                .put("gapAfterPolls", gapAfterPolls).toString();
    }

    static String pollLine(long t, PollOutcome outcome, RttSample sample) {
        FlatJson line = FlatJson.object().put("type", "poll").put("t", t).put("outcome", outcome.name());
        if (sample != null) {
            line.put("timestamp", sample.timestamp()).put("rttMs", sample.rttMs())
                    .put("rttBits", Double.doubleToRawLongBits(sample.rttMs()));
        }
        return line.toString();
    }

    static String pathLine(long t, NetworkPath previous, NetworkPath current) {
        return FlatJson.object().put("type", "path").put("t", t)
                .put("previous", previous == null ? null : previous.toString())
                .put("localType", current.localType()).put("remoteType", current.remoteType())
                .put("protocol", current.protocol()).toString();
    }

    static String openLine(long t, String source) {
        return FlatJson.object().put("type", "open").put("t", t).put("source", source).toString();
    }

    static String closeLine(long t, String redactedReason) {
        return FlatJson.object().put("type", "close").put("t", t).put("reason", redactedReason).toString();
    }

    static String roundBeginLine(long t, int round) {
        return FlatJson.object().put("type", "roundBegin").put("t", t).put("round", round).toString();
    }

    static String roundEndLine(long t) {
        return FlatJson.object().put("type", "roundEnd").put("t", t).toString();
    }

    static String endLine(long t, long endNanoTime) {
        return FlatJson.object().put("type", "end").put("t", t).put("endNanoTime", endNanoTime).toString();
    }

    /** The monotonic times of a replayed session, which its own System.nanoTime() cannot give. */
    static final class ReplayTimes {
        private final long startNanoTime;
        private final long systemClockOffsetMs;
        private long endNanoTime;

        ReplayTimes(long startNanoTime, long systemClockOffsetMs) {
            this.startNanoTime = startNanoTime;
            this.systemClockOffsetMs = systemClockOffsetMs;
        }

        long startNanoTime() {
            return startNanoTime;
        }

        long systemClockOffsetMs() {
            return systemClockOffsetMs;
        }

        long endNanoTime() {
            return endNanoTime;
        }
    }

    // ---- replay --------------------------------------------------------------------------------

    /**
     * One recovery. Every journaled poll is replayed as a read of the replay source: the replayer runs
     * the telemetry's poll task (which starts a read) and answers it with what the journal says — a
     * measurement with its own timestamp, stale, unavailable, a failure, or NaN for a rejected value.
     * A skipped poll is replayed as a poll task run while a read is in flight (one is started first when
     * none is), so every counter comes out as live.
     */
    private static final class Replay {
        private final Path file;
        private final byte[] bytes;
        private final Map<String, String> settings;
        private final List<String> exporters;
        private final ReplayScheduler scheduler = new ReplayScheduler();
        private final List<String> problems = new ArrayList<>();
        private GameSession session;
        private ReplayTimes times;
        private ReplaySource source = new ReplaySource();
        private CompletableFuture<RttReading> inFlight;
        private NetworkPath pendingPath;
        private long pendingPathT;
        private long lastT;
        private long linesRead;
        private long samples;
        private Long endT;
        private long startEpochMs;
        private GameSession.Builder builder;

        Replay(Path file, byte[] bytes, Map<String, String> settings, List<String> exporters) {
            this.file = file;
            this.bytes = bytes;
            this.settings = settings;
            this.exporters = exporters;
        }

        Recovery run() throws IOException {
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
            try {
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
                        linesRead++;
                    } catch (RuntimeException e) {
                        problems.add("line " + (n + 1) + ": " + e.getMessage() + ": skipped");
                    }
                }
                long end = endT != null ? endT : lastT;
                if (endT == null) {
                    times.endNanoTime = times.startNanoTime() + (end - startEpochMs) * 1_000_000L;
                }
                scheduler.setTime(end);
            } finally {
                session.close();
            }
            return new Recovery(file, session.report().orElseThrow(), linesRead, samples, endT != null, problems);
        }

        private void header(String text) throws IOException {
            FlatJson.Parsed header;
            try {
                header = FlatJson.parse(text);
                if (!"header".equals(header.requireString("type"))) {
                    throw new IllegalArgumentException("the first line is not a header");
                }
                long format = header.requireLong("format");
                if (format != FORMAT_VERSION) {
                    throw new IllegalArgumentException("format " + format + " is not supported (only "
                            + FORMAT_VERSION + ")");
                }
                long startEpochMs = header.requireLong("startEpochMs");
                times = new ReplayTimes(header.requireLong("startNanoTime"), header.requireLong("systemClockOffsetMs"));
                lastT = startEpochMs;
                TelemetryOptions options = TelemetryOptions.builder().scheduler(scheduler).clock(scheduler.clock())
                        .pollInterval(Duration.ofNanos(header.requireLong("pollIntervalNanos")))
                        .readTimeout(Duration.ofNanos(header.requireLong("readTimeoutNanos")))
                        .maxSamples(Math.toIntExact(header.requireLong("maxSamples"))).build();
                GameSession.Builder builder = GameSession.builder(header.requireString("sessionId"))
                        .playerId(header.string("playerId").orElse(null))
                        .telemetryOptions(options)
                        .qualityThresholds(Duration.ofNanos(header.requireLong("fairFromNanos")),
                                Duration.ofNanos(header.requireLong("poorFromNanos")))
                        .qualityRecentSamples(Math.toIntExact(header.requireLong("recentSamples")))
                        .toleratedBadPolls(Math.toIntExact(header.requireLong("toleratedBadPolls")))
                        .gapAfterPolls(Math.toIntExact(header.requireLong("gapAfterPolls")))
                        .journal(false);
                builder.replayTimes = times;
                this.startEpochMs = startEpochMs;
                this.builder = builder;
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new IOException("journal " + file + " has no valid header line: " + e.getMessage(), e);
            }
            settings.forEach(builder::exportSetting);
            if (exporters != null && exporters.isEmpty()) {
                builder.exporterProviders(List.of()).executor(Runnable::run);
            } else if (exporters != null) {
                builder.exporters(exporters.toArray(String[]::new));
            }
            scheduler.setTime(startEpochMs);
            session = builder.build();
            linesRead++;
        }

        private void apply(FlatJson.Parsed line) {
            String type = line.requireString("type");
            long t = line.requireLong("t");
            switch (type) {
                case "poll" -> poll(t, PollOutcome.valueOf(line.requireString("outcome")), line);
                case "path" -> {
                    pendingPath = new NetworkPath(line.requireString("localType"), line.requireString("remoteType"),
                            line.requireString("protocol"));
                    pendingPathT = t;
                }
                case "open" -> {
                    scheduler.setTime(t);
                    String kind = line.requireString("source");
                    if (OPEN_NEW.equals(kind)) {
                        source = new ReplaySource();
                    } else if (!OPEN_FIRST.equals(kind) && !OPEN_SAME.equals(kind)) {
                        throw new IllegalArgumentException("unknown open source '" + kind + "'");
                    }
                    session.onDataChannelOpen(source);
                }
                case "close" -> {
                    scheduler.setTime(t);
                    session.onDataChannelClose(line.string("reason").orElse(null));
                }
                case "roundBegin" -> {
                    scheduler.setTime(t);
                    session.beginRound(Math.toIntExact(line.requireLong("round")));
                }
                case "roundEnd" -> {
                    scheduler.setTime(t);
                    session.endRound();
                }
                case "end" -> {
                    endT = t;
                    times.endNanoTime = line.requireLong("endNanoTime");
                }
                default -> throw new IllegalArgumentException("unknown type '" + type + "'");
            }
            lastT = Math.max(lastT, t);
        }

        private void poll(long t, PollOutcome outcome, FlatJson.Parsed line) {
            if (!scheduler.hasPollTask()) {
                throw new IllegalArgumentException("a poll before the first open");
            }
            RttReading reading = switch (outcome) {
                case MEASURED -> {
                    long bits = line.requireLong("rttBits");
                    double rtt = Double.longBitsToDouble(bits);
                    if (Double.doubleToRawLongBits(line.requireDouble("rttMs")) != bits) {
                        throw new IllegalArgumentException("rttMs and rttBits disagree");
                    }
                    yield new RttReading.Measured(rtt, OptionalLong.of(line.requireLong("timestamp")),
                            Optional.ofNullable(pendingPath));
                }
                case STALE -> new RttReading.Stale(Optional.ofNullable(pendingPath));
                case UNAVAILABLE -> RttReading.unavailable("replayed from the journal");
                case REJECTED -> new RttReading.Measured(Double.NaN, OptionalLong.empty(), Optional.empty());
                case FAILED, SKIPPED -> null;
            };
            if (inFlight == null) {
                scheduler.poll(); // starts a read of the replay source
            }
            if (outcome == PollOutcome.SKIPPED) {
                scheduler.setTime(t);
                scheduler.poll(); // due while the read is in flight: counted skipped
                return;
            }
            CompletableFuture<RttReading> read = inFlight;
            inFlight = null;
            boolean withPath = pendingPath != null && (outcome == PollOutcome.MEASURED || outcome == PollOutcome.STALE);
            // the telemetry reads the clock for the poll's end, then the session for the path change
            scheduler.setTime(t, withPath ? pendingPathT : t);
            pendingPath = null;
            if (outcome == PollOutcome.FAILED) {
                read.completeExceptionally(new IOException("a failed read, replayed from the journal"));
            } else {
                read.complete(reading);
            }
            if (outcome == PollOutcome.MEASURED) {
                samples++;
            }
        }

        /** Reads answered by the replayer; a new instance stands for a new connection. */
        private final class ReplaySource implements RttSource {
            @Override
            public CompletionStage<RttReading> read() {
                CompletableFuture<RttReading> read = new CompletableFuture<>();
                inFlight = read;
                return read;
            }
        }
    }
}
