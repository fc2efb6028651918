package io.peerpulse.export.jfr.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.journal.SessionJournal;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.ValueDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session's journal, recovered with the {@code jfr} exporter (found by ServiceLoader), gives the same events
 * as the live session did, each once: samples, the quality changes with their reasons, the connection history
 * and one end.
 */
class JfrReplayTest {

    private static final List<String> EVENTS = List.of("io.peerpulse.RttSample", "io.peerpulse.QualityChange",
            "io.peerpulse.Connection", "io.peerpulse.SessionEnd");

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void aRecoveryEmitsWhatTheLiveSessionEmittedOnce() throws Exception {
        Path journal;
        List<String> live;
        try (Recording recording = recording()) {
            GameSession session = GameSession.builder("replayed")
                    .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                            .clock(scheduler.clock()).build())
                    .exporters("jfr").executor(Runnable::run).journalDirectory(dir)
                    .qualityThresholds(Duration.ofMillis(50), Duration.ofMillis(90))
                    .build();
            ScriptedRttSource source = new ScriptedRttSource().thenMeasured(20).thenMeasured(21).thenMeasured(22)
                    .orElse(RttReading.measured(120));
            session.onDataChannelOpen(source);
            scheduler.advance(Duration.ofSeconds(12));
            session.onDataChannelClose("peer left");
            session.onDataChannelOpen(source);
            scheduler.advance(Duration.ofSeconds(2));
            session.close();
            journal = session.journalPath().orElseThrow();
            live = described(recording, dir.resolve("live.jfr"));
        }
        List<String> recovered;
        try (Recording recording = recording()) {
            SessionJournal.Recovery recovery = SessionJournal.recoverAndExport(journal, Map.of(), List.of("jfr"));
            assertThat(recovery.complete()).isTrue();
            recovered = described(recording, dir.resolve("recovered.jfr"));
        }

        assertThat(live).filteredOn(e -> e.startsWith("io.peerpulse.QualityChange")).isNotEmpty()
                .anyMatch(e -> e.contains("reasons=RTT median"));
        assertThat(live).filteredOn(e -> e.startsWith("io.peerpulse.Connection")).hasSize(3);
        assertThat(live).filteredOn(e -> e.startsWith("io.peerpulse.SessionEnd")).hasSize(1);
        assertThat(recovered).isEqualTo(live);
    }

    private static Recording recording() {
        Recording recording = new Recording();
        EVENTS.forEach(recording::enable);
        recording.start();
        return recording;
    }

    /** The PeerPulse events of the recording, in commit order, each as its name and own fields (not JFR's). */
    private static List<String> described(Recording recording, Path file) throws Exception {
        recording.stop();
        recording.dump(file);
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("io.peerpulse."))
                // a file lists events by thread buffer: the commit order is the time order (the exporter's calls
                // come one after another, on whichever thread of the pool)
                .sorted(java.util.Comparator.comparing(RecordedEvent::getStartTime))
                .map(JfrReplayTest::describe)
                .toList();
    }

    private static String describe(RecordedEvent event) {
        return event.getEventType().getName() + event.getFields().stream()
                .map(ValueDescriptor::getName)
                .filter(name -> !List.of("startTime", "duration", "eventThread", "stackTrace").contains(name))
                .map(name -> name + "=" + event.getValue(name))
                .collect(Collectors.joining(", ", " {", "}"));
    }
}
