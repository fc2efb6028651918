package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeCounters;
import io.peerpulse.webrtc.ProbeOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A modified client writes raw messages to a real probe's channel (loopback, webrtc-java on both ends): what the
 * probe counts for them, and whether it still answers the peer's real pings.
 */
@Tag("integration")
class ProbeHostileMessagesTest {

    private static final Duration BOUND = Duration.ofSeconds(30);

    /**
     * A text message with a ping's 16 bytes is no ping (the protocol: binary only; text is malformed): 100 of them
     * are counted malformed, take none of the answer rate's tokens and are not counted as the peer's dropped pings,
     * so the peer's 10 binary pings right after them are all answered. Before, the 100 took the burst of 20 tokens
     * and 80 were counted as dropped pings; the real pings after them found the bucket empty. Then 10
     * pongs to no ping are unmatched, and what the probe exports ({@code probeStats()}) counts all of these.
     */
    @Test
    void textMessagesShapedLikePingsAreMalformedAndTakeNoneOfThePeersAnswers() throws Exception {
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            DataChannelProbe victim = DataChannelProbe.open(peers.peerB());
            HostilePeer peer = HostilePeer.on(peers.peerA());
            try {
                assertThat(peer.awaitOpen(BOUND)).as("the peer's probe channel opens").isTrue();
                byte[] textPing = ping(7, 1);
                for (int batch = 0; batch < 10; batch++) {
                    for (int i = 0; i < 10; i++) {
                        peer.sendRaw(textPing, false);
                    }
                    // a batch at a time, so that no more than 32 wait for the probe thread (dropped, counted apart)
                    long sent = 10L * (batch + 1);
                    assertThat(await(() -> seen(victim.getCounters()) >= sent))
                            .as("the probe saw %d messages: %s", sent, victim.getCounters()).isTrue();
                }
                for (int i = 0; i < 10; i++) {
                    peer.sendPing(100 + i, 1);
                }
                assertThat(await(() -> seen(victim.getCounters()) >= 110))
                        .as("the probe saw the pings: %s", victim.getCounters()).isTrue();
                for (int i = 0; i < 10; i++) {
                    peer.sendRaw(pong(200 + i, 1), true); // forged: the victim sent no ping
                }
                assertThat(await(() -> seen(victim.getCounters()) >= 120))
                        .as("the probe saw the pongs: %s", victim.getCounters()).isTrue();

                ProbeCounters counters = victim.getCounters();
                System.out.printf("100 text pings, then 10 binary ones: %s%n", counters);
                assertThat(counters.inboundDroppedCount()).as("none waited beyond the queue").isZero();
                assertThat(counters.malformedCount()).as("text is malformed").isEqualTo(100);
                assertThat(counters.peerPingsDroppedCount()).as("no ping was dropped: text is no ping").isZero();
                assertThat(counters.peerPingsAnsweredCount()).as("the real pings").isEqualTo(10);
                assertThat(await(() -> peer.pongsReceived.get() == 10)).as("the peer got its 10 pongs").isTrue();
                assertThat(counters.unmatchedCount()).as("pongs to no ping").isEqualTo(10);
                ProbeStats exported = victim.probeStats(); // what a session exports as validationData.probe
                assertThat(exported.malformedCount()).as("exported: %s", exported).isEqualTo(100);
                assertThat(exported.unmatchedCount()).as("exported: %s", exported).isEqualTo(10);
                assertThat(exported.inboundDroppedCount()).as("exported: %s", exported).isZero();
            } finally {
                victim.close();
                peer.close();
            }
        }
    }

    /**
     * Messages too long to be version-1 probe messages (over 1 KiB; one SCTP chunk each, so the unreliable channel
     * does not lose them on loopback), which the probe refuses before copying them: the protocol's checks in its
     * order all the same, so a binary one of another version is a newer peer's (unknown version, "any length"), and
     * one of version 1, or a text one, is malformed. Before, all six were counted malformed: the two version-2
     * messages read as garbage, unknownVersionCount 0.
     */
    @Test
    void longMessagesAreCountedByTheProtocolsOrderOfChecks() throws Exception {
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            DataChannelProbe victim = DataChannelProbe.open(peers.peerB());
            HostilePeer peer = HostilePeer.on(peers.peerA());
            try {
                assertThat(peer.awaitOpen(BOUND)).as("the peer's probe channel opens").isTrue();
                long sent = 0;
                for (int length : new int[] {1025, 1100}) {
                    for (int kind = 0; kind < 3; kind++) {
                        // a newer version's message; version 1, though no ping or pong is this long; text
                        peer.sendRaw(filled(length, kind == 1 ? 1 : 2), kind != 2);
                        long seen = ++sent;
                        assertThat(await(() -> seen(victim.getCounters()) >= seen))
                                .as("the probe saw %d messages: %s", seen, victim.getCounters()).isTrue();
                    }
                }
                ProbeCounters counters = victim.getCounters();
                assertThat(counters.unknownVersionCount()).as("a newer version, any length: %s", counters)
                        .isEqualTo(2);
                assertThat(counters.malformedCount()).as("version 1 too long, and text: %s", counters).isEqualTo(4);
                assertThat(counters.inboundDroppedCount()).isZero();
                ProbeStats exported = victim.probeStats(); // what a session exports as validationData.probe
                assertThat(exported.unknownVersionCount()).as("exported: %s", exported).isEqualTo(2);
                assertThat(exported.malformedCount()).as("exported: %s", exported).isEqualTo(4);
            } finally {
                victim.close();
                peer.close();
            }
        }
    }

    /**
     * The peer floods the probe's channel while the probe thread is busy (held here by a task of the test, as a
     * starved CPU or a flood of junk holds it), so that the probe's inbound queue is full when the peer's honest pong
     * arrives. That pong arrived in time: it is an answer, not network loss. Before, it was dropped with the flood
     * ({@code inboundDroppedCount}) and its ping timed out into {@code lostCount}: 5 of 5 such pings lost, a loss of
     * 5/6 that a session's quality judge reads as POOR for LOSS. And a ping the peer does not answer during the same
     * kind of flood (a pong lost on the network looks the same from here) is still lost.
     */
    @Test
    void aPongArrivingAtAFullQueueIsAnAnswerAndNoPongIsStillLoss() throws Exception {
        ScheduledExecutorService probeThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "probe-thread-of-the-test");
            t.setDaemon(true);
            return t;
        });
        // a timeout far above the time the flood takes: the answered pings end at their pong, long before it
        ProbeOptions options = ProbeOptions.builder().pingTimeout(Duration.ofSeconds(5)).scheduler(probeThread).build();
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            DataChannelProbe victim = DataChannelProbe.open(peers.peerB(), options);
            HostilePeer peer = HostilePeer.on(peers.peerA());
            try {
                assertThat(peer.awaitOpen(BOUND)).as("the peer's probe channel opens").isTrue();
                // the peer answers once, on a quiet channel: from now on a ping without an answer is loss
                CompletableFuture<RttReading> first = victim.read().toCompletableFuture();
                long[] ping = awaitPing(peer, 1);
                peer.sendPong((int) ping[0], ping[1]);
                assertThat(first.get(BOUND.toSeconds(), TimeUnit.SECONDS)).as("the first ping")
                        .isInstanceOf(RttReading.Measured.class);

                int rounds = 5;
                long dropped = 0;
                List<RttReading> readings = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    CompletableFuture<RttReading> reading = victim.read().toCompletableFuture();
                    long[] flooded = awaitPing(peer, round + 2);
                    dropped = floodWhileBusy(probeThread, victim, peer, dropped,
                            () -> peer.sendPong((int) flooded[0], flooded[1]));
                    readings.add(reading.get(BOUND.toSeconds(), TimeUnit.SECONDS));
                }
                ProbeCounters answered = victim.getCounters();
                System.out.printf("%d honest pongs, each arriving at a full queue: %s; %s%n", rounds, readings,
                        answered);
                assertThat(readings).as("the readings: %s", answered).allMatch(RttReading.Measured.class::isInstance);
                assertThat(answered.lostCount()).as("lost: %s", answered).isZero();
                assertThat(answered.answeredCount()).as("answered: %s", answered).isEqualTo(rounds + 1);

                // no pong at all during a flood: loss, as on a quiet channel
                CompletableFuture<RttReading> unanswered = victim.read().toCompletableFuture();
                awaitPing(peer, rounds + 2);
                floodWhileBusy(probeThread, victim, peer, dropped, () -> { });
                assertThat(unanswered.get(BOUND.toSeconds(), TimeUnit.SECONDS)).as("no pong came")
                        .isInstanceOf(RttReading.Stale.class);
                // a probe thread late by more than 50 ms (a loaded machine) counts the ping only after a grace
                assertThat(await(() -> victim.getCounters().inFlightCount() == 0))
                        .as("the ping ended: %s", victim.getCounters()).isTrue();
                ProbeCounters after = victim.getCounters();
                assertThat(after.lostCount()).as("lost: %s", after).isEqualTo(1);
                ProbeStats exported = victim.probeStats();
                assertThat(exported.lostCount()).as("exported: %s", exported).isEqualTo(1);
                assertThat(exported.answeredCount()).as("exported: %s", exported).isEqualTo(rounds + 1);
            } finally {
                victim.close();
                peer.close();
            }
        } finally {
            probeThread.shutdownNow();
        }
    }

    /**
     * Holds the probe thread, sends 100 pongs to no ping of the victim's, then what {@code during} sends, then one
     * more to no ping as a marker, and lets the thread go once the victim dropped the marker: the queue was full
     * (32 waiting) when {@code during}'s message arrived.
     *
     * @return the victim's inbound-dropped count then
     */
    private static long floodWhileBusy(ScheduledExecutorService probeThread, DataChannelProbe victim, HostilePeer peer,
                                       long droppedBefore, ThrowingRunnable during) throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        probeThread.execute(() -> {
            held.countDown();
            try {
                release.await(BOUND.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            assertThat(held.await(BOUND.toSeconds(), TimeUnit.SECONDS)).as("the probe thread is held").isTrue();
            int flood = 100;
            for (int i = 0; i < flood; i++) {
                peer.sendRaw(pong(1_000_000 + i, 1), true);
            }
            during.run();
            peer.sendRaw(pong(2_000_000, 1), true);
            // the flood and the marker: all but the 32 the queue holds are dropped, the marker last
            long dropped = droppedBefore + flood + 1 - DataChannelProbe.MAX_QUEUED_MESSAGES;
            assertThat(await(() -> victim.getCounters().inboundDroppedCount() >= dropped))
                    .as("the victim dropped the flood: %s", victim.getCounters()).isTrue();
            return victim.getCounters().inboundDroppedCount();
        } finally {
            release.countDown();
        }
    }

    /** Something the test sends; may throw as webrtc-java's send does. */
    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Waits, up to {@link #BOUND}, for the peer's {@code count}-th ping, and returns it: {sequence, t1}. */
    private static long[] awaitPing(HostilePeer peer, long count) {
        assertThat(await(() -> peer.pingsReceived.get() >= count)).as("the peer got ping %d", count).isTrue();
        return peer.lastPing.get();
    }

    /** A pong from the protocol's layout: version 1, type 2, {@code sequence}, {@code t1Micros}, t2, no hold. */
    private static byte[] pong(int sequence, long t1Micros) {
        return ByteBuffer.allocate(28).put((byte) 1).put((byte) 2).putShort((short) 0).putInt(sequence)
                .putLong(t1Micros).putLong(t1Micros + 40_000).putInt(0).array();
    }

    /** {@code length} bytes, the first {@code version}, the second a ping's type, the rest 0. */
    private static byte[] filled(int length, int version) {
        byte[] message = new byte[length];
        message[0] = (byte) version;
        message[1] = 1;
        return message;
    }

    /** A ping from the protocol's layout: version 1, type 1, {@code sequence}, {@code t1Micros}. */
    private static byte[] ping(int sequence, long t1Micros) {
        return ByteBuffer.allocate(16).put((byte) 1).put((byte) 1).putShort((short) 0).putInt(sequence)
                .putLong(t1Micros).array();
    }

    /** The peer's messages the probe has counted: answered, refused or dropped. */
    private static long seen(ProbeCounters c) {
        return c.peerPingsAnsweredCount() + c.peerPingsDroppedCount() + c.inboundDroppedCount() + c.malformedCount()
                + c.unknownVersionCount() + c.unmatchedCount() + c.lateCount();
    }

    /** Waits, up to {@link #BOUND}, until {@code condition} holds: a bounded await on counters of other threads. */
    private static boolean await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(1_000_000);
        }
        return true;
    }
}
