package io.peerpulse.telemetry;

import io.peerpulse.telemetry.fixtures.Records;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;

/** Statistics of values measured in whole microseconds read as measured: no float noise, no -0.0, one answer. */
class NumbersAsMeasuredTest {

    @Test
    void aMedianAndAMeanOfMicrosecondValuesPrintWithoutNoise() {
        LatencySummary two = LatencySummary.of(new double[] {80.721, 80.730}, 2);
        assertThat(Double.toString(two.medianMs())).isEqualTo("80.726");
        assertThat(Double.toString(two.meanMs())).isEqualTo("80.726");
        LatencySummary three = LatencySummary.of(new double[] {80.9, 80.9, 80.8887}, 3);
        assertThat(Double.toString(three.meanMs())).isEqualTo("80.896"); // 80.89623333… rounded once
        assertThat(three.minMs()).isEqualTo(80.8887); // a sample keeps its value
    }

    @Test
    void everyStatisticOfWholeMicrosecondsIsTheExactDecimalRoundedHalfUp() {
        SplittableRandom random = new SplittableRandom(24);
        double[] pair = new double[2];
        for (int i = 0; i < 100_000; i++) {
            long a = random.nextLong(0, 600_000_000L);   // µs, up to 600 s
            long b = random.nextLong(0, 600_000_000L);
            pair[0] = a / 1000.0;
            pair[1] = b / 1000.0;
            long halfUp = Math.floorDiv(a + b + 1, 2);    // (a + b) / 2 µs, an exact half rounded up
            String exact = BigDecimal.valueOf(halfUp, 3).stripTrailingZeros().toPlainString();
            double median = LatencySummary.of(pair, 2).medianMs();
            assertThat(median).as("median of %d and %d µs", a, b).isEqualTo(Double.parseDouble(exact));
            // the shortest form that reads back exactly: the decimal itself (Double.toString adds ".0" to integers)
            assertThat(Double.toString(median)).isIn(exact, exact + ".0");
        }
    }

    @Test
    void negativeZeroIsNeverKeptOrExported() {
        assertThat(Double.doubleToRawLongBits(sample(1, -0.0).rttMs())).isZero();
        LatencyRecord record = new LatencyRecord(600);
        record.apply(measured(1, -0.0));
        record.apply(measured(2, -0.0));
        LatencySummary window = record.getSummary().orElseThrow();
        SessionLatencyStats session = record.getSessionStats().orElseThrow();
        for (double value : new double[] {window.minMs(), window.medianMs(), window.meanMs(), session.minMs(),
                session.medianMs(), session.meanMs(), session.p99Ms()}) {
            assertThat(Double.doubleToRawLongBits(value)).isZero();
        }
    }

    @Test
    void whileEverySampleFitsTheWindowTheWholeSessionAnswersExactlyAsTheWindow() {
        LatencyRecord record = new LatencyRecord(600);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 30; i++) {
            record.apply(measured(i, random.nextLong(79_000, 83_000) / 1000.0));
        }
        LatencySummary window = record.getSummary().orElseThrow();
        SessionLatencyStats session = record.getSessionStats().orElseThrow();
        assertThat(session).isEqualTo(Records.record(SessionLatencyStats.class, "sampleCount", 30,
                "minMs", window.minMs(), "maxMs", window.maxMs(), "meanMs", window.meanMs(),
                "medianMs", window.medianMs(), "p95Ms", window.p95Ms(), "p99Ms", window.p99Ms()));
    }

    @Test
    void pastTheWindowTheWholeSessionEstimatesAreRoundedToTheMicrosecond() {
        LatencyRecord record = new LatencyRecord(10);
        for (int i = 0; i < 31; i++) {
            record.apply(measured(i, 80 + i / 7.0));
        }
        SessionLatencyStats session = record.getSessionStats().orElseThrow();
        assertThat(session.sampleCount()).isEqualTo(31);
        for (double value : new double[] {session.meanMs(), session.medianMs(), session.p95Ms(), session.p99Ms()}) {
            assertThat(value * 1000).isEqualTo(Math.rint(value * 1000), org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    private static PollEvent measured(long timestampEpochMs, double rttMs) {
        return new PollEvent(PollOutcome.MEASURED, timestampEpochMs, sample(timestampEpochMs, rttMs), null, null);
    }
}
