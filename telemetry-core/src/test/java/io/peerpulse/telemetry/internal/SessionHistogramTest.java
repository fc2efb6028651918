package io.peerpulse.telemetry.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SessionHistogramTest {

    @Test
    void emptyHasNoValues() {
        SessionHistogram histogram = new SessionHistogram();
        assertThat(histogram.count()).isZero();
        assertThat(histogram.mean()).isNaN();
        assertThat(histogram.quantile(0.5)).isNaN();
    }

    @Test
    void fitsInAFixedSmallArray() {
        // the bucket array is the whole per-telemetry cost of session quantiles
        assertThat(SessionHistogram.BUCKETS * Integer.BYTES).isLessThan(3_300);
    }

    @Test
    void everyBucketRepresentativeIsWithinOnePercentOfItsValues() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            double value = SessionHistogram.MIN_TRACKED_MS
                    * Math.pow(SessionHistogram.MAX_TRACKED_MS / SessionHistogram.MIN_TRACKED_MS, random.nextDouble());
            double estimate = SessionHistogram.representative(SessionHistogram.bucketOf(value));
            assertThat(Math.abs(estimate - value) / value).as("value %s", value).isLessThanOrEqualTo(0.01);
        }
        for (double edge : new double[] {0.01, 60_000, 1, 80, 150, 300}) {
            double estimate = SessionHistogram.representative(SessionHistogram.bucketOf(edge));
            assertThat(Math.abs(estimate - edge) / edge).isLessThanOrEqualTo(0.01);
        }
    }

    @Test
    void theTableLogIsWithinTwoTenMillionthsOfMathLog() {
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 1_000_000; i++) {
            double value = Math.pow(2, random.nextDouble() * 30);
            assertThat(SessionHistogram.log2(value)).isCloseTo(Math.log(value) / Math.log(2), within(2e-7));
        }
        assertThat(SessionHistogram.log2(1)).isZero();
        assertThat(SessionHistogram.log2(1024)).isEqualTo(10);
    }

    @ParameterizedTest(name = "distribution {0}")
    @ValueSource(strings = {"uniform", "lognormal", "bimodal", "constant", "heavy-tail", "tiny"})
    void quantilesAreWithinOnePercentOfNumpyAndTheRestIsExact(String distribution) {
        SplittableRandom random = new SplittableRandom(distribution.hashCode());
        DoubleSupplier next = switch (distribution) {
            case "uniform" -> () -> 20 + random.nextDouble() * 200;
            case "lognormal" -> () -> Math.exp(4 + 0.5 * gaussian(random));
            case "bimodal" -> () -> random.nextBoolean() ? 30 + random.nextDouble() : 250 + random.nextDouble() * 5;
            case "constant" -> () -> 80.0;
            case "heavy-tail" -> () -> Math.min(60_000, 10 / Math.pow(random.nextDouble() + 1e-9, 0.7));
            case "tiny" -> () -> 0.01 + random.nextDouble() * 0.5;
            default -> throw new IllegalArgumentException(distribution);
        };
        for (int n : new int[] {1, 2, 3, 10, 101, 10_000, 200_000}) {
            double[] values = new double[n];
            SessionHistogram histogram = new SessionHistogram();
            for (int i = 0; i < n; i++) {
                values[i] = next.getAsDouble();
                histogram.record(values[i]);
            }
            assertThat(histogram.count()).isEqualTo(n);
            assertThat(histogram.min()).isEqualTo(java.util.Arrays.stream(values).min().orElseThrow());
            assertThat(histogram.max()).isEqualTo(java.util.Arrays.stream(values).max().orElseThrow());
            double mean = Reference.mean(values);
            assertThat(histogram.mean()).isCloseTo(mean, within(1e-9 * mean));
            for (double q : new double[] {0.5, 0.95, 0.99}) {
                double exact = Reference.quantile(values, q);
                assertThat(Math.abs(histogram.quantile(q) - exact) / exact)
                        .as("%s n=%d q=%s exact=%s estimate=%s", distribution, n, q, exact, histogram.quantile(q))
                        .isLessThanOrEqualTo(0.01);
            }
        }
    }

    @Test
    void valuesBelowTheTrackedRangeAreWithinTheirAbsoluteBound() {
        SessionHistogram histogram = new SessionHistogram();
        double[] values = {0, 0.001, 0.002, 0.004, 0.009, 0.0095, 0.003};
        for (double v : values) {
            histogram.record(v);
        }
        for (double q : new double[] {0.5, 0.95, 0.99}) {
            assertThat(histogram.quantile(q)).isCloseTo(Reference.quantile(values, q),
                    within(SessionHistogram.MIN_TRACKED_MS));
        }
    }

    @Test
    void theMeanStaysExactOverManyMillionSamples() {
        SessionHistogram histogram = new SessionHistogram();
        java.math.BigDecimal exact = java.math.BigDecimal.ZERO;
        SplittableRandom random = new SplittableRandom(11);
        int n = 3_000_000;
        for (int i = 0; i < n; i++) {
            double value = 80 + random.nextDouble() * 0.001;
            histogram.record(value);
            exact = exact.add(new java.math.BigDecimal(value));
        }
        double expected = exact.divide(java.math.BigDecimal.valueOf(n), java.math.MathContext.DECIMAL64).doubleValue();
        assertThat(histogram.mean()).isCloseTo(expected, within(1e-12));
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
