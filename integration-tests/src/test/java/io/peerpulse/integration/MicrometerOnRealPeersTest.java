package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.RttSources;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.lab.WebRtcPeers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code micrometer} exporter, found by ServiceLoader (module path: {@code provides}; class path:
 * {@code META-INF/services}), records a session on two real peers into the registry the session gives
 * it, and removes its meters when the session ends.
 */
@Tag("classpath")
class MicrometerOnRealPeersTest {

    @Test
    void theSessionsRttReachesTheRegistryAndItsMetersLeaveWithIt() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String id = "micrometer-real-peers-" + System.getProperty("peerpulse.test.path", "module");
        SessionReport report;
        long recorded;
        double recordedMs;
        try (WebRtcPeers peers = WebRtcPeers.connectDirect(Fixtures.CONNECT_TIMEOUT)) {
            GameSession session = GameSession.builder(id)
                    .telemetryOptions(TelemetryOptions.builder().pollInterval(Duration.ofMillis(200)).build())
                    .exporters("micrometer")
                    .exportAttribute(MeterRegistry.class, registry)
                    .exportSetting("peerpulse.export.micrometer.tags", "experiment=it")
                    .build();
            assertThat(session.exporterNames()).containsExactly("micrometer");
            session.onDataChannelOpen(RttSources.forConnection(peers.peerA()));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            Timer rtt = null;
            while ((rtt == null || rtt.count() < 3) && System.nanoTime() < deadline) {
                rtt = registry.find("peerpulse.session.rtt").tag("experiment", "it").timer();
                Thread.onSpinWait(); // bounded wait for real samples to reach the registry
            }
            assertThat(rtt).as("the RTT timer").isNotNull();
            assertThat(rtt.count()).isGreaterThanOrEqualTo(3);
            assertThat(registry.get("peerpulse.sessions.active").gauge().value()).isEqualTo(1);
            session.close(); // stops telemetry before the peers close; the exporter runs before close returns
            recorded = rtt.count();
            recordedMs = rtt.totalTime(TimeUnit.MILLISECONDS);
            report = session.report().orElseThrow();
        }
        // every sample the exporter was handed is a real loopback RTT; the session counted at least as many
        long measured = report.validationData().counters().measured();
        assertThat(recorded).isBetween(measured - report.validationData().droppedExporterCallCount() - 1, measured);
        assertThat(recordedMs / recorded).isBetween(0.0, 1000.0);
        // the only session ended: none of its meters is left
        assertThat(registry.getMeters()).isEmpty();
    }
}
