package io.peerpulse.session.journal.internal;

import io.peerpulse.session.QualityThresholds;
import io.peerpulse.session.core.SessionConfig;
import io.peerpulse.session.core.SessionEvent;
import io.peerpulse.session.core.SessionStart;
import io.peerpulse.session.core.Stamp;
import io.peerpulse.session.journal.SessionJournal;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.PollEvent;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.shared.Redaction;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;

/**
 * The journal's line format, in one place: the header and every {@link SessionEvent} to one line and back.
 * Each kind of line has its writer and its reader side by side ({@code writeOpen} / {@code readOpen}, …);
 * {@link Kind} maps a line's {@code type} to its reader, and writing goes through a
 * {@link SessionEvent.Handler}, so a new kind of event does not compile until it has both.
 *
 * <p>Every line is a flat JSON object: {@code type}, {@code seq}, {@code epochMs}, {@code nanoTime} (the
 * monotonic time, ns), the event's members, and last {@code crc} ({@link LineChecksum}, which seals and checks it).
 */
public final class JournalCodec {

    /** The latest start a header may name: 9999-12-31T23:59:59.999Z. */
    static final long MAX_START_EPOCH_MS = 253_402_300_799_999L;

    /** The clock of a replayed session: a recovery reads no clock, every event carries its time. */
    private static final InstantSource NO_CLOCK = new InstantSource() {
        @Override
        public Instant instant() {
            throw new IllegalStateException("a journal recovery reads no clock: every event carries its time");
        }
    };
    private static final LongSupplier NO_NANO_CLOCK = () -> {
        throw new IllegalStateException("a journal recovery reads no clock: every event carries its time");
    };

    private JournalCodec() {
    }

    // ---- the header ----------------------------------------------------------------------------

    /**
     * A journal's header read back.
     *
     * @param config the session's configuration
     * @param start  its start
     * @param notes  what was read otherwise than written, for the recovery's problems (an id of an earlier version)
     */
    public record Header(SessionConfig config, SessionStart start, List<String> notes) {
    }

    /**
     * @param config the session's configuration, whole
     * @param start  its start
     * @return the header line, seq 0, without line end
     */
    public static String header(SessionConfig config, SessionStart start) {
        TelemetryOptions options = config.telemetryOptions();
        QualityThresholds quality = config.thresholds();
        FlatJson line = FlatJson.object();
        line.put("type", "header").put("seq", 0)
                .put("format", SessionJournal.FORMAT_VERSION)
                .put("sessionId", config.sessionId()).put("playerId", config.playerId())
                .put("startEpochMs", start.startEpochMs()).put("startNanoTime", start.startNanoTime())
                .put("systemClockOffsetMs", start.systemClockOffsetMs())
                .put("pollIntervalNanos", options.pollInterval().toNanos())
                .put("readTimeoutNanos", options.readTimeout().toNanos())
                .put("maxSampleCount", options.maxSampleCount())
                .put("exporterTimeoutNanos", config.exporterTimeout().toNanos())
                .put("fairFromNanos", config.fairFrom().toNanos()).put("poorFromNanos", config.poorFrom().toNanos())
                .put("recentSampleCount", quality.recentSampleCount())
                .put("toleratedBadPollCount", quality.toleratedBadPollCount())
                .put("gapAfterPollCount", config.gapAfterPollCount())
                .put("fallbackAfterNanos", config.fallbackAfter().toNanos())
                .put("lossWindowMs", quality.lossWindowMs()).put("hysteresisPollCount", quality.hysteresisPollCount());
        putOptional(line, "jitterFairFromMs", quality.jitterFairFromMs());
        putOptional(line, "jitterPoorFromMs", quality.jitterPoorFromMs());
        putOptional(line, "lossFairFromRatio", quality.lossFairFromRatio());
        putOptional(line, "lossPoorFromRatio", quality.lossPoorFromRatio());
        putOptional(line, "fairBelowScore", quality.fairBelowScore());
        putOptional(line, "poorBelowScore", quality.poorBelowScore());
        return LineChecksum.sealed(line.toString());
    }

    /** A quality threshold, absent when not judged. */
    private static void putOptional(FlatJson line, String key, @Nullable Double value) {
        if (value != null) {
            putDouble(line, key, value);
        }
    }

