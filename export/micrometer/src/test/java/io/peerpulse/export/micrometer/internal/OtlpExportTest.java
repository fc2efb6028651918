package io.peerpulse.export.micrometer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.registry.otlp.OtlpConfig;
import io.micrometer.registry.otlp.OtlpMeterRegistry;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.QualitySummary;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.DoubleStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an OpenTelemetry collector receives: real sessions (virtual time) record into a real {@link OtlpMeterRegistry},
 * which pushes OTLP/HTTP protobuf to an endpoint of the test's own on 127.0.0.1; the test decodes each request with the
 * {@code io.opentelemetry.proto} classes the registry itself uses and checks every meter's name, unit, type,
 * temporality, values and attributes against the README's "OpenTelemetry (OTLP)" section.
 *
 * <p>The test pushes itself ({@code publish()} through a subclass, or {@code close()}); the registry's own step
 * timer is set to a day, so it never fires during a test, and its clock is a {@link MockClock} the test advances.
 */
class OtlpExportTest {

    /** Spread over the histogram, none on a bucket boundary, as in {@link PrometheusScrapeTest}. */
    private static final double[] RTTS_MS = {8, 12.5, 20, 33, 47, 61, 75.5, 88, 99, 110, 130, 149, 151, 170, 210,
            260, 299, 310, 480, 950, 1800, 4200};
    /** The registry's step: long enough that its timer never publishes during a test. */
    private static final Duration STEP = Duration.ofDays(1);
    private static final Duration RUN = Duration.ofSeconds(RTTS_MS.length + 2);

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final MockClock clock = new MockClock();
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final List<OtlpMeterRegistry> registries = new ArrayList<>();
    private HttpServer collector;

    /** One request as the collector got it. */
    private record Received(String method, String path, String contentType, ExportMetricsServiceRequest request) {
    }

    /** An OTLP registry whose {@code publish()} the test calls: one push, now. */
    private static final class PushedOtlpRegistry extends OtlpMeterRegistry {
        PushedOtlpRegistry(OtlpConfig config, MockClock clock) {
            super(config, clock);
        }

        void push() {
            publish();
        }
    }

    @AfterEach
    void shutDown() {
        scheduler.shutdownNow();
        registries.forEach(MeterRegistry::close);
        if (collector != null) {
            collector.stop(0);
        }
    }

