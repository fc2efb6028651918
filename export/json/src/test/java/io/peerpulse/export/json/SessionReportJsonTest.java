package io.peerpulse.export.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.IpAddresses;
import io.peerpulse.testkit.SampleReports;
import io.peerpulse.testkit.SessionExporterContract;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class SessionReportJsonTest {

    private static final SessionReport FULL = SessionExporterContract.fullReport("json-full");
    private static final SessionReport EMPTY = SessionExporterContract.reportWithoutSamples("json-empty");

    @TempDir
    Path dir;

    @Test
    void aFullReportReadBackEqualsTheReportWritten() throws IOException {
        Path file = SessionReportJson.export(FULL, dir);

        assertThat(file).isEqualTo(dir.resolve("json-full.json"));
        assertThat(SessionReportJson.read(file)).isEqualTo(FULL);
        assertThat(SessionReportJson.fromJson(SessionReportJson.toJson(FULL))).isEqualTo(FULL);
    }

    @Test
    void aReportWithoutSamplesReadBackEqualsTheReportWritten() throws IOException {
        assertThat(SessionReportJson.read(SessionReportJson.export(EMPTY, dir))).isEqualTo(EMPTY);
    }

    @Test
    void nullsAreWrittenNotLeftOut() {
        String json = SessionReportJson.toJson(EMPTY);
        JsonObject root = parse(json);
        for (String part : List.of("sessionMetrics", "validationData", "multiplayerMetrics")) {
            assertThat(root.getJsonObject(part).get("latency")).as(part).isEqualTo(JsonValue.NULL);
        }
        assertThat(json).contains("\"latency\": null");
        assertThat(root.getJsonObject("sessionMetrics").get("path")).isEqualTo(JsonValue.NULL);
        assertThat(root.getJsonObject("sessionMetrics").get("endEpochMs")).isNotEqualTo(JsonValue.NULL);
    }

    @Test
    void theTopLevelHoldsTheThreeExportsAndTimesAreEpochMillisecondNumbers() {
        JsonObject root = parse(SessionReportJson.toJson(FULL));
        assertThat(root.keySet()).containsExactlyInAnyOrder("sessionMetrics", "validationData", "multiplayerMetrics");
        JsonObject metrics = root.getJsonObject("sessionMetrics");
        assertThat(metrics.getJsonNumber("startEpochMs").longValueExact())
                .isEqualTo(FULL.sessionMetrics().startEpochMs());
        JsonObject sample = metrics.getJsonObject("latency").getJsonArray("samples").getJsonObject(0);
        assertThat(sample.keySet()).containsExactlyInAnyOrder("timestampEpochMs", "rttMs");
        assertThat(sample.getJsonNumber("timestampEpochMs").longValueExact())
                .isEqualTo(FULL.sessionMetrics().latency().samples().get(0).timestampEpochMs());
    }

    @Test
    void noIpAddressAnywhere() {
        assertThat(IpAddresses.findIn(SessionReportJson.toJson(FULL))).isEmpty();
    }

    @Test
    void writeFlushesButDoesNotCloseTheCallersStream() throws IOException {
        AtomicBoolean closed = new AtomicBoolean();
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public void close() {
                closed.set(true);
            }
        };
        SessionReportJson.write(FULL, out);
        assertThat(closed).isFalse();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(SessionReportJson.toJson(FULL));
    }

    @Test
    void readDoesNotCloseTheCallersStream() throws IOException {
        AtomicBoolean closed = new AtomicBoolean();
        InputStream in = new ByteArrayInputStream(SessionReportJson.toJson(FULL).getBytes(StandardCharsets.UTF_8)) {
            @Override
            public void close() {
                closed.set(true);
            }
        };
        assertThat(SessionReportJson.read(in)).isEqualTo(FULL);
        assertThat(closed).isFalse();
    }

    @Test
    void keysOfLaterVersionsAreIgnored() {
        String json = SessionReportJson.toJson(FULL).replaceFirst("\\{", "{\"formatVersion\": 2, ");
        assertThat(SessionReportJson.fromJson(json)).isEqualTo(FULL);
    }

    @Test
    void whatIsNoReportFailsClearly() throws IOException {
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"sessionMetrics\": ");
        assertThatThrownBy(() -> SessionReportJson.read(broken))
                .isInstanceOf(IOException.class).hasMessageStartingWith("not a session report: " + broken);
        Path empty = Files.writeString(dir.resolve("empty.json"), "{}");
        assertThatThrownBy(() -> SessionReportJson.read(empty))
                .isInstanceOf(IOException.class).hasMessageStartingWith("not a session report: " + empty);
        assertThatThrownBy(() -> SessionReportJson.fromJson("[1, 2]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not a session report");
        assertThatThrownBy(() -> SessionReportJson.read(dir.resolve("missing.json")))
                .isInstanceOf(IOException.class).hasMessageContaining("missing.json");
    }

    @Test
    void aMissingRequiredPartIsNamedByItsPath() {
        assertThatThrownBy(() -> SessionReportJson.fromJson("{\"s\": \"x\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a session report: sessionMetrics is missing");
        JsonObject full = Json.createReader(new StringReader(SessionReportJson.toJson(FULL))).readObject();
        // lists too: List.copyOf(null) in a record's constructor, whose NPE message names no part
        for (String path : List.of("/sessionMetrics/sessionId", "/sessionMetrics/connection",
                "/validationData/coverage", "/multiplayerMetrics/qualityThresholds", "/multiplayerMetrics",
                "/multiplayerMetrics/rounds", "/multiplayerMetrics/qualityChanges",
                "/sessionMetrics/connection/events", "/validationData/coverage/gaps")) {
            String json = Json.createPointer(path).remove(full).toString();
            String expected = path.substring(1).replace('/', '.') + " is missing";
            assertThatThrownBy(() -> SessionReportJson.fromJson(json)).as(path)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("not a session report: " + expected);
            String asNull = Json.createPointer(path).replace(full, JsonValue.NULL).toString();
            assertThatThrownBy(() -> SessionReportJson.fromJson(asNull)).as(path + " null")
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("not a session report: " + expected);
        }
    }

    @Test
    void aValueThatJsonCannotHoldFailsClearly() {
        SessionReport nan = SampleReports.with(FULL, "validationData.sessionLatency.meanMs", Double.NaN);

        assertThatThrownBy(() -> SessionReportJson.toJson(nan)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot write session report of 'json-full'");
        assertThatThrownBy(() -> SessionReportJson.write(nan, new ByteArrayOutputStream()))
                .isInstanceOf(IOException.class).hasMessageStartingWith("cannot write session report of 'json-full'");
    }

    @Test
    void aStreamThatFailsGivesTheDocumentedIoExceptionKeepingItsCause() {
        // failing inside Parsson's buffer (Yasson's JsonbException) or when its generator closes (a JsonException)
        for (SessionReport report : List.of(FULL, EMPTY)) {
            String id = report.sessionMetrics().sessionId();
            int size = SessionReportJson.toJson(report).getBytes(StandardCharsets.UTF_8).length;
            for (int bytes : java.util.stream.IntStream.of(0, 100, 5000, size - 1).filter(n -> n < size).toArray()) {
                IOException full = new IOException("No space left on device");
                assertThatThrownBy(() -> SessionReportJson.write(report, new FailingStream(bytes, full)))
                        .as("%s failing after %d of %d bytes", id, bytes, size).isInstanceOf(IOException.class)
                        .hasMessage("cannot write session report of '" + id + "': No space left on device")
                        .satisfies(e -> assertThat(e.getCause()).isSameAs(full));
            }
        }
    }

    @Test
    void anExportThatCannotBeWrittenNamesItsDirectoryOnce() {
        String directory = dir.toAbsolutePath().toString();
        for (int bytes : new int[] {0, 100, 5000, SessionReportJson.toJson(FULL).getBytes(StandardCharsets.UTF_8).length - 1}) {
            IOException full = new IOException("No space left on device");
            // export()'s content: what ExportFiles.write runs on the temporary file's stream
            assertThatThrownBy(() -> SessionReportJson.write(FULL, new FailingStream(bytes, full), dir))
                    .as("failing after %d bytes", bytes).isInstanceOf(IOException.class)
                    .hasMessage("cannot write session report of 'json-full' to export directory " + directory
                            + ": No space left on device")
                    .satisfies(e -> assertThat(e.getCause()).isSameAs(full));
        }
    }

    /** Takes {@code capacity} bytes, then fails every write and flush as a full disk does. */
    private static final class FailingStream extends java.io.OutputStream {
        private final int capacity;
        private final IOException failure;
        private long written;

        FailingStream(int capacity, IOException failure) {
            this.capacity = capacity;
            this.failure = failure;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (written + len > capacity) {
                throw failure;
            }
            written += len;
        }
    }

    @Test
    void countsAreNamedCountAndAPluralNameIsAlwaysAList() {
        Map<String, Set<JsonValue.ValueType>> types = new TreeMap<>();
        collectTypes(parse(SessionReportJson.toJson(FULL)), types);

        types.forEach((name, seen) -> {
            if (name.endsWith("Count")) {
                assertThat(seen).as(name).containsExactly(JsonValue.ValueType.NUMBER);
            }
            if (seen.contains(JsonValue.ValueType.ARRAY)) {
                assertThat(seen).as("%s is a list wherever it appears", name)
                        .containsExactly(JsonValue.ValueType.ARRAY);
                assertThat(name).doesNotEndWith("Count");
            }
        });
        assertThat(types).containsKeys("reconnectionCount", "pathChangeCount", "droppedExporterCallCount",
                "sampleCount", "recentSampleCount", "toleratedBadPollCount");
        assertThat(types).doesNotContainKeys("plausibilityRejections", "droppedExporterCalls", "count",
                "recentSamples", "toleratedBadPolls");
        assertThat(types.get("reconnections")).containsExactly(JsonValue.ValueType.ARRAY);
        assertThat(types.get("pathChanges")).containsExactly(JsonValue.ValueType.ARRAY);

        JsonObject root = parse(SessionReportJson.toJson(FULL));
        assertThat(root.getJsonObject("sessionMetrics").getJsonObject("connection").getInt("reconnectionCount"))
                .isEqualTo(root.getJsonObject("multiplayerMetrics").getJsonArray("reconnections").size())
                .isPositive();
        assertThat(root.getJsonObject("validationData").getJsonNumber("pathChangeCount").longValueExact())
                .isEqualTo(FULL.validationData().pathChangeCount()).isPositive();
    }

    /** Every key of the document with the JSON types of its non-null values. */
    private static void collectTypes(JsonValue value, Map<String, Set<JsonValue.ValueType>> types) {
        if (value instanceof JsonObject object) {
            object.forEach((key, member) -> {
                if (member.getValueType() != JsonValue.ValueType.NULL) {
                    types.computeIfAbsent(key, k -> EnumSet.noneOf(JsonValue.ValueType.class))
                            .add(member.getValueType());
                }
                collectTypes(member, types);
            });
        } else if (value instanceof JsonArray array) {
            array.forEach(item -> collectTypes(item, types));
        }
    }

    static JsonObject parse(String json) {
        try (JsonReader reader = Json.createReader(new StringReader(json))) {
            return reader.readObject();
        }
    }
}
