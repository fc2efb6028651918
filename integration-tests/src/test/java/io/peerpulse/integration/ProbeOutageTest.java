package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.webrtc.ProbeOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** An outage in the probe's data: no measurement during it, measuring again within two polls after it. */
@Tag("integration")
class ProbeOutageTest {

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration PING_TIMEOUT = Duration.ofMillis(400);
    private static final Duration OUTAGE = Duration.ofSeconds(5);

    /** Each read with the wall-clock time it started and how it ended. */
    record Read(long startedEpochMs, RttReading reading) { }

    /** Wraps the probe to note when each read started: a poll's own timestamp is when it ended. */
    static final class Timed implements RttSource {
        final RttSource source;
        final List<Read> reads = new ArrayList<>();

        Timed(RttSource source) {
            this.source = source;
        }

        @Override
        public CompletionStage<RttReading> read() {
            long started = System.currentTimeMillis();
            return source.read().whenComplete((reading, failure) -> {
                synchronized (reads) {
                    reads.add(new Read(started, reading));
                }
            });
        }

        List<Read> reads() {
            synchronized (reads) {
                return List.copyOf(reads);
            }
        }
    }

    @Test
    void noMeasurementDuringAnOutageAndMeasuringResumesWithinTwoPolls() throws Exception {
        ProbeOptions options = ProbePeers.timeout(PING_TIMEOUT);
        try (ProbePeers p = ProbePeers.throughRelay(Link.roundTrip(Duration.ofMillis(40)), options, options,
                ProbePeers.polling(POLL))) {
            Timed timed = new Timed(p.probeA);
            p.telemetry.switchSource(timed);
            p.telemetry.start();
            assertThat(p.recorder.awaitMeasured(3, Duration.ofSeconds(20))).isTrue();

            long outageStart = System.currentTimeMillis();
            p.relay.outage(OUTAGE);
            long outageEnd = outageStart + OUTAGE.toMillis();
            assertThat(p.recorder.await(polls -> timed.reads().stream().anyMatch(r ->
                            r.startedEpochMs() > outageEnd && r.reading() instanceof RttReading.Measured),
                    OUTAGE.plusSeconds(30))).as("measuring resumes after the outage").isTrue();
            p.telemetry.stop();

            List<Read> reads = timed.reads();
            List<Read> during = reads.stream()
                    .filter(r -> r.startedEpochMs() >= outageStart && r.startedEpochMs() < outageEnd).toList();
            List<Read> after = reads.stream().filter(r -> r.startedEpochMs() > outageEnd).toList();
            System.out.printf("probe outage: during %s; after %s; %s%n", during.stream().map(Read::reading).toList(),
                    after.stream().map(Read::reading).toList(), p.probeA.getCounters());
            assertThat(during).as("reads during the outage").hasSizeGreaterThanOrEqualTo(8)
                    .allSatisfy(r -> assertThat(r.reading()).isEqualTo(RttReading.stale()));
            assertThat(after.subList(0, Math.min(2, after.size()))).as("one of the first two reads after the outage measures")
                    .anySatisfy(r -> assertThat(r.reading()).isInstanceOf(RttReading.Measured.class));
            assertThat(p.probeA.getCounters().lostCount()).isGreaterThanOrEqualTo(during.size());
            assertThat(p.telemetry.getCounters().failedCount()).isZero();
        }
    }

}
