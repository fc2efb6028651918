package io.peerpulse.export.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.RoundMetrics;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SampleReports;
import io.peerpulse.testkit.SessionExporterContract;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A crafted export whose size lies where the reader holds what it reads (a very long string, a huge array under a
 * key the reader keeps as JSON) is refused while it streams in, naming where and the limit, before it is held: each
 * test hands the reader a generated stream and checks how much of it was read when the refusal came. A legitimate
 * long session still reads.
 */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class HostileSizeTest {

    private static final String VALID = SessionReportJson.toJson(SessionExporterContract.fullReport("hostile"));

    /** {@code head}, then {@code unit} {@code times} times, then {@code tail}, made as it is read; counts what was read. */
    private static final class Generated extends InputStream {
        private final byte[] head;
        private final byte[] unit;
        private final byte[] tail;
        private final long total;
        private long position;

        Generated(String head, String unit, long times, String tail) {
            this.head = head.getBytes(StandardCharsets.UTF_8);
            this.unit = unit.getBytes(StandardCharsets.UTF_8);
            this.tail = tail.getBytes(StandardCharsets.UTF_8);
            this.total = this.head.length + times * this.unit.length + this.tail.length;
        }

        @Override
        public int read() {
            if (position >= total) {
                return -1;
            }
            long at = position++;
            long middle = total - head.length - tail.length;
            if (at < head.length) {
                return head[(int) at] & 0xFF;
            }
            if (at - head.length < middle) {
                return unit[(int) ((at - head.length) % unit.length)] & 0xFF;
            }
            return tail[(int) (at - head.length - middle)] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= total) {
                return -1;
            }
            int n = 0;
            while (n < len && position < total) {
                b[off + n++] = (byte) read();
            }
            return n;
        }
    }

    @Test
    void aStringLongerThanAnyExportHoldsIsRefusedAsItStreamsIn() {
        int at = VALID.indexOf("\"sessionId\": \"") + "\"sessionId\": \"".length();
        // 20 MB of one session id: read whole before, then refused for its length by the id rule
        Generated in = new Generated(VALID.substring(0, at), "x", 20_000_000, VALID.substring(at));
        String line = String.valueOf(VALID.substring(0, at).lines().count());

        assertThatThrownBy(() -> SessionReportJson.read(in)).isInstanceOf(IOException.class)
                .hasMessage("not a session report: stream: at or after multiplayerMetrics.sessionId: a string longer"
                        + " than 65536 characters, the most a session export's string may have, starts at line " + line
                        + ", column " + (at - VALID.lastIndexOf('\n', at - 1) - 1));
        assertThat(in.position).as("bytes read when refused").isLessThan(1_000_000);
    }

    @Test
    void aHugeArrayUnderAKeyTheReaderKeepsAsJsonIsRefusedAsItStreamsIn() {
        // an unknown key, which a later version might write and the reader skips when binding, but builds as JSON
        Generated in = new Generated("{\"zzz\": [", "1,", 6_000_000, "1]," + VALID.substring(1));

        assertThatThrownBy(() -> SessionReportJson.read(in)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("not a session report: stream: zzz[")
                .hasMessageContaining(": more than 5000000 JSON values outside a session report's shape");
        assertThat(in.position).as("bytes read when refused").isLessThan(11_000_000);
    }

    /**
     * The JSON path a refusal names holds a crafted file's keys: a key that is an address or an ICE candidate is
     * named by the privacy rule ({@code Redaction}), not printed as it stands.
     */
    @Test
    void aPathThroughAKeyHoldingAnAddressIsNamedWithoutIt() {
        Generated longString = new Generated("{\"zzz\": {\"192.168.1.23\": \"", "x", 70_000,
                "\"}," + VALID.substring(1));
        assertThatThrownBy(() -> SessionReportJson.read(longString)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("not a session report: stream: at or after <redacted>: a string longer than")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("192.168"));

        Generated manyValues = new Generated("{\"candidate:1 1 udp 2122260223 10.0.0.5 54321 typ host\": [", "1,",
                6_000_000, "1]," + VALID.substring(1));
        assertThatThrownBy(() -> SessionReportJson.read(manyValues)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("not a session report: stream: <redacted: ICE candidate>: more than 5000000"
                        + " JSON values outside a session report's shape")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("10.0.0.5").doesNotContain("54321"));
    }

    /**
     * Nesting past what the JSON parser reads (Parsson: 1,000 levels, the document's own object the first) was refused
     * with Parsson's bare "Input is too deeply nested 1,000", naming no place: the refusal names the JSON path where
     * the limit was reached (cut, with an ellipsis: it has a thousand levels), in one line. One level less still reads:
     * the bound is the parser's, not a new one.
     */
    @Test
    void nestingPastTheParsersLimitIsRefusedNamingWhere() throws IOException {
        String arrays = "{\"zzz\": " + "[".repeat(999) + "]".repeat(999) + ", " + VALID.substring(1);
        assertThatThrownBy(() -> SessionReportJson.fromJson(arrays)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not a session report: zzz[0][0][0]")
                .hasMessageEndingWith("[0]…: nested 1000 levels deep, deeper than the JSON parser reads (999 levels)")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200).doesNotContain("\n"));

        String objects = VALID.replaceFirst("\"sessionMetrics\": \\{", "\"sessionMetrics\": {\"zzz\": "
                + "{\"a\": ".repeat(998) + "1" + "}".repeat(998) + ", ");
        assertThatThrownBy(() -> SessionReportJson.read(new java.io.ByteArrayInputStream(
                objects.getBytes(StandardCharsets.UTF_8)))).isInstanceOf(IOException.class)
                .hasMessageStartingWith("not a session report: stream: sessionMetrics.zzz.a.a.a")
                .hasMessageEndingWith(".a…: nested 1000 levels deep, deeper than the JSON parser reads (999 levels)");

        String deepest = "{\"zzz\": " + "[".repeat(998) + "]".repeat(998) + ", " + VALID.substring(1);
        assertThat(SessionReportJson.fromJson(deepest)).isEqualTo(SessionReportJson.fromJson(VALID));
    }

    /** The compact text of {@link #VALID}, and where its rounds array's elements start. */
    private static String[] aroundRounds() {
        String compact;
        try (jakarta.json.JsonReader reader = jakarta.json.Json.createReader(new java.io.StringReader(VALID))) {
            compact = reader.readObject().toString();
        }
        int at = compact.indexOf("\"rounds\":[") + "\"rounds\":[".length();
        return new String[] {compact.substring(0, at), compact.substring(at)};
    }

    /**
     * A session keeps every round: one of 28 hours with a round every second (100,000 rounds, about 5.6 million JSON
     * values) has a legitimate export, which the reader's bound on what it holds must not refuse. The tree alone is
     * read (ReportStream): binding it too takes 15 s.
     */
    @Test
    void aSessionOfAHundredThousandRoundsIsNotRefused() throws IOException {
        String[] around = aroundRounds();
        String round;
        try (jakarta.json.JsonReader reader = jakarta.json.Json.createReader(new java.io.StringReader(VALID))) {
            round = reader.readObject().getJsonObject("multiplayerMetrics").getJsonArray("rounds").get(0).toString();
        }
        Generated in = new Generated(around[0], round + ",", 100_000, around[1]);
        jakarta.json.spi.JsonProvider json = jakarta.json.spi.JsonProvider.provider();
        try (jakarta.json.stream.JsonParser parser = json.createParserFactory(
                java.util.Map.of("org.eclipse.parsson.maxParsingLimit", Integer.MAX_VALUE))
                .createParser(new Utf8Reader(in))) {
            parser.next();
            ReportStream stream = ReportStream.read(parser, json, SessionReport.class);

            assertThat(stream.document().asJsonObject().getJsonObject("multiplayerMetrics").getJsonArray("rounds"))
                    .hasSizeGreaterThan(100_000);
        }
    }

    /** Where the report has records, a crafted array of numbers is outside its shape: still refused as it streams. */
    @Test
    void aHugeArrayOfNumbersWhereRoundsGoIsRefusedAsItStreamsIn() {
        String[] around = aroundRounds();
        Generated in = new Generated(around[0], "1,", 6_000_000, around[1]);

        assertThatThrownBy(() -> SessionReportJson.read(in)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("not a session report: stream: multiplayerMetrics.rounds[")
                .hasMessageContaining(": more than 5000000 JSON values outside a session report's shape");
        assertThat(in.position).as("bytes read when refused").isLessThan(11_000_000);
    }

    /**
     * Where the report has records, a crafted array of empty objects (or of objects with one of a round's fields)
     * has the shape's kind but is nothing an export holds: refused as it streams, as the numbers are, not built until
     * the heap is full (6,000,000 empty objects: 18 MB on the wire, about 1 GB held).
     */
    @Test
    void aHugeArrayOfEmptyObjectsWhereRoundsGoIsRefusedAsItStreamsIn() {
        String[] around = aroundRounds();
        for (String unit : new String[] {"{},", "{\"roundNumber\":1},"}) {
            Generated in = new Generated(around[0], unit, 6_000_000, around[1]);

            assertThatThrownBy(() -> SessionReportJson.read(in)).as(unit).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("not a session report: stream: multiplayerMetrics.rounds[")
                    .hasMessageContaining(": more than 5000000 JSON values outside a session report's shape");
            assertThat(in.position).as("bytes read when refused, " + unit).isLessThan(6_000_000L * unit.length() / 4);
        }
    }

    /**
     * 24 hours at 1 Hz with a round every 10 s (the demo's), a window of all 86,400 samples: read back equal. (A round
     * every second, 86,400 rounds, reads too, in 12 s here: too slow for a unit test.)
     */
    @Test
    void aDayAt1HzWithRoundsStillReads() throws IOException {
        SessionReport full = SampleReports.full("a-day");
        RoundMetrics round = full.multiplayerMetrics().rounds().get(0);
        long t0 = 1_767_225_600_000L;
        List<RoundMetrics> rounds = new ArrayList<>();
        List<RttSample> samples = new ArrayList<>();
        for (int i = 0; i < 86_400; i++) {
            if (i % 10 == 0) {
                rounds.add(SampleReports.with(round, "roundNumber", i / 10 + 1, "startEpochMs", t0 + i * 1000L,
                        "endEpochMs", t0 + i * 1000L + 10_000, "durationMs", 10_000L, "firstSampleIndex", (long) i,
                        "startElapsedMs", i * 1000L));
            }
            samples.add(SampleReports.record(RttSample.class, "timestampEpochMs", t0 + i * 1000L, "rttMs",
                    40 + i % 17 / 4.0));
        }
        LatencyStats stats = SampleReports.record(LatencyStats.class, "sampleCount", samples.size(), "minMs", 40.0,
                "maxMs", 44.0, "meanMs", 42.0, "medianMs", 42.0, "p95Ms", 44.0, "p99Ms", 44.0, "stdDevMs", 1.2,
                "jitterMs", 0.9, "totalSampleCount", (long) samples.size(), "samples", samples);
        SessionReport day = SampleReports.with(full, "multiplayerMetrics.rounds", rounds,
                "sessionMetrics.latency", stats, "validationData.latency", stats, "multiplayerMetrics.latency", stats);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SessionReportJson.write(day, out);

        assertThat(SessionReportJson.read(new java.io.ByteArrayInputStream(out.toByteArray()))).isEqualTo(day);
    }
}
