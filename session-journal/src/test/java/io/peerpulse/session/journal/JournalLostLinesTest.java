package io.peerpulse.session.journal;

import static io.peerpulse.telemetry.fixtures.Records.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

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
}
