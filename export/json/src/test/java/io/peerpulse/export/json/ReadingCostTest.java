package io.peerpulse.export.json;

import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SampleReports;
import jakarta.json.Json;
import jakarta.json.JsonNumber;
import jakarta.json.stream.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What reading costs per streamed sample, counted in bytes by the JVM (not timed): a long session's export holds
 * its window three times, so whatever is made per element is made for every sample, three times.
 */
@ExtendWith(LogCapture.class)
class ReadingCostTest {

    private static final int SAMPLES = 50_000;

    @Test
    void aStreamedSampleIsReadWithoutItsPathSpeltOutOrItsNumbersParsedTwice() throws Exception {
        List<RttSample> samples = new ArrayList<>(SAMPLES);
        for (int i = 0; i < SAMPLES; i++) {
            samples.add(sample(1_767_225_600_000L + i * 1000L, 20 + (i * 7919L % 100_000) / 997.0));
        }
        LatencyStats stats = SampleReports.record(LatencyStats.class, "sampleCount", SAMPLES, "minMs", 20.0,
                "maxMs", 121.0, "meanMs", 70.0, "medianMs", 70.0, "p95Ms", 115.0, "p99Ms", 120.0, "stdDevMs", 29.0,
                "jitterMs", 33.0, "totalSampleCount", (long) SAMPLES, "samples", samples);
        SessionReport report = SampleReports.with(SampleReports.full("cost"), "sessionMetrics.latency", stats,
                "validationData.latency", stats, "multiplayerMetrics.latency", stats);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SessionReportJson.write(report, out);
        byte[] json = out.toByteArray();

        assertThat(SessionReportJson.read(new ByteArrayInputStream(json))).isEqualTo(report); // and warms up
        bareRead(json);
        long before = allocatedBytes();
        SessionReportJson.read(new ByteArrayInputStream(json));
        long read = allocatedBytes() - before;
        before = allocatedBytes();
        long numbers = bareRead(json);
        long bare = allocatedBytes() - before;
        assertThat(numbers).as("the samples' numbers, and any other rttMs").isGreaterThanOrEqualTo(2L * 3 * SAMPLES);

        // what Parsson makes to hand over each element's keys and numbers (about 700 B on JDK 17, C1) is not ours
        // to save; what the reader adds per sample is: before, the element's path spelt out ("…samples[12345]",
        // about 80 B) and each number checked by the rules' walk, which made a BigDecimal of the timestamp and
        // parsed the RTT's digits to a double a second time (about 300 B)
        long overhead = (read - bare) / (3L * SAMPLES);
        assertThat(overhead).as("bytes per streamed sample beyond a bare parse (read: %d B, bare parse: %d B a sample)",
                read / (3L * SAMPLES), bare / (3L * SAMPLES)).isLessThan(100);
    }

    /**
     * The least a reader makes: every event of the document, each key as a string, each number as a
     * {@code JsonNumber}, an RTT's as a double and a timestamp's as a long, as {@link ReportStream} takes them.
     *
     * @return how many numbers there were
     */
    private static long bareRead(byte[] json) {
        long numbers = 0;
        double sum = 0;
        try (JsonParser parser = Json.createParserFactory(Map.of("org.eclipse.parsson.maxParsingLimit",
                Integer.MAX_VALUE)).createParser(new ByteArrayInputStream(json))) {
            String key = "";
            while (parser.hasNext()) {
                JsonParser.Event event = parser.next();
                if (event == JsonParser.Event.KEY_NAME) {
                    key = parser.getString();
                } else if (event == JsonParser.Event.VALUE_NUMBER && (key.equals("rttMs")
                        || key.equals("timestampEpochMs"))) {
                    JsonNumber number = (JsonNumber) parser.getValue();
                    sum += key.equals("rttMs") ? number.doubleValue() : number.longValueExact();
                    numbers++;
                }
            }
        }
        assertThat(sum).isPositive();
        return numbers;
    }

    private static long allocatedBytes() throws ReflectiveOperationException {
        // java.management through reflection, as telemetry-core's AllocationTest
        Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getThreadAllocatedBytes", long.class);
        return (long) allocated.invoke(threads, Thread.currentThread().getId());
    }
}
