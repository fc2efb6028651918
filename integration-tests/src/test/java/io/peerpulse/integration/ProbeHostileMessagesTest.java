package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeCounters;
import java.nio.ByteBuffer;
import java.time.Duration;
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
