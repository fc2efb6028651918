package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.QualityMetric;
import io.peerpulse.session.QualityReason;
import io.peerpulse.session.QualitySummary;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.SessionLatencyStats;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.DataChannelProbe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 26: the {@code jfr} exporter, found by ServiceLoader, on real peers through the lab relay. A
 * {@link Recording} enabling {@code io.peerpulse.*} runs while a session measures a 200 ms link with the probe
 * (FAIR by the default 150 ms threshold, for an RTT reason), the channel closes and the session ends; the dump,
 * read back with {@link RecordingFile}, holds the session's samples, its quality changes with their reasons, the
 * open and the close, and its summary.
 */
@Tag("integration")
class JfrOnRealPeersTest {

    private static final List<String> EVENTS = List.of("io.peerpulse.RttSample", "io.peerpulse.QualityChange",
            "io.peerpulse.Connection", "io.peerpulse.SessionEnd");

    @TempDir
    Path dir;

    @Test
    void aRecordingHoldsTheSessionsSamplesQualityChangesConnectionAndEnd() throws Exception {
        String id = "jfr-real-peers";
        SessionReport report;
        List<RecordedEvent> events;
        try (ImpairmentRelay relay = new ImpairmentRelay(2626).impair(Link.roundTrip(Duration.ofMillis(200)));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT));
             Recording recording = new Recording()) {
            EVENTS.forEach(recording::enable);
            recording.start();
            GameSession session = GameSession.builder(id).exporters("jfr")
                    .telemetryOptions(TelemetryOptions.builder().pollInterval(Duration.ofMillis(200))
                            .readTimeout(Duration.ofSeconds(1)).build()) // a 200 ms round trip outlasts one poll
                    .build();
            CompletableFuture<QualityChange> graded = new CompletableFuture<>();
            session.addQualityListener(change -> {
                if (change.reasons().stream().anyMatch(r -> r.metric() == QualityMetric.RTT_MEDIAN)) {
                    graded.complete(change);
                }
            });
            DataChannelProbe probeA = DataChannelProbe.open(peers.peerA());
            DataChannelProbe probeB = DataChannelProbe.open(peers.peerB());
            try {
                session.onDataChannelOpen(probeA);
                // a bounded wait for a real change for the RTT (the bound only fails a hung test)
                graded.get(60, TimeUnit.SECONDS);
                session.onDataChannelClose("game over");
            } finally {
                session.close(); // after sessionEnded returned: every event committed
                probeA.close();
                probeB.close();
            }
            recording.stop();
            Path file = dir.resolve("session.jfr");
            recording.dump(file);
            events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().startsWith("io.peerpulse."))
                    // a recording is the JVM's: sessions of the tests running beside this one are in it too
                    .filter(e -> e.hasField("sessionId") && id.equals(e.getString("sessionId")))
                    // a file lists events by thread buffer: the commit order is the time order (the exporter's
                    // calls come one after another, on whichever thread of the pool)
                    .sorted(java.util.Comparator.comparing(RecordedEvent::getStartTime))
                    .toList();
            report = session.exportReport();
        }

        LatencyStats window = report.validationData().latency();
        assertThat(window).isNotNull();
        assertThat(window.totalSampleCount()).as("the window holds every sample").isEqualTo(window.sampleCount());
        List<RecordedEvent> samples = named(events, "io.peerpulse.RttSample");
        assertThat(samples).extracting(e -> e.getDouble("rttMs"))
                .containsExactlyElementsOf(window.samples().stream().map(RttSample::rttMs).toList());
        assertThat(samples).extracting(e -> e.getInstant("sampleTime").toEpochMilli())
                .containsExactlyElementsOf(window.samples().stream().map(RttSample::timestampEpochMs).toList());
        assertThat(samples).extracting(e -> e.getString("source")).containsOnly(DataChannelProbe.NAME);
        assertThat(samples).extracting(e -> e.getString("sessionId")).containsOnly(id);

        List<QualityChange> changes = report.multiplayerMetrics().qualityChanges();
        assertThat(changes).isNotEmpty();
        List<RecordedEvent> qualities = named(events, "io.peerpulse.QualityChange");
        assertThat(qualities).extracting(e -> e.getString("from") + " -> " + e.getString("to") + ": "
                        + e.getString("reasons"))
                .containsExactlyElementsOf(changes.stream().map(c -> c.previous() + " -> " + c.current() + ": "
                        + c.reasons().stream().map(QualityReason::text).collect(Collectors.joining("; "))).toList());
        assertThat(qualities).extracting(e -> e.getString("reasons")).anyMatch(r -> r.startsWith("RTT median "));

        assertThat(named(events, "io.peerpulse.Connection")).extracting(e -> e.getString("type") + " "
                + e.getString("reason")).containsExactly("OPENED ", "CLOSED game over");

        List<RecordedEvent> ends = named(events, "io.peerpulse.SessionEnd");
        assertThat(ends).hasSize(1);
        RecordedEvent end = ends.get(0);
        SessionLatencyStats whole = report.validationData().sessionLatency();
        assertThat(whole).isNotNull();
        assertThat(end.getString("sessionId")).isEqualTo(id);
        assertThat(end.getLong("sampleCount")).isEqualTo(whole.sampleCount()).isEqualTo(samples.size());
        assertThat(end.getDouble("minMs")).isEqualTo(whole.minMs());
        assertThat(end.getDouble("medianMs")).isEqualTo(whole.medianMs());
        assertThat(end.getDouble("p95Ms")).isEqualTo(whole.p95Ms());
        assertThat(end.getDouble("maxMs")).isEqualTo(whole.maxMs());
        assertThat(end.getDouble("covered")).isEqualTo(report.validationData().coverage().coveredRatio());
        QualitySummary summary = report.multiplayerMetrics().qualitySummary();
        assertThat(List.of(end.getDuration("timeUnknown").toMillis(), end.getDuration("timeGood").toMillis(),
                end.getDuration("timeFair").toMillis(), end.getDuration("timePoor").toMillis(),
                end.getDuration("timeLost").toMillis())).as("the time in each quality")
                .containsExactly(summary.unknownMs(), summary.goodMs(), summary.fairMs(), summary.poorMs(),
                        summary.lostMs());
        // the 200 ms link is FAIR by its RTT; on a loaded machine its jitter may make it POOR as well
        assertThat(summary.fairMs() + summary.poorMs()).as("time graded by the RTT").isPositive();
        assertThat(end.getEventType().getCategoryNames()).containsExactly("PeerPulse", "Session");
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }
}
