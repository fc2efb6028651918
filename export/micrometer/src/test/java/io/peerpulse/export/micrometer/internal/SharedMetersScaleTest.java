package io.peerpulse.export.micrometer.internal;

import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Many sessions, one after another and at the same time on several threads, sharing meters. */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class SharedMetersScaleTest {

    private static final long WAIT_SECONDS = 120;
    private static final int THREADS = 8;

    private static final MicrometerExporterProvider PROVIDER = new MicrometerExporterProvider();

    private static SessionExporter exporter(MeterRegistry registry, String tags) {
        return PROVIDER.create(ExportSettings.of(Map.of(MicrometerSettings.TAGS, tags, MicrometerSettings.KEEP_METERS, "false"),
                Map.of(MeterRegistry.class, registry)));
    }

    @Test
    void tenThousandSessionsLeaveNoMeterBehind() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Counter appOwn = registry.counter("app.requests");
        registry.gauge("app.queue", 3);
        int baseline = registry.getMeters().size();
        VirtualScheduler scheduler = new VirtualScheduler();
        TelemetryOptions options = TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock()).build();
        int batches = 100;
        int perBatch = 100;
        try {
            for (int batch = 0; batch < batches; batch++) {
                List<GameSession> open = new ArrayList<>(perBatch);
                for (int i = 0; i < perBatch; i++) {
                    GameSession session = GameSession.builder("scale-" + batch + "-" + i)
                            .telemetryOptions(options)
                            .exporterProviders(List.of(PROVIDER))
                            .executor(Runnable::run)
                            .exportAttribute(MeterRegistry.class, registry)
                            .exportSetting(MicrometerSettings.TAGS, i % 2 == 0 ? "region=eu" : "region=us")
                .exportSetting(MicrometerSettings.KEEP_METERS, "false") // the removal mode
                            .build();
                    session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(10 + i % 7)));
                    open.add(session);
                }
                scheduler.advance(Duration.ofSeconds(2));

                // two tag sets: one timer, six counters and one gauge each, shared by 50 sessions
                assertThat(MicrometerExporterTest.ours(registry)).hasSize(36);
                assertThat(registry.get(SharedMeters.ACTIVE).tag("region", "eu").gauge().value()).isEqualTo(50);
                long measuredEu = 0;
                for (int i = 0; i < perBatch; i += 2) {
                    measuredEu += open.get(i).exportValidationData().counters().measuredCount();
                }
                assertThat(measuredEu).isPositive();
                assertThat(registry.get(SharedMeters.RTT).tag("region", "eu").timer().count()).isEqualTo(measuredEu);

                open.forEach(GameSession::close);
                assertThat(registry.getMeters()).as("after batch %d", batch).hasSize(baseline);
            }
        } finally {
            scheduler.shutdownNow();
        }
        assertThat(registry.getMeters()).hasSize(baseline).contains(appOwn);
        assertThat(SharedMeters.metersInUse(registry)).isZero();
    }

    @Test
    void rotatedTagSetsLeaveNothingBehindWhileOtherSessionsRun() throws Exception {
        // keep-meters=false is for tag values that rotate (a new experiment= each day) on a server where some
        // session is always running: each ended tag set leaves neither meters nor quality counts behind
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SessionExporter holder = exporter(registry, "experiment=base");
        holder.sessionStarted("holder");
        for (int i = 0; i < 1000; i++) {
            SessionExporter rotated = exporter(registry, "experiment=e" + i);
            rotated.sessionStarted("r" + i);
            rotated.sampleRecorded("r" + i, sample(i, 20));
            rotated.sessionEnded(SessionExporterContractReports.FULL);
        }
        assertThat(MicrometerExporterTest.ours(registry)).hasSize(18);
        assertThat(SharedMeters.metersInUse(registry)).isEqualTo(18);
        assertThat(SharedMeters.qualityCounts(registry)).as("the holder's five quality gauges").isEqualTo(5);
        assertThat(SharedMeters.gaugeIds(registry)).as("the holder's six gauges").isEqualTo(6);
        holder.sessionEnded(SessionExporterContractReports.FULL);
        assertThat(registry.getMeters()).isEmpty();
        assertThat(SharedMeters.qualityCounts(registry)).isZero();
        assertThat(SharedMeters.gaugeIds(registry)).isZero();
    }

    @Test
    void metersTheApplicationRemovedComeBackWhileSessionsKeepRunning() throws Exception {
        // a server where some session always runs: the application removes PeerPulse's meters (registry.clear(), a
        // clean-up of its own); the next session registers them again rather than recording into the removed ones
        for (String keep : List.of("true", "false")) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Map<String, String> settings = Map.of(MicrometerSettings.KEEP_METERS, keep);
            SessionExporter running = PROVIDER.create(ExportSettings.of(settings, Map.of(MeterRegistry.class, registry)));
            running.sessionStarted("0");
            for (int i = 1; i <= 100; i++) {
                SessionExporter next = PROVIDER.create(ExportSettings.of(settings, Map.of(MeterRegistry.class, registry)));
                next.sessionStarted("s" + i); // overlapping: one session always runs
                next.sampleRecorded("s" + i, sample(1, 20));
                running.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);
                running = next;
                if (i == 10) {
                    registry.clear();
                }
            }
            assertThat(MicrometerExporterTest.ours(registry)).as("keep-meters=%s", keep).hasSize(18);
            assertThat(registry.get(SharedMeters.RTT).timer().count()).as("the sessions started after the removal")
                    .isEqualTo(90);
            assertThat(registry.get(SharedMeters.ACTIVE).gauge().value()).isEqualTo(1);
            assertThat(registry.get(SharedMeters.IN_QUALITY).tag(SharedMeters.QUALITY, "unknown").gauge().value())
                    .isEqualTo(1);
            assertThat(registry.scrape()).contains("peerpulse_session_rtt_seconds_count 90");
            running.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);
            assertThat(MicrometerExporterTest.ours(registry)).hasSize(keep.equals("true") ? 18 : 0);
            assertThat(SharedMeters.metersInUse(registry)).isZero();
        }
    }

    @Test
    void aMeterFilterConfiguredLateTakesOverWhileSessionsKeepRunning(LogCapture log) throws Exception {
        // Micrometer applies a late filter at the next registration (and warns): the next sessions take the new meters,
        // and with keep-meters=false nothing is left behind, neither the old meters nor the new ones
        for (String keep : List.of("true", "false")) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Map<String, String> settings = Map.of(MicrometerSettings.KEEP_METERS, keep);
            SessionExporter running = PROVIDER.create(ExportSettings.of(settings, Map.of(MeterRegistry.class, registry)));
            running.sessionStarted("0");
            for (int i = 1; i <= 100; i++) {
                SessionExporter next = PROVIDER.create(ExportSettings.of(settings, Map.of(MeterRegistry.class, registry)));
                next.sessionStarted("s" + i);
                next.sampleRecorded("s" + i, sample(1, 20));
                running.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);
                running = next;
                if (i == 10) {
                    registry.config().commonTags("application", "game-server");
                }
            }
            assertThat(registry.get(SharedMeters.RTT).tag("application", "game-server").timer().count())
                    .as("keep-meters=%s: the sessions started after the filter", keep).isEqualTo(90);
            running.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);
            if (keep.equals("false")) {
                assertThat(registry.getMeters()).isEmpty();
            }
            assertThat(SharedMeters.metersInUse(registry)).isZero();
        }
        assertThat(log.records()).as("a kept gauge is found again, not registered twice")
                .noneSatisfy(r -> assertThat(r.getMessage()).contains("already registered"));
        assertThat(log.warnings(SharedMeters.class)).isEmpty();
    }

    @Test
    void concurrentSessionsSharingMetersCountEverySample() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SessionExporter holder = exporter(registry, "game=chess");
        holder.sessionStarted("holder"); // keeps the shared meters, so the totals can be read at the end
        int sessions = 300;
        int samples = 20;
        TelemetryCounters perSession = SessionExporterContractReports.FULL.validationData().counters();
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong scrapes = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
        CyclicBarrier start = new CyclicBarrier(THREADS + 1);
        try {
            Future<?> scraper = pool.submit(() -> {
                start.await();
                while (!done.get()) {
                    String text = registry.scrape(); // gauges read while sessions come and go
                    assertThat(text).doesNotContain("sessions_active{game=\"chess\"} -");
                    scrapes.incrementAndGet();
                }
                return null;
            });
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int s = 0; s < sessions; s++) {
                        String id = "c-" + thread + "-" + s;
                        SessionExporter exporter = exporter(registry, "game=chess");
                        exporter.sessionStarted(id);
                        for (int k = 0; k < samples; k++) {
                            exporter.sampleRecorded(id, sample(k, 1 + k));
                        }
                        exporter.sessionEnded(SessionExporterContractReports.FULL);
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            done.set(true);
            scraper.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } finally {
            done.set(true);
            pool.shutdownNow();
        }
        long total = (long) THREADS * sessions;
        Timer rtt = registry.get(SharedMeters.RTT).timer();
        assertThat(rtt.count()).isEqualTo(total * samples);
        assertThat(rtt.totalTime(TimeUnit.MILLISECONDS)).isCloseTo(total * (samples * (samples + 1) / 2.0), within(1e-3));
        assertThat(MicrometerExporterTest.polls(registry, "measured")).isEqualTo(total * perSession.measuredCount());
        assertThat(MicrometerExporterTest.polls(registry, "failed")).isEqualTo(total * perSession.failedCount());
        assertThat(MicrometerExporterTest.polls(registry, "unavailable"))
                .isEqualTo(total * perSession.unavailableCount());
        assertThat(registry.get(SharedMeters.ACTIVE).gauge().value()).isEqualTo(1);
        assertThat(scrapes.get()).isPositive();

        holder.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);
        assertThat(registry.getMeters()).isEmpty();
        assertThat(registry.scrape()).doesNotContain("peerpulse");
        assertThat(SharedMeters.metersInUse(registry)).isZero();
    }

    @Test
    void concurrentSessionsNeverLoseAMeterTheyHold() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int sessions = 1000;
        int samples = 5;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CyclicBarrier start = new CyclicBarrier(THREADS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                String tags = thread % 2 == 0 ? "region=eu" : "region=us";
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int s = 0; s < sessions; s++) {
                        String id = "n-" + thread + "-" + s;
                        SessionExporter exporter = exporter(registry, tags);
                        exporter.sessionStarted(id);
                        for (int k = 0; k < samples; k++) {
                            exporter.sampleRecorded(id, sample(k, 5));
                        }
                        // while this session holds them, its meters are registered and keep its samples
                        Timer rtt = registry.find(SharedMeters.RTT).tags(Tags.of(tags.split("=")[0], tags.split("=")[1]))
                                .timer();
                        assertThat(rtt).as("the timer of a running session").isNotNull();
                        assertThat(rtt.count()).isGreaterThanOrEqualTo(samples);
                        Gauge active = registry.find(SharedMeters.ACTIVE).tag("region", tags.split("=")[1]).gauge();
                        assertThat(active).isNotNull();
                        assertThat(active.value()).isGreaterThanOrEqualTo(1);
                        exporter.sessionEnded(SessionExporterContractReports.FULL);
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(registry.getMeters()).isEmpty();
        assertThat(SharedMeters.metersInUse(registry)).isZero();
    }
}
