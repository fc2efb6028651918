package io.peerpulse.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code summarize} on the files of one real session against headless Chromium (recorded by the integration
 * tests' ChromiumAgreementTest, 80 ms injected): PeerPulse's JSON export and the browser's export in the
 * original feature's shape give one table; a bare {@code latency} object reads the same.
 */
class SummarizeBrowserExportTest {

    private static final String JAVA_FILE = "chromium-agreement.json";
    private static final String BROWSER_FILE = "chromium-agreement-browser.json";

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private String fixture(String name) throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/browser-session/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theBrowserExportAndThePeerPulseExportShareOneTable() throws Exception {
        Files.writeString(dir.resolve(JAVA_FILE), fixture(JAVA_FILE));
        Files.writeString(dir.resolve(BROWSER_FILE), fixture(BROWSER_FILE));
        Files.writeString(dir.resolve("other.json"), "{\"latency\": {\"sampleCount\": 1}}"); // not the shape

        assertThat(run("summarize", dir.toString())).as("stderr %s", err).isZero();
        System.out.print(out);
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo(SummarizeCommand.HEADER);
        String[] browser = lines.get(1).split(",", -1);
        String[] java = lines.get(2).split(",", -1);
        assertThat(browser[20]).isEqualTo(BROWSER_FILE);
        assertThat(java[20]).isEqualTo(JAVA_FILE);
        assertThat(browser[0]).isEqualTo(java[0]).isEqualTo("chromium-agreement");
        assertThat(browser[1]).isEqualTo("chromium");
        assertThat(browser[4]).as("no coverage in the browser feature").isEmpty();
        assertThat(browser[12]).as("no reconnection count in the browser feature").isEmpty();
        assertThat(Arrays.copyOfRange(browser, 13, 20)).as("nor time in quality and scores").containsOnly("");
        assertThat(Integer.parseInt(browser[5])).isEqualTo(30);
        // both medians: the injected 80 ms within max(1 ms, 2 %)
        assertThat(Double.parseDouble(browser[7])).isCloseTo(80, within(1.6));
        assertThat(Double.parseDouble(java[7])).isCloseTo(80, within(1.6));
        assertThat(Long.parseLong(browser[3])).as("duration: first to last sample").isBetween(28_000L, 31_000L);
        assertThat(err.toString()).contains("other.json");
    }

    /**
     * A key given twice in the browser's export (a script's slip) was read as Parsson reads it, the last value
     * counting: summarize listed the second session id. Refused as PeerPulse's own exports are, by the key's path.
     */
    @Test
    void aBrowserExportWithAKeyGivenTwiceIsSkippedNamingTheKey() throws Exception {
        String document = fixture(BROWSER_FILE);
        Files.writeString(dir.resolve(BROWSER_FILE), document.replaceFirst("\"sessionId\" ?: ?\"([^\"]*)\"",
                "\"sessionId\": \"$1\", \"sessionId\": \"other\""));

        assertThat(run("summarize", dir.toString())).as("stderr %s", err).isEqualTo(2);
        assertThat(out.toString()).doesNotContain("other,");
        assertThat(err.toString()).contains(BROWSER_FILE + ": not a PeerPulse session export: sessionId: the key appears"
                + " twice");
    }

    @Test
    void aBareLatencyObjectIsReadToo() throws Exception {
        String document = fixture(BROWSER_FILE);
        String latency = document.substring(document.indexOf("\"latency\":") + "\"latency\":".length(),
                document.length() - 1);
        Files.writeString(dir.resolve("session-7.json"), latency);

        assertThat(run("summarize", dir.toString())).as("stderr %s", err).isZero();
        String[] row = out.toString().lines().toList().get(1).split(",", -1);
        assertThat(row[0]).as("the file name stands in for the id").isEqualTo("session-7");
        assertThat(row[5]).isEqualTo("30");
        assertThat(Double.parseDouble(row[6])).as("min").isEqualTo(81.0);
        double p95 = Double.parseDouble(row[9]);
        assertThat(p95).isBetween(Double.parseDouble(row[7]), Double.parseDouble(row[11]));
    }

    /**
     * The original feature stamps its samples with {@code Date.now()}: an NTP correction that steps the browser's
     * clock back 5 s mid-session makes one timestamp go back. The session is still a row, every sample counted;
     * only the duration, which the timestamps' span no longer is, stays empty.
     */
    @Test
    void aBrowserExportWhoseWallClockSteppedBackIsStillARowWithoutADuration() throws Exception {
        long t0 = 1_767_225_600_000L;
        StringBuilder samples = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            long timestamp = t0 + i * 1_000L - (i >= 30 ? 5_000 : 0); // stepped back 5 s after the 30th sample
            samples.append(i == 0 ? "" : ", ").append("{\"timestamp\": ").append(timestamp)
                    .append(", \"rttMs\": ").append(80 + i % 3).append('}');
        }
        Files.writeString(dir.resolve("stepped.json"), "{\"sessionId\": \"s-ntp\", \"latency\": {\"sampleCount\": 60, "
                + "\"minMs\": 80, \"maxMs\": 82, \"meanMs\": 81, \"medianMs\": 81, \"samples\": [" + samples + "]}}");

        assertThat(run("summarize", dir.toString())).as("stderr %s", err).isZero();
        assertThat(err.toString()).isEmpty();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(2);
        String[] row = lines.get(1).split(",", -1);
        assertThat(row[0]).isEqualTo("s-ntp");
        assertThat(row[2]).as("start: the first sample's timestamp, a label").isEqualTo(String.valueOf(t0));
        assertThat(row[3]).as("duration: not the span of timestamps that went back (54 s)").isEmpty();
        assertThat(row[5]).isEqualTo("60");
        assertThat(row[7]).isEqualTo("81.0");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "\"sampleCount\": 4294967297|latency.sampleCount: 4294967297 is out of range",
            "\"minMs\": 1e1000000000|latency.minMs: 1E+1000000000 is not a finite double",
            "\"meanMs\": -3|latency.meanMs: -3 is negative",
            "\"samples\": [{\"timestamp\": 1e30, \"rttMs\": 80}]|latency.samples[0].timestamp: 1E+30 is out of range",
            "\"samples\": [{\"timestamp\": 5, \"rttMs\": -0.5}]|latency.samples[0].rttMs: -0.5 is negative"
    })
    void aBrowserExportThatBreaksAReadingRuleIsRefusedNamingPathAndValue(String override, String message)
            throws Exception {
        refusedNaming(override, message);
    }

    /**
     * The browser's ids are set by the page's script and may hold an address: they were written to the table as they
     * were, where a PeerPulse export's ids are shown redacted (the privacy rule). Redacted the same way.
     */
    @Test
    void idsHoldingAnAddressInABrowserExportAreShownRedacted() throws Exception {
        Files.writeString(dir.resolve("peer.json"), "{\"sessionId\": \"peer 192.168.1.23:5000\", \"playerId\":"
                + " \"candidate:1 1 udp 2122260223 10.0.0.5 54321 typ host\", \"latency\": {\"sampleCount\": 1,"
                + " \"minMs\": 80, \"maxMs\": 80, \"meanMs\": 80, \"medianMs\": 80,"
                + " \"samples\": [{\"timestamp\": 1767225600000, \"rttMs\": 80}]}}");

        assertThat(run("summarize", dir.toString())).as("stderr %s", err).isZero();
        assertThat(out.toString()).doesNotContain("192.168.1.23").doesNotContain("10.0.0.5")
                .contains("\npeer <redacted>,<redacted: ICE candidate>,1767225600000,");
    }

    /** The document's own ids sit beside {@code latency}, not in it: their path is theirs (it said latency.sessionId). */
    @Test
    void aBrowserExportWhoseSessionIdBreaksTheIdRuleIsRefusedNamingItsOwnPath() throws Exception {
        Files.writeString(dir.resolve("hostile.json"), "{\"sessionId\": \"ev\\u001bil\", \"latency\": {\"sampleCount\": 1,"
                + " \"minMs\": 80, \"maxMs\": 80, \"meanMs\": 80, \"medianMs\": 80,"
                + " \"samples\": [{\"timestamp\": 1767225600000, \"rttMs\": 80}]}}");

        assertThat(run("summarize", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("hostile.json: a browser export whose sessionId: the id has a control"
                + " character (U+001B)");
    }

    private void refusedNaming(String override, String message)
            throws Exception {
        java.util.Map<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("sampleCount", "\"sampleCount\": 1");
        fields.put("minMs", "\"minMs\": 80");
        fields.put("maxMs", "\"maxMs\": 80");
        fields.put("meanMs", "\"meanMs\": 80");
        fields.put("medianMs", "\"medianMs\": 80");
        fields.put("samples", "\"samples\": [{\"timestamp\": 1767225600000, \"rttMs\": 80}]");
        String key = override.substring(1, override.indexOf('"', 1));
        fields.put(key, override);
        Files.writeString(dir.resolve("hostile.json"), "{\"sessionId\": \"s-1\", \"latency\": {"
                + String.join(", ", fields.values()) + "}}");

        assertThat(run("summarize", dir.toString())).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).contains("hostile.json: a browser export whose " + message);
    }
}
