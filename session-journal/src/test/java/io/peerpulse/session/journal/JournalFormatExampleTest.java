package io.peerpulse.session.journal;

import static io.peerpulse.telemetry.fixtures.Records.path;
import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.journal.TestSources.IceLike;
import io.peerpulse.session.journal.TestSources.ScriptedProbe;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.SampleReports;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session that writes every kind of line; prints the first line of each type (the module README's
 * examples come from this run) and checks the members each kind has, in order.
 */
class JournalFormatExampleTest {

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void everyKindOfLineInOneRealJournal() throws IOException {
        GameSession session = GameSession.builder("example-7").playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().scheduler(scheduler).clock(scheduler.clock())
                        .nanoClock(scheduler.nanoClock()).firstPollDelay(Duration.ZERO).maxSampleCount(100).build())
                .exporterProviders(List.of()).executor(Runnable::run).journalDirectory(dir).build();
        ScriptedProbe probe = new ScriptedProbe(new ScriptedRttSource().thenMeasured(41.5)
                .then(RttReading.measured(0.1 + 0.2, path("host", "srflx", "udp")))
                .orElse(RttReading.measured(42.25)));
        session.onDataChannelOpen(probe, IceLike.everyThirdPoll(43.0));
        scheduler.runDueTasks();
        session.beginRound(1);
        probe.offset = SampleReports.record(ProbeStats.class, "offsetMs", -1.5, "errorBoundMs", 0.25,
                "offsetEpochMs", VirtualScheduler.DEFAULT_START.toEpochMilli() + 1_000);
        scheduler.advance(Duration.ofSeconds(2));
        session.endRound();
        session.onDataChannelClose("peer at 10.1.2.3:5000 left");
        session.close();

        List<String> lines = Journals.lines(session.journalPath().orElseThrow());
        Map<String, String> firstOfType = new LinkedHashMap<>();
        for (String line : lines) {
            firstOfType.putIfAbsent(line.replaceFirst("^\\{\"type\":\"([a-zA-Z]+)\".*", "$1"), line);
        }
        firstOfType.values().forEach(System.out::println);
        lines.stream().filter(l -> l.contains("\"pathLocalType\"")).findFirst().ifPresent(System.out::println);
        lines.stream().filter(l -> l.contains("\"offsetMs\"")).findFirst().ifPresent(System.out::println);
        assertThat(lines).anyMatch(l -> l.startsWith("{\"type\":\"poll\"") && l.contains(
                "\"pathLocalType\":\"host\",\"pathRemoteType\":\"srflx\",\"pathProtocol\":\"udp\",\"crc\""));
        assertThat(lines).anyMatch(l -> l.startsWith("{\"type\":\"probe\"") && l.contains("\"offsetMs\":-1.5,"
                + "\"offsetMsBits\":" + Double.doubleToRawLongBits(-1.5) + ","));

        assertThat(firstOfType).containsOnlyKeys("header", "open", "probe", "poll", "secondaryPoll", "roundBegin",
                "roundEnd", "close", "end");
        String keys = "(,\"[a-zA-Z]+\":(\"[^\"]*\"|-?[0-9.E]+|null))";
        String head = "\\{\"type\":\"%s\",\"seq\":\\d+,\"epochMs\":\\d+,\"nanoTime\":\\d+%s,\"crc\":\"[0-9a-f]{8}\"}";
        assertThat(firstOfType.get("poll")).matches(String.format(head, "poll", ",\"outcome\":\"MEASURED\","
                + "\"timestampEpochMs\":\\d+,\"rttMs\":41.5,\"rttBits\":\\d+"));
        assertThat(firstOfType.get("close")).matches(String.format(head, "close", ",\"reason\":\"peer at <redacted> left\""));
        assertThat(firstOfType.get("end")).matches(String.format(head, "end", ""));
        assertThat(lines).allMatch(l -> l.matches("\\{\"type\":\"[a-zA-Z]+\"" + keys + "+}"));
        Journals.assertRecoversAsLive(session.journalPath().orElseThrow(), session.exportReport());
    }
}
