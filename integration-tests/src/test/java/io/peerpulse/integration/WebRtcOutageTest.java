package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.integration.Recorder.Poll;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What an outage looks like in the data: gaps, not frozen values; and the original's frozen values. */
@Tag("integration")
class WebRtcOutageTest {

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration OUTAGE = Duration.ofSeconds(8);
    /** A poll just after the outage began may still report responses that arrived before it. */
    private static final long GRACE_MS = POLL.toMillis() + 200;

    @Test
    void anOutageRecordsNoFrozenValueAndMeasuringResumesWithinFiveSeconds() throws Exception {
        try (Fixtures f = Fixtures.throughRelay(Duration.ofMillis(40), Duration.ZERO, WebRtcRttSource.Mode.RESPONSES,
                POLL)) {
            // the original's way on the same connection, for comparison
            Recorder parity = new Recorder();
            WebRtcRttSource originalSource = WebRtcRttSource.of(f.peers.peerA(), WebRtcRttSource.Mode.CURRENT_EVERY_POLL);
            LatencyTelemetry original = new LatencyTelemetry(originalSource,
                    TelemetryOptions.builder().pollInterval(POLL).readTimeout(Duration.ofSeconds(2)).build());
            original.addListener(parity);
            try {
                f.telemetry.start();
                original.start();
                assertThat(f.recorder.awaitMeasured(3, Duration.ofSeconds(30))).isTrue();

                long outageStart = System.currentTimeMillis();
                f.relay.outage(OUTAGE);
                long outageEnd = outageStart + OUTAGE.toMillis();
                assertThat(f.recorder.await(polls -> polls.stream().anyMatch(p ->
                        p.outcome() == PollOutcome.MEASURED && p.timestampEpochMs() > outageEnd),
                        OUTAGE.plusSeconds(30))).as("measuring resumes after the outage").isTrue();
                original.stop();
                f.telemetry.stop();

                List<Poll> during = f.recorder.polls().stream()
                        .filter(p -> p.timestampEpochMs() > outageStart + GRACE_MS && p.timestampEpochMs() <= outageEnd)
                        .toList();
                assertThat(during).as("polls during the outage").hasSizeGreaterThanOrEqualTo(10)
                        .allSatisfy(p -> assertThat(p.outcome()).isIn(PollOutcome.STALE, PollOutcome.UNAVAILABLE));
                long resumed = f.recorder.polls().stream()
                        .filter(p -> p.outcome() == PollOutcome.MEASURED && p.timestampEpochMs() > outageEnd)
                        .mapToLong(Poll::timestampEpochMs).min().orElseThrow();
                assertThat(resumed - outageEnd).as("ms from the outage's end to the next measurement")
                        .isLessThanOrEqualTo(5_000);

                // The original recorded one frozen value again and again during the outage (the last RTT
                // libwebrtc computed, possibly from a response still in flight when the outage began).
                List<Poll> frozen = parity.polls().stream()
                        .filter(p -> p.outcome() == PollOutcome.MEASURED && p.timestampEpochMs() > outageStart + GRACE_MS
                                && p.timestampEpochMs() <= outageEnd)
                        .toList();
                assertThat(frozen).as("parity mode records the frozen value during the outage")
                        .hasSizeGreaterThanOrEqualTo(2)
                        .allSatisfy(p -> assertThat(p.rttMs()).isEqualTo(frozen.get(0).rttMs()));
                List<RttSample> samples = original.getSamples();
                long repeats = 0;
                for (int i = 1; i < samples.size(); i++) {
                    if (samples.get(i).rttMs() == samples.get(i - 1).rttMs()) {
                        repeats++;
                    }
                }
                assertThat((double) repeats / (samples.size() - 1)).as("duplicates in parity mode: %s", samples)
                        .isGreaterThanOrEqualTo(0.5);
                assertThat(f.telemetry.getCounters().failedCount() + original.getCounters().failedCount()).isZero();
            } finally {
                original.close();
                originalSource.close(); // before the peers close
            }
        }
    }
}
