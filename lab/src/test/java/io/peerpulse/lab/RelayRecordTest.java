package io.peerpulse.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.lab.ImpairmentRelay.Direction;
import io.peerpulse.lab.ImpairmentRelay.Impairment;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.RelayRecord.Fate;
import io.peerpulse.lab.RelayRecord.Kind;
import io.peerpulse.lab.RelayRecord.Packet;
import io.peerpulse.lab.RelayRecord.RoundTrip;
import io.peerpulse.lab.RelayRecord.Spread;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay's record of what it did, against real UDP sockets on 127.0.0.1 (bounded waits for real packets) and
 * against the packet log alone. Exact facts only: a hold is never shorter than the delay asked, and never longer
 * than what the receiving socket saw.
 */
class RelayRecordTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration WAIT = Duration.ofSeconds(5);

    private ImpairmentRelay relay;
    private DatagramSocket a;
    private DatagramSocket b;

    @BeforeEach
    void open() throws IOException {
        relay = new ImpairmentRelay(7);
        a = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        b = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        a.setSoTimeout((int) WAIT.toMillis());
        b.setSoTimeout((int) WAIT.toMillis());
        relay.connect((InetSocketAddress) a.getLocalSocketAddress(), (InetSocketAddress) b.getLocalSocketAddress());
    }

    @AfterEach
    void close() {
        relay.close();
        a.close();
        b.close();
    }

    @Test
    void recordsTheHoldOfEveryForwardedPacketNeverShorterThanAskedNorLongerThanSeen() throws IOException {
        relay.impair(Direction.A_TO_B, Impairment.NONE.withDelay(Duration.ofMillis(5)).withJitter(Duration.ofMillis(2)));
        relay.impair(Direction.B_TO_A, Impairment.NONE.withDelay(Duration.ofMillis(3)));
        long from = System.nanoTime();
        long[] seen = new long[10];
        for (int i = 0; i < seen.length; i++) {
            long sent = System.nanoTime();
            send(a, relay.facingAPort(), i);
            receive(b);
            seen[i] = System.nanoTime() - sent;
            send(b, relay.facingBPort(), i);
            receive(a);
        }
        RelayRecord record = relay.record().between(from, System.nanoTime());

        assertThat(record.packets()).hasSize(20).allSatisfy(p -> {
            assertThat(p.fate()).isEqualTo(Fate.FORWARDED);
            assertThat(p.kind()).isEqualTo(Kind.OTHER);
            assertThat(p.latenessNanos()).as("never early: %s", p).isNotNegative();
        });
        List<Packet> ab = record.packets().stream().filter(p -> p.direction() == Direction.A_TO_B).toList();
        for (int i = 0; i < ab.size(); i++) {
            assertThat(ab.get(i).askedDelayNanos()).isBetween(3_000_000L, 7_000_000L);
            assertThat(ab.get(i).holdNanos()).as("the relay held it no longer than the receiver waited")
                    .isLessThanOrEqualTo(seen[i]);
        }
        assertThat(record.packets().stream().filter(p -> p.direction() == Direction.B_TO_A))
                .allSatisfy(p -> assertThat(p.askedDelayNanos()).isEqualTo(3_000_000L));
        assertThat(record.holds(Direction.A_TO_B).valueCount()).isEqualTo(10);
        assertThat(record.holds(Direction.B_TO_A).minMs()).isGreaterThanOrEqualTo(3.0);
        assertThat(record.lateness(Direction.B_TO_A).minMs()).isNotNegative();
        assertThat(record.imposedRoundTrip().meanMs()).isCloseTo(
                record.holds(Direction.A_TO_B).meanMs() + record.holds(Direction.B_TO_A).meanMs(), within(1e-9));
        assertThat(record.droppedCount(Direction.A_TO_B)).isZero();
        assertThat(record.overwrittenCount()).isZero();
    }

    @Test
    void recordsWhyItDroppedWhatItDropped() throws IOException, InterruptedException {
        relay.impair(Direction.A_TO_B, Impairment.NONE.withLoss(1));
        send(a, relay.facingAPort(), 1);
        assertThat(relay.awaitReceived(Direction.A_TO_B, 1, WAIT)).isTrue();
        relay.blackhole(true);
        send(b, relay.facingBPort(), 2);
        assertThat(relay.awaitReceived(Direction.B_TO_A, 1, WAIT)).isTrue();
        relay.blackhole(false);
        relay.impair(Direction.B_TO_A, Impairment.NONE.withDelay(Duration.ofHours(1)));
        send(b, relay.facingBPort(), 3);
        assertThat(relay.awaitReceived(Direction.B_TO_A, 2, WAIT)).isTrue();

        assertThat(relay.record().packets()).extracting(Packet::fate)
                .containsExactly(Fate.LOST, Fate.DOWN, Fate.QUEUED);
        relay.close();
        RelayRecord record = relay.record();
        assertThat(record.packets()).extracting(Packet::fate).containsExactly(Fate.LOST, Fate.DOWN, Fate.CLOSED);
        assertThat(record.count(Direction.A_TO_B, Fate.LOST)).isEqualTo(1);
        assertThat(record.droppedCount(Direction.B_TO_A)).isEqualTo(2);
        assertThat(record.holds(Direction.A_TO_B).valueCount()).isZero();
        assertThat(record.holds(Direction.A_TO_B).medianMs()).isNaN();
        assertThatThrownBy(() -> record.packets().get(0).holdNanos()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not forwarded").hasMessageContaining("LOST");
        assertThat(record.toString()).contains("A_TO_B: dropped 1").contains("B_TO_A: dropped 2");
    }

    @Test
    void anUnknownDestinationIsRecordedAsSuch() throws IOException, InterruptedException {
        try (ImpairmentRelay learning = new ImpairmentRelay()) {
            send(b, learning.facingBPort(), 1); // A is not known yet
            assertThat(learning.awaitReceived(Direction.B_TO_A, 1, WAIT)).isTrue();
            assertThat(learning.record().packets()).extracting(Packet::fate).containsExactly(Fate.NO_DESTINATION);
        }
    }

    @Test
    void pairsStunRequestsWithTheirResponsesByTransactionId() throws IOException {
        Link link = Link.roundTrip(Duration.ofMillis(4));
        relay.impair(link);
        byte[] first = stun(0x0001, 1);
        byte[] second = stun(0x0001, 2);
        send(a, relay.facingAPort(), first);
        send(a, relay.facingAPort(), second);
        receive(b);
        receive(b);
        send(b, relay.facingBPort(), stun(0x0101, 2)); // answers the second request first
        send(b, relay.facingBPort(), stun(0x0101, 9)); // answers nothing A asked
        send(b, relay.facingBPort(), stun(0x0001, 3)); // B's own check, not A's
        for (int i = 0; i < 3; i++) {
            receive(a);
        }
        send(a, relay.facingAPort(), stun(0x0111, 3)); // an error response also answers
        receive(b);

        RelayRecord record = relay.record();
        assertThat(record.packets()).extracting(Packet::kind).containsExactly(Kind.STUN_REQUEST, Kind.STUN_REQUEST,
                Kind.STUN_RESPONSE, Kind.STUN_RESPONSE, Kind.STUN_REQUEST, Kind.STUN_RESPONSE);
        List<RoundTrip> fromA = record.stunRoundTrips(Direction.A_TO_B);
        assertThat(fromA).hasSize(1);
        RoundTrip trip = fromA.get(0);
        assertThat(trip.request().sequenceNumber()).isEqualTo(1);
        assertThat(trip.response().sequenceNumber()).isEqualTo(2);
        assertThat(trip.askedNanos()).isEqualTo(4_000_000L);
        assertThat(trip.imposedNanos()).isEqualTo(trip.request().holdNanos() + trip.response().holdNanos())
                .isGreaterThanOrEqualTo(trip.askedNanos());
        assertThat(trip.spanNanos()).as("the span adds B's turnaround").isGreaterThanOrEqualTo(trip.imposedNanos());
        assertThat(record.stunRoundTrips(Direction.B_TO_A)).extracting(t -> t.request().sequenceNumber()).containsExactly(4L);
        assertThat(record.stunRoundTripSpread(Direction.A_TO_B).medianMs()).isEqualTo(trip.imposedNanos() / 1e6);
        assertThat(record.only(Kind.STUN_REQUEST).packets()).hasSize(3);
    }

    @Test
    void tellsStunFromOtherTraffic() {
        assertThat(PacketLog.kindOf(stun(0x0001, 1))).isEqualTo(Kind.STUN_REQUEST);
        assertThat(PacketLog.kindOf(stun(0x0101, 1))).isEqualTo(Kind.STUN_RESPONSE);
        assertThat(PacketLog.kindOf(stun(0x0011, 1))).as("indication").isEqualTo(Kind.OTHER);
        assertThat(PacketLog.kindOf(stun(0x0003, 1))).as("another method").isEqualTo(Kind.OTHER);
        byte[] noCookie = stun(0x0001, 1);
        noCookie[4] = 0;
        assertThat(PacketLog.kindOf(noCookie)).isEqualTo(Kind.OTHER);
        byte[] dtls = stun(0x0001, 1);
        dtls[0] = 23; // a DTLS application-data record
        assertThat(PacketLog.kindOf(dtls)).isEqualTo(Kind.OTHER);
        assertThat(PacketLog.kindOf(new byte[3])).isEqualTo(Kind.OTHER);
    }

    @Test
    void aFullLogKeepsTheLatestPacketsAndCountsTheRest() {
        PacketLog log = new PacketLog(4);
        long[] numbers = new long[6];
        for (int i = 0; i < numbers.length; i++) {
            numbers[i] = log.received(Direction.A_TO_B, new byte[] {1}, 1000L * i, 10, 0, Fate.QUEUED);
        }
        log.sent(numbers[0], 5); // overwritten: changes nothing
        log.sent(numbers[5], 5_500);
        RelayRecord record = log.snapshot();
        assertThat(record.overwrittenCount()).isEqualTo(2);
        assertThat(record.packets()).extracting(Packet::sequenceNumber).containsExactly(2L, 3L, 4L, 5L);
        assertThat(record.packets().get(3).holdNanos()).isEqualTo(500);
        assertThat(record.packets().get(0).fate()).isEqualTo(Fate.QUEUED);
        assertThatThrownBy(() -> new PacketLog(3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power of two");
    }

    @Test
    void spreadsAreThoseOfLatencyStats() {
        Spread spread = Spread.ofNanos(4_000_000, 1_000_000, 2_000_000, 3_000_000);
        assertThat(spread.valueCount()).isEqualTo(4);
        assertThat(new double[] {spread.minMs(), spread.medianMs(), spread.meanMs(), spread.p95Ms(), spread.maxMs()})
                .containsExactly(new double[] {1.0, 2.5, 2.5, 3.85, 4.0}, within(1e-9));
        Spread sum = spread.plus(Spread.ofNanos(1_000_000));
        assertThat(sum.valueCount()).isEqualTo(1);
        assertThat(new double[] {sum.minMs(), sum.medianMs(), sum.meanMs(), sum.p95Ms(), sum.maxMs()})
                .containsExactly(new double[] {2.0, 3.5, 3.5, 4.85, 5.0}, within(1e-9));
        assertThat(Spread.ofNanos().valueCount()).isZero();
    }

    @Test
    void rejectsBadQueriesNamingThem() {
        RelayRecord record = relay.record();
        assertThatThrownBy(() -> record.between(10, 9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ends (9 ns) before it starts (10 ns)");
        assertThatThrownBy(() -> record.only(null)).isInstanceOf(NullPointerException.class).hasMessage("kind");
        assertThatThrownBy(() -> record.holds(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("direction");
        assertThatThrownBy(() -> record.stunRoundTrips(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("requestDirection");
        assertThatThrownBy(() -> record.count(Direction.A_TO_B, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("fate");
        assertThatThrownBy(() -> Spread.ofNanos((long[]) null)).isInstanceOf(NullPointerException.class)
                .hasMessage("nanos");
        Packet forwarded = new Packet(0, Direction.A_TO_B, Kind.STUN_REQUEST, 0, 0, 1, Fate.FORWARDED);
        Packet dropped = new Packet(1, Direction.B_TO_A, Kind.STUN_RESPONSE, 0, 0, 0, Fate.LOST);
        assertThatThrownBy(() -> new RoundTrip(forwarded, dropped)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be forwarded");
        assertThatThrownBy(() -> new RoundTrip(forwarded, forwarded)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("opposite ways");
        assertThatThrownBy(() -> new Packet(0, null, Kind.OTHER, 0, 0, 0, Fate.LOST))
                .isInstanceOf(NullPointerException.class).hasMessage("direction");
    }

    @Test
    void aRateLimitQueuesABurstAtTheRateTailDropsWhatOverflowsAndRecordsBoth() throws IOException, InterruptedException {
        // 1250 bytes take 10 ms at 125 000 B/s; the queue holds four of them
        relay.rateLimit(Direction.A_TO_B, new ImpairmentRelay.RateLimit(125_000, 5_000));
        relay.impair(Direction.A_TO_B, Impairment.NONE.withDelay(Duration.ofMillis(3)));
        assertThat(relay.rateLimit(Direction.A_TO_B)).contains(new ImpairmentRelay.RateLimit(125_000, 5_000));
        assertThat(relay.rateLimit(Direction.B_TO_A)).isEmpty();
        for (int i = 0; i < 10; i++) {
            send(a, relay.facingAPort(), new byte[1250]);
        }
        assertThat(relay.awaitReceived(Direction.A_TO_B, 10, WAIT)).isTrue();
        int forwarded = 0;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (relay.counters(Direction.A_TO_B).forwardedCount() + relay.record().count(Direction.A_TO_B,
                Fate.TAIL_DROPPED) < 10 && System.nanoTime() - deadline < 0) {
            receive(b);
            forwarded++;
        }
        RelayRecord record = relay.record();
        List<Packet> packets = record.packets();
        System.out.println(record);

        assertThat(packets).hasSize(10).allSatisfy(p -> assertThat(p.sizeBytes()).isEqualTo(1250));
        long tailDropped = record.count(Direction.A_TO_B, Fate.TAIL_DROPPED);
        // a burst read within 40 ms (it takes microseconds) overflows the four-packet queue
        assertThat(tailDropped).isPositive();
        assertThat(record.count(Direction.A_TO_B, Fate.FORWARDED)).isEqualTo(10 - tailDropped).isEqualTo(forwarded);
        assertThat(relay.counters(Direction.A_TO_B).droppedCount()).isEqualTo(tailDropped);
        // the record replays the queue: each admitted packet leaves the bottleneck one transmission after the
        // previous one left or after it arrived, whichever is later; a drop is what would have overflowed
        long freeAt = Long.MIN_VALUE;
        for (Packet p : packets) {
            long backlog = freeAt == Long.MIN_VALUE ? 0 : Math.max(0, freeAt - p.receivedNanos());
            if (p.fate() == Fate.TAIL_DROPPED) {
                assertThat(backlog * 125_000 / 1e9 + 1250).as("dropped only when full: %s", p).isGreaterThan(5_000);
                assertThat(p.queueNanos()).isZero();
                continue;
            }
            assertThat(p.fate()).isEqualTo(Fate.FORWARDED);
            assertThat(p.queueNanos()).as("waited behind what was queued, then 10 ms of its own: %s", p)
                    .isEqualTo(backlog + 10_000_000);
            assertThat(p.holdNanos()).as("held at least queue plus delay").isGreaterThanOrEqualTo(p.queueNanos()
                    + 3_000_000);
            assertThat(p.latenessNanos()).isNotNegative();
            freeAt = p.receivedNanos() + p.queueNanos();
        }
        assertThat(record.queueing(Direction.A_TO_B).minMs()).isGreaterThanOrEqualTo(10.0);
        assertThat(record.queueing(Direction.A_TO_B).maxMs()).isLessThanOrEqualTo(50.0);
        assertThat(record.toString()).contains("tail-dropped " + tailDropped);
    }

    /** A STUN message of {@code type} with an empty body and a transaction id ending in {@code id}. */
    private static byte[] stun(int type, int id) {
        return ByteBuffer.allocate(20).putShort((short) type).putShort((short) 0).putInt(0x2112A442).putLong(0)
                .putInt(id).array();
    }

    private static void send(DatagramSocket socket, int port, int sequence) throws IOException {
        send(socket, port, ByteBuffer.allocate(4).putInt(sequence).array());
    }

    private static void send(DatagramSocket socket, int port, byte[] data) throws IOException {
        socket.send(new DatagramPacket(data, data.length, LOOPBACK, port));
    }

    private static void receive(DatagramSocket socket) throws IOException {
        socket.receive(new DatagramPacket(new byte[2048], 2048)); // bounded by the socket's timeout
    }
}
