package io.peerpulse.cli;

import io.peerpulse.export.csv.SessionReportCsv;
import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.telemetry.LatencySummary;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A {@code summarize} row for the original browser feature's export: its {@code latency} object
 * ({@code sampleCount, minMs, maxMs, meanMs, medianMs, samples[{timestamp, rttMs}]}), alone or in a
 * document that holds it under {@code latency} (optionally beside {@code sessionId} and {@code playerId}),
 * as a browser session exports it, e.g. from {@code peerpulse-probe.js}'s or the original feature's
 * {@code getStats()}. So browser-only sessions and PeerPulse's own exports share one table.
 *
 * <p>The session id is the document's {@code sessionId}, else the file name without {@code .json};
 * start and duration are the first sample's timestamp and the span to the last. Those timestamps are the
 * browser's wall clock ({@code Date.now()} in the original feature), which an NTP correction can step back:
 * samples whose timestamps go back are read all the same, and the duration is then left empty, since their
 * span is no duration (a step forward cannot be told from the timestamps and stays in it); p95 and p99 are computed
 * from the samples by {@link LatencySummary#of(double[], int)}, as PeerPulse computes its own; the browser knows no
 * coverage and no reconnections, so those cells stay empty.
 *
 * <p><b>Reading rules.</b> The same as for PeerPulse's own exports ({@link SessionReportJson#checkShape}):
 * {@code sampleCount} an integer in {@code int} range, timestamps integers in {@code long} range, every
 * other number finite, none negative, no lone surrogate, no key twice in one object. A file that has the shape
 * but breaks a rule is refused, naming the path and the value (a key given twice by PeerPulse's own reader, whose
 * message then stands).
 *
 * @since 0.1.0
 */
final class BrowserExportRow {

    private BrowserExportRow() {
    }

    /**
     * Parsson's readers, refusing a key given twice in one object (by default the last value counts): such a file
     * reads differently in different programs, and PeerPulse's own reader refuses it, naming the key's JSON path,
     * which summarize then shows.
     */
    private static final jakarta.json.JsonReaderFactory READERS = Json.createReaderFactory(
            java.util.Map.of("org.eclipse.parsson.rejectDuplicateKeys", true));

    /** The original feature's {@code latency} object, as far as a row reads it (for the reading rules). */
    record Latency(int sampleCount, double minMs, double maxMs, double meanMs, double medianMs, List<Sample> samples) {
    }

    /** One of its samples. */
    record Sample(long timestamp, double rttMs) {
    }

    /** The document around it. */
    record Document(String sessionId, String playerId) {
    }

    /**
     * @param file a JSON file
     * @return its row when it has the original browser export shape, else empty
     * @throws IllegalArgumentException naming the JSON path and value when it has the shape but breaks a
     *                                  reading rule
     */
    static Optional<String> of(Path file) {
        JsonObject document;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             JsonReader reader = READERS.createReader(in)) {
            JsonValue value = reader.readValue();
            if (value.getValueType() != JsonValue.ValueType.OBJECT) {
                return Optional.empty();
            }
            document = value.asJsonObject();
        } catch (IOException | RuntimeException e) {
            // not this shape: the export reader's message stands. Parsson throws a bare RuntimeException for
            // nesting past 1,000 levels, a NumberFormatException for an exponent that overflows; a key given twice
            return Optional.empty();
        }
        JsonObject latency = isLatency(document) ? document
                : document.get("latency") instanceof JsonObject inner && isLatency(inner) ? inner : null;
        if (latency == null) {
            return Optional.empty();
        }
        for (JsonValue sample : latency.getJsonArray("samples")) {
            if (!(sample instanceof JsonObject s) || !(s.get("rttMs") instanceof JsonNumber)) {
                return Optional.empty();
            }
        }
        String at = latency == document ? "" : "latency.";
        try {
            SessionReportJson.checkShape(latency, Latency.class);
        } catch (IllegalArgumentException broken) {
            throw new IllegalArgumentException(at + broken.getMessage(), broken);
        }
        SessionReportJson.checkShape(document, Document.class); // its ids are at the top, beside latency
        List<long[]> timestamps = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        // the browser's wall clock stepped back (NTP): a label, not data to refuse; but the span is no duration
        boolean wentBack = false;
        JsonArray samples = latency.getJsonArray("samples");
        for (int i = 0; i < samples.size(); i++) {
            JsonObject s = samples.getJsonObject(i);
            values.add(s.getJsonNumber("rttMs").doubleValue());
            if (s.get("timestamp") instanceof JsonNumber t) {
                long timestamp = t.longValueExact();
                wentBack |= !timestamps.isEmpty() && timestamp < timestamps.get(timestamps.size() - 1)[0];
                timestamps.add(new long[] {timestamp});
            }
        }
        String name = file.getFileName().toString();
        String sessionId = document.get("sessionId") instanceof jakarta.json.JsonString id ? id.getString()
                : name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        String playerId = document.get("playerId") instanceof jakarta.json.JsonString p ? p.getString() : "";
        List<String> cells = new ArrayList<>();
        cells.add(SummarizeCommand.idCell(sessionId));
        cells.add(SummarizeCommand.idCell(playerId));
        if (timestamps.isEmpty()) {
            cells.add("");
            cells.add("");
        } else {
            long first = timestamps.get(0)[0];
            long last = timestamps.get(timestamps.size() - 1)[0];
            cells.add(String.valueOf(first));
            cells.add(wentBack ? "" : String.valueOf(last - first));
        }
        cells.add(""); // coverage: the browser feature does not know it
        cells.add(String.valueOf(latency.getInt("sampleCount")));
        double[] rtts = values.stream().mapToDouble(Double::doubleValue).toArray();
        // p95 and p99 as PeerPulse computes its own (linear interpolation, rounded once to 0.001 ms)
        LatencySummary computed = rtts.length == 0 ? null : LatencySummary.of(rtts, rtts.length);
        cells.add(SessionReportCsv.number(latency.getJsonNumber("minMs").doubleValue()));
        cells.add(SessionReportCsv.number(latency.getJsonNumber("medianMs").doubleValue()));
        cells.add(SessionReportCsv.number(latency.getJsonNumber("meanMs").doubleValue()));
        cells.add(computed == null ? "" : SessionReportCsv.number(computed.p95Ms()));
        cells.add(computed == null ? "" : SessionReportCsv.number(computed.p99Ms()));
        cells.add(SessionReportCsv.number(latency.getJsonNumber("maxMs").doubleValue()));
        cells.add(""); // reconnections: unknown
        cells.addAll(java.util.Collections.nCopies(SummarizeCommand.QUALITY_COLUMNS, "")); // no quality either
        cells.add(SessionReportCsv.cell(name));
        return Optional.of(String.join(",", cells));
    }

    private static boolean isLatency(JsonObject object) {
        return object.get("samples") instanceof JsonArray && object.get("sampleCount") instanceof JsonNumber
                && Arrays.stream(new String[] {"minMs", "maxMs", "meanMs", "medianMs"})
                        .allMatch(key -> object.get(key) instanceof JsonNumber);
    }
}
