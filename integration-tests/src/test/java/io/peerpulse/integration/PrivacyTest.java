package io.peerpulse.integration;

import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.lab.ImpairmentRelay.Link;
import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.testkit.IpAddresses;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Research participants' addresses never leave the process: not in a reading, a log line or a statistic. */
@Tag("integration")
class PrivacyTest {

    @Test
    void nothingFromARealConnectionContainsAnAddressPortOrCandidate() throws Exception {
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        Logger peerpulse = Logger.getLogger("io.peerpulse");
        Level previous = peerpulse.getLevel();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                seen.add(String.valueOf(record.getMessage()) + " " + record.getThrown());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        peerpulse.setLevel(Level.ALL);
        peerpulse.addHandler(capture);
        try (ImpairmentRelay relay = new ImpairmentRelay(7).impair(Link.roundTrip(Duration.ofMillis(10)));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            WebRtcRttSource webrtc = WebRtcRttSource.of(peers.peerA());
            RttSource recording = () -> {
                CompletionStage<RttReading> stage = webrtc.read();
                return stage.whenComplete((reading, error) -> seen.add(reading + " " + error));
            };
            Recorder recorder = new Recorder();
            LatencyTelemetry telemetry = new LatencyTelemetry(recording,
                    TelemetryOptions.builder().pollInterval(Duration.ofMillis(200)).build());
            telemetry.addListener(recorder);
            telemetry.start();
            assertThat(recorder.awaitMeasured(2, Duration.ofSeconds(30))).isTrue();
            relay.blackhole(true); // unavailable and stale readings too
            int polls = recorder.polls().size();
            assertThat(recorder.await(p -> p.size() >= polls + 30, Duration.ofSeconds(30))).isTrue();
            peers.peerA().close(); // and readings of a closed connection
            int more = recorder.polls().size();
            assertThat(recorder.await(p -> p.size() >= more + 5, Duration.ofSeconds(30))).isTrue();
            telemetry.close();
            seen.add(String.valueOf(telemetry.getStats()));
            seen.add(String.valueOf(telemetry.getSessionStats()));
            seen.add(String.valueOf(telemetry.getCounters()));
            seen.add(String.valueOf(telemetry.getPath()));

            List<String> ports = new ArrayList<>(List.of(String.valueOf(relay.facingAPort()),
                    String.valueOf(relay.facingBPort())));
            relay.endpointA().ifPresent(a -> ports.add(String.valueOf(a.getPort())));
            relay.endpointB().ifPresent(b -> ports.add(String.valueOf(b.getPort())));
            assertThat(seen).hasSizeGreaterThan(40);
            assertThat(seen).allSatisfy(text -> {
                assertThat(IpAddresses.containsAny(text)).as("an address in: %s", text).isFalse();
                assertThat(text).doesNotContainIgnoringCase("candidate:").doesNotContain("typ host");
                for (String port : ports) {
                    assertThat(text).as("a port in: %s", text).doesNotContainPattern("(?<!\\d)" + port + "(?!\\d)");
                }
            });
        } finally {
            peerpulse.removeHandler(capture);
            peerpulse.setLevel(previous);
        }
    }
}
