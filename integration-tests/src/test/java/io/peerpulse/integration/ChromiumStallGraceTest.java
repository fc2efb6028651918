package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.lab.BrowserPeer;
import io.peerpulse.lab.BrowserPeer.PageOptions;
import io.peerpulse.lab.Chromium;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Direction;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.webrtc.DataChannelProbe;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A stall of the page's whole renderer process across a ping's deadline (SIGSTOP, as a starved CPU or the
 * browser's own freeze holds it: main thread and network thread alike) while the peer floods the probe channel:
 * {@value #JUNK} unknown-version messages, then the honest pong, all reaching the machine long before the deadline.
 * After the stall the page's overdue timer runs before the network thread has handed it the backlog and the pong
 * behind it. The page's probe must not read that as loss: as the Java probe, a timer that ran more than 50 ms late
 * in a visible page gives its ping 100 ms of grace, and a pong within it is answered, in {@code processedLate}.
 * Truth from the same run: the peer (a {@link HostilePeer} answering honestly) sent each pong within a few tens of
 * ms of the ping's arrival, the relay dropped nothing, and the page counted every junk message. Before the grace:
 * 13 of 16 such pings lost and late (2 of 16 without the junk in front, the pong then usually handled first).
 */
@Isolated
@Tag("integration")
class ChromiumStallGraceTest {

    private static final int STALLS = 8;
    /** Unknown-version messages the peer sends right before each pong: a flood's backlog in front of it. */
    private static final int JUNK = 200;
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    /** How long past the ping's arrival at the peer the renderer stays stopped: the deadline plus 150 ms at least. */
    private static final Duration STOPPED = TIMEOUT.plusMillis(150);

    @Test
    void aPongHeldUpByAStallOfThePageIsNotLoss() throws Exception {
        Path binary = ChromiumPeer.chromiumOrSkip("ChromiumStallGraceTest");
        ImpairmentRelay relay = new ImpairmentRelay(11).impair(Link.roundTrip(Duration.ofMillis(20)));
        PageOptions page = PageOptions.defaults().withProbe(Duration.ofSeconds(1), TIMEOUT);
        try (relay; BrowserPeer peer = BrowserPeer.create(DataChannelProbe.browserScript(), page);
             HostilePeer far = HostilePeer.on(peer.peerConnection()).answeringHonestly();
             Chromium chromium = Chromium.launch(binary, peer.pageUri())) {
            peer.connect(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT));
            assertThat(far.awaitOpen(Duration.ofSeconds(10))).as("the probe channel opens").isTrue();
            JsonObject before = counters(peer);
            for (int i = 0; i < 100 && before.getInt("answered") < 2; i++) {
                before = counters(peer); // each report is a round trip to the page: bounded by the loop
            }
            assertThat(before.getInt("answered")).as("the page's pings are answered").isGreaterThanOrEqualTo(2);
            List<Long> renderers = renderers();
            assertThat(renderers).as("Chromium's renderer processes, children of this JVM").isNotEmpty();

            long droppedBefore = dropped(relay);
            LinkedBlockingQueue<long[]> pings = new LinkedBlockingQueue<>();
            far.pingsToAnswer = pings;
            long maxAnswerNanos = 0;
            for (int stall = 0; stall < STALLS; stall++) {
                pings.clear();
                long[] ping = pings.poll(10, TimeUnit.SECONDS); // {sequence, t1, arrival nanoTime}
                assertThat(ping).as("a ping from the page").isNotNull();
                signal("STOP", renderers);
                try {
                    for (int i = 0; i < JUNK; i++) {
                        far.sendRaw(new byte[] {2, 1, 0, 0}, true); // version 2: ignored, counted unknownVersion
                    }
                    far.sendPong((int) ping[0], ping[1]);
                    maxAnswerNanos = Math.max(maxAnswerNanos, System.nanoTime() - ping[2]);
                    long until = ping[2] + STOPPED.toNanos();
                    for (long left; (left = until - System.nanoTime()) > 0; ) {
                        LockSupport.parkNanos(left); // the stall's length is the stimulus, not a wait for an event
                    }
                } finally {
                    signal("CONT", renderers);
                }
            }
            far.pingsToAnswer = null;
            pings.clear();
            // the last stalled ping is settled once the page sent the next one and that one was answered
            JsonObject after = counters(peer);
            for (int i = 0; i < 100 && after.getInt("answered") < before.getInt("answered") + STALLS + 1; i++) {
                after = counters(peer);
            }
            long droppedDuring = dropped(relay) - droppedBefore;
            int sent = after.getInt("sent") - before.getInt("sent");
            int lost = after.getInt("lost") - before.getInt("lost");
            int late = after.getInt("late") - before.getInt("late");
            int processedLate = after.getInt("processedLate") - before.getInt("processedLate");
            int unknownVersion = after.getInt("unknownVersion") - before.getInt("unknownVersion");
            System.out.printf("stall grace: %d stalls of %d ms; peer answered each within %.1f ms of the ping; relay "
                            + "dropped %d; page: sent %d, answered %d, lost %d, late %d, processedLate %d, unknownVersion %d of %d%n", STALLS,
                    STOPPED.toMillis(), maxAnswerNanos / 1e6, droppedDuring, sent,
                    after.getInt("answered") - before.getInt("answered"), lost, late, processedLate, unknownVersion,
                    STALLS * JUNK);

            // the premises, which a loaded machine can deny (200 blocking sends into webrtc-java): then nothing is shown
            org.junit.jupiter.api.Assumptions.assumeTrue(maxAnswerNanos < TIMEOUT.minusMillis(100).toNanos(),
                    "each pong left the peer well before its ping's deadline");
            org.junit.jupiter.api.Assumptions.assumeTrue(droppedDuring == 0, "the relay dropped nothing meanwhile");
            assertThat(lost).as("pongs held up by the page's own stall are not loss").isZero();
            assertThat(late).isZero();
            assertThat(processedLate).as("each stalled ping is local lateness").isEqualTo(STALLS);
        }
    }

    private static long dropped(ImpairmentRelay relay) {
        return relay.counters(Direction.A_TO_B).droppedCount() + relay.counters(Direction.B_TO_A).droppedCount();
    }

    private static JsonObject counters(BrowserPeer peer) throws InterruptedException {
        return ChromiumPeer.json(peer.report(Duration.ofSeconds(30))).getJsonObject("probeCounters");
    }

    /** The renderer processes among this JVM's descendants (the Chromium this test launched). */
    private static List<Long> renderers() {
        return ProcessHandle.current().descendants()
                .filter(p -> commandLine(p.pid()).contains("--type=renderer"))
                .map(ProcessHandle::pid).toList();
    }

    /** Linux's record of a process's command line (Chromium rewrites its own, so not ProcessHandle.Info's). */
    private static String commandLine(long pid) {
        try {
            return java.nio.file.Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
        } catch (IOException | RuntimeException gone) {
            return "";
        }
    }

    private static void signal(String signal, List<Long> pids) throws IOException, InterruptedException {
        for (long pid : pids) {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).as("kill -%s %d", signal, pid).isTrue();
        }
    }
}
