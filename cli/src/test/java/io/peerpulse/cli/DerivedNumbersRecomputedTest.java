package io.peerpulse.cli;

import io.peerpulse.export.csv.SessionReportCsv;
import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.ConnectionHistory;
import io.peerpulse.session.Coverage;
import io.peerpulse.session.CoverageGap;
import io.peerpulse.session.Disconnection;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.RoundMetrics;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.LatencySummary;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.SessionLatencyStats;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import jakarta.json.Json;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every derived number a session exports, recomputed from the raw data of the same session by an
 * obvious, different algorithm (sort and index; exact decimal arithmetic; interval sums from the
 * test's own log of opens, closes and polls), on adversarial and seed-driven random sessions in virtual
 * time; and the files the real exporters wrote (json, csv, jsonl, html) and {@code summarize}'s table
 * hold the report's numbers.
 */
class DerivedNumbersRecomputedTest {

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** One sample as the test saw it leave the source: value, poll time, the round the test had open. */
    private record Raw(double rttMs, long epochMs, Integer round) {
    }

    /** What the test itself logged while it drove the session. */
    private final class Log {
        final List<Raw> samples = new ArrayList<>();
        final List<long[]> rounds = new ArrayList<>();          // {number, start, end or -1}
        final List<long[]> opens = new ArrayList<>();           // {time}
        final List<long[]> closes = new ArrayList<>();          // {time}
        final List<Long> measuredPolls = new ArrayList<>();
        final List<Double> measuredRtts = new ArrayList<>();    // the RTT each of those polls measured
        long reads;
        Integer openRound;
        long start;

        long now() {
            return scheduler.clock().millis();
        }
    }

    /** A source that plays readings from a list (then stale) and tells the log what it measured. */
    private RttSource source(Log log, List<RttReading> readings) {
        int[] next = {0};
        return () -> {
            log.reads++;
            RttReading reading = next[0] < readings.size() ? readings.get(next[0]++) : RttReading.stale();
            if (reading instanceof RttReading.Measured m) {
                log.samples.add(new Raw(m.rttMs(), log.now(), log.openRound));
                log.measuredPolls.add(log.now());
                log.measuredRtts.add(m.rttMs());
            }
            return CompletableFuture.completedFuture(reading);
        };
    }

    private GameSession session(String id, int maxSamples) {
        return GameSession.builder(id).playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).maxSampleCount(maxSamples).build())
                .exporters("json", "csv", "jsonl", "html")
                .exportSetting(SessionReportJson.DIRECTORY_SETTING, dir.toString())
                .exportSetting(SessionReportCsv.DIRECTORY_SETTING, dir.toString())
                .exportSetting("peerpulse.export.html.directory", dir.toString())
                .exportSetting("peerpulse.export.jsonl.file", dir.resolve("sessions.jsonl").toString())
                .build();
    }

    private void begin(GameSession s, Log log, int n) {
        if (log.openRound != null) {
            end(s, log);
        }
        s.beginRound(n);
        log.openRound = n;
        log.rounds.add(new long[] {n, log.now(), -1});
    }

    private void end(GameSession s, Log log) {
        s.endRound();
        if (log.openRound != null) {
            log.rounds.get(log.rounds.size() - 1)[2] = log.now();
        }
        log.openRound = null;
    }

    private void open(GameSession s, Log log, RttSource src) {
        s.onDataChannelOpen(src);
        log.opens.add(new long[] {log.now()});
    }

    private void close(GameSession s, Log log) {
        s.onDataChannelClose("down");
        log.closes.add(new long[] {log.now()});
    }

    private void advance(long ms) {
        scheduler.advance(Duration.ofMillis(ms));
    }

    // ---- the sessions ----------------------------------------------------------------------------

    @Test
    void adversarialShapes() throws Exception {
        Log log = new Log();
        GameSession s = session("adversarial", 600);
        log.start = log.now();
        begin(s, log, 0);                       // a round begun before the channel opens
        advance(500);
        List<RttReading> first = new ArrayList<>();
        first.add(RttReading.measured(0.001));  // resolution limits
        first.add(RttReading.measured(60_000));
        first.add(RttReading.measured(80.721));
        first.add(RttReading.measured(80.730));
        first.add(RttReading.measured(80.730)); // ties
        first.add(RttReading.measured(80.730));
        first.add(RttReading.stale());
        first.add(RttReading.measured(12.0005));
        for (int i = 0; i < 8; i++) {
            first.add(RttReading.unavailable("outage"));   // an outage across a round boundary
        }
        first.add(RttReading.measured(33.333));
        open(s, log, source(log, first));
        advance(2_000);                          // polls at 0, 1000, 2000 ms after the open: the boundary poll ran
        begin(s, log, 1);                        // a round begun exactly on a poll
        end(s, log);                             // a round with 0 samples
        begin(s, log, 2);
        advance(1_000);                          // exactly 1 sample
        begin(s, log, 3);
        advance(2_000);                          // 2 samples
        begin(s, log, 4);
        advance(10_000);                         // outage inside, ends in round 5
        begin(s, log, 5);
        advance(3_000);
        close(s, log);                           // back-to-back disconnections
        advance(700);
        open(s, log, source(log, List.of(RttReading.measured(5))));
        advance(300);
        close(s, log);
        advance(1_234);
        open(s, log, source(log, List.of(RttReading.measured(7), RttReading.measured(7), RttReading.measured(9))));
        advance(2_500);
        close(s, log);                           // a round ended after the channel closed
        advance(400);
        s.close();                               // closed mid-round (round 5 still open)
        log.rounds.get(log.rounds.size() - 1)[2] = log.now();
        check(s, log, "adversarial", 600);
    }

    @Test
    void moreSamplesThanTheWindow() throws Exception {
        Log log = new Log();
        GameSession s = session("long", 600);
        log.start = log.now();
        Random random = new Random(48);
        List<RttReading> readings = new ArrayList<>();
        for (int i = 0; i < 1_500; i++) {
            readings.add(RttReading.measured(Math.round((20 + random.nextGaussian() * 5 + (i > 1_000 ? 60 : 0)) * 1000) / 1000.0));
        }
        open(s, log, source(log, readings));
        begin(s, log, 1);
        advance(700_000);
        begin(s, log, 2);
        advance(900_000);
        s.close();
        log.rounds.get(log.rounds.size() - 1)[2] = log.now();
        check(s, log, "long", 600);
    }

    @Test
    void seededRandomMixes() throws Exception {
        for (long seed = 1; seed <= 12; seed++) {
            Random random = new Random(seed);
            Log log = new Log();
            int window = 1 + random.nextInt(40);
            String id = "mix-" + seed;
            GameSession s = session(id, window);
            log.start = log.now();
            int round = 0;
            boolean openChannel = false;
            for (int step = 0; step < 60; step++) {
                int action = random.nextInt(10);
                if (action < 3) {
                    begin(s, log, ++round);
                } else if (action < 4) {
                    end(s, log);
                } else if (action < 6) {
                    if (openChannel) {
                        close(s, log);
                    } else {
                        List<RttReading> readings = new ArrayList<>();
                        double[] ties = {10, 10.5, 20, 0.001, 59_999.999};
                        for (int i = 0; i < 30; i++) {
                            int kind = random.nextInt(10);
                            readings.add(kind < 5 ? RttReading.measured(ties[random.nextInt(ties.length)])
                                    : kind < 8 ? RttReading.measured(random.nextInt(200_000) / 1000.0)
                                    : kind < 9 ? RttReading.stale() : RttReading.unavailable("x"));
                        }
                        open(s, log, source(log, readings));
                    }
                    openChannel = !openChannel;
                } else {
                    advance(random.nextBoolean() ? 1_000L * random.nextInt(5) : random.nextInt(5_000));
                }
            }
            s.close();
            if (log.openRound != null) {
                log.rounds.get(log.rounds.size() - 1)[2] = log.now();
            }
            check(s, log, id, window);
        }
    }

    @Test
    void theSecondaryViewsSummaryIsItsOwnSamples() throws Exception {
        Log log = new Log();
        Log second = new Log();
        GameSession s = session("two-views", 600);
        log.start = log.now();
        Random random = new Random(4848);
        List<RttReading> probe = new ArrayList<>();
        List<RttReading> ice = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            probe.add(i % 7 == 3 ? RttReading.stale() : RttReading.measured(100 + random.nextInt(20_000) / 1000.0));
            ice.add(i % 3 == 0 ? RttReading.measured(80 + random.nextInt(20) / 1.0) : RttReading.stale());
        }
        s.onDataChannelOpen(source(log, probe), source(second, ice));
        log.opens.add(new long[] {log.now()});
        begin(s, log, 1);
        advance(25_000);
        end(s, log);
        advance(20_000);
        s.close();
        SessionReport report = s.exportReport();
        assertThat(report.validationData().fallback()).isNull();
        LatencySummary secondary = report.validationData().secondary().latency();
        assertSummary("two-views: secondary", second.samples, secondary.sampleCount(), secondary.minMs(),
                secondary.maxMs(), secondary.meanMs(), secondary.medianMs(), secondary.p95Ms(), secondary.p99Ms(),
                secondary.stdDevMs(), secondary.jitterMs());
        assertThat(secondary.totalSampleCount()).isEqualTo(second.samples.size());
        assertThat(report.validationData().secondary().counters().measuredCount()).isEqualTo(second.samples.size());
        assertThat(report.validationData().secondary().counters().pollCount()).isEqualTo(second.reads);
        check(s, log, "two-views", 600);
        String html = Files.readString(dir.resolve("two-views.html"));
        String summary = html.substring(html.indexOf("<table class=\"summary\">"));
        String medianRow = summary.substring(summary.indexOf("median (ms)"), summary.indexOf("</tr>", summary.indexOf("median (ms)")));
        assertThat(medianRow).as("the secondary's median on the page").endsWith("<td>" + exact(secondary.medianMs()) + "</td>");
    }

    // ---- the recomputation -----------------------------------------------------------------------

    private void check(GameSession s, Log log, String id, int window) throws Exception {
        SessionReport report = s.exportReport();
        long end = log.now();
        List<Raw> all = log.samples;
        String where = id + ": ";

        // the window: the last min(total, window) samples, and its statistics
        LatencyStats latency = report.validationData().latency();
        if (all.isEmpty()) {
            assertThat(latency).as(where + "latency").isNull();
        } else {
            List<Raw> kept = all.subList(Math.max(0, all.size() - window), all.size());
            assertThat(latency.samples()).as(where + "window samples")
                    .containsExactlyElementsOf(kept.stream().map(r -> sample(r.epochMs(), r.rttMs())).toList());
            assertThat(latency.totalSampleCount()).as(where + "totalSampleCount").isEqualTo(all.size());
            assertSummary(where + "window", kept, latency.sampleCount(), latency.minMs(), latency.maxMs(), latency.meanMs(),
                    latency.medianMs(), latency.p95Ms(), latency.p99Ms(), latency.stdDevMs(), latency.jitterMs());
            assertThat(report.sessionMetrics().latency()).isEqualTo(latency);
            assertThat(report.multiplayerMetrics().latency()).isEqualTo(latency);

            // the whole session: exact count, min, max, mean; quantiles exact while nothing was evicted
            SessionLatencyStats whole = report.validationData().sessionLatency();
            assertThat(whole.sampleCount()).as(where + "session count").isEqualTo(all.size());
            assertThat(whole.minMs()).as(where + "session min").isEqualTo(min(all));
            assertThat(whole.maxMs()).as(where + "session max").isEqualTo(max(all));
            assertThat(whole.meanMs()).as(where + "session mean").isEqualTo(mean(all));
            if (all.size() <= window) {
                assertThat(whole.medianMs()).as(where + "session median").isEqualTo(quantile(all, "0.5"));
                assertThat(whole.p95Ms()).as(where + "session p95").isEqualTo(quantile(all, "0.95"));
                assertThat(whole.p99Ms()).as(where + "session p99").isEqualTo(quantile(all, "0.99"));
            } else {
                for (String q : List.of("0.5", "0.95", "0.99")) {
                    double exact = quantile(all, q);
                    double got = q.equals("0.5") ? whole.medianMs() : q.equals("0.95") ? whole.p95Ms() : whole.p99Ms();
                    assertThat(got).as(where + "session q" + q + " within 1 % of " + exact)
                            .isCloseTo(exact, within(exact * SessionLatencyStats.QUANTILE_RELATIVE_ERROR + 0.0005));
                }
            }
        }

        // rounds: the samples the test saw while it had each round open
        List<RoundMetrics> rounds = report.multiplayerMetrics().rounds();
        assertThat(rounds).as(where + "rounds").hasSize(log.rounds.size());
        for (int r = 0; r < rounds.size(); r++) {
            RoundMetrics got = rounds.get(r);
            long[] mine = log.rounds.get(r);
            String what = where + "round " + mine[0] + " (#" + r + ")";
            assertThat(got.roundNumber()).as(what).isEqualTo((int) mine[0]);
            assertThat(got.startEpochMs()).as(what + " start").isEqualTo(mine[1]);
            assertThat(got.durationMs()).as(what + " duration").isEqualTo(mine[2] - mine[1]);
            assertThat(got.startElapsedMs()).as(what + " startElapsed").isEqualTo(mine[1] - log.start);
            List<Raw> in = new ArrayList<>();
            long firstIndex = -1;
            for (int i = 0; i < all.size(); i++) {
                Raw raw = all.get(i);
                if (raw.round() != null && raw.round() == mine[0]) { // round numbers are unique here
                    if (firstIndex < 0) {
                        firstIndex = i;
                    }
                    in.add(raw);
                }
            }
            if (in.isEmpty()) {
                assertThat(got.latency()).as(what + " latency").isNull();
                assertThat(got.firstSampleIndex()).as(what + " firstSampleIndex").isNull();
            } else {
                LatencySummary l = got.latency();
                assertThat(got.firstSampleIndex()).as(what + " firstSampleIndex").isEqualTo(firstIndex);
                assertThat(l.totalSampleCount()).as(what + " total").isEqualTo(in.size());
                assertSummary(what, in, l.sampleCount(), l.minMs(), l.maxMs(), l.meanMs(), l.medianMs(), l.p95Ms(),
                        l.p99Ms(), l.stdDevMs(), l.jitterMs());
            }
        }

        // connection history from the test's own opens and closes
        ConnectionHistory history = report.sessionMetrics().connection();
        List<Disconnection> disconnections = history.disconnections();
        assertThat(disconnections).as(where + "disconnections").hasSize(log.closes.size());
        long downSum = 0;
        for (int i = 0; i < log.closes.size(); i++) {
            long closedAt = log.closes.get(i)[0];
            // opens and closes alternate in these sessions: close i is followed by open i + 1
            Long reopened = i + 1 < log.opens.size() ? log.opens.get(i + 1)[0] : null;
            long duration = (reopened == null ? end : reopened) - closedAt;
            Disconnection d = disconnections.get(i);
            assertThat(d.startEpochMs()).as(where + "disconnection " + i + " start").isEqualTo(closedAt);
            assertThat(d.endEpochMs()).as(where + "disconnection " + i + " end").isEqualTo(reopened);
            assertThat(d.durationMs()).as(where + "disconnection " + i + " duration").isEqualTo(duration);
            downSum += duration;
        }
        assertThat(history.disconnectedMs()).as(where + "disconnectedMs").isEqualTo(downSum);
        long beforeFirst = log.opens.isEmpty() ? end - log.start : log.opens.get(0)[0] - log.start;
        assertThat(history.timeWithoutChannelMs()).as(where + "timeWithoutChannelMs").isEqualTo(beforeFirst + downSum);
        assertThat(history.reconnectionCount()).as(where + "reconnectionCount").isEqualTo(Math.max(0, log.opens.size() - 1));
        assertThat(report.multiplayerMetrics().reconnections()).hasSize(Math.max(0, log.opens.size() - 1));
        for (int i = 1; i < log.opens.size(); i++) {
            long at = log.opens.get(i)[0];
            long closedAt = log.closes.get(i - 1)[0];
            assertThat(report.multiplayerMetrics().reconnections().get(i - 1).downtimeMs())
                    .as(where + "reconnection " + i + " downtime").isEqualTo(at - closedAt);
        }

        // coverage: gaps between the test's own measured polls, from the first open to the end
        Coverage coverage = report.validationData().coverage();
        if (!log.opens.isEmpty()) {
            long threshold = (long) coverage.gapThresholdMs();
            assertThat(coverage.gapThresholdMs()).as(where + "gap threshold").isEqualTo(3_000.0);
            List<long[]> gaps = new ArrayList<>();
            long anchor = log.opens.get(0)[0];
            for (int i = 0; i < log.measuredPolls.size(); i++) {
                long t = log.measuredPolls.get(i);
                // the Coverage rule: a measurement ends a gap only when the round trip it measured began (its poll
                // less its RTT) more than the threshold after the previous measurement; the gap runs to the poll
                long beganNanos = t * 1_000_000 - (long) (log.measuredRtts.get(i) * 1e6);
                if (beganNanos - anchor * 1_000_000 > threshold * 1_000_000) {
                    gaps.add(new long[] {anchor, t});
                }
                anchor = t;
            }
            if (end - anchor > threshold) {
                gaps.add(new long[] {anchor, end});
            }
            long gapSum = gaps.stream().mapToLong(g -> g[1] - g[0]).sum();
            assertThat(coverage.gaps()).as(where + "gaps").hasSize(gaps.size());
            for (int i = 0; i < gaps.size(); i++) {
                CoverageGap g = coverage.gaps().get(i);
                assertThat(new long[] {g.startEpochMs(), g.endEpochMs(), g.durationMs(), g.startElapsedMs()})
                        .as(where + "gap " + i).containsExactly(gaps.get(i)[0], gaps.get(i)[1],
                                gaps.get(i)[1] - gaps.get(i)[0], gaps.get(i)[0] - log.start);
            }
            long measuring = end - log.opens.get(0)[0];
            assertThat(coverage.measuringMs()).as(where + "measuringMs").isEqualTo(measuring);
            assertThat(coverage.gapMs()).as(where + "gapMs").isEqualTo(gapSum);
            double covered = all.isEmpty() || measuring == 0 ? 0 : (double) (measuring - gapSum) / measuring;
            assertThat(coverage.coveredRatio()).as(where + "coveredRatio").isCloseTo(covered, within(1e-12));
            assertThat(coverage.firstMeasurementEpochMs()).as(where + "first measurement")
                    .isEqualTo(log.measuredPolls.isEmpty() ? null : log.measuredPolls.get(0));
            assertThat(coverage.lastMeasurementEpochMs()).as(where + "last measurement")
                    .isEqualTo(log.measuredPolls.isEmpty() ? null : log.measuredPolls.get(log.measuredPolls.size() - 1));
            var counters = report.validationData().counters();
            assertThat(counters.measuredCount()).as(where + "measured").isEqualTo(all.size());
            assertThat(counters.pollCount()).as(where + "polls").isEqualTo(log.reads);
            assertThat(coverage.measuredPollRatio()).as(where + "measuredPollRatio")
                    .isCloseTo(log.reads == 0 ? 0 : (double) all.size() / log.reads, within(1e-12));
        }

        // time in each quality: the stretches between quality changes (elapsedMs), whole ms, add up to the session
        assertThat(report.sessionMetrics().durationMs()).as(where + "duration").isEqualTo(end - log.start);
        var quality = report.multiplayerMetrics().qualitySummary();
        var changes = report.multiplayerMetrics().qualityChanges();
        long[] spent = new long[5]; // UNKNOWN, GOOD, FAIR, POOR, LOST
        long from = 0;
        String current = "UNKNOWN";
        for (var change : changes) {
            spent[List.of("UNKNOWN", "GOOD", "FAIR", "POOR", "LOST").indexOf(current)] += change.elapsedMs() - from;
            from = change.elapsedMs();
            current = change.current().name();
        }
        spent[List.of("UNKNOWN", "GOOD", "FAIR", "POOR", "LOST").indexOf(current)] += end - log.start - from;
        assertThat(new long[] {quality.unknownMs(), quality.goodMs(), quality.fairMs(), quality.poorMs(), quality.lostMs()})
                .as(where + "time in each quality").containsExactly(spent);
        for (int r = 0; r < rounds.size(); r++) {
            var q = rounds.get(r).quality();
            assertThat(q.unknownMs() + q.goodMs() + q.fairMs() + q.poorMs() + q.lostMs())
                    .as(where + "round " + rounds.get(r).roundNumber() + " time in each quality")
                    .isEqualTo(rounds.get(r).durationMs());
        }

        assertFiles(report, id);
    }

    private void assertSummary(String what, List<Raw> in, int count, double min, double max, double mean,
                               double median, double p95, double p99, double std, double jitter) {
        assertThat(count).as(what + " count").isEqualTo(in.size());
        assertThat(min).as(what + " min").isEqualTo(min(in));
        assertThat(max).as(what + " max").isEqualTo(max(in));
        assertThat(mean).as(what + " mean").isEqualTo(mean(in));
        assertThat(median).as(what + " median").isEqualTo(median(in));
        assertThat(p95).as(what + " p95").isEqualTo(quantile(in, "0.95"));
        assertThat(p99).as(what + " p99").isEqualTo(quantile(in, "0.99"));
        assertThat(std).as(what + " std").isEqualTo(std(in));
        assertThat(jitter).as(what + " jitter").isEqualTo(jitter(in));
    }

    // ---- the obvious algorithms, in exact decimals ---------------------------------------------------

    private static BigDecimal[] sorted(List<Raw> in) {
        return in.stream().map(r -> new BigDecimal(Double.toString(r.rttMs()))).sorted().toArray(BigDecimal[]::new);
    }

    private static double micros(BigDecimal exact) {
        return exact.setScale(3, RoundingMode.HALF_UP).doubleValue() + 0.0;
    }

    private static double min(List<Raw> in) {
        return in.stream().mapToDouble(Raw::rttMs).min().orElseThrow();
    }

    private static double max(List<Raw> in) {
        return in.stream().mapToDouble(Raw::rttMs).max().orElseThrow();
    }

    private static BigDecimal exactMean(List<Raw> in) {
        BigDecimal sum = BigDecimal.ZERO;
        for (Raw r : in) {
            sum = sum.add(new BigDecimal(Double.toString(r.rttMs())));
        }
        return sum.divide(BigDecimal.valueOf(in.size()), MathContext.DECIMAL128);
    }

    private static double mean(List<Raw> in) {
        return micros(exactMean(in));
    }

    private static double median(List<Raw> in) {
        BigDecimal[] s = sorted(in);
        int n = s.length;
        return micros(n % 2 == 1 ? s[n / 2] : s[n / 2 - 1].add(s[n / 2]).divide(BigDecimal.valueOf(2)));
    }

    /** numpy.percentile's default: h = (n - 1) q, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]). */
    private static double quantile(List<Raw> in, String q) {
        BigDecimal[] s = sorted(in);
        BigDecimal h = new BigDecimal(q).multiply(BigDecimal.valueOf(s.length - 1));
        int low = h.setScale(0, RoundingMode.FLOOR).intValueExact();
        BigDecimal fraction = h.subtract(BigDecimal.valueOf(low));
        BigDecimal value = low + 1 < s.length ? s[low].add(fraction.multiply(s[low + 1].subtract(s[low]))) : s[low];
        return micros(value);
    }

    private static double std(List<Raw> in) {
        BigDecimal mean = exactMean(in);
        BigDecimal squares = BigDecimal.ZERO;
        for (Raw r : in) {
            BigDecimal d = new BigDecimal(Double.toString(r.rttMs())).subtract(mean);
            squares = squares.add(d.multiply(d));
        }
        return micros(squares.divide(BigDecimal.valueOf(in.size()), MathContext.DECIMAL128).sqrt(MathContext.DECIMAL128));
    }

    private static double jitter(List<Raw> in) {
        if (in.size() < 2) {
            return 0;
        }
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 1; i < in.size(); i++) {
            sum = sum.add(new BigDecimal(Double.toString(in.get(i).rttMs()))
                    .subtract(new BigDecimal(Double.toString(in.get(i - 1).rttMs()))).abs());
        }
        return micros(sum.divide(BigDecimal.valueOf(in.size() - 1), MathContext.DECIMAL128));
    }

    // ---- the files -------------------------------------------------------------------------------

    private void assertFiles(SessionReport report, String id) throws Exception {
        JsonObject json;
        try (JsonReader reader = Json.createReader(new StringReader(Files.readString(dir.resolve(id + ".json"))))) {
            json = reader.readObject();
        }
        LatencyStats latency = report.validationData().latency();
        JsonValue jl = json.getJsonObject("validationData").get("latency");
        if (latency == null) {
            assertThat(jl).isEqualTo(JsonValue.NULL);
        } else {
            JsonObject l = (JsonObject) jl;
            assertThat(new double[] {num(l, "minMs"), num(l, "maxMs"), num(l, "meanMs"), num(l, "medianMs"),
                    num(l, "p95Ms"), num(l, "p99Ms"), num(l, "stdDevMs"), num(l, "jitterMs"), num(l, "sampleCount")})
                    .as(id + ": json latency").containsExactly(latency.minMs(), latency.maxMs(), latency.meanMs(),
                            latency.medianMs(), latency.p95Ms(), latency.p99Ms(), latency.stdDevMs(), latency.jitterMs(),
                            latency.sampleCount());
        }
        var jRounds = json.getJsonObject("multiplayerMetrics").getJsonArray("rounds");
        for (int i = 0; i < jRounds.size(); i++) {
            RoundMetrics r = report.multiplayerMetrics().rounds().get(i);
            JsonObject o = jRounds.getJsonObject(i);
            assertThat(o.getJsonNumber("durationMs").longValueExact()).isEqualTo(r.durationMs());
            if (r.latency() != null) {
                JsonObject l = o.getJsonObject("latency");
                assertThat(new double[] {num(l, "medianMs"), num(l, "p95Ms"), num(l, "p99Ms"), num(l, "meanMs")})
                        .as(id + ": json round " + i).containsExactly(r.latency().medianMs(), r.latency().p95Ms(),
                                r.latency().p99Ms(), r.latency().meanMs());
            }
        }
        JsonObject cov = json.getJsonObject("validationData").getJsonObject("coverage");
        assertThat(num(cov, "coveredRatio")).isEqualTo(report.validationData().coverage().coveredRatio());
        assertThat(num(cov, "gapMs")).isEqualTo((double) report.validationData().coverage().gapMs());

        // csv: one row per window sample, its round the round open when it was recorded
        List<String> csv = Files.readAllLines(dir.resolve(id + ".csv"));
        List<RttSample> samples = latency == null ? List.of() : latency.samples();
        assertThat(csv).as(id + ": csv rows").hasSize(samples.size() + 1);
        long firstIndex = latency == null ? 0 : latency.totalSampleCount() - latency.sampleCount();
        for (int i = 0; i < samples.size(); i++) {
            String[] cells = csv.get(i + 1).split(",", -1);
            assertThat(Long.parseLong(cells[3])).isEqualTo(samples.get(i).timestampEpochMs());
            assertThat(Double.parseDouble(cells[4])).isEqualTo(samples.get(i).rttMs());
            long sampleIndex = firstIndex + i;
            String round = report.multiplayerMetrics().rounds().stream().filter(r -> r.containsSample(sampleIndex))
                    .map(r -> Integer.toString(r.roundNumber())).findFirst().orElse("");
            assertThat(cells[2]).as(id + ": csv round of sample " + sampleIndex).isEqualTo(round);
        }

        // jsonl: this session's line
        JsonObject line = null;
        for (String l : Files.readAllLines(dir.resolve("sessions.jsonl"))) {
            try (JsonReader reader = Json.createReader(new StringReader(l))) {
                JsonObject o = reader.readObject();
                if (o.getString("sessionId").equals(id)) {
                    line = o;
                }
            }
        }
        assertThat(line).as(id + ": jsonl line").isNotNull();
        SessionLatencyStats whole = report.validationData().sessionLatency();
        if (whole != null) {
            assertThat(new double[] {num(line, "sampleCount"), num(line, "minMs"), num(line, "medianMs"),
                    num(line, "meanMs"), num(line, "p95Ms"), num(line, "p99Ms"), num(line, "maxMs"),
                    num(line, "windowSampleCount"), num(line, "windowMedianMs")}).as(id + ": jsonl")
                    .containsExactly(whole.sampleCount(), whole.minMs(), whole.medianMs(), whole.meanMs(), whole.p95Ms(),
                            whole.p99Ms(), whole.maxMs(), latency.sampleCount(), latency.medianMs());
        }
        assertThat(num(line, "coveredRatio")).isEqualTo(report.validationData().coverage().coveredRatio());

        // html: the summary table's cells, and each sample's point, as exported
        String html = Files.readString(dir.resolve(id + ".html"));
        if (latency != null) {
            for (String[] row : new String[][] {{"median (ms)", exact(latency.medianMs())},
                    {"p95 (ms)", exact(latency.p95Ms())}, {"p99 (ms)", exact(latency.p99Ms())},
                    {"mean (ms)", exact(latency.meanMs())}, {"std dev (ms)", exact(latency.stdDevMs())},
                    {"min (ms)", exact(latency.minMs())}, {"max (ms)", exact(latency.maxMs())},
                    {"jitter (ms)", exact(latency.jitterMs())}}) {
                assertThat(cells(html, row[0])).as(id + ": html " + row[0]).isEqualTo(row[1]);
            }
        }

        if (latency != null && latency.sampleCount() <= 2_000) {
            for (RttSample sample : latency.samples()) {
                assertThat(html).as(id + ": html point of " + sample).contains("<title>" + exact(sample.rttMs()) + " ms</title>");
            }
        }

        // summarize: the table's row of this file
        StringWriter out = new StringWriter();
        assertThat(Main.run(new String[] {"summarize", dir.resolve(id + ".json").toString()}, new PrintWriter(out, true),
                new PrintWriter(new StringWriter(), true))).isZero();
        List<String> lines = out.toString().lines().toList();
        List<String> header = Arrays.asList(lines.get(0).split(","));
        List<String> row = Arrays.asList(lines.get(1).split(",", -1));
        var q = report.multiplayerMetrics().qualitySummary();
        List<Object> expected = new ArrayList<>(Arrays.asList(report.sessionMetrics().durationMs(),
                report.validationData().coverage().coveredRatio(), whole == null ? 0 : whole.sampleCount()));
        expected.addAll(whole == null ? Arrays.asList(null, null, null, null, null, null) : List.of(whole.minMs(),
                whole.medianMs(), whole.meanMs(), whole.p95Ms(), whole.p99Ms(), whole.maxMs()));
        expected.addAll(Arrays.asList(report.sessionMetrics().connection().reconnectionCount(), q.goodMs(), q.fairMs(),
                q.poorMs(), q.lostMs(), q.minScore(), q.p5Score(), q.medianScore()));
        List<String> columns = List.of("duration_ms", "coverage", "sample_count", "min_ms", "median_ms", "mean_ms",
                "p95_ms", "p99_ms", "max_ms", "reconnection_count", "good_ms", "fair_ms", "poor_ms", "lost_ms",
                "score_min", "score_p5", "score_median");
        for (int i = 0; i < columns.size(); i++) {
            String cell = row.get(header.indexOf(columns.get(i)));
            Object want = expected.get(i);
            assertThat(cell.isEmpty() ? null : Double.parseDouble(cell)).as(id + ": summarize " + columns.get(i))
                    .isEqualTo(want == null ? null : ((Number) want).doubleValue());
        }
    }

    private static String exact(double v) {
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    /** The text of the first cell after the row's label, tags and the ≈ mark removed. */
    private static String cells(String html, String label) {
        int at = html.indexOf("<td>" + label + "</td>");
        if (at < 0) {
            at = html.indexOf(label);
        }
        assertThat(at).as("html row " + label).isNotNegative();
        int cell = html.indexOf("<td", at + label.length() + 4);
        int from = html.indexOf('>', cell) + 1;
        return html.substring(from, html.indexOf("</td>", from));
    }

    private static double num(JsonObject o, String key) {
        return ((JsonNumber) o.get(key)).doubleValue();
    }
}
