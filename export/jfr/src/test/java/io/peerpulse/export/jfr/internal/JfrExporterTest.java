package io.peerpulse.export.jfr.internal;

import static io.peerpulse.telemetry.fixtures.Records.path;
import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code jfr} exporter in one JVM: a session's calls become events in a {@link Recording} read back with
 * {@link RecordingFile}; with no recording running a sample builds nothing. (The run on real peers is
 * integration-tests' JfrOnRealPeersTest.)
 */
class JfrExporterTest {

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private static List<RecordedEvent> peerPulseEvents(Recording recording, Path file) throws Exception {
        recording.dump(file);
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("io.peerpulse."))
                .sorted(java.util.Comparator.comparing(RecordedEvent::getStartTime)) // a file lists by thread buffer
                .toList();
    }

    /**
     * Without a recording, a sample is one read of the event type's state: {@code sampleRecorded} allocates
     * nothing. Measured with the thread's allocation counter over many calls, so that one event object each
     * (tens of bytes) would show as hundreds of kilobytes.
     */
    @Test
    void withNoRecordingASampleBuildsNoEvent() {
        SessionExporter exporter = new JfrExporterProvider().create(ExportSettings.of(Map.of(), Map.of()));
        RttSample sample = sample(1_000L, 42.5);
        int calls = 20_000;
        for (int i = 0; i < calls; i++) { // the event types registered, the calls compiled
            exporter.sampleRecorded("s", sample);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < calls; i++) {
            exporter.sampleRecorded("s", sample);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;

        assertThat(PeerPulseEvents.Types.on(PeerPulseEvents.Types.SAMPLE)).as("no recording runs").isFalse();
        assertThat(allocated).as("bytes allocated by %d samples without a recording", calls).isLessThan(calls);
    }

    /** A recording running but not enabling the PeerPulse events gets none of them. */
    @Test
    void aRecordingThatDisablesTheEventsGetsNone() throws Exception {
        try (Recording recording = new Recording()) {
            recording.disable("io.peerpulse.RttSample");
            recording.disable("io.peerpulse.Connection");
            recording.enable("jdk.JavaMonitorEnter");
            recording.start();
            SessionReport report = runSession("quiet");
            recording.stop();
            assertThat(report.validationData().latency()).isNotNull();
            assertThat(peerPulseEvents(recording, dir.resolve("quiet.jfr")))
                    .extracting(e -> e.getEventType().getName())
                    .doesNotContain("io.peerpulse.RttSample", "io.peerpulse.Connection");
        }
    }

    /** A scripted session's samples, source, path, connection changes and end as events, in order. */
    @Test
    void aSessionBecomesEventsInARecording() throws Exception {
        SessionReport report;
        List<RecordedEvent> events;
        try (Recording recording = new Recording()) {
            recording.enable("io.peerpulse.RttSample");
            recording.enable("io.peerpulse.QualityChange");
            recording.enable("io.peerpulse.Connection");
            recording.enable("io.peerpulse.SessionEnd");
            recording.start();
            report = runSession("scripted");
            recording.stop();
            events = peerPulseEvents(recording, dir.resolve("scripted.jfr"));
        }
        List<RttSample> samples = report.validationData().latency().samples();
        List<RecordedEvent> rtts = events.stream()
                .filter(e -> e.getEventType().getName().equals("io.peerpulse.RttSample")).toList();
        assertThat(rtts).extracting(e -> e.getDouble("rttMs"))
                .containsExactlyElementsOf(samples.stream().map(RttSample::rttMs).toList());
        assertThat(rtts).extracting(e -> e.getString("source")).containsOnly("unnamed");
        assertThat(rtts).extracting(e -> e.getString("path")).containsOnly("relay/srflx/udp");
        assertThat(rtts).extracting(e -> e.getInstant("sampleTime").toEpochMilli())
                .containsExactlyElementsOf(samples.stream().map(RttSample::timestampEpochMs).toList());
        assertThat(rtts.get(0).getEventType().getCategoryNames()).containsExactly("PeerPulse", "Session");

        List<RecordedEvent> connections = events.stream()
                .filter(e -> e.getEventType().getName().equals("io.peerpulse.Connection")).toList();
        assertThat(connections).extracting(e -> e.getString("type") + " " + e.getString("reason"))
                .containsExactly("OPENED ", "CLOSED peer left");

        List<RecordedEvent> ends = events.stream()
                .filter(e -> e.getEventType().getName().equals("io.peerpulse.SessionEnd")).toList();
        assertThat(ends).hasSize(1);
        RecordedEvent end = ends.get(0);
        assertThat(end.getString("sessionId")).isEqualTo("scripted");
        assertThat(end.getLong("sampleCount")).isEqualTo(samples.size());
        assertThat(end.getDouble("minMs")).isEqualTo(20.0);
        assertThat(end.getDouble("maxMs")).isEqualTo(24.0);
        assertThat(end.getDuration("sessionDuration").toMillis()).isEqualTo(report.sessionMetrics().durationMs());
        assertThat(end.getDouble("covered")).isEqualTo(report.validationData().coverage().coveredRatio());
        assertThat(events.get(events.size() - 1).getEventType().getName()).isEqualTo("io.peerpulse.SessionEnd");
    }

    /** Five samples 20..24 ms on a relayed path, a close, then the end; the exporter runs on the caller. */
    private SessionReport runSession(String id) {
        NetworkPath relay = path("relay", "srflx", "udp");
        GameSession session = GameSession.builder(id)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).build())
                .exporterProviders(List.of(new JfrExporterProvider()))
                .executor(Runnable::run)
                .build();
        ScriptedRttSource source = new ScriptedRttSource().then(RttReading.measured(20, relay))
                .thenMeasured(21).thenMeasured(22).thenMeasured(23).thenMeasured(24).orElseHang();
        session.onDataChannelOpen(source);
        scheduler.advance(Duration.ofSeconds(4));
        session.onDataChannelClose("peer left");
        session.close();
        return session.exportReport();
    }

    /**
     * The jfr exporter reads no setting, so a key under its prefix (a newcomer's guess at a directory) fails
     * {@code build()} rather than being ignored. (An application's own wrapper of one of our providers, declaring no
     * keys, is not PeerPulse's and stays unchecked, as any plugin that declares none: ConcurrentSessionsTest.)
     */
    @Test
    void aSettingOfTheJfrExporterFailsTheBuildSayingItReadsNone() {
        GameSession.Builder builder = GameSession.builder("jfr-setting").executor(Runnable::run)
                .exporterProviders(List.of(new JfrExporterProvider()))
                .exportSetting("peerpulse.export.jfr.directory", "recordings");
        org.assertj.core.api.Assertions.assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("exportSetting 'peerpulse.export.jfr.directory'")
                .hasMessageContaining("the jfr exporter reads no setting");
    }
}
