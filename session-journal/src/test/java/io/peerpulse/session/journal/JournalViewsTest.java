package io.peerpulse.session.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.journal.internal.JournalWriter;
import io.peerpulse.session.ValidationData;
import io.peerpulse.session.journal.TestSources.IceLike;
import io.peerpulse.session.journal.TestSources.ScriptedProbe;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.SampleReports;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal of sessions measured with two views: the sources' names and refresh periods, the second view's
 * polls and the probe's statistics are journaled, and the fallback is decided again from them by the same
 * code, so that a recovered report equals the live one field by field for these sessions too. Virtual time,
 * scripted sources.
 */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class JournalViewsTest {

    private static final long T0 = VirtualScheduler.DEFAULT_START.toEpochMilli();

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final InstantSource tickingClock = Journals.tickingClock(scheduler);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private GameSession session(String id) {
        return builder(id).build();
    }

    /** Its journal written by the thread that applies each event, so that the file can be read as if killed now. */
    private GameSession writtenAsApplied(String id) {
        return builder(id).exportAttribute(JournalWriter.IoExecutor.class, Runnable::run).build();
    }

    private GameSession.Builder builder(String id) {
        return GameSession.builder(id).playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(tickingClock)
                        .readTimeout(Duration.ofMillis(2500)).maxSampleCount(6).build())
                .exporterProviders(List.of())
                .executor(Runnable::run)
                .journalDirectory(dir);
    }

    private void advanceSeconds(long seconds) {
        scheduler.advance(Duration.ofSeconds(seconds));
    }

    private static SessionJournal.Recovery recoverAndCompare(GameSession session) throws IOException {
        SessionReport live = session.exportReport();
        SessionJournal.Recovery recovery = SessionJournal.recover(session.journalPath().orElseThrow());
        assertThat(recovery.problems()).isEmpty();
        assertThat(recovery.complete()).isTrue();
        SessionReport recovered = recovery.report();
        assertThat(recovered.validationData().latencySource()).isEqualTo(live.validationData().latencySource());
        assertThat(recovered.validationData().probe()).isEqualTo(live.validationData().probe());
        assertThat(recovered.validationData().secondary()).isEqualTo(live.validationData().secondary());
        assertThat(recovered.validationData().fallback()).isEqualTo(live.validationData().fallback());
        assertThat(recovered.validationData().coverage()).isEqualTo(live.validationData().coverage());
        assertThat(recovered.sessionMetrics()).isEqualTo(live.sessionMetrics());
        assertThat(recovered.validationData()).isEqualTo(live.validationData());
        assertThat(recovered.multiplayerMetrics()).isEqualTo(live.multiplayerMetrics());
        assertThat(recovered).isEqualTo(live);
        return recovery;
    }

    @Test
    void probeAndIceSideBySideRecoverAsLiveWithTheProbesChangingStatsAndItsOffset() throws IOException {
        GameSession session = session("views-both");
        ScriptedProbe probe = new ScriptedProbe(new ScriptedRttSource().thenMeasured(80.123).thenStale()
                .thenMeasured(0.1 + 0.2).thenUnavailable("channel closing").orElse(RttReading.measured(80.125)));
        session.onDataChannelOpen(probe, IceLike.everyThirdPoll(81.0));
        scheduler.runDueTasks();
        advanceSeconds(4);
        session.beginRound(1);
        probe.offset = SampleReports.record(ProbeStats.class, "offsetMs", 0.042, "errorBoundMs", 40.1,
                "offsetEpochMs", T0 + 4_000); // the offset appears
        advanceSeconds(5);
        session.endRound();
        advanceSeconds(3);
        // changes after the last poll: only the snapshot journaled at close has them
        probe.offset = SampleReports.record(ProbeStats.class, "offsetMs", -1.5, "errorBoundMs", 2.25, "offsetEpochMs", T0 + 12_000);
        session.close();

        ValidationData live = session.exportValidationData();
        assertThat(live.latencySource()).isEqualTo("probe");
        assertThat(live.probe().sentCount()).isEqualTo(13);
        assertThat(live.probe().lostCount()).isEqualTo(1);
        assertThat(live.probe().offsetMs()).isEqualTo(-1.5);
        assertThat(live.secondary().source()).isEqualTo("ice");
        assertThat(live.secondary().latency().medianMs()).isEqualTo(81.0);
        assertThat(live.secondary().counters().staleCount()).isPositive();
        assertThat(live.fallback()).isNull();
        assertThat(live.coverage().gapThresholdMs()).isEqualTo(3000.0);

        SessionJournal.Recovery recovery = recoverAndCompare(session);
        assertThat(recovery.sampleCount()).isEqualTo(live.counters().measuredCount());
        List<String> lines = Files.readAllLines(session.journalPath().orElseThrow(), StandardCharsets.UTF_8);
        assertThat(lines.get(1)).matches("\\{\"type\":\"open\",\"seq\":1,\"epochMs\":\\d+,\"nanoTime\":\\d+,\"kind\":\"first\","
                + "\"name\":\"probe\",\"refreshNanos\":0,\"secondaryName\":\"ice\",\"secondaryRefreshNanos\":2500000000,"
                + "\"crc\":\"[0-9a-f]{8}\"}");
        assertThat(lines.get(2)).as("the probe's statistics at its open").startsWith("{\"type\":\"probe\",\"seq\":2,");
        assertThat(lines).filteredOn(l -> l.startsWith("{\"type\":\"secondaryPoll\""))
                .hasSize((int) live.secondary().counters().pollCount());
        assertThat(lines.get(lines.size() - 2)).as("the final snapshot, journaled at close before the end")
                .startsWith("{\"type\":\"probe\"").contains("\"sentCount\":13,", "\"offsetMs\":-1.5,");

        // the sequence rule holds for the new lines too: every line doubled gives the same report
        List<String> doubled = new ArrayList<>();
        lines.forEach(l -> {
            doubled.add(l);
            doubled.add(l);
        });
        SessionJournal.Recovery twice = SessionJournal.recover(Files.write(dir.resolve("doubled.journal.jsonl"), doubled));
        assertThat(twice.report()).isEqualTo(session.exportReport());
        assertThat(twice.duplicateLineCount()).isEqualTo(lines.size());
    }

    @Test
    void aSessionThatFellBackToIceRecoversAsLive() throws IOException {
        GameSession session = session("views-fallback");
        ScriptedProbe probe = new ScriptedProbe(ScriptedRttSource.repeating(
                RttReading.unavailable("the peer has not answered a ping yet")));
        session.onDataChannelOpen(probe, IceLike.everyThirdPoll(81.0));
        scheduler.runDueTasks();
        advanceSeconds(8);
        session.beginRound(1);
        advanceSeconds(12);
        session.close();

        ValidationData live = session.exportValidationData();
        assertThat(live.fallback()).isNotNull();
        assertThat(live.fallback().reason()).contains("never answered the probe");
        assertThat(live.latencySource()).isEqualTo("ice");
        assertThat(live.coverage().gapThresholdMs()).isEqualTo(5000.0);
        assertThat(live.latency().samples()).isNotEmpty();
        assertThat(live.probe().answeredCount()).isZero();

        recoverAndCompare(session);
        List<String> lines = Files.readAllLines(session.journalPath().orElseThrow(), StandardCharsets.UTF_8);
        assertThat(lines).as("the fallback is no line of its own: the recovery decides it again from the polls")
                .noneMatch(l -> l.startsWith("{\"type\":\"fallback\"") || l.contains("\"from\""));
    }

    /**
     * Reconnections between the ICE view alone and the probe beside it, each view naming again a path it named
     * before the other moved the session: live and recovered, each move recorded, no change reported lost.
     */
    @Test
    void pathsNamedByEitherViewAcrossReconnectionsRecoverAsLive() throws IOException {
        io.peerpulse.telemetry.NetworkPath wifi = new io.peerpulse.telemetry.NetworkPath("host", "host", "udp");
        io.peerpulse.telemetry.NetworkPath cellular = new io.peerpulse.telemetry.NetworkPath("srflx", "host", "udp");
        GameSession session = session("views-paths");
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40, wifi)));
        scheduler.runDueTasks();
        advanceSeconds(2);
        session.onDataChannelClose("network changed");
        session.onDataChannelOpen(new ScriptedProbe(ScriptedRttSource.repeating(RttReading.measured(161))),
                ScriptedRttSource.repeating(RttReading.measured(160, cellular)));
        advanceSeconds(2);
        session.onDataChannelClose("network changed");
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(41, wifi)));
        advanceSeconds(2);
        session.onDataChannelClose("network changed");
        session.onDataChannelOpen(new ScriptedProbe(ScriptedRttSource.repeating(RttReading.measured(162))),
                ScriptedRttSource.repeating(RttReading.measured(160, cellular)));
        advanceSeconds(2);
        session.close();

        SessionReport live = session.exportReport();
        assertThat(live.multiplayerMetrics().pathChanges()).extracting(c -> c.current())
                .containsExactly(wifi, cellular, wifi, cellular);
        assertThat(live.validationData().pathChangeCount()).isEqualTo(3);
        recoverAndCompare(session);
    }

    @Test
    void aFallbackToTheIceViewMovingBackToTheSessionsPathAtTheOpenRecoversAsLive() throws IOException {
        io.peerpulse.telemetry.NetworkPath wifi = new io.peerpulse.telemetry.NetworkPath("host", "host", "udp");
        io.peerpulse.telemetry.NetworkPath cellular = new io.peerpulse.telemetry.NetworkPath("srflx", "host", "udp");
        GameSession session = builder("views-fallback-paths").fallbackAfter(Duration.ofSeconds(2)).build();
        session.onDataChannelOpen(new IceLike(ScriptedRttSource.repeating(RttReading.measured(40, wifi))));
        scheduler.runDueTasks();
        advanceSeconds(2);
        session.onDataChannelClose("network changed");
        ScriptedRttSource ice = new ScriptedRttSource().then(RttReading.measured(160, cellular))
                .then(RttReading.measured(160, cellular));
        for (int i = 0; i < 4; i++) {
            ice.then(RttReading.unavailable("connection state DISCONNECTED"));
        }
        ice.orElse(RttReading.measured(41, wifi));
        session.onDataChannelOpen(new ScriptedProbe(ScriptedRttSource.repeating(
                RttReading.unavailable("the peer has not answered a ping yet"))), new IceLike(ice));
        advanceSeconds(10);
        session.close();

        SessionReport live = session.exportReport();
        assertThat(live.validationData().fallback()).isNotNull();
        assertThat(live.multiplayerMetrics().pathChanges()).extracting(c -> c.current())
                .containsExactly(wifi, cellular, wifi);
        recoverAndCompare(session);
    }

    /** The suspect verdict pairs the views' RTTs by their monotonic stamps: the recovery pairs them the same. */
    @Test
    void aSuspectProbeRecoversAsLive() throws IOException {
        GameSession session = session("views-suspect");
        ScriptedRttSource forged = new ScriptedRttSource();
        for (int t = 0; t < 8; t++) {
            forged.thenMeasured(80.5).thenStale(); // honest at first, a ping lost now and then
        }
        session.onDataChannelOpen(new ScriptedProbe(forged.orElse(RttReading.measured(3.25))),
                IceLike.everyThirdPoll(81.0));
        scheduler.runDueTasks();
        advanceSeconds(40);
        session.close();

        ValidationData live = session.exportValidationData();
        assertThat(live.fallback()).isNotNull();
        assertThat(live.fallback().verdict()).isEqualTo(io.peerpulse.session.SourceFallback.SUSPECT);
        assertThat(live.fallback().primaryMedianMs()).isEqualTo(3.25);
        assertThat(live.latencySource()).isEqualTo("ice");

        recoverAndCompare(session);
    }

    @Test
    void anIceLikeSourceRefreshingEvery2500MsHasNoGapsLiveNorRecovered() throws IOException {
        // measured every 3rd poll at 1 Hz, with one 4 s stretch: a gap with 3 poll intervals, none with 2 × 2.5 s
        ScriptedRttSource script = new ScriptedRttSource();
        for (int i = 0; i < 5; i++) {
            script.thenMeasured(80).thenStale().thenStale();
        }
        script.thenMeasured(80).thenStale().thenStale().thenStale();
        for (int i = 0; i < 5; i++) {
            script.thenMeasured(80).thenStale().thenStale();
        }
        script.orElse(RttReading.measured(80));
        GameSession session = session("views-ice");
        session.onDataChannelOpen(new IceLike(script));
        scheduler.runDueTasks();
        advanceSeconds(35);
        session.close();

        ValidationData live = session.exportValidationData();
        assertThat(live.latencySource()).isEqualTo("ice");
        assertThat(live.coverage().gapThresholdMs()).isEqualTo(5000.0);
        assertThat(live.coverage().gaps()).isEmpty();

        SessionJournal.Recovery recovery = SessionJournal.recover(session.journalPath().orElseThrow());
        assertThat(recovery.report().validationData().coverage().gaps()).isEmpty();
        assertThat(recovery.report().validationData().coverage().gapThresholdMs()).isEqualTo(5000.0);
        recoverAndCompare(session);
    }

    /**
     * A hostile peer floods the probe with forged pongs (a reviewer's real run: 108,514 unmatched, 80,148 dropped from
     * the full inbound queue): the counts reach the live report, each probe line, and the recovered report, equal.
     * Before, the journal had no key for them and the export none either.
     */
    @Test
    void aFloodedProbesRefusedAndDroppedMessagesRecoverAsLive() throws IOException {
        GameSession session = session("views-flood");
        ScriptedProbe probe = new ScriptedProbe(ScriptedRttSource.repeating(RttReading.measured(40.0)));
        session.onDataChannelOpen(probe, IceLike.everyThirdPoll(41.0));
        scheduler.runDueTasks();
        advanceSeconds(3);
        probe.unmatched = 50_000;
        probe.inboundDropped = 30_000;
        probe.malformed = 3;
        advanceSeconds(3);
        // after the last poll: only the snapshot journaled at close has these
        probe.unmatched = 108_514;
        probe.inboundDropped = 80_148;
        probe.unknownVersion = 2;
        session.close();

        ProbeStats live = session.exportValidationData().probe();
        assertThat(live.unmatchedCount()).isEqualTo(108_514);
        assertThat(live.inboundDroppedCount()).isEqualTo(80_148);
        assertThat(live.malformedCount()).isEqualTo(3);
        assertThat(live.unknownVersionCount()).isEqualTo(2);
        recoverAndCompare(session);
        List<String> lines = Files.readAllLines(session.journalPath().orElseThrow(), StandardCharsets.UTF_8);
        assertThat(lines).anyMatch(l -> l.startsWith("{\"type\":\"probe\"") && l.contains("\"unmatchedCount\":50000,"));
        assertThat(lines.get(lines.size() - 2)).startsWith("{\"type\":\"probe\"").contains("\"malformedCount\":3,",
                "\"unknownVersionCount\":2,", "\"unmatchedCount\":108514,", "\"inboundDroppedCount\":80148");
    }

    @Test
    void aKilledSessionRecoversTheLastJournaledProbeStats() throws IOException {
        GameSession session = writtenAsApplied("views-killed");
        ScriptedProbe probe = new ScriptedProbe(new ScriptedRttSource().thenMeasured(30.0).thenStale()
                .orElse(RttReading.measured(31.0)));
        session.onDataChannelOpen(probe, IceLike.everyThirdPoll(32.0));
        scheduler.runDueTasks();
        advanceSeconds(3);
        probe.offset = SampleReports.record(ProbeStats.class, "offsetMs", 0.5, "errorBoundMs", 1.0, "offsetEpochMs", T0 + 3_000);
        advanceSeconds(3);
        ValidationData atKill = session.exportValidationData();
        Path journal = session.journalPath().orElseThrow();
        byte[] asKilled = Files.readAllBytes(journal); // no end line: as if killed now
        session.close();
        Path killed = Files.write(dir.resolve("killed.journal.jsonl"), asKilled);
        assertThat(new String(asKilled, StandardCharsets.UTF_8)).doesNotContain("\"type\":\"end\"");

        SessionJournal.Recovery recovery = SessionJournal.recover(killed);

        assertThat(recovery.complete()).isFalse();
        assertThat(recovery.problems()).isEmpty();
        ValidationData recovered = recovery.report().validationData();
        assertThat(atKill.probe().sentCount()).isEqualTo(7);
        assertThat(atKill.probe().offsetMs()).isEqualTo(0.5);
        assertThat(recovered.probe()).isEqualTo(atKill.probe());
        assertThat(recovered.latencySource()).isEqualTo("probe");
        assertThat(recovered.secondary()).isEqualTo(atKill.secondary());
        assertThat(recovered.latency()).isEqualTo(atKill.latency());
    }
}
