package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A thousand sessions on eight threads at once, each with its own virtual-time telemetry, a recording
 * exporter and the real Micrometer exporter on one shared registry: every report is consistent, every
 * exporter sees every call exactly as promised, and nothing (threads, meters) is left behind.
 * Isolated: no other test class runs meanwhile, so the threads that appear are this test's.
 */
@Isolated
@Tag("integration")
class ConcurrentSessionsTest {

    private static final int SESSIONS = 1_000;
    private static final int THREADS = 8;
    private static final Duration POLL = Duration.ofSeconds(1);
    /** Polls per connection: the first at once, then one per interval. */
    private static final int POLLS_PER_CONNECTION = 6;

    @Test
    void aThousandConcurrentSessionsAreEachConsistentAndLeaveNoThreadOrMeterBehind() throws Exception {
        SessionExporterProvider micrometer = ServiceLoader.load(SessionExporterProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("micrometer")).findFirst().orElseThrow();
        Calls calls = new Calls();
        List<SessionExporterProvider> providers = List.of(
                calls.wrap(new NamedProvider("counting")), calls.wrap(micrometer));
        MeterRegistry registry = new SimpleMeterRegistry();
        Set<Meter.Id> baseline = meterIds(registry);
        Map<Thread, String> threadsBefore = liveThreads();

        long start = System.nanoTime();
        ExecutorService workers = Executors.newFixedThreadPool(THREADS, r -> {
            Thread thread = new Thread(r, "concurrent-sessions-worker");
            thread.setDaemon(true);
            return thread;
        });
        List<Callable<SessionReport>> tasks = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            int index = i;
            tasks.add(() -> runSession(index, providers, registry));
        }
        List<SessionReport> reports = new ArrayList<>();
        try {
            for (Future<SessionReport> future : workers.invokeAll(tasks, 60, TimeUnit.SECONDS)) {
                reports.add(future.get()); // a cancelled (timed-out) or failed session fails the test here
            }
        } finally {
            workers.shutdownNow();
            assertThat(workers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(reports).hasSize(SESSIONS);
        for (int i = 0; i < SESSIONS; i++) {
            assertConsistent(i, reports.get(i), calls);
        }
        assertThat(calls.ended.keySet()).as("sessions ended per exporter")
                .containsExactlyInAnyOrder("counting", "micrometer");

        assertThat(meterIds(registry)).as("the registry is back to its baseline").isEqualTo(baseline);

        Map<Thread, String> added = liveThreads();
        added.keySet().removeAll(threadsBefore.keySet());
        added.keySet().removeIf(t -> !t.isAlive() || t.getName().equals("concurrent-sessions-worker"));
        System.out.printf("%d sessions on %d threads: %d ms; threads added and still alive: %s%n",
                SESSIONS, THREADS, took.toMillis(),
                added.values().stream().collect(Collectors.groupingBy(n -> n.replaceAll("\\d+$", ""),
                        Collectors.counting())));
        assertThat(added.keySet()).as("no non-daemon thread added (it would keep the JVM alive)")
                .allSatisfy(t -> assertThat(t.isDaemon()).as(t.getName()).isTrue());
        List<String> peerpulse = added.values().stream().filter(n -> n.startsWith("peerpulse-")).toList();
        assertThat(peerpulse).as("PeerPulse threads added: only the JVM-wide shared pools'")
                .allSatisfy(n -> assertThat(n).matches("peerpulse-(session|source-close|telemetry)-\\d+"));
        // The shared exporter pool grows with the calls in flight at once (8 sessions at a time, 2 exporters
        // each, plus their listener queues), never with the number of sessions.
        assertThat(peerpulse).as("shared pool threads, not one per session")
                .hasSizeLessThanOrEqualTo(4 * THREADS * 3);
    }

    private static SessionReport runSession(int index, List<SessionExporterProvider> providers,
                                            MeterRegistry registry) {
        VirtualScheduler scheduler = new VirtualScheduler();
        TelemetryOptions options = TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock())
                .pollInterval(POLL).build();
        GameSession session = GameSession.builder("concurrent-" + index).playerId("p" + (index % 2))
                .telemetryOptions(options)
                .exporterProviders(providers)
                .exportAttribute(MeterRegistry.class, registry)
                // the removal mode: meters leave with their last session (the default keeps them), checked below
                .exportSetting("peerpulse.export.micrometer.keep-meters", "false")
                .build();
        try (session) {
            double base = 10 + index % 90;
            ScriptedRttSource first = new ScriptedRttSource()
                    .thenMeasured(base).thenStale().thenMeasured(base + 2).thenUnavailable("blip")
                    .thenMeasured(base + 1);
            session.onDataChannelOpen(first);
            scheduler.advance(POLL.multipliedBy(POLLS_PER_CONNECTION - 1));
            ScriptedRttSource second = new ScriptedRttSource()
                    .thenMeasured(base + 5).thenMeasured(Double.NaN).thenMeasured(base + 3);
            session.onDataChannelOpen(second); // a reconnection on a new connection
            scheduler.advance(POLL.multipliedBy(POLLS_PER_CONNECTION));
            session.close();
            assertThat(first.readCount() + second.readCount()).as("session %d reads", index)
                    .isEqualTo(session.exportReport().validationData().counters().pollCount());
            return session.exportReport();
        } finally {
            scheduler.shutdownNow();
        }
    }

