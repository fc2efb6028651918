package io.peerpulse.export.micrometer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.peerpulse.export.micrometer.internal.PrometheusServer.Series;
import io.peerpulse.session.GameSession;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real consumer: a real Prometheus server (Debian's package, see {@link PrometheusServer}) scrapes
 * a {@link PrometheusMeterRegistry} that the exporter fills from a real session, and the test reads
 * the RTT histogram back through Prometheus' query API. Skipped, saying why, where no Prometheus server
 * can be had.
 */
@Tag("integration")
class PrometheusScrapeTest {

    private static final Duration SCRAPED = Duration.ofSeconds(30);
    /** Spread over the histogram, none on a bucket boundary; the median falls between 130 and 149. */
    private static final double[] RTTS_MS = {8, 12.5, 20, 33, 47, 61, 75.5, 88, 99, 110, 130, 149, 151, 170, 210,
            260, 299, 310, 480, 950, 1800, 4200};

    @TempDir
    Path dir;

    @Test
    void prometheusReadsTheRttHistogramBackFromARealScrape() throws Exception {
        Path binary = PrometheusServer.binary();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        HttpServer endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        endpoint.createContext("/metrics", exchange -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        endpoint.start();
        VirtualScheduler scheduler = new VirtualScheduler();
        try (PrometheusServer prometheus = PrometheusServer.start(binary, endpoint.getAddress().getPort(), dir)) {
            GameSession holder = session("prometheus-holder", registry, scheduler);
            GameSession measured = session("prometheus-measured", registry, scheduler);
            ScriptedRttSource source = new ScriptedRttSource().thenUnavailable("connecting").thenStale();
            Arrays.stream(RTTS_MS).forEach(source::thenMeasured);
            measured.onDataChannelOpen(source);
            scheduler.advance(Duration.ofSeconds(RTTS_MS.length + 2)); // every sample, in virtual time

            // wait for a scrape that holds every sample, then read the histogram back
            prometheus.await("peerpulse_session_rtt_seconds_count{region=\"eu\"}",
                    answer -> answer.size() == 1 && answer.get(0).value() == RTTS_MS.length, SCRAPED);
            List<Series> buckets = prometheus.query("peerpulse_session_rtt_seconds_bucket{region=\"eu\"}");
            assertThat(buckets).hasSizeGreaterThan(60).allSatisfy(series -> {
                assertThat(series.labels()).containsEntry("job", "peerpulse").containsKey("instance")
                        .containsEntry("region", "eu").doesNotContainValue("prometheus-measured");
            });
            TreeMap<Double, Double> cumulative = new TreeMap<>();
            for (Series bucket : buckets) {
                double le = parseLe(bucket.labels().get("le"));
                long expected = Arrays.stream(RTTS_MS).filter(ms -> ms / 1000 <= le).count();
                assertThat(bucket.value()).as("bucket le=%s", bucket.labels().get("le")).isEqualTo(expected);
                cumulative.put(le, bucket.value());
            }
            assertThat(cumulative).containsKeys(0.15, 0.3, 60.0, Double.POSITIVE_INFINITY);
            double sum = single(prometheus.query("peerpulse_session_rtt_seconds_sum{region=\"eu\"}"));
            assertThat(sum).isCloseTo(Arrays.stream(RTTS_MS).sum() / 1000, within(1e-9));
            double max = single(prometheus.query("peerpulse_session_rtt_seconds_max{region=\"eu\"}"));
            assertThat(max).isCloseTo(4.2, within(1e-9));

            // the median as a dashboard computes it: inside the bucket that holds the true median's rank
            double median = single(prometheus.query(
                    "histogram_quantile(0.5, sum by (le) (peerpulse_session_rtt_seconds_bucket{region=\"eu\"}))"));
            double rank = 0.5 * RTTS_MS.length;
            Map.Entry<Double, Double> upper = cumulative.entrySet().stream().filter(e -> e.getValue() >= rank)
                    .findFirst().orElseThrow();
            Double lower = cumulative.lowerKey(upper.getKey());
            assertThat(median).isBetween(lower, upper.getKey());
            assertThat(median).isBetween(0.130 * 0.8, 0.149 * 1.2); // the true median is (130 + 149) / 2 ms

            assertThat(single(prometheus.query("peerpulse_sessions_active{region=\"eu\"}"))).isEqualTo(2);

            // the measured session ends: its poll counts arrive; the holder keeps the shared meters
            measured.close();
            TelemetryCounters counters = measured.exportReport().validationData().counters();
            assertThat(counters.measuredCount()).isEqualTo(RTTS_MS.length);
            List<Series> polls = prometheus.await("peerpulse_session_polls_total{region=\"eu\"}",
                    answer -> answer.stream().anyMatch(s -> "measured".equals(s.labels().get("outcome"))
                            && s.value() == RTTS_MS.length), SCRAPED);
            assertThat(polls).hasSize(6);
            assertThat(value(polls, "unavailable")).isEqualTo(counters.unavailableCount());
            assertThat(value(polls, "stale")).isEqualTo(counters.staleCount());
            assertThat(value(polls, "failed")).isEqualTo(counters.failedCount());
            prometheus.await("peerpulse_sessions_active{region=\"eu\"}",
                    answer -> answer.size() == 1 && answer.get(0).value() == 1, SCRAPED);

            // the last session ends: its meters leave the registry and Prometheus marks the series stale
            holder.close();
            assertThat(registry.scrape()).doesNotContain("peerpulse");
            prometheus.await("{__name__=~\"peerpulse_.+\"}", List::isEmpty, SCRAPED);
        } finally {
            scheduler.shutdownNow();
            endpoint.stop(0);
        }
    }

    private static GameSession session(String id, MeterRegistry registry, VirtualScheduler scheduler) {
        return GameSession.builder(id)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock()).build())
                .exporterProviders(List.of(new MicrometerExporterProvider()))
                .executor(Runnable::run)
                .exportAttribute(MeterRegistry.class, registry)
                .exportSetting(MicrometerSettings.TAGS, "region=eu")
                .exportSetting(MicrometerSettings.KEEP_METERS, "false") // the removal mode
                .build();
    }

    private static double parseLe(String le) {
        return "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
    }

    private static double single(List<Series> answer) {
        assertThat(answer).hasSize(1);
        return answer.get(0).value();
    }

    private static double value(List<Series> polls, String outcome) throws IOException {
        return polls.stream().filter(s -> outcome.equals(s.labels().get("outcome"))).findFirst()
                .orElseThrow(() -> new IOException("no series for outcome " + outcome + " in " + polls)).value();
    }
}
