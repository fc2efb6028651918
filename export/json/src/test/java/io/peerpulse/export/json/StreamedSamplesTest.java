package io.peerpulse.export.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SessionExporterContract;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reading streams the sample arrays of an export into primitive arrays instead of holding them as JSON (a
 * 1,000,000-sample export is 400 MB of it): the three windows of an export read as one shared list, equal
 * to the samples written. What streaming must not change is checked beside it: a document with faults in a
 * streamed array and elsewhere is refused for the fault a whole-document check names first (the record's
 * order, not the file's), a syntax error after a faulty sample is still the error, an element of another
 * shape reads as it always did, and a samples array given twice is refused.
 */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class StreamedSamplesTest {

    private static final SessionReport FULL = SessionExporterContract.fullReport("streamed");
    private static final String VALID = SessionReportJson.toJson(FULL);

    private static SessionReport read(String json) throws IOException {
        return SessionReportJson.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theThreeWindowsOfAnExportReadAsOneList() throws IOException {
        SessionReport report = read(VALID);
        assertThat(report).isEqualTo(FULL);
        assertThat(report.sessionMetrics().latency().samples()).isEqualTo(FULL.sessionMetrics().latency().samples())
                .isSameAs(report.validationData().latency().samples())
                .isSameAs(report.multiplayerMetrics().latency().samples());
    }

    @Test
    void faultsAreNamedInTheRecordsOrderNotTheFiles() {
        // multiplayerMetrics comes first in the file, sessionMetrics first in the record
        String json = put(put(VALID, "multiplayerMetrics.latency.samples[1].rttMs", Json.createValue(-3)),
                "sessionMetrics.durationMs", Json.createValue(1.5));
        assertThatThrownBy(() -> read(json)).isInstanceOf(IOException.class)
                .hasMessageContaining("sessionMetrics.durationMs: 1.5 is not an integer");
        // within one sample: timestampEpochMs before rttMs, as the record declares them
        String both = put(put(VALID, "sessionMetrics.latency.samples[0].rttMs", Json.createValue(-3)),
                "sessionMetrics.latency.samples[0].timestampEpochMs", Json.createValue(-4));
        assertThatThrownBy(() -> read(both)).isInstanceOf(IOException.class)
                .hasMessageContaining("sessionMetrics.latency.samples[0].timestampEpochMs: -4 is negative");
        // the statistics of a window before its samples
        String stats = put(put(VALID, "validationData.latency.samples[0].rttMs", Json.createValue(-3)),
                "validationData.latency.jitterMs", Json.createValue(-1));
        assertThatThrownBy(() -> read(stats)).isInstanceOf(IOException.class)
                .hasMessageContaining("validationData.latency.jitterMs: -1 is negative");
    }

    @Test
    void aSyntaxErrorAfterAFaultySampleIsTheError() {
        String json = put(VALID, "multiplayerMetrics.latency.samples[0].rttMs", Json.createValue(-3));
        assertThatThrownBy(() -> read(json.substring(0, json.length() - 3))).isInstanceOf(IOException.class)
                .hasMessageNotContaining("is negative");
    }

    @Test
    void elementsOfAnotherShapeReadAsTheyAlwaysDid() throws IOException {
        JsonObject sample = Json.createObjectBuilder().add("rttMs", 12.5).add("timestampEpochMs", 1_767_225_600_000L)
                .add("later", Json.createArrayBuilder().add(1)).build();
        SessionReport withKey = read(put(VALID, "sessionMetrics.latency.samples[1]", sample));
        assertThat(withKey.sessionMetrics().latency().samples().get(1).rttMs()).isEqualTo(12.5);
        assertThat(withKey.validationData()).isEqualTo(FULL.validationData());

        assertThatThrownBy(() -> read(put(VALID, "sessionMetrics.latency.samples[1]", JsonValue.NULL)))
                .isInstanceOf(IOException.class).hasMessageStartingWith("not a session report: stream: ");
        assertThatThrownBy(() -> read(put(VALID, "sessionMetrics.latency.samples[1]",
                Json.createObjectBuilder().add("rttMs", -1).add("later", true).build())))
                .isInstanceOf(IOException.class).hasMessageContaining("sessionMetrics.latency.samples[1].rttMs: -1 is negative");
    }

    /**
     * A samples array given twice under one key was streamed twice, the last one kept (a faulty first one then went
     * unnoticed): whichever comes first, the second {@code samples} is refused by its path before it is streamed.
     */
    @Test
    void aSamplesArrayGivenTwiceIsRefused() {
        String samples = "\"samples\": [";
        int at = VALID.indexOf(samples, VALID.indexOf("\"sessionMetrics\""));
        String faultyFirst = VALID.substring(0, at) + "\"samples\": [{\"rttMs\": -1, \"timestampEpochMs\": 1}], "
                + VALID.substring(at);
        String faultyLast = VALID.substring(0, at) + VALID.substring(at).replaceFirst("\"samples\": \\[",
                "\"samples\": [{\"rttMs\": 1, \"timestampEpochMs\": 1}], \"samples\": [{\"rttMs\": -1, "
                        + "\"timestampEpochMs\": 1}, ");
        for (String json : java.util.List.of(faultyFirst, faultyLast)) {
            assertThatThrownBy(() -> read(json)).isInstanceOf(IOException.class)
                    .hasMessage("not a session report: stream: sessionMetrics.latency.samples: the key appears twice"
                            + ReadingDisciplineTest.TWICE);
        }
    }

    /**
     * The reader passes a sample's numbers without the rules' walk when they are plainly fine (a positive finite
     * RTT, a timestamp that fits a long and is not negative); the edges are still judged as the rules judge them.
     */
    @Test
    void edgeNumbersOfAStreamedSampleAreJudgedByTheRules() throws IOException {
        String rtt = "sessionMetrics.latency.samples[0].rttMs";
        String timestamp = "sessionMetrics.latency.samples[0].timestampEpochMs";
        for (String zero : java.util.List.of("0", "0.0", "-0.0", "-0", "1E-400")) {
            double read = read(literal(VALID, rtt, zero)).sessionMetrics().latency().samples().get(0).rttMs();
            assertThat(Double.doubleToRawLongBits(read)).as(zero).isZero(); // 0.0, never -0.0
        }
        assertThatThrownBy(() -> read(literal(VALID, rtt, "-1E-400"))).isInstanceOf(IOException.class)
                .hasMessageContaining(rtt + ": -1E-400 is negative");
        assertThatThrownBy(() -> read(literal(VALID, rtt, "1E+400"))).isInstanceOf(IOException.class)
                .hasMessageContaining(rtt + ": 1E+400 is not a finite double");
        assertThat(read(literal(VALID, timestamp, "9223372036854775807")).sessionMetrics().latency().samples().get(0)
                .timestampEpochMs()).isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(() -> read(literal(VALID, timestamp, "9223372036854775808"))).isInstanceOf(IOException.class)
                .hasMessageContaining(timestamp + ": 9223372036854775808 is out of range");
        assertThatThrownBy(() -> read(literal(VALID, timestamp, "-1"))).isInstanceOf(IOException.class)
                .hasMessageContaining(timestamp + ": -1 is negative");
    }

    /** The document with the number written {@code text} at {@code path}. */
    private static String literal(String json, String path, String text) {
        String marker = "123456789.25";
        String marked = put(json, path, Json.createValue(new java.math.BigDecimal(marker)));
        assertThat(marked).containsOnlyOnce(marker);
        return marked.replace(marker, text);
    }

    /** The document with {@code value} at {@code path} (keys and [indexes]). */
    private static String put(String json, String path, JsonValue value) {
        JsonObject document = Json.createReader(new StringReader(json)).readObject();
        return put(document, path.replace("[", ".[").split("\\."), 0, value).toString();
    }

    private static JsonValue put(JsonValue at, String[] segments, int depth, JsonValue value) {
        if (depth == segments.length) {
            return value;
        }
        String segment = segments[depth];
        if (segment.startsWith("[")) {
            int index = Integer.parseInt(segment.substring(1, segment.length() - 1));
            JsonArrayBuilder array = Json.createArrayBuilder();
            for (int i = 0; i < at.asJsonArray().size(); i++) {
                array.add(i == index ? put(at.asJsonArray().get(i), segments, depth + 1, value) : at.asJsonArray().get(i));
            }
            return array.build();
        }
        JsonObjectBuilder object = Json.createObjectBuilder(at.asJsonObject());
        return object.add(segment, put(at.asJsonObject().get(segment), segments, depth + 1, value)).build();
    }
}
