package io.peerpulse.integration;

import io.peerpulse.lab.WebRtcPeers.Route;
import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.export.csv.SessionReportCsv;
import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.RttSources;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.testkit.IpAddresses;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A game session on two real peers, with its exporter and RTT source found by ServiceLoader: on the
 * module path through {@code provides}, on the class path through {@code META-INF/services}.
 */
@Tag("classpath")
@Tag("integration")
class SessionOnRealPeersTest {

    @TempDir
    Path exports;

    @Test
    void providersAreFoundAndTheSessionExportsItsLatency() throws Exception {
        assertThat(RttSources.providers()).extracting(p -> p.name()).containsExactly("webrtc");
        String id = "real-peers-" + System.getProperty("peerpulse.test.path", "module");
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            GameSession session = GameSession.builder(id).playerId("p1")
                    .telemetryOptions(TelemetryOptions.builder().pollInterval(Duration.ofMillis(200)).build())
                    .exportSetting(SessionReportJson.DIRECTORY_SETTING, exports.toString())
                    .exportSetting(SessionReportCsv.DIRECTORY_SETTING, exports.toString())
                    .build();
            assertThat(session.exporterNames()).contains("recording", "micrometer", "json", "csv", "jfr");
            var source = RttSources.forConnection(peers.peerA());
            assertThat(source).isInstanceOf(WebRtcRttSource.class);
            session.onDataChannelOpen(source);
            session.beginRound(1);
            // a bounded wait for the first real sample to reach the exporter (the bound only fails a hung test)
            RecordingExporterProvider.firstSample(id).get(30, TimeUnit.SECONDS);
            session.endRound();
            session.onDataChannelClose("game over");
            session.close(); // stops telemetry before the peers close
            session.close();
        }
        List<String> calls = RecordingExporterProvider.CALLS.get(id);
        assertThat(calls.get(0)).isEqualTo("started");
        assertThat(calls).contains("sample").endsWith("ended");
        assertThat(calls.stream().filter("ended"::equals)).hasSize(1);
        SessionReport report = RecordingExporterProvider.REPORTS.get(id);
        assertThat(report.sessionMetrics().latency()).isNotNull();
        assertThat(report.validationData().latency()).isEqualTo(report.sessionMetrics().latency());
        assertThat(report.multiplayerMetrics().rounds()).hasSize(1);
        assertThat(IpAddresses.containsAny(report.toString())).as("no address in %s", report).isFalse();
        // the file exporters wrote the same report, and a row per sample
        assertThat(SessionReportJson.read(exports.resolve(id + ".json"))).isEqualTo(report);
        assertThat(Files.readAllLines(exports.resolve(id + ".csv")))
                .hasSize(1 + report.multiplayerMetrics().latency().sampleCount());
        // no address, port or candidate of the real connection in any exported file
        try (var files = Files.list(exports)) {
            for (Path file : files.toList()) {
                String text = Files.readString(file);
                assertThat(IpAddresses.containsAny(text)).as("an address in %s", file).isFalse();
                assertThat(text).doesNotContainIgnoringCase("candidate:");
            }
        }
    }
}
