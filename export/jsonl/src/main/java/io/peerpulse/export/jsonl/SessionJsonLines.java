package io.peerpulse.export.jsonl;

import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.SessionLatencyStats;
import jakarta.json.Json;
import jakarta.json.stream.JsonGenerator;
import org.jspecify.annotations.Nullable;

import java.io.StringWriter;
import java.util.List;
import java.util.Objects;

/**
 * One finished session as one JSON line, for an experiment's single file that pandas reads with
 * {@code pd.read_json(path, lines=True)}, given the ids' {@code dtype} as the module's README shows (else an id
 * such as {@code "007"} becomes a number), and R with {@code jsonlite::stream_in(file(path))}.
 *
 * <p><b>Keys</b> ({@link #KEYS}), in this order, every key always present ({@code null} when the session has
 * no such value): {@code sessionId}, {@code playerId}, {@code startEpochMs}, {@code endEpochMs},
 * {@code durationMs} (on the monotonic clock), {@code clockStepCount} (how often the wall clock stepped, by
 * {@code validationData.clock.clockStepCount}'s rule: when not 0, {@code endEpochMs - startEpochMs} is not the
 * duration, and the JSON export's {@code clockSteps} say by how much), {@code coveredRatio}, {@code latencySource}, {@code sampleCount} (every sample of the
 * session), {@code minMs}, {@code medianMs}, {@code meanMs}, {@code p95Ms}, {@code p99Ms}, {@code maxMs} (over
 * the whole session: exact while every sample fits the window, else quantile estimates within 1 %, see
 * {@link SessionLatencyStats}), {@code windowSampleCount} and {@code windowMedianMs} (the window the JSON export
 * holds), {@code reconnectionCount}, {@code quality} (the last one). Names follow the JSON export's rule;
 * numbers are written as the JSON export writes them, strings escaped by JSON-P.
 *
 * @since 0.1.0
 */
public final class SessionJsonLines {

    /**
     * The {@code jsonl} exporter's file setting: {@value}; default {@link #DEFAULT_FILE}.
     *
     * @since 0.1.0
     */
    public static final String FILE_SETTING = "peerpulse.export.jsonl.file";

    /**
     * The file used when {@link #FILE_SETTING} is absent: {@value}, relative to the JVM's working directory.
     *
     * @since 0.1.0
     */
    public static final String DEFAULT_FILE = "peerpulse-sessions/sessions.jsonl";

    /**
     * A line's keys, in order.
     *
     * @since 0.1.0
     */
    public static final List<String> KEYS = List.of("sessionId", "playerId", "startEpochMs", "endEpochMs",
            "durationMs", "clockStepCount", "coveredRatio", "latencySource", "sampleCount", "minMs", "medianMs", "meanMs", "p95Ms",
            "p99Ms", "maxMs", "windowSampleCount", "windowMedianMs", "reconnectionCount", "quality");

    private SessionJsonLines() {
    }

    /**
     * @param report a session's report
     * @return its line, without the line break
     * @since 0.1.0
     */
    public static String line(SessionReport report) {
        Objects.requireNonNull(report, "report");
        var metrics = report.sessionMetrics();
        var validation = report.validationData();
        SessionLatencyStats session = validation.sessionLatency();
        LatencyStats window = metrics.latency();
        StringWriter out = new StringWriter();
        try (JsonGenerator json = Json.createGenerator(out)) {
            json.writeStartObject();
            json.write("sessionId", metrics.sessionId());
            string(json, "playerId", metrics.playerId());
            json.write("startEpochMs", metrics.startEpochMs());
            integer(json, "endEpochMs", metrics.endEpochMs());
            json.write("durationMs", metrics.durationMs());
            json.write("clockStepCount", validation.clock().clockStepCount());
            json.write("coveredRatio", validation.coverage().coveredRatio());
            string(json, "latencySource", validation.latencySource());
            json.write("sampleCount", session == null ? 0 : session.sampleCount());
            number(json, "minMs", session == null ? null : session.minMs());
            number(json, "medianMs", session == null ? null : session.medianMs());
            number(json, "meanMs", session == null ? null : session.meanMs());
            number(json, "p95Ms", session == null ? null : session.p95Ms());
            number(json, "p99Ms", session == null ? null : session.p99Ms());
            number(json, "maxMs", session == null ? null : session.maxMs());
            json.write("windowSampleCount", window == null ? 0 : window.sampleCount());
            number(json, "windowMedianMs", window == null ? null : window.medianMs());
            json.write("reconnectionCount", metrics.connection().reconnectionCount());
            json.write("quality", report.multiplayerMetrics().quality().name());
            json.writeEnd();
        }
        return out.toString();
    }

    private static void string(JsonGenerator json, String key, @Nullable String value) {
        if (value == null) {
            json.writeNull(key);
        } else {
            json.write(key, value);
        }
    }

    private static void integer(JsonGenerator json, String key, @Nullable Long value) {
        if (value == null) {
            json.writeNull(key);
        } else {
            json.write(key, value.longValue());
        }
    }

    private static void number(JsonGenerator json, String key, @Nullable Double value) {
        if (value == null) {
            json.writeNull(key);
        } else {
            json.write(key, value.doubleValue());
        }
    }
}
