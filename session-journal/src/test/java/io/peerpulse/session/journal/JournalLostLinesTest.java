package io.peerpulse.session.journal;

import static io.peerpulse.telemetry.fixtures.Records.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.peerpulse.session.ConnectionEvent;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.PathChange;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.journal.TestSources.IceLike;
import io.peerpulse.session.journal.TestSources.ScriptedProbe;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lost lines (a failed write, a line dropped beyond the writer's bound, a damaged line) cost only their own events:
 * an intact line after them whose event hangs on state a lost line carried keeps its data, and what it could not
 * see is reported. Real sessions on virtual time; lines removed from their journals.
 */
@ExtendWith(LogCapture.class) // the sessions made here may log late polls
class JournalLostLinesTest {

    private static final NetworkPath A = path("host", "host", "udp");
    private static final NetworkPath B = path("srflx", "srflx", "udp");
    private static final NetworkPath C = path("relay", "srflx", "tcp");

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private GameSession session(String id) {
        return GameSession.builder(id).playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(Journals.tickingClock(scheduler)).maxSampleCount(100).build())
                .exporterProviders(List.of()).executor(Runnable::run).journalDirectory(dir).build();
    }

    private static ScriptedRttSource abc() {
        return new ScriptedRttSource().then(RttReading.measured(40.0, A)).thenMeasured(41.0)
                .then(RttReading.measured(50.0, B)).thenMeasured(51.0)
                .then(RttReading.measured(60.0, C)).thenMeasured(61.0).orElse(RttReading.measured(62.0));
    }

    private static SessionJournal.Recovery recoverWithout(GameSession session, Predicate<String> lost)
            throws IOException {
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = Journals.lines(journal);
        int before = lines.size();
        lines.removeIf(lost);
        assertThat(lines).as("a line removed").hasSizeLessThan(before);
        return SessionJournal.recover(Journals.write(journal, lines));
    }

    /**
     * The reviewer's case: a path change whose line follows lost lines holding the change before it. Live the
     * path went A, B, C; the B line lost, the C line (intact) names its change from B while the recovered path is
     * A. It was refused (its sample lost, the recovered path left at A); now it is applied (the change listed from A
     * to C) and the unseen change from A to B reported.
     */
    @Test
    void aPathChangeAfterLostLinesKeepsItsSampleAndTheUnseenChangeIsReported() throws IOException {
        GameSession session = session("lost-path");
        session.onDataChannelOpen(abc());
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(7));
        session.close();
        SessionReport live = session.exportReport();
        assertThat(live.sessionMetrics().latency().sampleCount()).isEqualTo(8);
        assertThat(live.multiplayerMetrics().pathChanges()).extracting(PathChange::current).containsExactly(A, B, C);

        SessionJournal.Recovery recovery = recoverWithout(session, l -> l.contains("\"pathLocalType\":\"srflx\""));

        SessionReport recovered = recovery.report();
        assertThat(recovery.problems()).noneMatch(p -> p.contains("refused"));
        assertThat(recovery.problems()).anyMatch(p -> p.endsWith(": changes the path from " + B + " to " + C
                + ", but the recovered path was " + A + ": the change from " + A + " to " + B + " was in lost lines"
                + " (neither listed nor counted); this line's poll applied, the change listed from the recovered path"));
        assertThat(recovery.sampleCount()).as("only the lost line's sample is lost").isEqualTo(7);
        assertThat(recovered.validationData().counters().measuredCount()).isEqualTo(7);
        assertThat(recovered.sessionMetrics().path()).isEqualTo(C);
        assertThat(recovered.multiplayerMetrics().pathChanges()).extracting(PathChange::previous, PathChange::current)
                .as("listed from the recovered path, as every change").containsExactly(tuple(null, A), tuple(A, C));
        assertThat(recovered.validationData().pathChangeCount()).isEqualTo(1);
        assertThat(recovered.sessionMetrics().latency().samples()).extracting(RttSample::rttMs)
                .containsExactly(40.0, 41.0, 51.0, 60.0, 61.0, 62.0, 62.0);
    }

    /** The same for the second view: its sample after the lost change stays. */
    @Test
    void aSecondViewsPathChangeAfterLostLinesKeepsItsSample() throws IOException {
        GameSession session = session("lost-path-second");
        ScriptedProbe probe = new ScriptedProbe(ScriptedRttSource.repeating(RttReading.measured(45.0)));
        session.onDataChannelOpen(probe, new IceLike(abc()));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(7));
        session.close();
        SessionReport live = session.exportReport();
        assertThat(live.validationData().secondary().counters().measuredCount()).isEqualTo(8);

        SessionJournal.Recovery recovery = recoverWithout(session, l -> l.contains("\"pathLocalType\":\"srflx\""));

        assertThat(recovery.problems()).noneMatch(p -> p.contains("refused"));
        assertThat(recovery.problems()).anyMatch(p -> p.contains(": changes the second view's path from " + B + " to "
                + C + ", but the recovered path was " + A + ": the change from " + A + " to " + B + " was in lost lines"));
        assertThat(recovery.report().validationData().secondary().counters().measuredCount()).isEqualTo(7);
        assertThat(recovery.sampleCount()).isEqualTo(live.sessionMetrics().latency().sampleCount());
    }

    /**
     * The first open's line lost: every poll and probe line after it was refused (a poll before the first open),
     * and so was the reopening: the recovered report had no sample at all. Now a stand-in first open is applied at
     * the first line that needs one, and the intact lines' samples, probe statistics and connection events are kept.
     * The lines after the loss show a second view's poll before any open, so the stand-in names a second view too:
     * its 10 polls were refused while the stand-in, made at the probe line before them, had none.
     */
    @Test
    void aLostFirstOpenCostsNoPollOrProbeLineAfterIt() throws IOException {
        GameSession session = session("lost-open");
        ScriptedProbe probe = new ScriptedProbe(ScriptedRttSource.repeating(RttReading.measured(30.0)));
        session.onDataChannelOpen(probe, IceLike.everyThirdPoll(31.0));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(3));
        session.beginRound(1);
        scheduler.advance(Duration.ofSeconds(3));
        session.onDataChannelClose("gone");
        session.onDataChannelOpen(probe, IceLike.everyThirdPoll(31.0));
        scheduler.advance(Duration.ofSeconds(3));
        session.close();
        SessionReport live = session.exportReport();
        assertThat(live.sessionMetrics().latency().sampleCount()).isEqualTo(10);

        SessionJournal.Recovery recovery = recoverWithout(session, l -> l.contains("\"kind\":\"first\""));

        SessionReport recovered = recovery.report();
        assertThat(recovery.problems()).anyMatch(p -> p.startsWith("line 2, seq 2: the session's first open was in"
                + " lost lines: a first open of source 'unknown (its open line was lost)' with a second view of that"
                + " name applied at this line's time"));
        assertThat(recovery.problems()).noneMatch(p -> p.contains("refused"));
        assertThat(recovered.validationData().secondary().source()).isEqualTo("unknown (its open line was lost)");
        assertThat(recovered.validationData().secondary().counters())
                .isEqualTo(live.validationData().secondary().counters());
        assertThat(live.validationData().secondary().counters().pollCount()).isEqualTo(10);
        assertThat(recovery.sampleCount()).isEqualTo(10);
        assertThat(recovered.sessionMetrics().latency().samples()).isEqualTo(live.sessionMetrics().latency().samples());
        assertThat(recovered.validationData().counters()).isEqualTo(live.validationData().counters());
        assertThat(recovered.validationData().probe()).isEqualTo(live.validationData().probe());
        assertThat(recovered.validationData().latencySource()).isEqualTo("unknown (its open line was lost)");
        assertThat(recovered.multiplayerMetrics().rounds()).isEqualTo(live.multiplayerMetrics().rounds());
        assertThat(recovered.sessionMetrics().connection().events()).extracting(ConnectionEvent::type)
                .containsExactly(ConnectionEvent.Type.OPENED, ConnectionEvent.Type.CLOSED, ConnectionEvent.Type.REOPENED);
        assertThat(recovered.sessionMetrics().connection().reconnectionCount()).isEqualTo(1);
    }

    /**
     * A reconnection naming a second view lost: the second view's polls after it were refused (5 of them: no second view
     * was ever opened), its primary polls filed under the earlier source, the close after it not applied and the
     * reconnection not counted. A second view's poll before any open after the loss shows that the lost lines held an
     * open naming one, and only a new source names one: a stand-in reconnection is applied at the first line after
     * them, and every intact line is kept.
     */
    @Test
    void aLostReconnectionWithASecondViewIsStoodInForAtTheLinesAfterIt() throws IOException {
        GameSession session = session("lost-reconnection");
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(30.0)));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(2));
        session.onDataChannelClose("gone");
        scheduler.advance(Duration.ofSeconds(2));
        session.onDataChannelOpen(new ScriptedProbe(ScriptedRttSource.repeating(RttReading.measured(40.0))),
                IceLike.everyThirdPoll(41.0));
        scheduler.advance(Duration.ofSeconds(4));
        session.onDataChannelClose("again");
        session.close();
        SessionReport live = session.exportReport();
        assertThat(live.validationData().secondary().counters().pollCount()).isEqualTo(5);

        SessionJournal.Recovery recovery = recoverWithout(session, l -> l.contains("\"kind\":\"new\""));

        SessionReport recovered = recovery.report();
        assertThat(recovery.problems()).noneMatch(p -> p.contains("refused") || p.contains("with no channel open"));
        assertThat(recovery.problems()).anyMatch(p -> p.endsWith(": an open naming a second view was in the lost lines"
                + " (a second view's poll follows before any open, and the recovered session polls none): a"
                + " reconnection to source 'unknown (its open line was lost)' with a second view of that name applied"
                + " at this line's time, so that both views' polls are kept (the lines before it keep the sources and"
                + " the channel as recovered)"));
        assertThat(recovered.validationData().secondary().counters())
                .isEqualTo(live.validationData().secondary().counters());
        assertThat(recovered.sessionMetrics().latency().samples()).isEqualTo(live.sessionMetrics().latency().samples());
        assertThat(recovered.validationData().latencySource()).isEqualTo("unknown (its open line was lost)");
        assertThat(recovered.sessionMetrics().connection().events()).extracting(ConnectionEvent::type)
                .containsExactly(ConnectionEvent.Type.OPENED, ConnectionEvent.Type.CLOSED,
                        ConnectionEvent.Type.RECONNECTED, ConnectionEvent.Type.CLOSED);
        assertThat(recovered.sessionMetrics().connection().reconnectionCount()).isEqualTo(1);
    }

    /**
     * The probe's one measured poll lost: the recovery, which decides the fallback again from the polls, falls back
     * (no measurement in 10 s) where the live session did not, and the second view's 5 polls after it changed nothing,
     * silently. The fallback cannot be undone (the journal records none), but the first of them is reported.
     */
    @Test
    void aSecondViewsPollAfterARecoveredFallbackTheLiveSessionLackedIsReported() throws IOException {
        GameSession session = session("lost-measured");
        session.onDataChannelOpen(new ScriptedProbe(new ScriptedRttSource().thenMeasured(40.0)
                .orElse(RttReading.stale())), IceLike.everyThirdPoll(41.0));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(14));
        session.close();
        assertThat(session.exportReport().validationData().fallback()).isNull();

        SessionJournal.Recovery recovery = recoverWithout(session, l -> l.contains("\"rttMs\":40.0"));

        assertThat(recovery.report().validationData().fallback()).isNotNull();
        assertThat(recovery.problems()).filteredOn(p -> p.contains("recovered fallback")).singleElement().asString()
                .endsWith(": a second view's poll after the recovered fallback to the second view's source: live none"
                        + " follows a fallback, so the live session had not fallen back, and lost lines held the polls"
                        + " that decided otherwise; the recovered fallback stands (the journal records none), and this"
                        + " and the second view's later polls up to the next open change nothing");
    }

    /** Lines from the first open on lost, up to a reconnection: the reconnection is applied as the first open. */
    @Test
    void aReconnectionAfterALostFirstOpenIsAppliedAsTheFirstOpen() throws IOException {
        GameSession session = session("lost-first");
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(30.0)));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(2));
        session.onDataChannelClose("gone");
        scheduler.advance(Duration.ofSeconds(2));
        session.onDataChannelOpen(new IceLike(ScriptedRttSource.repeating(RttReading.measured(35.0))));
        scheduler.advance(Duration.ofSeconds(3));
        session.close();
        Path journal = session.journalPath().orElseThrow();
        List<String> lines = Journals.lines(journal);
        int reconnection = 0;
        while (!lines.get(reconnection).contains("\"kind\":\"new\"")) {
            reconnection++;
        }
        lines.subList(1, reconnection).clear(); // the first open to the close: a run of lost lines

        SessionJournal.Recovery recovery = SessionJournal.recover(Journals.write(journal, lines));

        SessionReport recovered = recovery.report();
        assertThat(recovery.problems()).noneMatch(p -> p.contains("refused"));
        assertThat(recovery.problems()).anyMatch(p -> p.endsWith("an open of kind NEW with no open before it: the"
                + " first open was in lost lines; applied as the first open (so no reconnection counted)"));
        List<RttSample> afterReconnection = session.exportReport().sessionMetrics().latency().samples().stream()
                .filter(sample -> sample.rttMs() == 35.0).toList();
        assertThat(afterReconnection).hasSize(3);
        assertThat(recovered.sessionMetrics().latency().samples()).isEqualTo(afterReconnection);
        assertThat(recovered.validationData().latencySource()).isEqualTo("ice");
        assertThat(recovered.sessionMetrics().connection().events()).extracting(ConnectionEvent::type)
                .containsExactly(ConnectionEvent.Type.OPENED);
    }

    /**
     * A round's begin and a reconnection lost: the round end and the close after them (intact) find no round and no
     * channel open, and changed nothing, silently. Live neither line is written then (endRound() and
     * onDataChannelClose() journal nothing without a round or channel open), so each is now reported.
     */
    @Test
    void aRoundEndOrACloseWhoseBeginOrOpenWasLostIsReported() throws IOException {
        GameSession session = session("lost-begin");
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(30.0)));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(2));
        session.beginRound(7);
        scheduler.advance(Duration.ofSeconds(2));
        session.endRound();
        session.onDataChannelClose("gone");
        scheduler.advance(Duration.ofSeconds(2));
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(35.0)));
        scheduler.advance(Duration.ofSeconds(2));
        session.onDataChannelClose("gone again");
        session.close();

        SessionJournal.Recovery recovery = recoverWithout(session,
                l -> l.contains("roundBegin") || l.contains("\"kind\":\"new\""));

        assertThat(recovery.problems()).anyMatch(p -> p.endsWith(": a round end with no round open: its begin was in"
                + " lost lines, and the round's number with it (its samples count in no round): nothing to end"));
        assertThat(recovery.problems()).anyMatch(p -> p.endsWith(": a close with no channel open: the open before it"
                + " was in lost lines (the recovered channel stays closed since the close before): not applied"));
        assertThat(recovery.sampleCount()).isEqualTo(session.exportReport().sessionMetrics().latency().sampleCount());
    }
}
