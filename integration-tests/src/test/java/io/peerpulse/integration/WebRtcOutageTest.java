package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.integration.Recorder.Poll;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.RelayRecord;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What an outage looks like in the data: gaps, not frozen values; and the original's frozen values. */
@Tag("integration")
class WebRtcOutageTest {

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration OUTAGE = Duration.ofSeconds(8);

    /** When the relay first passed (sent on) a response to one of A's checks after {@code sinceNanos}. */
    private static OptionalLong firstResponseAfter(RelayRecord record, long sinceNanos) {
        return record.packets().stream().filter(p -> p.receivedNanos() >= sinceNanos
                        && p.direction() == ImpairmentRelay.Direction.B_TO_A
                        && p.kind() == RelayRecord.Kind.STUN_RESPONSE && p.fate() == RelayRecord.Fate.FORWARDED)
                .mapToLong(RelayRecord.Packet::sentNanos).min();
    }

    /**
     * The polls that read the stats within the outage: those ending in it, but the first (it may have read them
     * before the outage began, with a response that came just before).
     */
    private static List<Poll> within(List<Poll> polls, long startEpochMs, long endEpochMs) {
        return polls.stream().filter(p -> p.timestampEpochMs() > startEpochMs).skip(1)
                .filter(p -> p.timestampEpochMs() <= endEpochMs).toList();
    }

    @Test
    void anOutageRecordsNoFrozenValueAndMeasuringResumesAtOnce() throws Exception {
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

                long epochMinusNanoMs = System.currentTimeMillis() - System.nanoTime() / 1_000_000;
                long outageStartNanos = System.nanoTime();
                f.relay.outage(OUTAGE);
                long calledNanos = System.nanoTime(); // the outage began in between and ends 8 s after
                long outageStart = epochMinusNanoMs + outageStartNanos / 1_000_000;
                // measuring resumes: a measured poll once the relay passed a response to one of A's checks again
                assertThat(f.recorder.await(polls -> firstResponseAfter(f.relay.record(), calledNanos).isPresent()
                        && polls.stream().anyMatch(p -> p.outcome() == PollOutcome.MEASURED && p.timestampEpochMs()
                        > epochMinusNanoMs + firstResponseAfter(f.relay.record(), calledNanos).getAsLong()
                        / 1_000_000), OUTAGE.plusSeconds(30))).as("measuring resumes after the outage").isTrue();
                original.stop();
                f.telemetry.stop();

                // the outage as the relay did it: from the call to the first response to A's checks it passed
                // after (it dropped everything in between); not the 8 s asked, nor a window on this thread's clock
                RelayRecord record = f.relay.record();
                long outageEnd = epochMinusNanoMs + firstResponseAfter(record, calledNanos).getAsLong()
                        / 1_000_000;
                assertThat(record.between(calledNanos, outageStartNanos + OUTAGE.toNanos() - 1).packets())
                        .as("the relay dropped everything in the outage")
                        .allSatisfy(p -> assertThat(p.fate()).isEqualTo(RelayRecord.Fate.DOWN)).isNotEmpty();
                List<Poll> polls = f.recorder.polls();
                List<Poll> during = within(polls, outageStart, outageEnd);
                System.out.printf("outage as the relay did it: %d ms; polls %s%n", outageEnd - outageStart,
                        polls.stream().map(p -> (p.timestampEpochMs() - outageStart) + ":" + p.outcome() + "/"
                                + p.lateMs()).toList());
                // every poll that read the stats while the relay passed nothing: no value; and as many as the
                // fixed-rate schedule makes: all those scheduled in the outage but those the telemetry recorded
                // running late past its end (a poll ends no later than the next one starts: its lateness counts)
                double lateMs = polls.stream().filter(p -> p.timestampEpochMs() > outageStart)
                        .limit(during.size() + 2L).mapToDouble(Poll::lateMs).max().orElseThrow();
                long scheduled = (long) ((outageEnd - outageStart - lateMs) / POLL.toMillis()) - 2;
                assertThat(during).as("polls during the outage (late by up to %.1f ms)", lateMs)
                        .hasSizeGreaterThanOrEqualTo((int) Math.max(1, scheduled))
                        .allSatisfy(p -> assertThat(p.outcome()).isIn(PollOutcome.STALE, PollOutcome.UNAVAILABLE));
                // and measuring resumes at once, counted in polls, not ms: of the polls ending after the relay
                // passed that response, the first may have read the stats before A had it; by the second, a value
                // (the 5 s it allowed were 10 polls: a source a reading or two slow passed)
                List<Poll> afterwards = polls.stream().filter(p -> p.timestampEpochMs() > outageEnd).toList();
                assertThat(afterwards.stream().limit(2).map(Poll::outcome).toList())
                        .as("polls after the relay passed a response again").contains(PollOutcome.MEASURED);

                // The original recorded one frozen value again and again during the outage (the last RTT
                // libwebrtc computed, possibly from a response still in flight when the outage began).
                List<Poll> frozen = within(parity.polls(), outageStart, outageEnd).stream()
                        .filter(p -> p.outcome() == PollOutcome.MEASURED).toList();
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
