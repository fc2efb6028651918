package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.lab.ImpairmentRelay.Direction;
import io.peerpulse.lab.ImpairmentRelay.Impairment;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.webrtc.ClockOffset;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeOptions;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The peer's clock offset on real peers. Both peers share the JVM's clock, so the true offset is 0;
 * giving B's probe a clock shifted by a known amount makes it that amount. The relay's delays are
 * asymmetric (5 ms to B, 25 ms back), so the estimate is off by their half difference, 10 ms, and
 * must still lie within its own error bound of the truth.
 */
@Tag("integration")
class ProbeClockOffsetTest {

    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration PING_TIMEOUT = Duration.ofMillis(150);
    private static final int EXCHANGES = 10;

    @Test
    void withASharedClockTheOffsetIsZeroWithinItsBound() throws Exception {
        ProbeOptions options = ProbePeers.timeout(PING_TIMEOUT);
        try (ProbePeers p = asymmetric(options, options)) {
            ClockOffset offset = measure(p);
            System.out.printf("probe offset, shared clock: %s%n", offset);
            assertThat(offset.offsetMs()).isCloseTo(0.0, within(offset.errorBoundMs()));
            assertThat(offset.delayMs()).as("the relay's 30 ms round trip").isBetween(30.0, 40.0);
            assertThat(offset.errorBoundMs()).isEqualTo(Math.ceil(offset.delayMs() * 1000 / 2 + 1) / 1000,
                    within(0.0011));
            assertThat(offset.exchangeCount()).isGreaterThanOrEqualTo(EXCHANGES);
        }
    }

    @Test
    void withBsClockShiftedTheOffsetIsTheShiftWithinItsBound() throws Exception {
        double shiftMs = 1234.567;
        ProbeOptions optionsA = ProbePeers.timeout(PING_TIMEOUT);
        ProbeOptions optionsB = optionsA.toBuilder()
                .clock(InstantSource.offset(InstantSource.system(), Duration.ofNanos((long) (shiftMs * 1_000_000))))
                .build();
        try (ProbePeers p = asymmetric(optionsA, optionsB)) {
            ClockOffset offset = measure(p);
            System.out.printf("probe offset, B shifted by %.3f ms: A sees %s%n", shiftMs, offset);
            assertThat(offset.offsetMs()).isCloseTo(shiftMs, within(offset.errorBoundMs()));
            // the asymmetry shows: the estimate is not the truth, only within the bound of it
            assertThat(offset.offsetMs()).isCloseTo(shiftMs - 10, within(3.0));

            // B, reading A, sees the opposite. On a loaded machine a pong may come after the 150 ms
            // timeout (a stale reading, the ping counted lost): read on until B has its exchanges.
            int measured = 0;
            for (int i = 0; i < 20 * EXCHANGES && measured < EXCHANGES; i++) {
                RttReading reading = p.probeB.read().toCompletableFuture().get(5, TimeUnit.SECONDS);
                assertThat(reading).isInstanceOfAny(RttReading.Measured.class, RttReading.Stale.class);
                measured += reading instanceof RttReading.Measured ? 1 : 0;
            }
            assertThat(measured).as("B's measured readings").isEqualTo(EXCHANGES);
            ClockOffset fromB = p.probeB.getClockOffset().orElseThrow();
            System.out.printf("probe offset, B shifted by %.3f ms: B sees %s%n", shiftMs, fromB);
            assertThat(fromB.offsetMs()).isCloseTo(-shiftMs, within(fromB.errorBoundMs()));
        }
    }

    private static ProbePeers asymmetric(ProbeOptions a, ProbeOptions b) throws InterruptedException {
        ProbePeers p = ProbePeers.throughRelay(Link.roundTrip(Duration.ZERO), a, b, ProbePeers.polling(POLL));
        p.relay.impair(Direction.A_TO_B, Impairment.NONE.withDelay(Duration.ofMillis(5)));
        p.relay.impair(Direction.B_TO_A, Impairment.NONE.withDelay(Duration.ofMillis(25)));
        return p;
    }

    private static ClockOffset measure(ProbePeers p) throws InterruptedException {
        assertThat(DataChannelProbe.LABEL).isEqualTo("peerpulse-probe");
        p.telemetry.start();
        // the first exchanges may still cross the relay with the symmetric set-up delays
        assertThat(p.recorder.awaitMeasured(EXCHANGES, Duration.ofSeconds(30))).isTrue();
        p.telemetry.stop();
        return p.probeA.getClockOffset().orElseThrow();
    }
}
