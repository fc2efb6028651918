package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onvoid.webrtc.RTCPeerConnectionState;
import io.peerpulse.integration.Recorder.Poll;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Connections that die under a running telemetry: nothing is thrown, nothing crashes, reads say why. */
@Tag("integration")
class WebRtcFailureTest {

    @Test
    void aLongOutageEndsInIceFailureAndUnavailableReadingsWithoutException() throws Exception {
        try (Fixtures f = Fixtures.throughRelay(Duration.ofMillis(20), Duration.ZERO, WebRtcRttSource.Mode.RESPONSES,
                Duration.ofMillis(500))) {
            f.telemetry.start();
            assertThat(f.recorder.awaitMeasured(1, Duration.ofSeconds(30))).isTrue();
            f.relay.blackhole(true);
            // each poll wakes the wait; the bound covers libwebrtc's ~30 s until ICE fails
            assertThat(f.recorder.await(polls -> f.peers.peerA().getConnectionState() == RTCPeerConnectionState.FAILED,
                    Duration.ofSeconds(90))).as("ICE failed").isTrue();
            int seen = f.recorder.polls().size();
            assertThat(f.recorder.await(polls -> polls.size() >= seen + 4, Duration.ofSeconds(10))).isTrue();
            f.telemetry.stop();

            List<Poll> polls = f.recorder.polls();
            // a poll falling due while a read is still in flight is skipped (on a busy machine a read of the
            // failed connection may take longer than the interval); every read is unavailable
            assertThat(polls.subList(seen, polls.size())).allSatisfy(p ->
                    assertThat(p.outcome()).isIn(PollOutcome.UNAVAILABLE, PollOutcome.SKIPPED));
            assertThat(f.telemetry.getCounters().failedCount()).isZero();
            assertThat(f.telemetry.getCounters().unavailableCount()).isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void closingThePeerConnectionWhilePollingEvery50MsRaisesNothing() throws Exception {
        for (int cycle = 0; cycle < 5; cycle++) {
            try (Fixtures f = Fixtures.direct(Duration.ofMillis(50))) {
                f.telemetry.start();
                long before = 5 + 3L * cycle;
                assertThat(f.recorder.await(polls -> polls.size() >= before, Duration.ofSeconds(20))).isTrue();
                f.peers.peerA().close(); // under the running telemetry, at a different moment each cycle
                int seen = f.recorder.polls().size();
                assertThat(f.recorder.await(polls -> polls.size() >= seen + 10, Duration.ofSeconds(20))).isTrue();
                f.telemetry.stop();
                List<Poll> polls = f.recorder.polls();
                List<Poll> after = polls.subList(seen + 1, polls.size());
                // every read after close is unavailable; a poll falling due while one is still in flight (a busy
                // machine) is skipped, reading nothing
                assertThat(after).allSatisfy(p ->
                        assertThat(p.outcome()).isIn(PollOutcome.UNAVAILABLE, PollOutcome.SKIPPED));
                assertThat(after).as("cycle %d: reads after close", cycle)
                        .filteredOn(p -> p.outcome() == PollOutcome.UNAVAILABLE).hasSizeGreaterThanOrEqualTo(5);
                assertThat(f.telemetry.getCounters().failedCount()).as("cycle %d", cycle).isZero();
            }
        }
    }
}
