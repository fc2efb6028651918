package io.peerpulse.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.lab.ImpairmentRelay.RateLimit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The rate limit's queue logic on given times (no relay, no clock): FIFO at the rate, tail drop when full. */
class BottleneckTest {

    /** 1 Mbit/s: a 1250-byte packet takes 10 ms. */
    private static final RateLimit MBIT = new RateLimit(125_000, 5_000);
    private static final long MS = 1_000_000;

    @Test
    void anIdleLinkHoldsAPacketOnlyForItsOwnTransmission() {
        Bottleneck link = new Bottleneck();
        assertThat(link.admit(0, 1250, MBIT)).isEqualTo(10 * MS);
        // long after: idle again
        assertThat(link.admit(100 * MS, 125, MBIT)).isEqualTo(MS);
    }

    @Test
    void aBurstWaitsBackToBackAndTheQueueDrainsAtTheRate() {
        Bottleneck link = new Bottleneck();
        assertThat(link.admit(0, 1250, MBIT)).isEqualTo(10 * MS);
        assertThat(link.admit(0, 1250, MBIT)).isEqualTo(20 * MS);
        assertThat(link.admit(0, 1250, MBIT)).isEqualTo(30 * MS);
        // 5 ms later the first is half sent: 25 ms of backlog, plus its own 1 ms
        assertThat(link.admit(5 * MS, 125, MBIT)).isEqualTo(26 * MS);
        // exactly when the link is free: nothing to wait for
        assertThat(link.admit(31 * MS, 125, MBIT)).isEqualTo(MS);
    }

    @Test
    void aPacketThatWouldOverflowTheQueueIsTailDroppedAndTakesNoRoom() {
        Bottleneck link = new Bottleneck();
        for (int i = 1; i <= 4; i++) {
            assertThat(link.admit(0, 1250, MBIT)).isEqualTo(i * 10 * MS);
        }
        // 5000 bytes queued: a fifth packet would make 6250 > 5000
        assertThat(link.admit(0, 1250, MBIT)).isEqualTo(Bottleneck.TAIL_DROP);
        assertThat(link.admit(0, 1, MBIT)).isEqualTo(Bottleneck.TAIL_DROP);
        // 10 ms later one packet is out: 3750 queued, room for 1250 exactly, the drops took none
        assertThat(link.admit(10 * MS, 1250, MBIT)).isEqualTo(40 * MS);
        assertThat(link.admit(10 * MS, 1, MBIT)).isEqualTo(Bottleneck.TAIL_DROP);
    }

    @Test
    void aPacketLargerThanTheQueueNeverFits() {
        assertThat(new Bottleneck().admit(0, 5001, MBIT)).isEqualTo(Bottleneck.TAIL_DROP);
        assertThat(new Bottleneck().admit(0, 1, new RateLimit(125_000, 0))).isEqualTo(Bottleneck.TAIL_DROP);
    }

    @Test
    void transmissionRoundsUpToAWholeNanosecondAndTimesMayWrap() {
        assertThat(Bottleneck.transmitNanos(1, 3)).isEqualTo(333_333_334);
        Bottleneck link = new Bottleneck();
        long nearWrap = Long.MAX_VALUE - 5 * MS; // nanoTime may be anywhere, even about to wrap
        assertThat(link.admit(nearWrap, 1250, MBIT)).isEqualTo(10 * MS);
        assertThat(link.admit(nearWrap + 5 * MS, 1250, MBIT)).isEqualTo(15 * MS);
    }

    @Test
    void aFasterRateCountsTheBytesStillQueuedNotTheirTimeAtTheNewRate() {
        Bottleneck link = new Bottleneck();
        RateLimit slow = new RateLimit(125_000, 62_500); // 1 Mbit/s, 500 ms
        for (int i = 1; i <= 10; i++) {
            assertThat(link.admit(0, 1250, slow)).isEqualTo(i * 10 * MS);
        }
        // 12,500 bytes queued, 100 ms at 1 Mbit/s; at 10 Mbit/s the same queue has room for 50,000 more: the queued
        // packets keep their times (100 ms), the new one then takes 1 ms at the new rate
        RateLimit fast = new RateLimit(1_250_000, 62_500);
        assertThat(link.admit(0, 1250, fast)).isEqualTo(101 * MS);
        for (int i = 2; i <= 40; i++) {
            assertThat(link.admit(0, 1250, fast)).isEqualTo((100 + i) * MS);
        }
        // 12,500 + 40 * 1250 = 62,500: full
        assertThat(link.admit(0, 1, fast)).isEqualTo(Bottleneck.TAIL_DROP);
        // 10 ms later 1250 bytes of the slow part left: room for one packet exactly
        assertThat(link.admit(10 * MS, 1250, fast)).isEqualTo(131 * MS);
        assertThat(link.admit(10 * MS, 1, fast)).isEqualTo(Bottleneck.TAIL_DROP);
    }

    @Test
    void aSlowerRateStillCountsTheBytesQueuedAtTheFasterOne() {
        Bottleneck link = new Bottleneck();
        RateLimit fast = new RateLimit(1_250_000, 62_500); // 10 Mbit/s, 50 ms
        for (int i = 1; i <= 50; i++) {
            assertThat(link.admit(0, 1250, fast)).isEqualTo(i * MS);
        }
        // the queue is full (62,500 bytes, sent within 50 ms at the old rate): a slower link holds no more of them
        RateLimit slow = new RateLimit(125_000, 62_500);
        assertThat(link.admit(0, 1250, slow)).isEqualTo(Bottleneck.TAIL_DROP);
        // 10 ms later 12,500 bytes left: ten packets fit, each 10 ms at 1 Mbit/s behind the 40 ms still queued
        for (int i = 1; i <= 10; i++) {
            assertThat(link.admit(10 * MS, 1250, slow)).isEqualTo((40 + i * 10) * MS);
        }
        assertThat(link.admit(10 * MS, 1, slow)).isEqualTo(Bottleneck.TAIL_DROP);
    }

    @Test
    void aQueueGivenAsTimeHoldsThatMuchAtTheRate() {
        RateLimit limit = RateLimit.of(125_000, Duration.ofMillis(500));
        assertThat(limit.queueBytes()).isEqualTo(62_500);
        assertThatThrownBy(() -> RateLimit.of(0, Duration.ofMillis(1))).hasMessageContaining("rateBytes must be > 0: 0");
        assertThatThrownBy(() -> RateLimit.of(1, Duration.ofMillis(-1))).hasMessageContaining("queue must be >= 0");
        assertThatThrownBy(() -> new RateLimit(1, -1)).hasMessageContaining("queueBytes must be >= 0: -1");
    }
}
