package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.integration.PathChangeTest.Events;
import io.peerpulse.integration.PathChangeTest.SeenIce;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.RelayRecord;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.QualityMetric;
import io.peerpulse.session.QualityReason;
import io.peerpulse.session.QualitySummary;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeOptions;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A total outage on real peers, the probe primary and the ICE view beside it: the relay forwards nothing for 4 s while
 * the data channel stays open, so every ping is lost. The session's quality goes LOST during the outage the relay
 * recorded (its first to its last dropped packet), and back to a measured grade once the path is back, not POOR by the
 * outage's lost pings for the next 10 s.
 */
@Tag("integration")
class QualityOutageTest {

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration OUTAGE = Duration.ofSeconds(4);
    private static final Duration BOUND = Duration.ofSeconds(60);

    @Test
    void anOutageIsLostWhileTheRelayDroppedEverythingAndMeasuredAgainAfter() throws Exception {
        Events events = new Events();
        try (ImpairmentRelay relay = new ImpairmentRelay(124).impair(Link.roundTrip(Duration.ofMillis(40)));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            ProbeOptions options = ProbeOptions.builder().pingTimeout(Duration.ofMillis(400)).build();
            DataChannelProbe probeA = DataChannelProbe.open(peers.peerA(), options);
            DataChannelProbe probeB = DataChannelProbe.open(peers.peerB(), options);
            WebRtcRttSource webrtc = WebRtcRttSource.of(peers.peerA());
            peers.onConnectionChangeOfA(webrtc::onConnectionChange);
            SeenIce ice = new SeenIce(webrtc);
            GameSession session = GameSession.builder("quality-outage")
                    .telemetryOptions(TelemetryOptions.builder().pollInterval(POLL).build())
                    .exporterProviders(List.of(events)).build();
            long from = System.nanoTime();
            try {
                session.onDataChannelOpen(probeA, ice);
                assertThat(events.await(e -> e.samples.size() >= 12, BOUND)).isTrue();
                relay.outage(OUTAGE);
                // measured again after the outage: the change that ends LOST
                events.await(e -> e.qualities.stream().map(QualityChange::current).toList()
                        .indexOf(ConnectionQuality.LOST) < e.qualities.size() - 1
                        && e.qualities.stream().anyMatch(q -> q.current() == ConnectionQuality.LOST), BOUND);
            } finally {
                session.close();
                probeA.close();
                probeB.close();
            }
            long to = System.nanoTime();
            long epochMinusNanoMs = System.currentTimeMillis() - to / 1_000_000;
            SessionReport report = session.exportReport();
            RelayRecord record = relay.record().between(from, to);
            List<QualityChange> qualities;
            synchronized (events) {
                qualities = List.copyOf(events.qualities);
            }
            List<RelayRecord.Packet> down = record.packets().stream()
                    .filter(p -> p.fate() == RelayRecord.Fate.DOWN).toList();
            assertThat(down).as("packets the relay dropped in the outage").isNotEmpty();
            long firstDownMs = epochMinusNanoMs + down.get(0).receivedNanos() / 1_000_000;
            long lastDownMs = epochMinusNanoMs + down.get(down.size() - 1).receivedNanos() / 1_000_000;
            long forwardedAgainMs = epochMinusNanoMs + record.packets().stream()
                    .filter(p -> p.receivedNanos() > down.get(down.size() - 1).receivedNanos()
                            && p.fate() == RelayRecord.Fate.FORWARDED)
                    .mapToLong(RelayRecord.Packet::receivedNanos).min().orElseThrow() / 1_000_000;
            System.out.printf("outage as the relay did it: %d to %d ms (%d dropped, forwarded again at %d ms);"
                            + " qualities %s; summary %s; probe %s; secondary %s%n", 0, lastDownMs - firstDownMs,
                    down.size(), forwardedAgainMs - firstDownMs,
                    qualities.stream().map(q -> q.current() + "@" + (q.timestampEpochMs() - firstDownMs) + " "
                            + q.reasons()).toList(), report.multiplayerMetrics().qualitySummary(),
                    report.validationData().probe(), report.validationData().secondary().counters());

            // (a loaded machine's jitter may grade the 40 ms link FAIR or POOR by jitter or score: never by loss, never LOST)
            assertThat(qualities).filteredOn(q -> q.timestampEpochMs() < firstDownMs).extracting(QualityChange::current)
                    .as("before the outage").isNotEmpty().doesNotContain(ConnectionQuality.LOST);
            List<QualityChange> lost = qualities.stream().filter(q -> q.current() == ConnectionQuality.LOST).toList();
            assertThat(lost).as("LOST once: %s", qualities).hasSize(1);
            // (a poll's time is when its read ended: a ping sent just before the last drop ends a ping timeout later)
            assertThat(lost.get(0).timestampEpochMs()).as("LOST while the relay dropped everything")
                    .isBetween(firstDownMs, lastDownMs + options.pingTimeout().toMillis() + 50);
            assertThat(qualities).filteredOn(q -> q.timestampEpochMs() >= firstDownMs)
                    .flatExtracting(QualityChange::reasons).extracting(QualityReason::metric)
                    .as("never graded by the outage's lost pings as loss").doesNotContain(QualityMetric.LOSS);
            QualityChange back = qualities.get(qualities.indexOf(lost.get(0)) + 1);
            assertThat(back.current()).as("a measured grade after it").isIn(ConnectionQuality.GOOD,
                    ConnectionQuality.FAIR, ConnectionQuality.POOR);
            assertThat(back.timestampEpochMs()).as("once the relay forwarded again")
                    .isGreaterThanOrEqualTo(forwardedAgainMs);
            assertThat(back.elapsedMs() - lost.get(0).elapsedMs()).as("LOST no longer than the outage")
                    .isLessThanOrEqualTo(OUTAGE.toMillis());
            QualitySummary summary = report.multiplayerMetrics().qualitySummary();
            assertThat(summary.lostMs()).isPositive().isLessThanOrEqualTo(OUTAGE.toMillis());
            assertThat(summary.unknownMs() + summary.goodMs() + summary.fairMs() + summary.poorMs() + summary.lostMs())
                    .as("the time in each quality").isBetween(report.sessionMetrics().durationMs() - 5,
                            report.sessionMetrics().durationMs());
        }
    }
}
