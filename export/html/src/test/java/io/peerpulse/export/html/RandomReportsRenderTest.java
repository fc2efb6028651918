package io.peerpulse.export.html;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.peerpulse.session.CoverageGap;
import io.peerpulse.session.RoundMetrics;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.testkit.SampleReports;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A report renders whatever the JSON reader accepts: random reports (fixed seed) whose statistics need
 * not agree with their samples (an edited or hand-made export: {@code minMs} above a sample, {@code maxMs}
 * below one), with no sample, one sample, equal values, values up to 60,000 ms, many rounds and gaps,
 * each render without an exception and as a whole page. The records are made by component name
 * ({@link SampleReports}), so that a new component breaks nothing here.
 */
class RandomReportsRenderTest {

    private static final SessionReport BASE = Reports.withGapAndRounds("random");

    @Test
    void aMinimumAboveASampleRendersInsteadOfThrowing() {
        SessionReport report = with(BASE, stats(List.of(sample(1_000, 10), sample(2_000, 50)),
                40, 50), List.of(), List.of());
        assertThatCode(() -> HtmlReport.render(report)).doesNotThrowAnyException();
    }

    @Test
    void thousandsOfRandomReportsRenderWithoutAnException() {
        SplittableRandom random = new SplittableRandom(15);
        for (int n = 0; n < 3_000; n++) {
            long start = random.nextInt(4) == 0 ? 0 : 1_700_000_000_000L + random.nextInt(1_000_000);
            int count = switch (random.nextInt(5)) {
                case 0 -> 0;
                case 1 -> 1;
                case 2 -> 2 + random.nextInt(5);
                default -> random.nextInt(2_000);
            };
            double constant = random.nextDouble() * 60_000;
            boolean equal = random.nextInt(6) == 0;
            List<RttSample> samples = new ArrayList<>();
            long t = start + (random.nextBoolean() ? 0 : random.nextInt(5_000));
            for (int i = 0; i < count; i++) {
                double rtt = equal ? constant : switch (random.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> 60_000;
                    default -> random.nextDouble() * (random.nextBoolean() ? 200 : 60_000);
                };
                samples.add(sample(t, rtt));
                t += random.nextInt(8) == 0 ? random.nextInt(600_000) : (random.nextBoolean() ? 1_000 : 0);
            }
            LatencyStats stats = count == 0 ? null
                    : stats(samples, random.nextDouble() * 60_000, random.nextDouble() * 60_000);
            List<CoverageGap> gaps = new ArrayList<>();
            for (int i = random.nextInt(20); i > 0; i--) {
                long g = start + random.nextInt(10_000_000);
                long d = random.nextInt(1_000_000);
                gaps.add(SampleReports.record(CoverageGap.class, "startEpochMs", g, "endEpochMs", g + d,
                        "durationMs", (long) d));
            }
            List<RoundMetrics> rounds = new ArrayList<>();
            for (int i = random.nextInt(4) == 0 ? random.nextInt(1_500) : random.nextInt(4); i > 0; i--) {
                long r = random.nextBoolean() ? start + random.nextInt(100_000_000) : 0;
                rounds.add(SampleReports.record(RoundMetrics.class, "roundNumber", rounds.size() + 1,
                        "startEpochMs", r, "endEpochMs", random.nextBoolean() ? null : r + 10_000,
                        "durationMs", 10_000L));
            }
            SessionReport report = with(BASE, stats, gaps, rounds);
            String page = assertRenders(report, n);
            assertThat(page).endsWith("</html>\n");
        }
    }

    private static String assertRenders(SessionReport report, int n) {
        try {
            return HtmlReport.render(report);
        } catch (RuntimeException e) {
            throw new AssertionError("report #" + n + " did not render: " + e, e);
        }
    }

    private static RttSample sample(long timestampEpochMs, double rttMs) {
        return SampleReports.record(RttSample.class, "timestampEpochMs", timestampEpochMs, "rttMs", rttMs);
    }

    private static LatencyStats stats(List<RttSample> samples, double minMs, double maxMs) {
        return SampleReports.record(LatencyStats.class, "sampleCount", samples.size(), "minMs", minMs,
                "maxMs", maxMs, "meanMs", (minMs + maxMs) / 2, "medianMs", minMs, "p95Ms", maxMs, "p99Ms", maxMs,
                "stdDevMs", 1.0, "jitterMs", 1.0, "totalSampleCount", (long) samples.size(), "samples", samples);
    }

    private static SessionReport with(SessionReport base, LatencyStats latency, List<CoverageGap> gaps,
            List<RoundMetrics> rounds) {
        long start = latency == null ? base.sessionMetrics().startEpochMs()
                : latency.samples().get(0).timestampEpochMs();
        return SampleReports.with(base,
                "sessionMetrics.startEpochMs", start,
                "sessionMetrics.endEpochMs", base.sessionMetrics().endEpochMs() == null ? null : start,
                "sessionMetrics.latency", latency,
                "validationData.latency", latency,
                "validationData.coverage.gaps", gaps,
                "multiplayerMetrics.latency", latency,
                "multiplayerMetrics.rounds", rounds);
    }
}
