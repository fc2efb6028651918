package io.peerpulse.session.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.telemetry.LatencySummary;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The quality judge's median ring: the middle value, or exactly the mean of the two middle values. */
class MedianRingTest {

    @Test
    void anOddCountGivesTheMiddleValue() {
        MedianRing ring = new MedianRing(5);
        assertThat(ring.median()).isNaN();
        ring.add(30);
        assertThat(ring.median()).isEqualTo(30);
        ring.add(10);
        ring.add(20);
        assertThat(ring.count()).isEqualTo(3);
        assertThat(ring.median()).isEqualTo(20);
    }

    @Test
    void anEvenCountGivesExactlyTheMeanOfTheTwoMiddleValues() {
        MedianRing ring = new MedianRing(4);
        ring.add(0.1);
        ring.add(100);
        assertThat(ring.median()).isEqualTo((0.1 + 100) / 2);
        ring.add(0.2);
        ring.add(7);
        assertThat(ring.median()).isEqualTo((0.2 + 7) / 2);
    }

    @Test
    void theOldestValueLeavesWhenFull() {
        MedianRing ring = new MedianRing(3);
        ring.add(1);
        ring.add(2);
        ring.add(3);
        ring.add(100); // evicts 1: {2, 3, 100}
        assertThat(ring.count()).isEqualTo(3);
        assertThat(ring.median()).isEqualTo(3);
        ring.add(100); // evicts 2: {3, 100, 100}
        ring.add(100); // evicts 3
        assertThat(ring.median()).isEqualTo(100);
    }

    @Test
    void equalsTheWindowMedianOfTheLastValuesForRandomSequences() {
        Random random = new Random(11);
        for (int capacity : new int[] {1, 2, 3, 4, 5, 8, 33}) {
            MedianRing ring = new MedianRing(capacity);
            double[] all = new double[500];
            for (int i = 0; i < all.length; i++) {
                all[i] = random.nextInt(4) == 0 ? all[Math.max(0, i - 1)] : random.nextDouble() * 500;
                ring.add(all[i]);
                int count = Math.min(i + 1, capacity);
                double[] last = Arrays.copyOfRange(all, i + 1 - count, i + 1);
                assertThat(ring.median()).as("capacity %d after %d values", capacity, i + 1)
                        .isEqualTo(LatencySummary.of(last, count).medianMs());
            }
        }
    }

    @Test
    void refusesWhatIsNotAFiniteValue() {
        assertThatThrownBy(() -> new MedianRing(0)).isInstanceOf(IllegalArgumentException.class);
        MedianRing ring = new MedianRing(2);
        assertThatThrownBy(() -> ring.add(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ring.add(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
    }
}
