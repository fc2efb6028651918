package io.peerpulse.export.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SampleReports;
import io.peerpulse.testkit.SessionExporterContract;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One reading discipline: a number that does not fit its record component exactly, a negative duration
 * or count, trailing data, a second document, a lone surrogate and malformed UTF-8 are refused with
 * the JSON path and the value named, never wrapped, truncated or replaced.
 */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class ReadingDisciplineTest {

    private static final SessionReport FULL = SessionExporterContract.fullReport("discipline");
    private static final String VALID = SessionReportJson.toJson(FULL);

    private static SessionReport read(String json) throws IOException {
        return SessionReportJson.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** Replaces the first value of {@code "key": } after the key {@code section} in the valid export. */
    private static String with(String section, String key, String value) {
        String marker = "\"" + key + "\": ";
        int at = VALID.indexOf(marker, VALID.indexOf("\"" + section + "\": "));
        assertThat(at).as(key).isNotNegative();
        int start = at + marker.length();
        int end = start;
        while (",}\n]".indexOf(VALID.charAt(end)) < 0) {
            end++;
        }
        return VALID.substring(0, start) + value + VALID.substring(end);
    }

    /**
     * PowerShell 5 writes UTF-16 with a byte order mark ({@code Get-Content x.json > y.json}): "not valid UTF-8 at byte
     * 0" alone left Windows users guessing; the message says what the file is and what to do.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"UTF-16LE, -1, -2", "UTF-16BE, -2, -1"})
    void aUtf16FileIsNamedAsSuch(String charset, byte first, byte second) {
        byte[] text = VALID.getBytes(java.nio.charset.Charset.forName(charset));
        byte[] file = new byte[text.length + 2];
        file[0] = first;
        file[1] = second;
        System.arraycopy(text, 0, file, 2, text.length);
        assertThatThrownBy(() -> SessionReportJson.read(new ByteArrayInputStream(file))).isInstanceOf(IOException.class)
                .hasMessage("not a session report: stream: not valid UTF-8 at byte 0: the file starts with a UTF-16"
                        + " byte order mark (PowerShell 5's > and Out-File write UTF-16): save it as UTF-8, e.g."
                        + " Out-File -Encoding utf8");
    }

    @Test
    void theValidExportStillReadsBackEqual() throws IOException {
        assertThat(read(VALID)).isEqualTo(FULL);
    }

    @ParameterizedTest(name = "{0} {1} = {2}")
    @CsvSource(delimiter = '|', value = {
        "sessionMetrics | durationMs | 9223372036854775808 | sessionMetrics.connection.disconnections[0].durationMs: 9223372036854775808 is out of range",
        "sessionMetrics | durationMs | 1e300 | sessionMetrics.connection.disconnections[0].durationMs: 1E+300 is out of range",
        "sessionMetrics | durationMs | 18446744073709551616 | sessionMetrics.connection.disconnections[0].durationMs: 18446744073709551616 is out of range",
        "sessionMetrics | durationMs | 1.9 | sessionMetrics.connection.disconnections[0].durationMs: 1.9 is not an integer",
        "sessionMetrics | durationMs | -5 | sessionMetrics.connection.disconnections[0].durationMs: -5 is negative",
        "sessionMetrics | sampleCount | 2147483648 | sessionMetrics.latency.sampleCount: 2147483648 is out of range",
        "sessionMetrics | sampleCount | -1 | sessionMetrics.latency.sampleCount: -1 is negative",
        "sessionMetrics | rttMs | 1e400 | sessionMetrics.latency.samples[0].rttMs: 1E+400 is not a finite double",
        "sessionMetrics | rttMs | -40 | sessionMetrics.latency.samples[0].rttMs: -40 is negative",
        "validationData | pollCount | -3 | validationData.counters.pollCount: -3 is negative",
        "multiplayerMetrics | roundNumber | 1.5 | multiplayerMetrics.rounds[0].roundNumber: 1.5 is not an integer",
        "sessionMetrics | durationMs | \"12\" | sessionMetrics.connection.disconnections[0].durationMs: expected a number, found a string",
        "sessionMetrics | sessionId | \"bad\\ud800id\" | sessionMetrics.sessionId: the string has a lone surrogate",
        "sessionMetrics | sessionId | \"a\\u001b]0;x\\u0007\" | sessionMetrics.sessionId: the id has a control character (U+001B) at character 1",
        "multiplayerMetrics | playerId | \"p\\n1\" | multiplayerMetrics.playerId: the id has a control character (U+000A) at character 1",
        "validationData | sessionId | \"v\\u009b31m\" | validationData.sessionId: the id has a control character (U+009B) at character 1",
        "multiplayerMetrics | quality | \"GREAT\" | multiplayerMetrics.quality: \"GREAT\" is none of UNKNOWN, GOOD, FAIR, POOR, LOST",
        "multiplayerMetrics | quality | 3 | multiplayerMetrics.quality: expected a string, found a number",
        "multiplayerMetrics | quality | \"\\u001b]0;x\\u0007\\u202eGOOD\" | multiplayerMetrics.quality: \"\\u001B]0;x\\u0007\\u202EGOOD\" is none of",
        // a boolean and a string take only their own kind: Yasson read 1 as false, "true" as true, 5 as "5", and
        // refused an object or an array without naming where
        "sessionMetrics | channelOpen | 1 | sessionMetrics.connection.channelOpen: expected true or false, found a number",
        "sessionMetrics | channelOpen | \"true\" | sessionMetrics.connection.channelOpen: expected true or false, found a string",
        "multiplayerMetrics | newConnection | [true] | multiplayerMetrics.reconnections[0].newConnection: expected true or false, found an array",
        "sessionMetrics | sessionId | 5 | sessionMetrics.sessionId: expected a string, found a number",
        "sessionMetrics | playerId | {\"id\": 1} | sessionMetrics.playerId: expected a string, found an object",
        "multiplayerMetrics | closeReason | false | multiplayerMetrics.reconnections[0].closeReason: expected a string, found a boolean",
        // null where a primitive goes: refused by the constructor call, which named neither the path nor the reason
        // ("Internal error: null" at 567e6e9, "Exception occurred during call to the canonical constructor of …")
        "sessionMetrics | durationMs | null | sessionMetrics.connection.disconnections[0].durationMs: expected a number, found null",
        "sessionMetrics | channelOpen | null | sessionMetrics.connection.channelOpen: expected true or false, found null",
        "sessionMetrics | rttMs | null | sessionMetrics.latency.samples[0].rttMs: expected a number, found null",
        "validationData | pollCount | null | validationData.counters.pollCount: expected a number, found null",
        "validationData | pollIntervalMs | null | validationData.clock.pollIntervalMs: expected a number, found null",
        // null in a list: refused by List.copyOf, whose NullPointerException names nothing
        "multiplayerMetrics | rounds | [null, | multiplayerMetrics.rounds[0]: expected an object, found null",
        "sessionMetrics | samples | [null, | sessionMetrics.latency.samples[0]: expected an object, found null",
    })
    void numbersAndStringsThatDoNotFitAreRefusedNamingPathAndValue(String section, String key, String value,
            String message) {
        assertThatThrownBy(() -> read(with(section, key, value))).isInstanceOf(IOException.class)
                .hasMessageContaining(message).hasMessageStartingWith("not a session report: stream: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    /**
     * A key given twice in one object (a script's or a hand edit's slip) makes a file two programs read differently:
     * Python's {@code json} and Parsson keep the last value, other readers refuse the object or report both (RFC 8259,
     * section 4). It was read silently, the last
     * value counting ({@code peerpulse summarize} listed the second session id); it is refused, naming the second
     * occurrence's JSON path, under a key the records know or not, in a streamed sample too. Each row inserts the
     * text before the first {@code "key": } after {@code section}.
     */
    @ParameterizedTest(name = "{3}")
    @CsvSource(delimiter = '|', value = {
        "sessionMetrics | sessionId | \"sessionId\": \"y\", | sessionMetrics.sessionId: the key appears twice",
        "multiplayerMetrics | multiplayerMetrics | \"multiplayerMetrics\": null, | multiplayerMetrics: the key appears twice",
        "multiplayerMetrics | roundNumber | \"roundNumber\": 2, | multiplayerMetrics.rounds[0].roundNumber: the key appears twice",
        "sessionMetrics | samples | \"samples\": [], | sessionMetrics.latency.samples: the key appears twice",
        "sessionMetrics | rttMs | \"rttMs\": 1.5, | sessionMetrics.latency.samples[0].rttMs: the key appears twice",
        "sessionMetrics | rttMs | \"rttMs\": \"x\", | sessionMetrics.latency.samples[0].rttMs: the key appears twice",
        "sessionMetrics | rttMs | \"timestampEpochMs\": 5, | sessionMetrics.latency.samples[0].timestampEpochMs: the key appears twice",
        "sessionMetrics | rttMs | \"later\": 1, \"later\": [2], | sessionMetrics.latency.samples[0].later: the key appears twice",
        // keys the records do not know (a later version's): the same rule
        "sessionMetrics | sessionId | \"zzz\": 1, \"zzz\": {}, | sessionMetrics.zzz: the key appears twice",
        "sessionMetrics | sessionId | \"zzz\": [{\"a\": 1, \"a\": 2}], | sessionMetrics.zzz[0].a: the key appears twice",
    })
    void aKeyGivenTwiceIsRefusedNamingItsPath(String section, String key, String inserted, String message) {
        int at = VALID.indexOf("\"" + key + "\": ", VALID.indexOf("\"" + section + "\": "));
        assertThat(at).as(key).isNotNegative();
        String json = VALID.substring(0, at) + inserted + " " + VALID.substring(at);
        assertThatThrownBy(() -> read(json)).isInstanceOf(IOException.class)
                .hasMessage("not a session report: stream: " + message + TWICE);
        assertThatThrownBy(() -> SessionReportJson.fromJson(json)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a session report: " + message + TWICE);
    }

    /**
     * A crafted export's value quoted in a refusal goes by the privacy rule ({@code Redaction}): an address or an ICE
     * candidate where an enum goes used to be printed as it stood (cut to 40 characters, which left the address in).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"192.168.1.23\" | multiplayerMetrics.quality: \"<redacted>\" is none of UNKNOWN, GOOD, FAIR, POOR, LOST | 192.168.1.23",
        "\"fe80::1%eth0\" | multiplayerMetrics.quality: \"<redacted>\" is none of | fe80::1",
        "\"candidate:1 1 udp 2122260223 10.0.0.5 54321 typ host\" | multiplayerMetrics.quality: \"<redacted: ICE candidate>\" is none of | 10.0.0.5",
        "\"GOOD from 10.0.0.5 port 54321 and so on, a long text, longer than forty\" | multiplayerMetrics.quality: \"GOOD from <redacted> port <redacted> and…\" is none of | 10.0.0",
    })
    void anAddressWhereAnEnumGoesIsNotQuoted(String value, String message, String address) {
        assertThatThrownBy(() -> read(with("multiplayerMetrics", "quality", value))).isInstanceOf(IOException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(address).doesNotContain("54321"));
    }

    @Test
    void signedClockReadingsMayBeNegative() throws IOException {
        String json = with("validationData", "startNanoTime", "-123456789");
        assertThat(read(json).validationData().clock().startNanoTime()).isEqualTo(-123456789L);
        assertThat(read(with("sessionMetrics", "durationMs", "12.000")).sessionMetrics().connection().disconnections().get(0).durationMs()).isEqualTo(12);
    }

    @Test
    void thePeersClockOffsetMayBeNegativeItsCountsMayNot() throws IOException {
        ProbeStats probe = SampleReports.record(ProbeStats.class, "sentCount", 31L, "answeredCount", 30L,
                "lostCount", 0L, "lateCount", 0L, "unansweredCount", 1L, "lossRatio", 0.0, "offsetMs", -0.531,
                "errorBoundMs", 40.1, "offsetEpochMs", 1_767_225_600_000L);
        SessionReport probed = SampleReports.with(FULL, "validationData.latencySource", "probe",
                "validationData.probe", probe);
        String json = SessionReportJson.toJson(probed);
        assertThat(read(json)).isEqualTo(probed);
        assertThatThrownBy(() -> read(json.replace("\"lostCount\": 0", "\"lostCount\": -1")))
                .isInstanceOf(IOException.class).hasMessageContaining("validationData.probe.lostCount: -1 is negative");
    }

    @Test
    void trailingDataAndASecondDocumentAreRefused() {
        assertThatThrownBy(() -> read(VALID + "garbage")).isInstanceOf(IOException.class)
                .hasMessageContaining("trailing data after the document");
        assertThatThrownBy(() -> read(VALID + "\n" + VALID)).isInstanceOf(IOException.class)
                .hasMessageContaining("trailing data after the document");
        assertThatThrownBy(() -> SessionReportJson.fromJson(VALID + " {}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing data");
    }

    @Test
    void malformedUtf8IsRefusedNamingTheByte() {
        byte[] bytes = VALID.getBytes(StandardCharsets.UTF_8);
        int at = VALID.indexOf("discipline") + 3;
        byte[] broken = Arrays.copyOf(bytes, bytes.length);
        broken[at] = (byte) 0xC3; // a lead byte followed by an ASCII letter
        assertThatThrownBy(() -> SessionReportJson.read(new ByteArrayInputStream(broken)))
                .isInstanceOf(IOException.class).hasMessageContaining("not valid UTF-8 at byte " + at);
        byte[] lone = Arrays.copyOf(bytes, bytes.length + 3); // an encoded surrogate is not UTF-8 either
        System.arraycopy(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, 0, lone, bytes.length, 3);
        assertThatThrownBy(() -> SessionReportJson.read(new ByteArrayInputStream(lone)))
                .isInstanceOf(IOException.class).hasMessageContaining("not valid UTF-8 at byte " + bytes.length);
    }

    /**
     * A file a script rewrote with Python's {@code json.dump}, which writes {@code NaN}: the message names the
     * character and where it is, not Parsson's code point with locale digit grouping ("Unexpected char 78").
     */
    @Test
    void anUnexpectedCharacterIsNamedWithItsLineAndColumn() {
        String json = with("sessionMetrics", "meanMs", "NaN");
        int line = (int) json.substring(0, json.indexOf("NaN")).lines().count();
        int column = json.indexOf("NaN") - json.lastIndexOf('\n', json.indexOf("NaN"));
        assertThatThrownBy(() -> read(json)).isInstanceOf(IOException.class)
                .hasMessage("not a session report: stream: unexpected character 'N' at line " + line + ", column "
                        + column);
        assertThatThrownBy(() -> SessionReportJson.fromJson("\uFEFF" + VALID)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a session report: unexpected character U+FEFF at line 1, column 1");
    }

    /**
     * Parsson writes the numbers of its messages with MessageFormat in the JVM's locale: "Unexpected char ٧٨" for
     * 'N' and "Unexpected char -١" after a direction mark at the end of the input under ar-EG. The messages are the same in every
     * locale: the character named, a cut-off or empty file said to be so.
     */
    @Test
    void theMessagesAreTheSameInLocalesWithOtherDigitsOrSeparators() {
        String nan = with("sessionMetrics", "meanMs", "NaN");
        int line = (int) nan.substring(0, nan.indexOf("NaN")).lines().count();
        int column = nan.indexOf("NaN") - nan.lastIndexOf('\n', nan.indexOf("NaN"));
        byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
        int cut = VALID.indexOf("meanMs");
        java.util.Locale original = java.util.Locale.getDefault();
        for (String tag : new String[] {"ar-EG", "fa-IR", "de-DE", "hi-IN-u-nu-deva", "th-TH-u-nu-thai"}) {
            try {
                java.util.Locale.setDefault(java.util.Locale.forLanguageTag(tag));
                assertThatThrownBy(() -> read(nan)).as(tag).hasMessage("not a session report: stream: unexpected"
                        + " character 'N' at line " + line + ", column " + column);
                assertThatThrownBy(() -> SessionReportJson.fromJson("\uFEFF" + VALID)).as(tag)
                        .hasMessage("not a session report: unexpected character U+FEFF at line 1, column 1");
                assertThatThrownBy(() -> SessionReportJson.read(new ByteArrayInputStream(Arrays.copyOf(valid, cut))))
                        .as(tag).hasMessage("not a session report: stream: the document ends early, after " + cut
                                + " bytes (a file cut off?)");
                assertThatThrownBy(() -> SessionReportJson.read(new ByteArrayInputStream(new byte[] {' ', '\n'})))
                        .as(tag).hasMessage("not a session report: stream: the document ends early, after 2 bytes"
                                + " (a file cut off?)");
            } finally {
                java.util.Locale.setDefault(original);
            }
        }
    }

    /**
     * A file re-saved by Windows Notepad or PowerShell 5's {@code Set-Content -Encoding UTF8} starts with a UTF-8
     * byte order mark, which RFC 8259 lets a reader ignore: it is read, and byte offsets still count it.
     */
    @Test
    void aLeadingByteOrderMarkIsSkippedAndOffsetsStillCountIt() throws IOException {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] body = VALID.getBytes(StandardCharsets.UTF_8);
        byte[] marked = Arrays.copyOf(bom, bom.length + body.length);
        System.arraycopy(body, 0, marked, bom.length, body.length);
        assertThat(SessionReportJson.read(new ByteArrayInputStream(marked))).isEqualTo(FULL);

        int at = bom.length + VALID.indexOf("discipline") + 3;
        marked[at] = (byte) 0xC3;
        assertThatThrownBy(() -> SessionReportJson.read(new ByteArrayInputStream(marked)))
                .isInstanceOf(IOException.class).hasMessageContaining("not valid UTF-8 at byte " + at);
        // one at the start only: a second one is no whitespace
        byte[] twice = Arrays.copyOf(bom, 6 + body.length);
        System.arraycopy(bom, 0, twice, 3, 3);
        System.arraycopy(body, 0, twice, 6, body.length);
        assertThatThrownBy(() -> SessionReportJson.read(new ByteArrayInputStream(twice))).isInstanceOf(IOException.class);
    }

    /**
     * A document just over Parsson's default parsing limit (15,000,000 characters, lifted in
     * {@code SessionReportJson}) reads: the reader's bounds are on what it holds (a string, the values outside
     * the sample arrays: HostileSizeTest), not on the document's length.
     */
    @Test
    void aFileOverParssonsDefaultParsingLimitIsRead(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("padded.json");
        // an unknown key (a later version's) makes the file large without a huge report
        String padding = "\"padding\": [" + ("\"" + "x".repeat(998) + "\",").repeat(PARSSON_DEFAULT_LIMIT / 1000)
                + "\"x\"], ";
        Files.writeString(file, VALID.replaceFirst("\\{", "{" + padding), StandardCharsets.UTF_8);
        assertThat(Files.size(file)).isGreaterThan(PARSSON_DEFAULT_LIMIT);
        assertThat(SessionReportJson.read(file)).isEqualTo(FULL);
    }

    /**
     * No window holds more than {@code TelemetryOptions.MAX_SAMPLE_COUNT_LIMIT} samples: a samples array with
     * more (a crafted file of 10^7 samples ran {@code peerpulse report} out of heap) is refused naming its path,
     * its elements read (for the syntax) but not kept. The elements are generated as they are read.
     */
    @Test
    void aSamplesArrayLongerThanAnyWindowIsRefused() {
        int start = VALID.indexOf("[", VALID.indexOf("\"samples\": ", VALID.indexOf("\"sessionMetrics\": "))) + 1;
        int end = VALID.indexOf("]", start);
        byte[] prefix = VALID.substring(0, start).getBytes(StandardCharsets.UTF_8);
        byte[] suffix = VALID.substring(end).getBytes(StandardCharsets.UTF_8);
        byte[] element = "{\"rttMs\":40.5,\"timestampEpochMs\":1767225600000},".getBytes(StandardCharsets.UTF_8);
        int count = 1_000_001;
        java.io.InputStream generated = new java.io.InputStream() {
            private long at;
            private final long total = prefix.length + (long) count * element.length - 1 + suffix.length;

            @Override
            public int read() {
                if (at >= total) {
                    return -1;
                }
                long i = at++;
                if (i < prefix.length) {
                    return prefix[(int) i];
                }
                i -= prefix.length;
                long body = (long) count * element.length - 1; // no comma after the last
                return i < body ? element[(int) (i % element.length)] : suffix[(int) (i - body)];
            }
        };
        assertThatThrownBy(() -> SessionReportJson.read(new java.io.BufferedInputStream(generated, 1 << 16)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("sessionMetrics.latency.samples: more than 1000000 samples");
    }

    /** What a refusal of a key given twice says after the path and "the key appears twice". */
    static final String TWICE = " (JSON readers differ on which of the two counts)";

    /** Parsson's {@code org.eclipse.parsson.maxParsingLimit} when nobody sets it. */
    private static final int PARSSON_DEFAULT_LIMIT = 15_000_000;
}