    /**
     * The default OTLP registry (cumulative, explicit buckets, milliseconds): every meter arrives with its attributes,
     * the RTT histogram with the percentile buckets and both SLO boundaries as bounds, in milliseconds; the maximum as
     * a gauge of its own; counters as monotonic cumulative sums; no session id anywhere. After the last session ended,
     * {@code close()} pushes its counts (the meters stay by default) and the active gauge at 0.
     */
    @Test
    void aCollectorReceivesEveryMeterAsTheReadmeSays() throws Exception {
        PushedOtlpRegistry registry = registry(Map.of());
        GameSession measured = session("otlp-measured", registry, Map.of());
        GameSession poor = session("otlp-poor", registry, Map.of());
        ScriptedRttSource script = new ScriptedRttSource().thenUnavailable("connecting").thenStale();
        Arrays.stream(RTTS_MS).forEach(script::thenMeasured);
        measured.onDataChannelOpen(script);
        poor.onDataChannelOpen(new ScriptedRttSource().thenMeasured(40).orElse(RttReading.measured(400.0)));
        scheduler.advance(RUN);
        measured.close();
        assertThat(poor.latest().quality()).isEqualTo(ConnectionQuality.POOR);
        TelemetryCounters counters = measured.exportReport().validationData().counters();
        assertThat(counters.measuredCount()).isEqualTo(RTTS_MS.length);
        QualitySummary summary = measured.exportReport().multiplayerMetrics().qualitySummary();
        long poorSamples = poor.exportValidationData().counters().measuredCount();
        double[] samples = DoubleStream.concat(Arrays.stream(RTTS_MS),
                DoubleStream.concat(DoubleStream.of(40), DoubleStream.generate(() -> 400).limit(poorSamples - 1)))
                .toArray();

        registry.push();
        Received first = next();
        assertThat(first.method()).isEqualTo("POST");
        assertThat(first.path()).isEqualTo("/v1/metrics");
        assertThat(first.contentType()).isEqualTo("application/x-protobuf");
        Map<String, Metric> metrics = metrics(first.request());
        assertThat(metrics.keySet()).containsExactlyInAnyOrder("peerpulse.session.rtt", "peerpulse.session.rtt.max",
                "peerpulse.session.polls", "peerpulse.sessions.active", "peerpulse.sessions.quality",
                "peerpulse.session.quality.time");
        assertNoSessionAttribute(first.request());

        // the RTT timer: an explicit-bucket histogram in milliseconds (the registry's base time unit)
        Metric rtt = metrics.get("peerpulse.session.rtt");
        assertThat(rtt.getUnit()).isEqualTo("milliseconds");
        assertThat(rtt.getDataCase()).isEqualTo(Metric.DataCase.HISTOGRAM);
        assertThat(rtt.getHistogram().getAggregationTemporality())
                .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        assertThat(rtt.getHistogram().getDataPointsList()).hasSize(1);
        HistogramDataPoint histogram = rtt.getHistogram().getDataPoints(0);
        assertThat(attributes(histogram.getAttributesList())).containsExactly(Map.entry("region", "eu"));
        assertThat(histogram.getCount()).isEqualTo(samples.length);
        assertThat(histogram.getSum()).isCloseTo(Arrays.stream(samples).sum(), within(1e-6));
        assertThat(histogram.hasMax()).as("the maximum is a gauge of its own, not the point's max").isFalse();
        assertThat(histogram.hasMin()).isFalse();
        List<Double> bounds = histogram.getExplicitBoundsList();
        assertThat(bounds).hasSize(75) // Micrometer's 73 percentile buckets from 1 ms to 60 s, and the two SLOs
                .startsWith(1.0).endsWith(60_000.0).contains(150.0, 300.0).isSorted();
        assertBucketCounts(histogram, samples);

        Metric max = metrics.get("peerpulse.session.rtt.max");
        assertThat(max.getUnit()).isEqualTo("milliseconds");
        assertThat(gauge(max)).containsExactly(Map.entry(Map.of("region", "eu"), 4200.0));

        // the counters: monotonic cumulative sums
        Metric polls = metrics.get("peerpulse.session.polls");
        assertThat(polls.getUnit()).isEmpty();
        assertMonotonicSum(polls, AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        assertThat(byTag(polls, "outcome")).isEqualTo(Map.of("measured", (double) counters.measuredCount(),
                "stale", (double) counters.staleCount(), "unavailable", (double) counters.unavailableCount(),
                "failed", 0.0, "rejected", 0.0, "skipped", 0.0));
        Metric time = metrics.get("peerpulse.session.quality.time");
        assertThat(time.getUnit()).isEqualTo("seconds");
        assertMonotonicSum(time, AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        Map<String, Double> expectedTime = new HashMap<>();
        for (ConnectionQuality quality : ConnectionQuality.values()) {
            expectedTime.put(quality.name().toLowerCase(Locale.ROOT), summary.timeInMs(quality) / 1000.0);
        }
        assertThat(expectedTime.values().stream().mapToDouble(Double::doubleValue).sum()).isPositive();
        assertThat(byTag(time, "quality")).isEqualTo(expectedTime);

        // the gauges: the running session, at POOR
        Metric active = metrics.get("peerpulse.sessions.active");
        assertThat(active.getUnit()).isEmpty();
        assertThat(gauge(active)).containsExactly(Map.entry(Map.of("region", "eu"), 1.0));
        Metric inQuality = metrics.get("peerpulse.sessions.quality");
        assertThat(inQuality.getUnit()).isEmpty();
        assertThat(inQuality.getDataCase()).isEqualTo(Metric.DataCase.GAUGE);
        assertThat(byTag(inQuality, "quality"))
                .isEqualTo(Map.of("unknown", 0.0, "good", 0.0, "fair", 0.0, "poor", 1.0, "lost", 0.0));

        // the last session ends; close() pushes what it added: the meters stayed (keep-meters=true)
        poor.close();
        TelemetryCounters poorCounters = poor.exportReport().validationData().counters();
        registry.close();
        Received last = next();
        Map<String, Metric> closing = metrics(last.request());
        assertThat(closing.keySet()).isEqualTo(metrics.keySet());
        assertThat(byTag(closing.get("peerpulse.session.polls"), "outcome")).containsEntry("measured",
                (double) (counters.measuredCount() + poorCounters.measuredCount()));
        assertThat(gauge(closing.get("peerpulse.sessions.active"))).containsExactly(Map.entry(Map.of("region", "eu"), 0.0));
        assertThat(byTag(closing.get("peerpulse.sessions.quality"), "quality").values()).containsOnly(0.0);
        assertThat(closing.get("peerpulse.session.polls").getSum().getDataPoints(0).getStartTimeUnixNano())
                .as("cumulative: the same start as before")
                .isEqualTo(polls.getSum().getDataPoints(0).getStartTimeUnixNano());
        assertThat(received).isEmpty();
    }

    /**
     * {@code otlp.baseTimeUnit=seconds} gives the RTT in seconds and the SLO bounds as 0.15 and 0.3, as Prometheus
     * shows them; {@code otlp.histogramFlavor=base2_exponential_bucket_histogram} is not applied to a timer with SLO
     * boundaries (our default): it stays explicit. With {@code slo=none} the timer becomes an exponential histogram.
     */
    @Test
    void secondsAndExponentialHistogramsAreTheRegistrysSettingsAndOurSlosKeepExplicitBuckets() throws Exception {
        Map<String, String> seconds = Map.of("otlp.baseTimeUnit", "seconds",
                "otlp.histogramFlavor", "base2_exponential_bucket_histogram");
        PushedOtlpRegistry withSlos = registry(seconds);
        PushedOtlpRegistry withoutSlos = registry(seconds);
        GameSession a = session("otlp-slos", withSlos, Map.of());
        GameSession b = session("otlp-no-slos", withoutSlos, Map.of(MicrometerSettings.SLO, "none"));
        a.onDataChannelOpen(script());
        b.onDataChannelOpen(script());
        scheduler.advance(RUN);
        double[] seconds22 = Arrays.stream(RTTS_MS).map(ms -> ms / 1000).toArray();

        withSlos.push();
        Map<String, Metric> explicit = metrics(next().request());
        Metric rtt = explicit.get("peerpulse.session.rtt");
        assertThat(rtt.getUnit()).isEqualTo("seconds");
        assertThat(rtt.getDataCase()).as("the SLOs keep explicit buckets").isEqualTo(Metric.DataCase.HISTOGRAM);
        HistogramDataPoint histogram = rtt.getHistogram().getDataPoints(0);
        assertThat(histogram.getExplicitBoundsList()).hasSize(75).startsWith(0.001).endsWith(60.0)
                .contains(0.15, 0.3);
        assertThat(histogram.getSum()).isCloseTo(Arrays.stream(seconds22).sum(), within(1e-9));
        assertBucketCounts(histogram, seconds22);
        assertThat(explicit.get("peerpulse.session.rtt.max").getUnit()).isEqualTo("seconds");
        assertThat(gauge(explicit.get("peerpulse.session.rtt.max")).values()).containsExactly(4.2);
        assertThat(explicit.get("peerpulse.session.quality.time").getUnit()).isEqualTo("seconds");

        withoutSlos.push();
        Metric exponential = metrics(next().request()).get("peerpulse.session.rtt");
        assertThat(exponential.getUnit()).isEqualTo("seconds");
        assertThat(exponential.getDataCase()).isEqualTo(Metric.DataCase.EXPONENTIAL_HISTOGRAM);
        assertThat(exponential.getExponentialHistogram().getAggregationTemporality())
                .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        ExponentialHistogramDataPoint point = exponential.getExponentialHistogram().getDataPoints(0);
        assertThat(point.getCount()).isEqualTo(RTTS_MS.length);
        assertThat(point.getSum()).isCloseTo(Arrays.stream(seconds22).sum(), within(1e-9));
        assertThat(point.getPositive().getBucketCountsList().stream().mapToLong(Long::longValue).sum()
                + point.getZeroCount()).isEqualTo(RTTS_MS.length);
        assertThat(attributes(point.getAttributesList())).containsExactly(Map.entry("region", "eu"));
        a.close();
        b.close();
    }

    /**
     * {@code otlp.aggregationTemporality=delta}: counters and the histogram arrive as deltas of the last completed
     * step (so the counts a session adds at its end arrive with the first push after that step), the histogram carries
     * its maximum itself and no {@code .max} gauge is sent; gauges stay gauges.
     */
    @Test
    void deltaTemporalitySendsEachStepsIncrease() throws Exception {
        PushedOtlpRegistry registry = registry(Map.of("otlp.aggregationTemporality", "delta"));
        GameSession measured = session("otlp-delta", registry, Map.of());
        measured.onDataChannelOpen(script());
        scheduler.advance(RUN);
        measured.close();
        TelemetryCounters counters = measured.exportReport().validationData().counters();

        clock.add(STEP); // the step in which everything was recorded is complete
        registry.push();
        Map<String, Metric> step = metrics(next().request());
        assertThat(step.keySet()).containsExactlyInAnyOrder("peerpulse.session.rtt", "peerpulse.session.polls",
                "peerpulse.sessions.active", "peerpulse.sessions.quality", "peerpulse.session.quality.time");
        Metric rtt = step.get("peerpulse.session.rtt");
        assertThat(rtt.getUnit()).isEqualTo("milliseconds");
        assertThat(rtt.getHistogram().getAggregationTemporality())
                .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA);
        HistogramDataPoint histogram = rtt.getHistogram().getDataPoints(0);
        assertThat(histogram.getCount()).isEqualTo(RTTS_MS.length);
        assertThat(histogram.getMax()).isEqualTo(4200.0);
        assertThat(histogram.getExplicitBoundsList()).contains(150.0, 300.0);
        assertBucketCounts(histogram, RTTS_MS);
        assertMonotonicSum(step.get("peerpulse.session.polls"), AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA);
        assertThat(byTag(step.get("peerpulse.session.polls"), "outcome"))
                .containsEntry("measured", (double) counters.measuredCount());
        assertMonotonicSum(step.get("peerpulse.session.quality.time"),
                AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA);
        assertThat(gauge(step.get("peerpulse.sessions.active")).values()).containsExactly(0.0);

        clock.add(STEP); // a step without sessions: zero increases
        registry.push();
        Map<String, Metric> quiet = metrics(next().request());
        assertThat(quiet.get("peerpulse.session.rtt").getHistogram().getDataPoints(0).getCount()).isZero();
        assertThat(byTag(quiet.get("peerpulse.session.polls"), "outcome").values()).containsOnly(0.0);
    }

    /**
     * {@code keep-meters=false} on a push registry: a meter leaves the registry when its last session ends, so what the
     * sessions of a tag set recorded since the last push never reaches the collector when they all end before the next
     * one (not only the end counts, as with a scrape: every sample). Here no request is sent at all.
     */
    @Test
    void withoutKeptMetersSessionsEndingBetweenTwoPushesAreNeverSent() throws Exception {
        PushedOtlpRegistry registry = registry(Map.of());
        GameSession measured = session("otlp-removed", registry, Map.of(MicrometerSettings.KEEP_METERS, "false"));
        measured.onDataChannelOpen(script());
        scheduler.advance(RUN);
        assertThat(registry.find("peerpulse.session.rtt").timer().count()).isEqualTo(RTTS_MS.length);
        measured.close();
        assertThat(measured.exportReport().validationData().counters().measuredCount()).isEqualTo(RTTS_MS.length);

        registry.push();
        registry.close();
        assertThat(registry.getMeters()).isEmpty();
        assertThat(received).as("nothing to send: no request").isEmpty();
    }

    // --- the collector and the registry ---

    private PushedOtlpRegistry registry(Map<String, String> settings) throws IOException {
        if (collector == null) {
            collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            collector.createContext("/", exchange -> {
                try (exchange) {
                    byte[] body = exchange.getRequestBody().readAllBytes();
                    received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                            exchange.getRequestHeaders().getFirst("Content-Type"),
                            ExportMetricsServiceRequest.parseFrom(body)));
                    exchange.sendResponseHeaders(200, -1);
                }
            });
            collector.start();
        }
        Map<String, String> config = new HashMap<>(settings);
        config.put("otlp.url", "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/metrics");
        config.put("otlp.step", STEP.toString());
        PushedOtlpRegistry registry = new PushedOtlpRegistry(config::get, clock);
        registries.add(registry);
        return registry;
    }

    /** The next request; publish() sends synchronously, so it is there already (the wait is a bound only). */
    private Received next() throws InterruptedException {
        Received next = received.poll(10, TimeUnit.SECONDS);
        assertThat(next).as("a request reached the collector").isNotNull();
        return next;
    }

    private GameSession session(String id, MeterRegistry registry, Map<String, String> settings) {
        GameSession.Builder builder = GameSession.builder(id)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).build())
                .exporterProviders(List.of(new MicrometerExporterProvider()))
                .executor(Runnable::run)
                .exportAttribute(MeterRegistry.class, registry)
                .exportSetting(MicrometerSettings.TAGS, "region=eu");
        settings.forEach(builder::exportSetting);
        return builder.build();
    }

    private static ScriptedRttSource script() {
        ScriptedRttSource script = new ScriptedRttSource();
        Arrays.stream(RTTS_MS).forEach(script::thenMeasured);
        return script;
    }

    // --- reading the request ---

    private static Map<String, Metric> metrics(ExportMetricsServiceRequest request) {
        assertThat(request.getResourceMetricsList()).hasSize(1);
        Map<String, Metric> byName = new LinkedHashMap<>();
        request.getResourceMetrics(0).getScopeMetricsList().forEach(scope -> scope.getMetricsList()
                .forEach(metric -> assertThat(byName.put(metric.getName(), metric)).as(metric.getName()).isNull()));
        return byName;
    }

    private static Map<String, String> attributes(List<KeyValue> attributes) {
        return attributes.stream().collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue()));
    }

    /** Only the application's tag and our bounded ones; no session id in the attributes nor in the resource. */
    private static void assertNoSessionAttribute(ExportMetricsServiceRequest request) {
        ResourceMetrics resource = request.getResourceMetrics(0);
        assertThat(attributes(resource.getResource().getAttributesList()).values())
                .noneMatch(value -> value.startsWith("otlp-"));
        List<List<KeyValue>> pointAttributes = new ArrayList<>();
        for (Metric metric : metrics(request).values()) {
            switch (metric.getDataCase()) {
                case GAUGE -> metric.getGauge().getDataPointsList().forEach(p -> pointAttributes.add(p.getAttributesList()));
                case SUM -> metric.getSum().getDataPointsList().forEach(p -> pointAttributes.add(p.getAttributesList()));
                case HISTOGRAM -> metric.getHistogram().getDataPointsList()
                        .forEach(p -> pointAttributes.add(p.getAttributesList()));
                default -> throw new AssertionError("unexpected " + metric.getDataCase() + " in " + metric.getName());
            }
        }
        assertThat(pointAttributes).hasSize(1 + 1 + 6 + 1 + 5 + 5).allSatisfy(list -> {
            Map<String, String> attributes = attributes(list);
            assertThat(attributes).containsEntry("region", "eu");
            assertThat(attributes.keySet()).isSubsetOf("region", "outcome", "quality");
            assertThat(attributes.values()).noneMatch(value -> value.startsWith("otlp-"));
        });
    }

    /** OTLP's bucket i counts the values in (bounds[i-1], bounds[i]]; the last one those above every bound. */
    private static void assertBucketCounts(HistogramDataPoint histogram, double[] samples) {
        List<Double> bounds = histogram.getExplicitBoundsList();
        assertThat(histogram.getBucketCountsList()).hasSize(bounds.size() + 1);
        for (int i = 0; i <= bounds.size(); i++) {
            double lower = i == 0 ? Double.NEGATIVE_INFINITY : bounds.get(i - 1);
            double upper = i == bounds.size() ? Double.POSITIVE_INFINITY : bounds.get(i);
            long expected = Arrays.stream(samples).filter(v -> v > lower && v <= upper).count();
            assertThat(histogram.getBucketCounts(i)).as("bucket (%s, %s]", lower, upper).isEqualTo(expected);
        }
        assertThat(histogram.getBucketCountsList().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(histogram.getCount());
    }

    private static void assertMonotonicSum(Metric metric, AggregationTemporality temporality) {
        assertThat(metric.getDataCase()).as(metric.getName()).isEqualTo(Metric.DataCase.SUM);
        assertThat(metric.getSum().getIsMonotonic()).isTrue();
        assertThat(metric.getSum().getAggregationTemporality()).isEqualTo(temporality);
    }

    private static Map<Map<String, String>, Double> gauge(Metric metric) {
        assertThat(metric.getDataCase()).as(metric.getName()).isEqualTo(Metric.DataCase.GAUGE);
        return metric.getGauge().getDataPointsList().stream()
                .collect(Collectors.toMap(p -> attributes(p.getAttributesList()), NumberDataPoint::getAsDouble));
    }

    /** A sum's or gauge's values by one attribute. */
    private static Map<String, Double> byTag(Metric metric, String key) {
        List<NumberDataPoint> points = metric.getDataCase() == Metric.DataCase.SUM
                ? metric.getSum().getDataPointsList() : metric.getGauge().getDataPointsList();
        return points.stream().collect(Collectors.toMap(p -> attributes(p.getAttributesList()).get(key),
                NumberDataPoint::getAsDouble));
    }
}
