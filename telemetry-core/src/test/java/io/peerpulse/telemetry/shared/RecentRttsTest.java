package io.peerpulse.telemetry.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.telemetry.LatencySummary;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The recent window a session judges from: the middle value or exactly the mean of the two middle values, the
 * jitter and the span of the latest RTTs, as the telemetry's window statistics give them.
 */
class RecentRttsTest {

    @Test
    void anOddCountGivesTheMiddleValue() {
        RecentRtts recent = new RecentRtts(5);
        assertThat(recent.median()).isNaN();
        recent.add(0, 30);
        assertThat(recent.median()).isEqualTo(30);
        recent.add(1, 10);
        recent.add(2, 20);
        assertThat(recent.count()).isEqualTo(3);
        assertThat(recent.median()).isEqualTo(20);
    }

    @Test
    void anEvenCountGivesTheMeanOfTheTwoMiddleValuesRoundedByTheOneRule() {
        RecentRtts recent = new RecentRtts(4);
        recent.add(0, 0.1);
        recent.add(0, 100);
        assertThat(recent.median()).isEqualTo(Micros.round((0.1 + 100) / 2));
        recent.add(0, 0.2);
        recent.add(0, 7);
        assertThat(recent.median()).isEqualTo(Micros.round((0.2 + 7) / 2));
    }

    @Test
    void theOldestValueLeavesWhenFullAndClearForgetsAll() {
        RecentRtts recent = new RecentRtts(3);
        recent.add(10, 1);
        recent.add(20, 2);
        recent.add(30, 3);
        recent.add(45, 100); // evicts 1: {2, 3, 100}
        assertThat(recent.count()).isEqualTo(3);
        assertThat(recent.median()).isEqualTo(3);
        assertThat(recent.min()).as("the evicted 1 is not the lowest any more").isEqualTo(2);
        assertThat(recent.span()).isEqualTo(25);
        recent.add(50, 100); // evicts 2: {3, 100, 100}
        recent.add(60, 100); // evicts 3
        assertThat(recent.median()).isEqualTo(100);
        recent.clear();
        assertThat(recent.count()).isZero();
        assertThat(recent.median()).isNaN();
        assertThat(recent.min()).isNaN();
        assertThat(recent.span()).isZero();
        assertThat(recent.jitter()).isZero();
    }

    @Test
    void theSpanReadsMonotonicNanosecondsBeyondAnInt() {
        RecentRtts recent = new RecentRtts(2);
        recent.add(-5_000_000_000L, 1);
        recent.add(7_000_000_000L, 2);
        assertThat(recent.span()).isEqualTo(12_000_000_000L);
    }

    @Test
    void medianAndJitterEqualTheWindowStatisticsOfTheLastValuesForRandomSequences() {
        Random random = new Random(11);
        for (int capacity : new int[] {1, 2, 3, 4, 5, 8, 33}) {
            RecentRtts recent = new RecentRtts(capacity);
            double[] all = new double[500];
            for (int i = 0; i < all.length; i++) {
                all[i] = random.nextInt(4) == 0 ? all[Math.max(0, i - 1)] : random.nextDouble() * 500;
                recent.add(i, all[i]);
                int count = Math.min(i + 1, capacity);
                double[] last = Arrays.copyOfRange(all, i + 1 - count, i + 1);
                LatencySummary expected = LatencySummary.of(last, count);
                assertThat(recent.median()).as("capacity %d after %d values", capacity, i + 1)
                        .isEqualTo(expected.medianMs());
                assertThat(recent.jitter()).as("capacity %d after %d values", capacity, i + 1)
                        .isEqualTo(expected.jitterMs());
            }
        }
    }

    @Test
    void refusesWhatIsNotAFiniteValue() {
        assertThatThrownBy(() -> new RecentRtts(0)).isInstanceOf(IllegalArgumentException.class);
        RecentRtts recent = new RecentRtts(2);
        assertThatThrownBy(() -> recent.add(0, Double.NaN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rttMs must be finite");
        assertThatThrownBy(() -> recent.add(0, Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
    }
}
