package io.peerpulse.cli;

import io.peerpulse.export.csv.SessionReportCsv;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
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
import java.util.Locale;
import java.util.Optional;

/**
 * A {@code summarize} row for the original browser feature's export: its {@code latency} object
 * ({@code sampleCount, minMs, maxMs, meanMs, medianMs, samples[{timestamp, rttMs}]}), alone or in a
 * document that holds it under {@code latency} (optionally beside {@code sessionId} and {@code playerId}),
 * as a browser session exports it, e.g. from {@code peerpulse-probe.js}'s or the original feature's
 * {@code getStats()}. So browser-only sessions and PeerPulse's own exports share one table.
 *
 * <p>The session id is the document's {@code sessionId}, else the file name without {@code .json};
 * start and duration are the first sample's timestamp and the span to the last; p95 and p99 are computed
 * from the samples as PeerPulse does (linear interpolation between closest ranks); the browser knows no
 * coverage and no reconnections, so those cells stay empty.
 *
 * @since 0.1.0
 */
final class BrowserExportRow {

    private BrowserExportRow() {
    }

    /**
     * @param file a JSON file
     * @return its row when it has the original browser export shape, else empty
     */
    static Optional<String> of(Path file) {
        JsonObject document;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             JsonReader reader = Json.createReader(in)) {
            JsonValue value = reader.readValue();
            if (value.getValueType() != JsonValue.ValueType.OBJECT) {
                return Optional.empty();
            }
            document = value.asJsonObject();
        } catch (IOException | JsonException | IllegalStateException e) {
            return Optional.empty();
        }
        JsonObject latency = isLatency(document) ? document
                : document.get("latency") instanceof JsonObject inner && isLatency(inner) ? inner : null;
        if (latency == null) {
            return Optional.empty();
        }
        List<long[]> timestamps = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (JsonValue sample : latency.getJsonArray("samples")) {
            if (!(sample instanceof JsonObject s) || !(s.get("rttMs") instanceof JsonNumber rtt)) {
                return Optional.empty();
            }
            values.add(rtt.doubleValue());
            if (s.get("timestamp") instanceof JsonNumber t) {
                timestamps.add(new long[] {t.longValue()});
            }
        }
        String name = file.getFileName().toString();
        String sessionId = document.get("sessionId") instanceof jakarta.json.JsonString id ? id.getString()
                : name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        String playerId = document.get("playerId") instanceof jakarta.json.JsonString p ? p.getString() : "";
        List<String> cells = new ArrayList<>();
        cells.add(SessionReportCsv.cell(sessionId));
        cells.add(SessionReportCsv.cell(playerId));
        if (timestamps.isEmpty()) {
            cells.add("");
            cells.add("");
        } else {
            long first = timestamps.get(0)[0];
            long last = timestamps.get(timestamps.size() - 1)[0];
            cells.add(String.valueOf(first));
            cells.add(String.valueOf(last - first));
        }
        cells.add(""); // coverage: the browser feature does not know it
        cells.add(String.valueOf(latency.getInt("sampleCount")));
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        cells.add(number(latency.getJsonNumber("minMs")));
        cells.add(number(latency.getJsonNumber("medianMs")));
        cells.add(number(latency.getJsonNumber("meanMs")));
        cells.add(sorted.length == 0 ? "" : number(quantile(sorted, 0.95)));
        cells.add(sorted.length == 0 ? "" : number(quantile(sorted, 0.99)));
        cells.add(number(latency.getJsonNumber("maxMs")));
        cells.add(""); // reconnections: unknown
        cells.add(SessionReportCsv.cell(name));
        return Optional.of(String.join(",", cells));
    }

    private static boolean isLatency(JsonObject object) {
        return object.get("samples") instanceof JsonArray && object.get("sampleCount") instanceof JsonNumber
                && Arrays.stream(new String[] {"minMs", "maxMs", "meanMs", "medianMs"})
                        .allMatch(key -> object.get(key) instanceof JsonNumber);
    }

    /** numpy.percentile's default: linear interpolation between the closest ranks. */
    static double quantile(double[] sorted, double q) {
        double rank = q * (sorted.length - 1);
        int low = (int) Math.floor(rank);
        int high = Math.min(low + 1, sorted.length - 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    private static String number(JsonNumber value) {
        return number(value.doubleValue());
    }

    private static String number(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%s", value) : "";
    }
}