    private static void assertConsistent(int index, SessionReport report, Calls calls) {
        String id = "concurrent-" + index;
        assertThat(report.sessionMetrics().sessionId()).isEqualTo(id);
        LatencyStats latency = report.sessionMetrics().latency();
        assertThat(latency).as(id).isNotNull();
        assertThat(latency.sampleCount()).as(id).isEqualTo(latency.samples().size()).isEqualTo(5);
        assertThat(latency.minMs()).as(id).isLessThanOrEqualTo(latency.medianMs());
        assertThat(latency.medianMs()).as(id).isLessThanOrEqualTo(latency.maxMs());
        double base = 10 + index % 90;
        assertThat(latency.samples()).extracting(RttSample::rttMs).as(id)
                .containsExactly(base, base + 2, base + 1, base + 5, base + 3);
        assertThat(report.validationData().latency()).as(id).isEqualTo(latency);
        assertThat(report.multiplayerMetrics().latency()).as(id).isEqualTo(latency);

        TelemetryCounters counters = report.validationData().counters();
        assertThat(counters.pollCount()).as(id).isEqualTo(counters.measuredCount() + counters.staleCount() + counters.unavailableCount()
                + counters.failedCount() + counters.rejectedCount() + counters.skippedCount());
        assertThat(counters.measuredCount()).as(id).isEqualTo(latency.totalSampleCount()).isEqualTo(5);
        assertThat(counters.rejectedCount()).as(id).isEqualTo(1);
        assertThat(counters.pollCount()).as(id).isGreaterThanOrEqualTo(2L * POLLS_PER_CONNECTION - 1);
        assertThat(report.multiplayerMetrics().reconnections()).as(id).hasSize(1);

        for (String exporter : List.of("counting", "micrometer")) {
            List<Object> seen = calls.of(exporter, id);
            assertThat(seen).as("%s calls of %s", exporter, id).isNotEmpty();
            assertThat(seen.get(0)).as(id).isEqualTo("started");
            assertThat(seen.get(seen.size() - 1)).as(id).isEqualTo("ended");
            assertThat(seen.subList(1, seen.size() - 1)).as("%s got every sample of %s, in order", exporter, id)
                    .containsExactlyElementsOf(latency.samples());
            assertThat(calls.ended.get(exporter).get(id)).as("%s sessionEnded of %s", exporter, id).hasValue(1);
        }
    }

    private static Set<Meter.Id> meterIds(MeterRegistry registry) {
        return registry.getMeters().stream().map(Meter::getId).collect(Collectors.toSet());
    }

    private static Map<Thread, String> liveThreads() {
        Map<Thread, String> threads = new ConcurrentHashMap<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.isAlive()) {
                threads.put(thread, thread.getName());
            }
        }
        return threads;
    }

    /** Every call each exporter received, per exporter and session, in order. */
    private static final class Calls {
        final Map<String, Map<String, List<Object>>> byExporter = new ConcurrentHashMap<>();
        final Map<String, Map<String, AtomicInteger>> ended = new ConcurrentHashMap<>();

        List<Object> of(String exporter, String sessionId) {
            return byExporter.computeIfAbsent(exporter, e -> new ConcurrentHashMap<>())
                    .computeIfAbsent(sessionId, s -> new CopyOnWriteArrayList<>());
        }

        SessionExporterProvider wrap(SessionExporterProvider delegate) {
            String name = delegate.name();
            return new SessionExporterProvider() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public SessionExporter create(ExportSettings settings) {
                    SessionExporter inner = delegate.create(settings);
                    return new SessionExporter() {
                        @Override
                        public void sessionStarted(String sessionId) {
                            of(name, sessionId).add("started");
                            inner.sessionStarted(sessionId);
                        }

                        @Override
                        public void sampleRecorded(String sessionId, RttSample sample) {
                            of(name, sessionId).add(sample);
                            inner.sampleRecorded(sessionId, sample);
                        }

                        @Override
                        public void sessionEnded(SessionReport report) throws Exception {
                            String id = report.sessionMetrics().sessionId();
                            ended.computeIfAbsent(name, e -> new ConcurrentHashMap<>())
                                    .computeIfAbsent(id, s -> new AtomicInteger()).incrementAndGet();
                            inner.sessionEnded(report);
                            of(name, id).add("ended");
                        }
                    };
                }
            };
        }
    }

    /** An exporter that does nothing itself: the wrapper records its calls. */
    private record NamedProvider(String name) implements SessionExporterProvider {
        @Override
        public SessionExporter create(ExportSettings settings) {
            return report -> { };
        }
    }
}
