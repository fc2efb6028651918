package io.peerpulse.integration;

import io.peerpulse.lab.WebRtcPeers.Route;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.cumulative.CumulativeTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.RttSources;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.lab.WebRtcPeers;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code micrometer} exporter, found by ServiceLoader (module path: {@code provides}; class path:
 * {@code META-INF/services}), records a session on two real peers into the registry the session gives
 * it, and removes its meters when the session ends.
 */
@Tag("classpath")
@Tag("integration")
class MicrometerOnRealPeersTest {

    @Test
    void theSessionsRttReachesTheRegistryAndItsMetersLeaveWithIt() throws Exception {
        RttRecordingRegistry registry = new RttRecordingRegistry(3);
        String id = "micrometer-real-peers-" + System.getProperty("peerpulse.test.path", "module");
        SessionReport report;
        long recorded;
        double recordedMs;
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            GameSession session = GameSession.builder(id)
                    .telemetryOptions(TelemetryOptions.builder().pollInterval(Duration.ofMillis(200)).build())
                    .exporters("micrometer")
                    .exportAttribute(MeterRegistry.class, registry)
                    .exportSetting("peerpulse.export.micrometer.tags", "experiment=it")
                    .build();
            assertThat(session.exporterNames()).containsExactly("micrometer");
            session.onDataChannelOpen(RttSources.forConnection(peers.peerA()));
            assertThat(registry.rttsRecorded.await(30, TimeUnit.SECONDS))
                    .as("3 real RTTs reached the registry (bounded wait; %d arrived)",
                            3 - registry.rttsRecorded.getCount())
                    .isTrue();
            Timer rtt = registry.find(RTT).tag("experiment", "it").timer();
            assertThat(rtt).as("the RTT timer").isNotNull();
            assertThat(rtt.count()).isGreaterThanOrEqualTo(3);
            assertThat(registry.get("peerpulse.sessions.active").gauge().value()).isEqualTo(1);
            session.close(); // stops telemetry before the peers close; the exporter runs before close returns
            recorded = rtt.count();
            recordedMs = rtt.totalTime(TimeUnit.MILLISECONDS);
            report = session.exportReport();
        }
        // every sample the exporter was handed is a real loopback RTT; the session counted at least as many
        long measured = report.validationData().counters().measuredCount();
        assertThat(recorded).isBetween(measured - report.validationData().droppedExporterCallCount() - 1, measured);
        assertThat(recordedMs / recorded).isBetween(0.0, 1000.0);
        // the only session ended: its meters stay (they describe the process), its poll counts on them
        assertThat(registry.get("peerpulse.session.polls").tag("outcome", "measured").counter().count())
                .isEqualTo(measured);
        assertThat(registry.get("peerpulse.sessions.active").gauge().value()).isZero();
    }

    private static final String RTT = "peerpulse.session.rtt";

    /**
     * A {@link SimpleMeterRegistry} whose timers count down {@link #rttsRecorded} for each RTT recorded into
     * {@value #RTT}: the real event the test waits for, instead of polling the timer.
     */
    private static final class RttRecordingRegistry extends SimpleMeterRegistry {

        final CountDownLatch rttsRecorded;

        RttRecordingRegistry(int rtts) {
            this.rttsRecorded = new CountDownLatch(rtts);
        }

        @Override
        protected Timer newTimer(Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
            // as SimpleMeterRegistry's cumulative timer (its default mode; its step is 1 minute)
            DistributionStatisticConfig merged = config.merge(
                    DistributionStatisticConfig.builder().expiry(Duration.ofMinutes(1)).build());
            return new CumulativeTimer(id, clock, merged, pauseDetector, getBaseTimeUnit(), false) {
                @Override
                protected void recordNonNegative(long amount, TimeUnit unit) {
                    super.recordNonNegative(amount, unit);
                    if (RTT.equals(id.getName())) {
                        rttsRecorded.countDown();
                    }
                }
            };
        }
    }
}
