package io.peerpulse.telemetry.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.telemetry.RttSample;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RttWindowTest {

    private static Offset<Double> close(double expected) {
        return within(1e-9 * Math.max(1, Math.abs(expected)));
    }

    /** The window's values, oldest first, read through its snapshot. */
    static double[] values(RttWindow window) {
        return window.snapshot().stream().mapToDouble(RttSample::rttMs).toArray();
    }

    /** The window's timestamps, oldest first, read through its snapshot. */
    static long[] timestamps(RttWindow window) {
        return window.snapshot().stream().mapToLong(RttSample::timestampEpochMs).toArray();
    }

    private static void assertMatchesReference(RttWindow window, double[] expectedWindow) {
        assertThat(window.count()).isEqualTo(expectedWindow.length);
        assertThat(values(window)).containsExactly(expectedWindow);
        assertThat(window.min()).isEqualTo(Arrays.stream(expectedWindow).min().orElseThrow());
        assertThat(window.max()).isEqualTo(Arrays.stream(expectedWindow).max().orElseThrow());
        assertThat(window.mean()).isCloseTo(Reference.mean(expectedWindow), close(Reference.mean(expectedWindow)));
        assertThat(window.median()).isCloseTo(Reference.median(expectedWindow), close(Reference.median(expectedWindow)));
        for (double q : new double[] {0, 0.25, 0.5, 0.95, 0.99, 1}) {
            double expected = Reference.quantile(expectedWindow, q);
            assertThat(window.quantile(q)).as("q=%s", q).isCloseTo(expected, close(expected));
        }
        double sd = Reference.populationStdDev(expectedWindow);
        assertThat(window.stdDev()).isCloseTo(sd, within(1e-7 * Math.max(1, sd)));
        double jitter = Reference.jitter(expectedWindow);
        assertThat(window.jitter()).isCloseTo(jitter, close(jitter));
    }

    @Test
    void oneSampleIsEveryStatistic() {
        RttWindow window = new RttWindow(600);
        window.add(1_000, 42.5);
        assertThat(window.min()).isEqualTo(42.5);
        assertThat(window.max()).isEqualTo(42.5);
        assertThat(window.mean()).isEqualTo(42.5);
        assertThat(window.median()).isEqualTo(42.5);
        assertThat(window.quantile(0.95)).isEqualTo(42.5);
        assertThat(window.quantile(0.99)).isEqualTo(42.5);
        assertThat(window.stdDev()).isZero();
        assertThat(window.jitter()).isZero();
        assertThat(window.total()).isEqualTo(1);
    }

    @Test
    void matchesNumpyOnAnOddCount() {
        // numpy 2.4: min, max, mean, median, percentile 95/99, std (ddof=0), mean(abs(diff))
        RttWindow window = filled(600, 80.0, 12.5, 33.25, 33.25, 150.0, 7.0, 99.9);
        assertThat(window.min()).isEqualTo(7.0);
        assertThat(window.max()).isEqualTo(150.0);
        assertThat(window.mean()).isCloseTo(59.41428571428571, within(1e-12));
        assertThat(window.median()).isEqualTo(33.25);
        assertThat(window.quantile(0.95)).isCloseTo(134.96999999999997, within(1e-12));
        assertThat(window.quantile(0.99)).isCloseTo(146.99399999999997, within(1e-12));
        assertThat(window.stdDev()).isCloseTo(48.676752402864714, within(1e-12));
        assertThat(window.jitter()).isCloseTo(73.48333333333333, within(1e-12));
    }

    @Test
    void matchesNumpyOnAnEvenCountWithTheMeanOfTheMiddlePair() {
        RttWindow window = filled(600, 42.0, 40.0, 44.5, 39.0, 41.0, 120.0, 38.5, 40.5, 40.0, 43.0, 200.25, 41.5);
        assertThat(window.median()).isEqualTo(41.25);
        assertThat(window.mean()).isCloseTo(60.854166666666664, within(1e-12));
        assertThat(window.quantile(0.95)).isCloseTo(156.11249999999995, within(1e-12));
        assertThat(window.quantile(0.99)).isCloseTo(191.42250000000004, within(1e-12));
        assertThat(window.stdDev()).isCloseTo(47.34739282831621, within(1e-12));
        assertThat(window.jitter()).isCloseTo(45.09090909090909, within(1e-12));
    }

    @ParameterizedTest(name = "capacity {0}, seed {1}")
    @CsvSource({"1,1", "2,2", "3,3", "7,4", "60,5", "600,6", "600,7", "601,8", "36000,9"})
    void matchesTheReferenceAfterEveryAddIncludingEvictions(int capacity, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = Math.min(3 * capacity + 17, 40_000);
        double[] all = new double[n];
        RttWindow window = new RttWindow(capacity);
        int checkEvery = capacity > 1000 ? 997 : 1;
        for (int i = 0; i < n; i++) {
            all[i] = randomRtt(random);
            window.add(1_000L * i, all[i]);
            if (i % checkEvery == 0 || i == n - 1) {
                int from = Math.max(0, i + 1 - capacity);
                assertMatchesReference(window, Arrays.copyOfRange(all, from, i + 1));
            }
        }
        assertThat(window.total()).isEqualTo(n);
        assertThat(window.count()).isEqualTo(Math.min(n, capacity));
    }

    /**
     * A window of several pages: every rank, after adds that fill pages until they split, empty pages at either end
     * until they borrow from a neighbour or merge with it, and land on page bounds (equal values).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"random", "rising", "falling", "equal", "levels", "fewValues"})
    void everyRankOfAWindowOfManyPagesIsTheSortedWindows(String pattern) {
        int capacity = 3 * RttWindow.PAGE + 5;
        int n = 5 * capacity;
        SplittableRandom random = new SplittableRandom(pattern.hashCode());
        double[] all = new double[n];
        RttWindow window = new RttWindow(capacity);
        for (int i = 0; i < n; i++) {
            all[i] = switch (pattern) {
                case "random" -> randomRtt(random);
                case "rising" -> i * 0.001;
                case "falling" -> 10_000 - i * 0.001;
                case "equal" -> 42.0;
                case "levels" -> (i / (capacity / 2)) % 2 == 0 ? 40 + random.nextDouble() : 200 + random.nextDouble();
                default -> random.nextInt(3) * 10.0;
            };
            window.add(i, all[i]);
            if (i % 301 == 0 || i == n - 1) {
                double[] sorted = Arrays.copyOfRange(all, Math.max(0, i + 1 - capacity), i + 1);
                Arrays.sort(sorted);
                double[] ranks = new double[window.count()];
                for (int rank = 0; rank < ranks.length; rank++) {
                    ranks[rank] = window.valueAtRank(rank);
                }
                assertThat(ranks).as("after %d adds", i + 1).containsExactly(sorted);
                assertThat(window.min()).isEqualTo(sorted[0]);
                assertThat(window.max()).isEqualTo(sorted[sorted.length - 1]);
                assertThat(window.median()).isEqualTo(Reference.median(sorted));
                double[] between = new double[sorted.length - 1]; // a quarter past every rank, to the next
                double[] expected = new double[between.length];
                for (int rank = 0; rank < between.length; rank++) {
                    between[rank] = window.quantile((rank + 0.25) / (sorted.length - 1));
                    expected[rank] = sorted[rank] + 0.25 * (sorted[rank + 1] - sorted[rank]);
                }
                assertThat(between).containsExactly(expected, within(1e-9));
            }
        }
        assertMatchesReference(window, Arrays.copyOfRange(all, n - capacity, n));
    }

    @Test
    void runningSumsDoNotDriftOverAMillionSamples() {
        SplittableRandom random = new SplittableRandom(42);
        int capacity = 600;
        RttWindow window = new RttWindow(capacity);
        double[] ring = new double[capacity];
        for (int i = 0; i < 1_000_000 + 123; i++) {
            // large offset, tiny spread: the worst case for naive running sums of squares
            double value = 10_000 + random.nextDouble() * 0.01;
            ring[i % capacity] = value;
            window.add(i, value);
        }
        assertMatchesReference(window, values(window));
        assertThat(window.stdDev()).isCloseTo(Reference.populationStdDev(ring), within(1e-9));
    }

    @Test
    void duplicatesAreEvictedOldestFirst() {
        RttWindow window = new RttWindow(3);
        window.add(1, 5);
        window.add(2, 5);
        window.add(3, 5);
        window.add(4, 1);
        window.add(5, 9);
        assertThat(timestamps(window)).containsExactly(3, 4, 5);
        assertThat(values(window)).containsExactly(5, 1, 9);
        assertThat(window.min()).isEqualTo(1);
        assertThat(window.median()).isEqualTo(5);
        assertThat(window.max()).isEqualTo(9);
    }

    @Test
    void timestampsMoreThan24DaysApartAreKeptExactly() {
        RttWindow window = new RttWindow(3);
        long start = 1_764_000_000_000L;
        long[] stamps = {start, start - 5, start + 1_000, start + 40L * 24 * 3600 * 1000, start + 41L * 24 * 3600 * 1000,
            Long.MAX_VALUE / 2};
        for (int i = 0; i < stamps.length; i++) {
            window.add(stamps[i], i);
            assertThat(timestamps(window))
                    .containsExactly(java.util.Arrays.copyOfRange(stamps, Math.max(0, i + 1 - 3), i + 1));
        }
    }

    @Test
    void negativeZeroIsStoredAsZero() {
        RttWindow window = filled(4, 0.0, -0.0, 0.0);
        assertThat(window.min()).isEqualTo(0.0);
        assertThat(Double.doubleToRawLongBits(window.min())).isZero();
    }

    @Test
    void rejectsAnEmptyCapacity() {
        assertThatThrownBy(() -> new RttWindow(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacity");
    }

    private static RttWindow filled(int capacity, double... values) {
        RttWindow window = new RttWindow(capacity);
        for (int i = 0; i < values.length; i++) {
            window.add(i, values[i]);
        }
        return window;
    }

    /** Realistic RTTs with many exact duplicates (libwebrtc repeats values) and rare spikes. */
    static double randomRtt(SplittableRandom random) {
        double kind = random.nextDouble();
        if (kind < 0.3) {
            return 40 + random.nextInt(5) * 0.5;
        }
        if (kind < 0.95) {
            return 20 + random.nextDouble() * 100;
        }
        return random.nextDouble() * 60_000;
    }
}
