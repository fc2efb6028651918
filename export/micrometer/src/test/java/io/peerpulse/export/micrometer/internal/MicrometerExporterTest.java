package io.peerpulse.export.micrometer.internal;

import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.QualitySummary;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import io.peerpulse.session.spi.SessionExporterProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The meters, their units and tags as the README documents them, and counts equal to what a real
 * session (driven in virtual time) recorded.
 */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class MicrometerExporterTest {

    private static final double[] RTTS_MS = {20, 35.5, 80, 120, 240.25};

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void shutDown() {
        scheduler.shutdownNow();
    }

    private GameSession session(String id, MeterRegistry target, Map<String, String> settings) {
        GameSession.Builder builder = GameSession.builder(id)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO)
                        .scheduler(scheduler).clock(scheduler.clock())
                        .pollInterval(Duration.ofSeconds(1)).readTimeout(Duration.ofMillis(2500))
                        .build())
                .exporterProviders(List.of(new MicrometerExporterProvider()))
                .executor(Runnable::run); // exporter calls run synchronously, during advance()
        if (target != null) {
            builder.exportAttribute(MeterRegistry.class, target);
        }
        removalMode(settings).forEach(builder::exportSetting);
        return builder.build();
    }

    /**
     * The settings, in the removal mode ({@code keep-meters=false}) unless they say otherwise: most tests here
     * check that meters leave the registry with their last session; {@link #byDefaultMetersStayAndTheLastSessionsCountsAreScraped}
     * checks the default.
     */
    private static Map<String, String> removalMode(Map<String, String> settings) {
        Map<String, String> withMode = new java.util.HashMap<>(settings);
        withMode.putIfAbsent(MicrometerSettings.KEEP_METERS, "false");
        return withMode;
    }

    /** Every outcome at least once: measured, stale, unavailable, failed, rejected, skipped (while hung). */
    private static ScriptedRttSource everyOutcome() {
        ScriptedRttSource source = new ScriptedRttSource();
        source.thenMeasured(RTTS_MS[0]).thenStale().thenMeasured(RTTS_MS[1]).thenUnavailable("closed")
                .thenFail(new IOException("stats failed")).thenMeasured(RTTS_MS[2]).thenMeasured(Double.NaN)
                .thenMeasured(RTTS_MS[3]).thenHang().thenMeasured(RTTS_MS[4]);
        return source;
    }

    private SessionExporter exporter(MeterRegistry target, Map<String, String> settings) {
        return new MicrometerExporterProvider().create(ExportSettings.of(removalMode(settings),
                Map.of(MeterRegistry.class, target)));
    }

    @Test
    void theModuleAndTheClassPathDeclareTheProvider() throws Exception {
        Module module = MicrometerExporterProvider.class.getModule();
        assertThat(module.isNamed()).as("tests run on the module path").isTrue();
        assertThat(module.getDescriptor().provides()).anySatisfy(p -> {
            assertThat(p.service()).isEqualTo(SessionExporterProvider.class.getName());
            assertThat(p.providers()).containsExactly(MicrometerExporterProvider.class.getName());
        });
        assertThat(module.getDescriptor().exports()).as("no package exported").isEmpty();
        try (InputStream services = module.getResourceAsStream(
                "META-INF/services/" + SessionExporterProvider.class.getName())) {
            assertThat(services).as("META-INF/services for class-path users").isNotNull();
            assertThat(new String(services.readAllBytes(), StandardCharsets.UTF_8).strip())
                    .isEqualTo(MicrometerExporterProvider.class.getName());
        }
        assertThat(new MicrometerExporterProvider().name()).isEqualTo("micrometer");
    }

    @Test
    void metersUnitsAndTagsAreAsDocumented() throws Exception {
        SessionExporter exporter = exporter(registry, Map.of(MicrometerSettings.TAGS, "region=eu,game=chess"));
        exporter.sessionStarted("s-1");
        exporter.sampleRecorded("s-1", sample(1, 42.5));

        List<Tag> appTags = List.of(Tag.of("game", "chess"), Tag.of("region", "eu"));
        Timer rtt = registry.get("peerpulse.session.rtt").timer();
        assertThat(rtt.getId().getTags()).containsExactlyElementsOf(appTags);
        assertThat(rtt.getId().getBaseUnit()).isEqualTo("seconds");
        assertThat(rtt.getId().getType()).isEqualTo(Meter.Type.TIMER);
        assertThat(rtt.getId().getDescription()).isNotBlank();
        assertThat(rtt.count()).isEqualTo(1);
        assertThat(rtt.totalTime(TimeUnit.MILLISECONDS)).isCloseTo(42.5, within(1e-6));

        // SimpleMeterRegistry shows only the SLO boundaries; the percentile buckets: prometheusShowsTheDocumentedNames
        assertThat(Arrays.stream(rtt.takeSnapshot().histogramCounts()).mapToDouble(b -> b.bucket(TimeUnit.SECONDS)))
                .containsExactly(0.150, 0.300);

        List<String> outcomes = Arrays.stream(PollOutcome.values()).map(o -> o.name().toLowerCase(Locale.ROOT)).toList();
        assertThat(outcomes).containsExactly("measured", "stale", "unavailable", "failed", "rejected", "skipped");
        for (String outcome : outcomes) {
            Counter polls = registry.get("peerpulse.session.polls").tags(appTags).tag("outcome", outcome).counter();
            assertThat(polls.getId().getTags()).hasSize(3);
            assertThat(polls.count()).isZero();
        }
        Gauge active = registry.get("peerpulse.sessions.active").gauge();
        assertThat(active.getId().getTags()).containsExactlyElementsOf(appTags);
        assertThat(active.value()).isEqualTo(1);
        // one timer, six poll counters, one gauge, five quality gauges and five time-in-quality counters:
        // nothing else, no session id anywhere
        assertThat(ours(registry)).hasSize(18)
                .allSatisfy(m -> assertThat(m.getId().getTags()).extracting(Tag::getValue).doesNotContain("s-1"));

        exporter.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);
        assertThat(registry.getMeters()).isEmpty();
    }

    /**
     * The quality gauges count running sessions by their quality now, moved by each change the session hands the
     * exporter; the time-in-quality counters add each session's summary when it ends. No session tag.
     */
    @Test
    void qualityGaugesFollowTheSessionsAndTimeInQualityIsAddedAtTheEnd() throws Exception {
        GameSession good = session("q-good", registry, Map.of());
        GameSession poor = session("q-poor", registry, Map.of());
        assertThat(inQuality("unknown")).isEqualTo(2);
        good.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40.0)));
        poor.onDataChannelOpen(new ScriptedRttSource().thenMeasured(40).thenMeasured(400).thenMeasured(400)
                .thenMeasured(400).thenMeasured(400).thenMeasured(400).thenMeasured(400).thenMeasured(400));
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(inQuality("good")).isEqualTo(2);
        assertThat(inQuality("unknown")).isZero();
        scheduler.advance(Duration.ofSeconds(6)); // the median is 400 from the third sample on, POOR 3 polls later
        assertThat(poor.latest().quality()).isEqualTo(ConnectionQuality.POOR);
        assertThat(inQuality("good")).isEqualTo(1);
        assertThat(inQuality("poor")).isEqualTo(1);
        assertThat(registry.get("peerpulse.sessions.quality").gauges()).hasSize(5)
                .allSatisfy(g -> assertThat(g.getId().getTags()).extracting(Tag::getKey).containsExactly("quality"));

        poor.close();
        QualitySummary summary = poor.exportReport().multiplayerMetrics().qualitySummary();
        assertThat(summary.poorMs()).isPositive();
        assertThat(inQuality("poor")).isZero();
        assertThat(inQuality("good")).isEqualTo(1);
        Counter poorTime = registry.get("peerpulse.session.quality.time").tag("quality", "poor").counter();
        assertThat(poorTime.getId().getBaseUnit()).isEqualTo("seconds");
        assertThat(poorTime.count()).isEqualTo(summary.poorMs() / 1000.0);
        assertThat(registry.get("peerpulse.session.quality.time").tag("quality", "good").counter().count())
                .isEqualTo(summary.goodMs() / 1000.0);
        good.close();
        assertThat(registry.getMeters()).as("the last session took them out (keep-meters=false)").isEmpty();
    }

    private double inQuality(String quality) {
        return registry.get("peerpulse.sessions.quality").tag("quality", quality).gauge().value();
    }

    @Test
    void prometheusShowsTheDocumentedNames() throws Exception {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SessionExporter exporter = exporter(prometheus, Map.of(MicrometerSettings.TAGS, "region=eu"));
        exporter.sessionStarted("s-1");
        exporter.sampleRecorded("s-1", sample(1, 120));
        String text = prometheus.scrape();
        assertThat(text)
                .contains("# TYPE peerpulse_session_rtt_seconds histogram\n")
                .contains("peerpulse_session_rtt_seconds_bucket{region=\"eu\",le=\"0.111848106\"} 0\n")
                .contains("peerpulse_session_rtt_seconds_bucket{region=\"eu\",le=\"0.15\"} 1\n")
                .contains("peerpulse_session_rtt_seconds_bucket{region=\"eu\",le=\"0.3\"} 1\n")
                .contains("peerpulse_session_rtt_seconds_bucket{region=\"eu\",le=\"+Inf\"} 1\n")
                .contains("peerpulse_session_rtt_seconds_count{region=\"eu\"} 1\n")
                .contains("peerpulse_session_rtt_seconds_sum{region=\"eu\"} 0.12\n")
                .contains("# TYPE peerpulse_session_rtt_seconds_max gauge\n")
                .contains("peerpulse_session_rtt_seconds_max{region=\"eu\"} 0.12\n")
                .contains("# TYPE peerpulse_session_polls_total counter\n")
                .contains("peerpulse_session_polls_total{outcome=\"measured\",region=\"eu\"} 0.0\n")
                .contains("# TYPE peerpulse_sessions_active gauge\n")
                .contains("peerpulse_sessions_active{region=\"eu\"} 1.0\n")
                .contains("# TYPE peerpulse_sessions_quality gauge\n")
                .contains("peerpulse_sessions_quality{quality=\"unknown\",region=\"eu\"} 1.0\n")
                .contains("# TYPE peerpulse_session_quality_time_seconds_total counter\n")
                .contains("peerpulse_session_quality_time_seconds_total{quality=\"good\",region=\"eu\"} 0.0\n")
                .doesNotContain("s-1");
        // a percentile histogram from 1 ms to 60 s (Micrometer's buckets), with both quality thresholds exact
        double[] bounds = Pattern.compile("peerpulse_session_rtt_seconds_bucket\\{region=\"eu\",le=\"([0-9.]+)\"}")
                .matcher(text).results().mapToDouble(m -> Double.parseDouble(m.group(1))).toArray();
        assertThat(bounds.length).isBetween(60, 90);
        assertThat(bounds).contains(0.15, 0.3);
        assertThat(bounds[0]).isEqualTo(0.001);
        assertThat(bounds[bounds.length - 1]).isEqualTo(60.0);
        assertThat(text.lines().filter(l -> l.startsWith("peerpulse_session_polls_total{"))).hasSize(6);
        exporter.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);
        assertThat(prometheus.scrape()).doesNotContain("peerpulse");
    }

    @Test
    void countsEqualWhatTheSessionRecorded() throws Exception {
        // another session with the same tags keeps the shared meters while the first one ends
        SessionExporter other = exporter(registry, Map.of());
        other.sessionStarted("other");

        GameSession session = session("counted", registry, Map.of());
        session.onDataChannelOpen(everyOutcome());
        scheduler.advance(Duration.ofSeconds(20));
        assertThat(registry.get("peerpulse.sessions.active").gauge().value()).isEqualTo(2);
        session.close();
        SessionReport report = session.exportReport();
        TelemetryCounters counters = report.validationData().counters();
        assertThat(counters.measuredCount()).isEqualTo(RTTS_MS.length);
        assertThat(List.of(counters.staleCount(), counters.unavailableCount(), counters.failedCount(),
                counters.rejectedCount(), counters.skippedCount())).allSatisfy(n -> assertThat(n).isPositive());

        Timer rtt = registry.get("peerpulse.session.rtt").timer();
        assertThat(rtt.count()).isEqualTo(counters.measuredCount());
        assertThat(rtt.totalTime(TimeUnit.MILLISECONDS)).isCloseTo(Arrays.stream(RTTS_MS).sum(), within(1e-6));
        assertThat(rtt.max(TimeUnit.MILLISECONDS)).isCloseTo(240.25, within(1e-6));
        assertThat(polls(registry, "measured")).isEqualTo(counters.measuredCount());
        assertThat(polls(registry, "stale")).isEqualTo(counters.staleCount());
        assertThat(polls(registry, "unavailable")).isEqualTo(counters.unavailableCount());
        assertThat(polls(registry, "failed")).isEqualTo(counters.failedCount());
        assertThat(polls(registry, "rejected")).isEqualTo(counters.rejectedCount());
        assertThat(polls(registry, "skipped")).isEqualTo(counters.skippedCount());
        assertThat(registry.get("peerpulse.sessions.active").gauge().value()).isEqualTo(1);
        // histogram buckets hold exactly the recorded values: 20, 35.5, 80, 120 <= 150 ms < 240.25 <= 300 ms
        assertThat(bucket(rtt, 0.150)).isEqualTo(4);
        assertThat(bucket(rtt, 0.300)).isEqualTo(5);

        other.sessionEnded(session.exportReport());
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void byDefaultMetersStayAndTheLastSessionsCountsAreScraped() throws Exception {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        GameSession.Builder builder = GameSession.builder("default-mode")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO)
                        .scheduler(scheduler).clock(scheduler.clock()).build())
                .exporterProviders(List.of(new MicrometerExporterProvider())).executor(Runnable::run)
                .exportAttribute(MeterRegistry.class, prometheus); // no keep-meters setting: the default
        GameSession session = builder.build();
        session.onDataChannelOpen(ScriptedRttSource.repeating(io.peerpulse.telemetry.spi.RttReading.measured(40)));
        scheduler.advance(Duration.ofMillis(2_500));
        session.close();
        // Micrometer's way: the meters describe the process and stay; the counts the session added at its end
        // are there for the next scrape, and the active-sessions gauge reads 0
        String scrape = prometheus.scrape();
        assertThat(scrape).contains("peerpulse_session_polls_total{outcome=\"measured\"} 3.0")
                .contains("peerpulse_sessions_active 0.0");
        assertThat(prometheus.find("peerpulse.session.rtt").timer().count()).isEqualTo(3);
    }

    @Test
    void keepMetersKeepsTheCountsOfTheLastSession() throws Exception {
        GameSession session = session("kept", registry, Map.of(MicrometerSettings.KEEP_METERS, "true"));
        session.onDataChannelOpen(everyOutcome());
        scheduler.advance(Duration.ofSeconds(20));
        session.close();
        TelemetryCounters counters = session.exportReport().validationData().counters();
        assertThat(registry.get("peerpulse.session.rtt").timer().count()).isEqualTo(RTTS_MS.length);
        assertThat(polls(registry, "failed")).isEqualTo(counters.failedCount());
        assertThat(registry.get("peerpulse.sessions.active").gauge().value()).isZero();
        assertThat(ours(registry)).hasSize(18);
        assertThat(SharedMeters.metersInUse(registry)).isZero();

        // a later session adds to the kept meters, and its gauge reads the live count
        GameSession next = session("kept-2", registry, Map.of(MicrometerSettings.KEEP_METERS, "true"));
        assertThat(registry.get("peerpulse.sessions.active").gauge().value()).isEqualTo(1);
        next.onDataChannelOpen(new ScriptedRttSource().thenMeasured(10));
        scheduler.advance(Duration.ofSeconds(1));
        next.close();
        assertThat(registry.get("peerpulse.session.rtt").timer().count()).isEqualTo(RTTS_MS.length + 1);
        assertThat(registry.get("peerpulse.sessions.active").gauge().value()).isZero();
        assertThat(ours(registry)).hasSize(18);
    }

    @Test
    void sessionsWithOtherTagsHaveTheirOwnMetersAndRemoveOnlyThose() throws Exception {
        SessionExporter eu = exporter(registry, Map.of(MicrometerSettings.TAGS, "region=eu"));
        SessionExporter us = exporter(registry, Map.of(MicrometerSettings.TAGS, "region=us"));
        eu.sessionStarted("eu");
        us.sessionStarted("us");
        eu.sampleRecorded("eu", sample(1, 50));
        assertThat(ours(registry)).hasSize(36);
        eu.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);
        assertThat(ours(registry)).hasSize(18)
                .allSatisfy(m -> assertThat(m.getId().getTag("region")).isEqualTo("us"));
        us.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void theHistogramCanBeTurnedOffAndTheBoundariesChanged() throws Exception {
        SessionExporter plain = exporter(registry, Map.of(MicrometerSettings.HISTOGRAM, "false",
                MicrometerSettings.SLO, "none"));
        plain.sessionStarted("plain");
        plain.sampleRecorded("plain", sample(1, 50));
        Timer rtt = registry.get("peerpulse.session.rtt").timer();
        assertThat(rtt.takeSnapshot().histogramCounts()).isEmpty();
        assertThat(rtt.count()).isEqualTo(1);
        plain.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);

        SessionExporter slos = exporter(registry, Map.of(MicrometerSettings.HISTOGRAM, "false",
                MicrometerSettings.SLO, "50, 100,250.5"));
        slos.sessionStarted("slos");
        assertThat(Arrays.stream(registry.get("peerpulse.session.rtt").timer().takeSnapshot().histogramCounts())
                .mapToDouble(b -> b.bucket(TimeUnit.MILLISECONDS))).containsExactly(50.0, 100.0, 250.5);
        slos.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);
        assertThat(registry.getMeters()).isEmpty();
    }

    /**
     * The boundaries as people write a duration elsewhere in PeerPulse ({@code --rtt 80ms}): {@code 150ms,300ms}
     * is what the default means, not an error. An empty value ({@code -D…slo=} of an unset variable) is refused
     * like every other empty setting, rather than silently dropping the two default boundaries.
     */
    @Test
    void boundariesMayCarryTheirMsUnitAndAnEmptyValueIsRefused() {
        java.util.function.Function<String, java.util.List<java.time.Duration>> slos = value ->
                MicrometerSettings.from(ExportSettings.of(Map.of(MicrometerSettings.SLO, value), Map.of())).slos();
        assertThat(slos.apply("150ms,300ms")).isEqualTo(slos.apply("150,300"))
                .containsExactly(java.time.Duration.ofMillis(150), java.time.Duration.ofMillis(300));
        assertThat(slos.apply(" 150 ms, 250.5MS ")).containsExactly(java.time.Duration.ofMillis(150),
                java.time.Duration.ofNanos(250_500_000));
        assertThatThrownBy(() -> slos.apply("0.3s")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(MicrometerSettings.SLO + " must be milliseconds separated by commas, e.g. '150,300' or"
                        + " '150ms,300ms', or 'none'; was '0.3s'");
        for (String empty : new String[] {"", "  "}) {
            assertThatThrownBy(() -> slos.apply(empty)).as("'%s'", empty).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(MicrometerSettings.SLO + " must not be blank: give milliseconds, e.g. '150,300', or"
                            + " 'none' for no boundary");
        }
    }

    @Test
    void anApplicationMeterFilterStillDecides() throws Exception {
        SimpleMeterRegistry filtered = new SimpleMeterRegistry();
        filtered.config().meterFilter(MeterFilter.denyNameStartsWith("peerpulse.session.polls"));
        SessionExporter exporter = exporter(filtered, Map.of());
        exporter.sessionStarted("filtered");
        assertThat(filtered.find("peerpulse.session.polls").meters()).isEmpty();
        assertThat(filtered.find("peerpulse.session.rtt").timer()).isNotNull();
        exporter.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);
        assertThat(filtered.getMeters()).isEmpty();
    }

    @Test
    void keptGaugesAreNotRegisteredAgainUnderCommonTagsOrAFilterThatRenames(LogCapture log) throws Exception {
        // Micrometer logs "This Gauge has been already registered" once per JVM as a WARNING, then at debug level
        // (java.util.logging FINE): every level is read here, so the check does not depend on what ran before
        java.util.logging.Logger micrometer = java.util.logging.Logger.getLogger(MeterRegistry.class.getName());
        java.util.logging.Level level = micrometer.getLevel();
        micrometer.setLevel(java.util.logging.Level.ALL);
        try {
            PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            prometheus.config().commonTags("application", "game-server"); // as Spring Boot applications do
            SimpleMeterRegistry renamed = new SimpleMeterRegistry();
            renamed.config().meterFilter(MeterFilter.renameTag("peerpulse", "quality", "state"));
            SimpleMeterRegistry prefixed = new SimpleMeterRegistry();
            prefixed.config().meterFilter(new MeterFilter() {
                @Override
                public Meter.Id map(Meter.Id id) {
                    return id.withName("game." + id.getName());
                }
            });
            io.micrometer.core.instrument.composite.CompositeMeterRegistry composite =
                    new io.micrometer.core.instrument.composite.CompositeMeterRegistry();
            composite.add(new SimpleMeterRegistry());
            composite.config().commonTags("application", "game-server");
            for (MeterRegistry target : List.of(prometheus, renamed, prefixed, composite)) {
                log.clear();
                for (int i = 0; i < 3; i++) { // the default keeps meters: sessions after the first find them kept
                    SessionExporter exporter = new MicrometerExporterProvider().create(ExportSettings.of(Map.of(),
                            Map.of(MeterRegistry.class, target)));
                    exporter.sessionStarted("kept-" + i);
                    Gauge active = target.find(target == prefixed ? "game." + SharedMeters.ACTIVE : SharedMeters.ACTIVE)
                            .gauge();
                    assertThat(active).isNotNull();
                    assertThat(active.value()).as("%s, session %d running", target, i).isEqualTo(1);
                    exporter.sampleRecorded("kept-" + i, sample(1, 30));
                    exporter.sessionEnded(SessionExporterContractReports.FULL);
                    assertThat(active.value()).isZero();
                }
                assertThat(target.getMeters().stream().filter(m -> m.getId().syntheticAssociation() == null))
                        .as("%s", target).hasSize(18);
                assertThat(log.records()).as("%s", target)
                        .noneSatisfy(r -> assertThat(r.getMessage()).contains("already registered"));
            }
        } finally {
            micrometer.setLevel(level);
        }
    }

    @Test
    void aRegistryReachedDirectlyAndThroughACompositeIsWarnedAbout(LogCapture log) throws Exception {
        // Spring Boot adds its registries to Metrics.globalRegistry: sessions given the PrometheusMeterRegistry beside
        // sessions left to the default reach one registry by two routes, and its one active gauge counts one route only
        java.util.logging.Logger ours = java.util.logging.Logger.getLogger(SharedMeters.class.getName());
        java.util.logging.Level level = ours.getLevel();
        ours.setLevel(java.util.logging.Level.ALL); // warned once per JVM, then at debug level: read every level
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        io.micrometer.core.instrument.composite.CompositeMeterRegistry global =
                new io.micrometer.core.instrument.composite.CompositeMeterRegistry();
        global.add(prometheus);
        SimpleMeterRegistry unrelated = new SimpleMeterRegistry();
        try {
            log.clear();
            SessionExporter throughComposite = exporter(global, Map.of(MicrometerSettings.KEEP_METERS, "true"));
            throughComposite.sessionStarted("via-composite");
            SessionExporter elsewhere = exporter(unrelated, Map.of(MicrometerSettings.KEEP_METERS, "true"));
            elsewhere.sessionStarted("elsewhere");
            assertThat(log.records()).as("an unrelated registry").noneSatisfy(
                    r -> assertThat(r.getLoggerName()).isEqualTo(SharedMeters.class.getName()));

            SessionExporter direct = exporter(prometheus, Map.of(MicrometerSettings.KEEP_METERS, "true"));
            direct.sessionStarted("direct");
            // what the warning is about: two sessions run, the gauge both routes share counts one
            assertThat(prometheus.get(SharedMeters.ACTIVE).gauge().value()).isEqualTo(1);
            assertThat(log.records()).filteredOn(r -> r.getLoggerName().equals(SharedMeters.class.getName()))
                    .singleElement().satisfies(r -> assertThat(r.getMessage())
                            .contains("PrometheusMeterRegistry", "CompositeMeterRegistry", "record into the same meter registry",
                                    SharedMeters.ACTIVE, "give every session the same registry"));
            for (SessionExporter exporter : List.of(throughComposite, elsewhere, direct)) {
                exporter.sessionEnded(SessionExporterContractReports.FULL);
            }
        } finally {
            ours.setLevel(level);
        }
    }

    @Test
    void aMeterFilterMergingTwoTagSetsCountsBothInTheQualityGauges() throws Exception {
        // MeterFilter.ignoreTags maps the eu and the us gauges onto one: it counts the sessions of both
        registry.config().meterFilter(MeterFilter.ignoreTags("region"));
        GameSession eu = session("m-eu", registry, Map.of(MicrometerSettings.TAGS, "region=eu"));
        GameSession us = session("m-us", registry, Map.of(MicrometerSettings.TAGS, "region=us"));
        assertThat(inQuality("unknown")).isEqualTo(2);
        eu.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40.0)));
        us.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40.0)));
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(eu.latest().quality()).isEqualTo(ConnectionQuality.GOOD);
        assertThat(us.latest().quality()).isEqualTo(ConnectionQuality.GOOD);
        assertThat(registry.get(SharedMeters.ACTIVE).gauge().value()).isEqualTo(2);
        assertThat(inQuality("good")).isEqualTo(2);
        assertThat(inQuality("unknown")).isZero();
        eu.close();
        assertThat(inQuality("good")).isEqualTo(1);
        us.close();
        assertThat(registry.getMeters()).isEmpty();
        assertThat(SharedMeters.qualityCounts(registry)).isZero();
    }

    @Test
    void anApplicationMeterFilterCanTurnTheHistogramOff() throws Exception {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        prometheus.config().meterFilter(new MeterFilter() { // the README's example
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                return id.getName().equals("peerpulse.session.rtt")
                        ? DistributionStatisticConfig.builder().percentilesHistogram(false).build().merge(config)
                        : config;
            }
        });
        SessionExporter exporter = exporter(prometheus, Map.of());
        exporter.sessionStarted("filtered");
        exporter.sampleRecorded("filtered", sample(1, 120));
        assertThat(prometheus.scrape().lines().filter(l -> l.startsWith("peerpulse_session_rtt_seconds_bucket")))
                .containsExactly("peerpulse_session_rtt_seconds_bucket{le=\"0.15\"} 1",
                        "peerpulse_session_rtt_seconds_bucket{le=\"0.3\"} 1",
                        "peerpulse_session_rtt_seconds_bucket{le=\"+Inf\"} 1");
        exporter.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);
        assertThat(prometheus.getMeters()).isEmpty();
    }

    @Test
    void withoutARegistryTheGlobalRegistryIsUsed() throws Exception {
        SimpleMeterRegistry child = new SimpleMeterRegistry();
        Metrics.addRegistry(child);
        try {
            SessionExporter exporter = new MicrometerExporterProvider().create(ExportSettings.of(
                    Map.of(MicrometerSettings.KEEP_METERS, "false"), Map.of())); // the removal mode
            exporter.sessionStarted("global");
            exporter.sampleRecorded("global", sample(1, 33));
            assertThat(child.get("peerpulse.session.rtt").timer().count()).isEqualTo(1);
            exporter.sessionEnded(SessionExporterContractReports.WITHOUT_SAMPLES);
            assertThat(Metrics.globalRegistry.find("peerpulse.session.rtt").meters()).isEmpty();
            assertThat(child.find("peerpulse.session.rtt").meters()).isEmpty();
        } finally {
            Metrics.removeRegistry(child);
        }
    }

    @Test
    void badSettingsFailNamingTheKey() throws Exception {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put(MicrometerSettings.HISTOGRAM, "yes");
        bad.put(MicrometerSettings.KEEP_METERS, "1");
        bad.put(MicrometerSettings.SLO, "300,150");
        bad.put(MicrometerSettings.TAGS, "outcome=x");
        bad.forEach((key, value) -> assertThatThrownBy(() -> exporter(registry, Map.of(key, value)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(key));
        assertThatThrownBy(() -> exporter(registry, Map.of(MicrometerSettings.SLO, "0")))
                .hasMessageContaining(MicrometerSettings.SLO);
        assertThatThrownBy(() -> exporter(registry, Map.of(MicrometerSettings.SLO, "60001")))
                .hasMessageContaining(MicrometerSettings.SLO + " boundaries must be above 0 and at most 60000 ms,"
                        + " was '60001'");
        assertThatThrownBy(() -> exporter(registry, Map.of(MicrometerSettings.TAGS, "a=1,a=2")))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> exporter(registry, Map.of(MicrometerSettings.TAGS, "Bad=1")))
                .hasMessageContaining("bad key 'Bad'");
        // a tag value that looks like an address is refused and not echoed
        assertThatThrownBy(() -> exporter(registry, Map.of(MicrometerSettings.TAGS, "peer=192.168.1.20")))
                .hasMessageContaining("not an IP address").hasMessageNotContaining("192.168");
        // the address rule refuses more than dotted addresses since eb221dc and db650b4: the message names them too
        assertThatThrownBy(() -> exporter(registry, Map.of(MicrometerSettings.TAGS, "edge=port27015")))
                .hasMessageContaining("a number labelled as a port").hasMessageNotContaining("27015");
        assertThatThrownBy(() -> exporter(registry, Map.of(MicrometerSettings.TAGS, "edge=10-0-0-9.eu")))
                .hasMessageContaining("spelled with dashes").hasMessageNotContaining("10-0-0-9");
        assertThatThrownBy(() -> exporter(registry, Map.of(MicrometerSettings.TAGS,
                "a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1"))).hasMessageContaining("at most 8");
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void aSessionWithABadSettingFailsToBuildNamingTheExporterAndTheKey() {
        assertThatThrownBy(() -> session("bad-setting", registry, Map.of(MicrometerSettings.HISTOGRAM, "maybe")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("exporter 'micrometer': ")
                .hasMessageContaining(MicrometerSettings.HISTOGRAM);
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void sessionEndedTwiceOrWithoutStartLeavesNothingBehind() throws Exception {
        SessionExporter exporter = exporter(registry, Map.of());
        exporter.sessionEnded(SessionExporterContractReports.FULL);
        exporter.sessionEnded(SessionExporterContractReports.FULL);
        exporter.sampleRecorded("late", sample(1, 10));
        assertThat(registry.getMeters()).isEmpty();
        assertThat(SharedMeters.metersInUse(registry)).isZero();
    }

    /** Our meters, without the synthetic ones a registry derives from them (e.g. histogram gauges). */
    static List<Meter> ours(MeterRegistry registry) {
        return registry.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("peerpulse.") && m.getId().syntheticAssociation() == null)
                .toList();
    }

    static long polls(MeterRegistry registry, String outcome) {
        return (long) registry.get("peerpulse.session.polls").tag("outcome", outcome).counter().count();
    }

    static double bucket(Timer timer, double upperBoundSeconds) {
        for (CountAtBucket bucket : timer.takeSnapshot().histogramCounts()) {
            if (Math.abs(bucket.bucket(TimeUnit.SECONDS) - upperBoundSeconds) < 1e-9) {
                return bucket.count();
            }
        }
        throw new AssertionError("no bucket with upper bound " + upperBoundSeconds + " s");
    }
}