    private static @Nullable Double readOptional(FlatJson.Parsed line, String key) {
        return line.has(key + "Bits") ? readDouble(line, key) : null;
    }

    /**
     * A loss threshold: {@code ratioKey}, else the percentage an earlier header of format 5 wrote under
     * {@code percentKey} (3.0 for 0.03; the loss it was compared with was a percentage then), else absent.
     */
    private static @Nullable Double readRatio(FlatJson.Parsed line, String ratioKey, String percentKey) {
        if (line.has(ratioKey + "Bits") || !line.has(percentKey + "Bits")) {
            return readOptional(line, ratioKey);
        }
        double percent = readDouble(line, percentKey);
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException("'" + percentKey + "' must be a percentage 0-100, was " + percent);
        }
        return percent / 100;
    }

    /**
     * The format a first line claims, read before its checksum: another version's header has other rules.
     *
     * @param header the parsed first line
     * @return its {@code format}
     * @throws IllegalArgumentException when it is no header or names no format
     */
    public static long format(FlatJson.Parsed header) {
        if (!"header".equals(header.requireString("type"))) {
            throw new IllegalArgumentException("the first line is not a header");
        }
        return header.requireLong("format");
    }

    /**
     * Reads a header written by {@link #header}: every number strictly (whole, in range), durations above
     * 0, the start between 1970 and 9999; the configuration's telemetry clocks throw when read. An id holding a
     * bidirectional control, which ids could hold before this version refused them, is read with a space in its
     * place, as free text is ({@link Redaction}), and a note says so: refused, the killed session's data would be lost.
     *
     * @param header the parsed line, its checksum and format checked
     * @return the header
     * @throws IllegalArgumentException naming the key and the value when a member is bad
     */
    public static Header readHeader(FlatJson.Parsed header) {
        long seq = header.requireLong("seq");
        if (seq != 0) {
            throw new IllegalArgumentException("the header's 'seq' must be 0, was " + seq);
        }
        long startEpochMs = header.requireLongAtLeast("startEpochMs", 0);
        if (startEpochMs > MAX_START_EPOCH_MS) {
            throw new IllegalArgumentException("'startEpochMs' must be at most " + MAX_START_EPOCH_MS + ", was "
                    + startEpochMs);
        }
        TelemetryOptions options;
        try {
            options = TelemetryOptions.builder().clock(NO_CLOCK).nanoClock(NO_NANO_CLOCK)
                    .pollInterval(positiveNanos(header, "pollIntervalNanos"))
                    .readTimeout(positiveNanos(header, "readTimeoutNanos"))
                    .maxSampleCount(header.requireInt("maxSampleCount")).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("header: " + e.getMessage(), e);
        }
        long lossWindowMs = header.optionalLong("lossWindowMs").orElse(QualityThresholds.DEFAULT_LOSS_WINDOW_MS);
        int hysteresisPollCount = header.has("hysteresisPollCount") ? header.requireInt("hysteresisPollCount") : 1;
        // QualityThresholds reads 0 as absent (an earlier version's file); written by this version, 0 is damage
        if (lossWindowMs == 0 || hysteresisPollCount == 0) {
            throw new IllegalArgumentException("qualityThresholds "
                    + (lossWindowMs == 0 ? "lossWindowMs" : "hysteresisPollCount") + " must be at least 1, was 0");
        }
        QualityThresholds quality = new QualityThresholds(SessionConfig.toMs(positiveNanos(header, "fairFromNanos")),
                SessionConfig.toMs(positiveNanos(header, "poorFromNanos")),
                header.requireInt("recentSampleCount"), header.requireInt("toleratedBadPollCount"),
                // absent from journals written before the quality score: the RTT-only rule they were judged by
                readOptional(header, "jitterFairFromMs"), readOptional(header, "jitterPoorFromMs"),
                // before c910106 (2026-12-06) the same format 5 named them lossFairFromPercent (3.0 for 0.03) …
                readRatio(header, "lossFairFromRatio", "lossFairFromPercent"),
                readRatio(header, "lossPoorFromRatio", "lossPoorFromPercent"),
                readOptional(header, header.has("fairBelowScoreBits") ? "fairBelowScore" : "scoreFairBelow"),
                readOptional(header, header.has("poorBelowScoreBits") ? "poorBelowScore" : "scorePoorBelow"),
                lossWindowMs, hysteresisPollCount);
        List<String> notes = new ArrayList<>(2);
        SessionConfig config = new SessionConfig(earlierId("sessionId", header.requireString("sessionId"), notes),
                header.string("playerId").map(id -> earlierId("playerId", id, notes)).orElse(null), options, positiveNanos(header, "exporterTimeoutNanos"), quality,
                header.requireInt("gapAfterPollCount"), positiveNanos(header, "fallbackAfterNanos"));
        return new Header(config, new SessionStart(startEpochMs, header.requireLong("startNanoTime"),
                header.requireLong("systemClockOffsetMs")), notes);
    }

    /** An id as an earlier version may have written it: each bidirectional control a space, noted in {@code notes}. */
    private static String earlierId(String key, String id, List<String> notes) {
        char[] chars = id.toCharArray();
        int first = -1;
        for (int i = 0; i < chars.length; i++) {
            if (Redaction.isBidiControl(chars[i])) {
                first = first < 0 ? i : first;
                chars[i] = ' ';
            }
        }
        if (first < 0) {
            return id;
        }
        notes.add(key + " holds a bidirectional control character (U+"
                + Integer.toHexString(id.charAt(first)).toUpperCase(Locale.ROOT) + " at index " + first
                + "), which ids may no longer hold: recovered with a space in its place");
        return new String(chars);
    }

    private static Duration positiveNanos(FlatJson.Parsed header, String key) {
        return Duration.ofNanos(header.requireLongAtLeast(key, 1));
    }

    // ---- events: the kinds of line -------------------------------------------------------------

    /** The kinds of event line: each {@code type} string and its reader. */
    enum Kind {
        OPEN("open", JournalCodec::readOpen),
        POLL("poll", (at, line) -> readPoll(at, SessionEvent.View.PRIMARY, line)),
        SECONDARY_POLL("secondaryPoll", (at, line) -> readPoll(at, SessionEvent.View.SECONDARY, line)),
        PROBE("probe", JournalCodec::readProbe),
        CLOSE("close", JournalCodec::readClose),
        ROUND_BEGIN("roundBegin", JournalCodec::readRoundBegin),
        ROUND_END("roundEnd", (at, line) -> new SessionEvent.RoundEnded(at)),
        END("end", (at, line) -> new SessionEvent.Ended(at));

        private static final Map<String, Kind> BY_TYPE = new HashMap<>();

        static {
            for (Kind kind : values()) {
                BY_TYPE.put(kind.type, kind);
            }
        }

        final String type;
        private final BiFunction<Stamp, FlatJson.Parsed, SessionEvent> reader;

        Kind(String type, BiFunction<Stamp, FlatJson.Parsed, SessionEvent> reader) {
            this.type = type;
            this.reader = reader;
        }

        static Kind of(String type) {
            Kind kind = BY_TYPE.get(type);
            if (kind == null) {
                throw new IllegalArgumentException("unknown type '" + type + "'");
            }
            return kind;
        }
    }

    /**
     * @param event the event
     * @param seq   its sequence number
     * @return its line, without line end
     */
    public static String encode(SessionEvent event, long seq) {
        return LineChecksum.sealed(event.accept(new Writer(seq)).toString());
    }

    /**
     * Reads an event line (its checksum checked already).
     *
     * @param line the parsed line
     * @return the event with its stamp
     * @throws IllegalArgumentException naming what is wrong when it is no valid event line
     */
    public static SessionEvent decode(FlatJson.Parsed line) {
        Kind kind = Kind.of(line.requireString("type"));
        Stamp at = new Stamp(line.requireLong("epochMs"), line.requireLong("nanoTime"));
        return kind.reader.apply(at, line);
    }

    /** Starts a line of every kind, then adds the kind's members. */
    private static final class Writer implements SessionEvent.Handler<FlatJson> {
        private final long seq;

        Writer(long seq) {
            this.seq = seq;
        }

        private FlatJson line(Kind kind, SessionEvent event) {
            return FlatJson.object().put("type", kind.type).put("seq", seq).put("epochMs", event.at().epochMs())
                    .put("nanoTime", event.at().nanoTime());
        }

        @Override
        public FlatJson opened(SessionEvent.Opened event) {
            return writeOpen(line(Kind.OPEN, event), event);
        }

        @Override
        public FlatJson polled(SessionEvent.Polled event) {
            return writePoll(line(event.view() == SessionEvent.View.PRIMARY ? Kind.POLL : Kind.SECONDARY_POLL,
                    event), event.poll());
        }

        @Override
        public FlatJson probeRead(SessionEvent.ProbeRead event) {
            return writeProbe(line(Kind.PROBE, event), event.stats());
        }

        @Override
        public FlatJson channelClosed(SessionEvent.ChannelClosed event) {
            return writeClose(line(Kind.CLOSE, event), event);
        }

        @Override
        public FlatJson roundBegan(SessionEvent.RoundBegan event) {
            return writeRoundBegin(line(Kind.ROUND_BEGIN, event), event);
        }

        @Override
        public FlatJson roundEnded(SessionEvent.RoundEnded event) {
            return line(Kind.ROUND_END, event);
        }

        @Override
        public FlatJson ended(SessionEvent.Ended event) {
            return line(Kind.END, event);
        }
    }

    // ---- open ----

    private static FlatJson writeOpen(FlatJson line, SessionEvent.Opened event) {
        line.put("kind", event.kind().name().toLowerCase(Locale.ROOT)).put("name", event.source().name())
                .put("refreshNanos", event.source().refreshNanos());
        SessionEvent.Source secondary = event.secondary();
        if (secondary != null) {
            line.put("secondaryName", secondary.name()).put("secondaryRefreshNanos", secondary.refreshNanos());
        }
        return line;
    }

    private static SessionEvent readOpen(Stamp at, FlatJson.Parsed line) {
        String kind = line.requireString("kind");
        for (SessionEvent.OpenKind known : SessionEvent.OpenKind.values()) {
            if (known.name().toLowerCase(Locale.ROOT).equals(kind)) {
                SessionEvent.Source secondary = line.has("secondaryName")
                        ? new SessionEvent.Source(line.requireString("secondaryName"),
                                line.requireLongAtLeast("secondaryRefreshNanos", 0)) : null;
                return new SessionEvent.Opened(at, known, new SessionEvent.Source(line.requireString("name"),
                        line.requireLongAtLeast("refreshNanos", 0)), secondary);
            }
        }
        throw new IllegalArgumentException("unknown open kind '" + kind + "'");
    }

    // ---- poll and secondaryPoll: the sample's exact bits, path candidate types (never an address) ----

    private static FlatJson writePoll(FlatJson line, PollEvent poll) {
        line.put("outcome", poll.outcome().name());
        RttSample sample = poll.sample();
        if (sample != null) {
            line.put("timestampEpochMs", sample.timestampEpochMs()).put("rttMs", sample.rttMs())
                    .put("rttBits", Double.doubleToRawLongBits(sample.rttMs()));
        }
        NetworkPath path = poll.path();
        if (path != null) {
            putPath(line, "path", path);
            NetworkPath previous = poll.previousPath();
            if (previous != null) {
                putPath(line, "previous", previous);
            }
        }
        if (poll.late()) {
            line.put("lateMs", poll.lateMs());
        }
        return line;
    }

    private static SessionEvent readPoll(Stamp at, SessionEvent.View view, FlatJson.Parsed line) {
        String name = line.requireString("outcome");
        PollOutcome outcome;
        try {
            outcome = PollOutcome.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown outcome '" + name + "'", e);
        }
        RttSample sample = null;
        if (outcome == PollOutcome.MEASURED) {
            long bits = line.requireLong("rttBits");
            if (Double.doubleToRawLongBits(line.requireDouble("rttMs")) != bits) {
                throw new IllegalArgumentException("rttMs and rttBits disagree");
            }
            sample = new RttSample(line.requireLong("timestampEpochMs"), Double.longBitsToDouble(bits));
        }
        double lateMs = line.has("lateMs") ? line.requireDouble("lateMs") : 0; // absent: on time (lines written before lateness was journaled have none)
        return new SessionEvent.Polled(at, view, new PollEvent(outcome, at.epochMs(), sample,
                readPath(line, "previous"), readPath(line, "path"), lateMs));
    }

    private static void putPath(FlatJson line, String prefix, NetworkPath path) {
        line.put(prefix + "LocalType", path.localType()).put(prefix + "RemoteType", path.remoteType())
                .put(prefix + "Protocol", path.protocol());
    }

    private static @Nullable NetworkPath readPath(FlatJson.Parsed line, String prefix) {
        if (!line.has(prefix + "LocalType")) {
            return null;
        }
        return new NetworkPath(line.requireString(prefix + "LocalType"), line.requireString(prefix + "RemoteType"),
                line.requireString(prefix + "Protocol"));
    }

    // ---- probe: every double also as its exact bits, which the reader uses ----

    private static FlatJson writeProbe(FlatJson line, ProbeStats stats) {
        line.put("sentCount", stats.sentCount()).put("answeredCount", stats.answeredCount()).put("lostCount", stats.lostCount())
                .put("lateCount", stats.lateCount()).put("unansweredCount", stats.unansweredCount())
                .put("cappedHoldCount", stats.cappedHoldCount()).put("peerPingsDroppedCount", stats.peerPingsDroppedCount())
                .put("processedLateCount", stats.processedLateCount()).put("malformedCount", stats.malformedCount())
                .put("unknownVersionCount", stats.unknownVersionCount()).put("unmatchedCount", stats.unmatchedCount())
                .put("inboundDroppedCount", stats.inboundDroppedCount());
        putDouble(line, "lossRatio", stats.lossRatio());
        putDouble(line, "maxHoldMs", stats.maxHoldMs());
        Double offset = stats.offsetMs();
        Double bound = stats.errorBoundMs();
        Long offsetTimestamp = stats.offsetEpochMs();
        if (offset != null && bound != null && offsetTimestamp != null) {
            putDouble(line, "offsetMs", offset);
            putDouble(line, "errorBoundMs", bound);
            line.put("offsetEpochMs", offsetTimestamp);
        }
        return line;
    }

    private static SessionEvent readProbe(Stamp at, FlatJson.Parsed line) {
        boolean offset = line.has("offsetMsBits");
        return new SessionEvent.ProbeRead(at, new ProbeStats(line.requireLong("sentCount"), line.requireLong("answeredCount"),
                line.requireLong("lostCount"), line.requireLong("lateCount"), line.requireLong("unansweredCount"),
                readDouble(line, "lossRatio"), offset ? readDouble(line, "offsetMs") : null,
                offset ? readDouble(line, "errorBoundMs") : null, offset ? line.requireLong("offsetEpochMs") : null,
                // absent from journals written before the probe bounded the peer's hold time: none capped then
                line.optionalLong("cappedHoldCount").orElse(0L),
                line.has("maxHoldMsBits") ? readDouble(line, "maxHoldMs") : 0.0,
                line.optionalLong("peerPingsDroppedCount").orElse(0L),
                // absent from journals written before the probe told local lateness from loss
                line.optionalLong("processedLateCount").orElse(0L),
                // absent from journals written before the probe's refused and dropped messages were exported
                line.optionalLong("malformedCount").orElse(0L), line.optionalLong("unknownVersionCount").orElse(0L),
                line.optionalLong("unmatchedCount").orElse(0L), line.optionalLong("inboundDroppedCount").orElse(0L)));
    }

    /** A double as text ({@code null} when not finite: JSON has no such number) and as {@code <key>Bits}. */
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

    // ---- close and roundBegin (roundEnd and end have no members) ----

    private static FlatJson writeClose(FlatJson line, SessionEvent.ChannelClosed event) {
        return line.put("reason", event.reason());
    }

    private static SessionEvent readClose(Stamp at, FlatJson.Parsed line) {
        return new SessionEvent.ChannelClosed(at, line.string("reason").orElse(null));
    }

    private static FlatJson writeRoundBegin(FlatJson line, SessionEvent.RoundBegan event) {
        return line.put("round", event.roundNumber());
    }

    private static SessionEvent readRoundBegin(Stamp at, FlatJson.Parsed line) {
        return new SessionEvent.RoundBegan(at, line.requireInt("round"));
    }
}
