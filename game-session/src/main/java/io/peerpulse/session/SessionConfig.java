package io.peerpulse.session;

import io.peerpulse.session.internal.FlatJson;
import io.peerpulse.session.internal.Redaction;
import io.peerpulse.telemetry.TelemetryOptions;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A session's validated configuration, built by {@link GameSession.Builder#build()} and written to (and
 * read back from) the journal's header here, in one place.
 *
 * @param sessionId         the session's id
 * @param playerId          the local player's id, {@code null} for none
 * @param telemetryOptions  the telemetry's options; their clock is the session clock
 * @param exporterTimeout   how long close() waits for the exporters
 * @param fairFrom          the recent median from which the quality is FAIR
 * @param poorFrom          the recent median from which the quality is POOR
 * @param recentSamples     how many latest samples judge the quality
 * @param toleratedBadPolls consecutive unavailable or failed polls still not LOST
 * @param gapAfterPolls     poll intervals without a measurement that are still not a gap
 */
record SessionConfig(String sessionId, String playerId, TelemetryOptions telemetryOptions, Duration exporterTimeout,
                     Duration fairFrom, Duration poorFrom, int recentSamples, int toleratedBadPolls,
                     int gapAfterPolls) {

    static final int MAX_RECENT_SAMPLES = 10_000;
    private static final Duration MAX_DURATION = Duration.ofHours(24);

    /** Checks every value; the message names the first bad field. */
    SessionConfig {
        checkId("sessionId", sessionId, false);
        checkId("playerId", playerId, true);
        if (telemetryOptions == null) {
            throw new IllegalArgumentException("telemetryOptions must not be null");
        }
        if (exporterTimeout == null || exporterTimeout.isNegative() || exporterTimeout.isZero()
                || exporterTimeout.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("exporterTimeout must be above 0 and at most 24 h, was "
                    + exporterTimeout);
        }
        if (fairFrom == null || fairFrom.isNegative() || fairFrom.isZero()) {
            throw new IllegalArgumentException("qualityThresholds fairFrom must be above 0, was " + fairFrom);
        }
        if (poorFrom == null || poorFrom.compareTo(fairFrom) <= 0 || poorFrom.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("qualityThresholds poorFrom must be above fairFrom (" + fairFrom
                    + ") and at most 60 s, was " + poorFrom);
        }
        if (recentSamples < 1 || recentSamples > MAX_RECENT_SAMPLES) {
            throw new IllegalArgumentException("qualityRecentSamples must be between 1 and " + MAX_RECENT_SAMPLES
                    + ", was " + recentSamples);
        }
        if (toleratedBadPolls < 0) {
            throw new IllegalArgumentException("toleratedBadPolls must be >= 0, was " + toleratedBadPolls);
        }
        if (gapAfterPolls < 1 || gapAfterPolls > 1_000_000) {
            throw new IllegalArgumentException("gapAfterPolls must be between 1 and 1000000, was " + gapAfterPolls);
        }
    }

    /** @return the thresholds as exported */
    QualityThresholds thresholds() {
        return new QualityThresholds(toMs(fairFrom), toMs(poorFrom), recentSamples, toleratedBadPolls);
    }

    /** @return the time without a measurement beyond which a stretch is a coverage gap */
    long gapThresholdNanos() {
        return telemetryOptions.pollInterval().toNanos() * gapAfterPolls;
    }

    static double toMs(Duration duration) {
        return duration.toNanos() / 1e6;
    }

    // ---- the journal header ----------------------------------------------------------------------

    /**
     * When and where a session started: the header's times besides the configuration.
     *
     * @param startEpochMs        the session clock at the start
     * @param startNanoTime       {@code System.nanoTime()} at the start
     * @param systemClockOffsetMs the session clock minus the system clock at the start
     */
    record Start(long startEpochMs, long startNanoTime, long systemClockOffsetMs) {
    }

    /**
     * A journal header read back.
     *
     * @param config the configuration
     * @param start  the start
     */
    record Header(SessionConfig config, Start start) {
    }

    /**
     * @param formatVersion the journal format
     * @param start         the session's start
     * @return the header line
     */
    String headerLine(int formatVersion, Start start) {
        return FlatJson.object().put("type", "header").put("seq", 0).put("format", formatVersion)
                .put("sessionId", sessionId)
                .put("playerId", playerId).put("startEpochMs", start.startEpochMs())
                .put("startNanoTime", start.startNanoTime()).put("systemClockOffsetMs", start.systemClockOffsetMs())
                .put("pollIntervalNanos", telemetryOptions.pollInterval().toNanos())
                .put("readTimeoutNanos", telemetryOptions.readTimeout().toNanos())
                .put("maxSamples", telemetryOptions.maxSamples())
                .put("exporterTimeoutNanos", exporterTimeout.toNanos())
                .put("fairFromNanos", fairFrom.toNanos()).put("poorFromNanos", poorFrom.toNanos())
                .put("recentSamples", recentSamples).put("toleratedBadPolls", toleratedBadPolls)
                .put("gapAfterPolls", gapAfterPolls).toString();
    }

    /** The latest start a header may name: 9999-12-31T23:59:59.999Z, so that event times cannot overflow. */
    static final long MAX_START_EPOCH_MS = 253_402_300_799_999L;

    /**
     * Reads a header line written by {@link #headerLine}. Every number is read strictly (a whole number in
     * range, no fraction); durations must be positive, the start between 1970 and 9999; a message names the
     * key and the value.
     *
     * @param header        the parsed line
     * @param formatVersion the only format understood
     * @param scheduler     the telemetry options' scheduler
     * @param clock         the telemetry options' clock
     * @return the header
     * @throws IllegalArgumentException when the line is not such a header, naming what is wrong
     */
    static Header readHeader(FlatJson.Parsed header, int formatVersion, ScheduledExecutorService scheduler,
                             InstantSource clock) {
        if (!"header".equals(header.requireString("type"))) {
            throw new IllegalArgumentException("the first line is not a header");
        }
        long format = header.requireLong("format");
        if (format != formatVersion) {
            throw new IllegalArgumentException("journal format " + format + " is not supported: this version reads"
                    + " format " + formatVersion + " only");
        }
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
            options = TelemetryOptions.builder().scheduler(scheduler).clock(clock)
                    .pollInterval(positiveNanos(header, "pollIntervalNanos"))
                    .readTimeout(positiveNanos(header, "readTimeoutNanos"))
                    .maxSamples(header.requireInt("maxSamples")).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("header: " + e.getMessage(), e);
        }
        SessionConfig config = new SessionConfig(header.requireString("sessionId"),
                header.string("playerId").orElse(null), options,
                positiveNanos(header, "exporterTimeoutNanos"),
                positiveNanos(header, "fairFromNanos"), positiveNanos(header, "poorFromNanos"),
                header.requireInt("recentSamples"),
                header.requireInt("toleratedBadPolls"),
                header.requireInt("gapAfterPolls"));
        return new Header(config, new Start(startEpochMs, header.requireLong("startNanoTime"),
                header.requireLong("systemClockOffsetMs")));
    }

    /** A duration in nanoseconds that must be above 0, named by its key when it is not. */
    private static Duration positiveNanos(FlatJson.Parsed header, String key) {
        return Duration.ofNanos(header.requireLongAtLeast(key, 1));
    }

    private static void checkId(String field, String value, boolean optional) {
        if (value == null) {
            if (optional) {
                return;
            }
            throw new IllegalArgumentException(field + " must not be null");
        }
        if (value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank, was '" + value + "'");
        }
        if (value.length() > GameSession.MAX_ID_LENGTH) {
            throw new IllegalArgumentException(field + " must be at most " + GameSession.MAX_ID_LENGTH
                    + " characters, was " + value.length());
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(field + " must not contain control characters");
        }
        if (Redaction.looksLikeAddress(value)) {
            // the value is not echoed: it might be an address
            throw new IllegalArgumentException(field + " must not contain an IP address or ICE candidate: it is"
                    + " exported and logged");
        }
    }
}
