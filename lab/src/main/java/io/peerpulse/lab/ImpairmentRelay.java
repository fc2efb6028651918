package io.peerpulse.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A UDP relay on {@code 127.0.0.1} between two endpoints A and B that adds delay, jitter, loss
 * and outages per direction: the ground truth for tests that must know the real RTT.
 *
 * <p>The relay opens two sockets on ephemeral ports. A sends to {@link #facingAPort()}; the relay
 * forwards the packet to B from the B-facing socket. B sends to {@link #facingBPort()}; the relay
 * forwards to A from the A-facing socket. So each side sees the relay as its only peer, which is
 * what ICE needs: give each WebRTC peer the relay's port as the other's candidate.
 *
 * <p>The real addresses of A and B are either set with {@link #connect} or, by default, learned
 * ("latched") from the source address of the first packet that arrives on each side; once known,
 * an address is kept. A packet that arrives while its destination is not known yet is dropped and
 * counted.
 *
 * <p>Impairments can change at any time, from any thread, and apply to packets that arrive from
 * then on. A direction can also have a {@linkplain #rateLimit(Direction, RateLimit) rate limit}: a bounded FIFO
 * queue in front of a slow link, which a packet passes before its delay and jitter (bufferbloat). Per direction a packet is delayed by {@code delay + u}, {@code u} drawn uniformly from
 * {@code [-jitter, +jitter]}, with the total never below zero (so a jitter larger than the delay
 * skews the mean upwards). As with Linux {@code netem}, jitter can reorder packets; without jitter
 * the order within a direction is kept while the delay does not shrink. A packet is lost with the
 * direction's loss probability; during an {@linkplain #outage(Duration) outage} or while
 * {@linkplain #blackhole(boolean) blackholed} everything is dropped, both packets arriving then
 * and packets in flight whose delivery time falls then. Random draws come from one RNG seeded by
 * the constructor, so a run with the same packets makes the same choices.
 *
 * <p>Two daemon threads ({@code peerpulse-relay-receiver-N}, {@code peerpulse-relay-sender-N}) do
 * the work: the receiver reads both sockets through one selector and queues each packet with a
 * {@link System#nanoTime()} deadline; the sender parks until shortly before the deadline of the
 * head packet and spins the rest (as long as {@code parkNanos} has lately been late, plus 20 µs, at
 * most 0.3 ms), so a packet typically leaves within microseconds of its deadline
 * (the deadline counts from when the receiver read the packet, so the wake-up latency of the
 * receiver, typically below 0.1 ms, comes on top).
 *
 * <p>The relay {@linkplain #record() records} what it did with each packet: when it read it, the delay it asked
 * for, when it really sent it, or why it dropped it. Tests compare a measurement with that record, the round
 * trip the link really had, rather than with the nominal delay, which a busy machine does not keep.
 *
 * <p><b>Why one class.</b> About 475 lines of code, one job: two lanes of one relay that share the sockets,
 * the outage state and the one sender thread (whose spin calibration is shared too). The option records
 * ({@link Link}, {@link Impairment}, {@link Counters}) are small nested values; splitting the lanes from the
 * sender would put the packet queue's lock discipline in two places. The record of what it did with each packet
 * is a class of its own ({@code PacketLog}, copied into a {@link RelayRecord}): the relay only tells it.
 *
 * @since 0.1.0
 */
public final class ImpairmentRelay implements AutoCloseable {

    /**
     * The direction a packet travels.
     *
     * @since 0.1.0
     */
    public enum Direction {
        /**
         * From A (arriving on {@link #facingAPort()}) to B.
         *
         * @since 0.1.0
         */
        A_TO_B,
        /**
         * From B (arriving on {@link #facingBPort()}) to A.
         *
         * @since 0.1.0
         */
        B_TO_A
    }

    /**
     * The impairment of one direction.
     *
     * @param delay     fixed one-way delay, {@code >= 0}
     * @param jitter    half-width of the uniform jitter, {@code >= 0}
     * @param lossRatio probability that a packet is dropped, in {@code [0, 1]}
     * @since 0.1.0
     */
    public record Impairment(Duration delay, Duration jitter, double lossRatio) {

        /**
         * Validates the components.
         *
         * @param delay     see the record description
         * @param jitter    see the record description
         * @param lossRatio see the record description
         * @throws IllegalArgumentException naming the bad component
         * @since 0.1.0
         */
        public Impairment {
            requireNonNegative(delay, "delay");
            requireNonNegative(jitter, "jitter");
            requireProbability(lossRatio, "lossRatio");
        }

        /**
         * No delay, no jitter, no loss.
         *
         * @since 0.1.0
         */
        public static final Impairment NONE = new Impairment(Duration.ZERO, Duration.ZERO, 0);

        /**
         * @param delay the fixed one-way delay, {@code >= 0}
         * @return this impairment with that delay
         * @since 0.1.0
         */
        public Impairment withDelay(Duration delay) {
            return new Impairment(delay, jitter, lossRatio);
        }

        /**
         * @param jitter the half-width of the uniform jitter, {@code >= 0}
         * @return this impairment with that jitter
         * @since 0.1.0
         */
        public Impairment withJitter(Duration jitter) {
            return new Impairment(delay, jitter, lossRatio);
        }

        /**
         * @param lossRatio the probability that a packet is dropped, in {@code [0, 1]}
         * @return this impairment with that loss
         * @since 0.1.0
         */
        public Impairment withLoss(double lossRatio) {
            return new Impairment(delay, jitter, lossRatio);
        }
    }

    /**
     * The impairment of the link as a whole, both directions alike: a round trip split evenly over
     * the two directions, and each direction's jitter and loss.
     *
     * <pre>{@code
     * relay.impair(Link.roundTrip(Duration.ofMillis(80)).withJitter(Duration.ofMillis(5)).withLoss(0.1));
     * }</pre>
     *
     * @param roundTrip the round trip the delays add up to, {@code >= 0} and at most 1 h (A to B gets the odd
     *                  nanosecond)
     * @param jitter    half-width of the uniform jitter of each direction, {@code >= 0}
     * @param lossRatio probability that a packet is dropped in each direction, in {@code [0, 1]}
     * @since 0.1.0
     */
    public record Link(Duration roundTrip, Duration jitter, double lossRatio) {

        /**
         * Validates the components.
         *
         * @param roundTrip see the record description
         * @param jitter    see the record description
         * @param lossRatio see the record description
         * @throws IllegalArgumentException naming the bad component
         * @since 0.1.0
         */
        public Link {
            requireNonNegative(roundTrip, "roundTrip");
            requireNonNegative(jitter, "jitter");
            requireProbability(lossRatio, "lossRatio");
        }

        /**
         * @param roundTrip the round trip, {@code >= 0}
         * @return a link with that round trip, no jitter and no loss
         * @since 0.1.0
         */
        public static Link roundTrip(Duration roundTrip) {
            return new Link(roundTrip, Duration.ZERO, 0);
        }

        /**
         * @param jitter the half-width of each direction's uniform jitter, {@code >= 0}
         * @return this link with that jitter
         * @since 0.1.0
         */
        public Link withJitter(Duration jitter) {
            return new Link(roundTrip, jitter, lossRatio);
        }

        /**
         * @param lossRatio the probability that a packet is dropped in each direction, in {@code [0, 1]}
         * @return this link with that loss
         * @since 0.1.0
         */
        public Link withLoss(double lossRatio) {
            return new Link(roundTrip, jitter, lossRatio);
        }

        /**
         * @param direction a direction
         * @return that direction's impairment: half the round trip, the jitter and the loss
         * @since 0.1.0
         */
        public Impairment impairment(Direction direction) {
            Duration half = roundTrip.dividedBy(2);
            return new Impairment(direction == Direction.A_TO_B ? roundTrip.minus(half) : half, jitter, lossRatio);
        }
    }

    /**
     * A bottleneck in one direction: a link of {@code rateBytes} fed by a FIFO queue of at most
     * {@code queueBytes}, tail drop when full, as a home router's deep buffer in front of a slow uplink. A packet
     * that arrives (and is not dropped by an outage or the random loss) waits behind the bytes still queued, is
     * sent at the rate (its whole size: UDP payload, no IP/UDP header counted), and then gets the direction's
     * delay and jitter; it is tail-dropped ({@link RelayRecord.Fate#TAIL_DROPPED}) when the bytes still waiting
     * or in transmission plus its own would exceed {@code queueBytes}. The record says how long each forwarded
     * packet spent there ({@link RelayRecord.Packet#queueNanos()}).
     *
     * <pre>{@code
     * relay.rateLimit(Direction.A_TO_B, RateLimit.of(125_000, Duration.ofMillis(500))); // 1 Mbit/s, 500 ms queue
     * }</pre>
     *
     * @param rateBytes  the link's rate: the bytes it sends each second, {@code > 0}
     * @param queueBytes the most bytes queued or in transmission, a packet's own included, {@code >= 0}
     * @since 0.1.0
     */
    public record RateLimit(long rateBytes, long queueBytes) {

        /**
         * Validates the components.
         *
         * @param rateBytes  see the record description
         * @param queueBytes see the record description
         * @throws IllegalArgumentException naming the bad component
         * @since 0.1.0
         */
        public RateLimit {
            if (rateBytes <= 0) {
                throw new IllegalArgumentException("rateBytes must be > 0: " + rateBytes);
            }
            if (queueBytes < 0) {
                throw new IllegalArgumentException("queueBytes must be >= 0: " + queueBytes);
            }
        }

        /**
         * A rate limit whose queue holds {@code queue} worth of bytes at that rate (rounded down).
         *
         * @param rateBytes the link's rate: the bytes it sends each second, {@code > 0}
         * @param queue     the longest a packet can wait, {@code >= 0} and at most 1 h
         * @return the rate limit
         * @throws IllegalArgumentException naming the bad argument
         * @since 0.1.0
         */
        public static RateLimit of(long rateBytes, Duration queue) {
            requireNonNegative(queue, "queue");
            if (rateBytes <= 0) {
                throw new IllegalArgumentException("rateBytes must be > 0: " + rateBytes);
            }
            return new RateLimit(rateBytes,
                    (long) Math.min(Long.MAX_VALUE, (double) rateBytes * queue.toNanos() / 1e9));
        }
    }

    /**
     * Packet counts of one direction since the relay started.
     *
     * @param receivedCount  packets read from the socket facing the sender
     * @param forwardedCount packets sent on to the receiver
     * @param droppedCount   packets dropped: lost, during an outage, with an unknown destination, tail-dropped
     *                       by a full {@linkplain RateLimit rate-limit} queue, or queued when the relay closed
     * @since 0.1.0
     */
    public record Counters(long receivedCount, long forwardedCount, long droppedCount) {
    }

    /**
     * How many packets {@link #record()} keeps, the latest: at a few hundred packets a second (two WebRTC peers
     * with a data channel at 60 Hz) several minutes of traffic. About 52 bytes a packet, allocated up front.
     *
     * @since 0.1.0
     */
    public static final int RECORD_CAPACITY = 1 << 16;

    private static final AtomicLong INSTANCES = new AtomicLong();
    private static final int MAX_DATAGRAM = 65_536;
    private static final Duration MAX_DELAY = Duration.ofHours(1);
    /** The longest stretch before a deadline that the sender spins instead of parking. */
    private static final long MAX_SPIN_NANOS = 300_000;
    /** What the sender spins beyond the overshoot it expects of {@code parkNanos}. */
    private static final long SPIN_SPARE_NANOS = 20_000;

    /** Replaced by {@link #rebindFacingA()}; read by the receiver, the sender and the callers. */
    private volatile DatagramChannel facingA;
    private final DatagramChannel facingB;
    private final Selector selector;
    private final SplittableRandom random;
    private final Thread receiver;
    private final Thread sender;
    private final Map<Direction, Lane> lanes = new EnumMap<>(Direction.class);
    private final PriorityQueue<Packet> queue = new PriorityQueue<>();
    private final Object queueLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final PacketLog log = new PacketLog(RECORD_CAPACITY);
    private volatile @Nullable InetSocketAddress endpointA;
    private volatile @Nullable InetSocketAddress endpointB;
    private volatile boolean learning = true;
    private volatile boolean blackholed;
    /** End of the latest outage; the construction time when there was none. */
    private volatile long outageUntilNanos = System.nanoTime();
    private long sequence;

    /**
     * Opens the relay with a fixed seed (0) and no impairment.
     *
     * @throws UncheckedIOException when a socket cannot be opened
     * @since 0.1.0
     */
    public ImpairmentRelay() {
        this(0L);
    }

    /**
     * Opens the relay with no impairment; its sockets are bound and its threads run on return.
     *
     * @param seed seed of the random draws for jitter and loss
     * @throws UncheckedIOException when a socket cannot be opened
     * @since 0.1.0
     */
    public ImpairmentRelay(long seed) {
        this.random = new SplittableRandom(seed);
        for (Direction direction : Direction.values()) {
            lanes.put(direction, new Lane());
        }
        long id = INSTANCES.incrementAndGet();
        DatagramChannel a = null;
        DatagramChannel b = null;
        Selector s = null;
        try {
            a = open();
            b = open();
            s = Selector.open();
            a.register(s, SelectionKey.OP_READ, Direction.A_TO_B);
            b.register(s, SelectionKey.OP_READ, Direction.B_TO_A);
        } catch (IOException e) {
            closeQuietly(a);
            closeQuietly(b);
            closeQuietly(s);
            throw new UncheckedIOException("cannot open the relay's sockets on 127.0.0.1", e);
        }
        this.facingA = a;
        this.facingB = b;
        this.selector = s;
        this.receiver = new Thread(this::receiveLoop, "peerpulse-relay-receiver-" + id);
        this.sender = new Thread(this::sendLoop, "peerpulse-relay-sender-" + id);
        receiver.setDaemon(true);
        sender.setDaemon(true);
        receiver.start();
        sender.start();
    }

    /**
     * The port on {@code 127.0.0.1} that A sends to.
     *
     * @return the A-facing port
     * @since 0.1.0
     */
    public int facingAPort() {
        return localPort(facingA);
    }

    /**
     * A NAT rebinding on B's side, as A sees it: the A-facing socket is replaced by one on a new port, so B's packets
     * reach A from a new address from now on, and what A still sends to the old port is lost (the port is closed:
     * A's kernel gets an ICMP port unreachable, as from a NAT whose mapping expired). The relay records nothing of
     * those packets, which it never reads; the endpoints it knows are kept.
     *
     * @return this relay
     * @throws UncheckedIOException when the new socket cannot be opened or registered
     * @throws IllegalStateException when the relay is closed
     * @since 0.1.0
     */
    public ImpairmentRelay rebindFacingA() {
        if (closed.get()) {
            throw new IllegalStateException("the relay is closed");
        }
        DatagramChannel fresh = null;
        try {
            fresh = open();
            fresh.register(selector, SelectionKey.OP_READ, Direction.A_TO_B); // does not wait for select() (JDK 11+)
        } catch (IOException e) {
            closeQuietly(fresh);
            throw new UncheckedIOException("cannot open the relay's new A-facing socket on 127.0.0.1", e);
        } catch (ClosedSelectorException closedMeanwhile) {
            closeQuietly(fresh);
            throw new IllegalStateException("the relay is closed", closedMeanwhile);
        }
        DatagramChannel old = facingA;
        facingA = fresh;
        closeQuietly(old);
        if (closed.get()) {
            closeQuietly(fresh); // close() ran meanwhile and may have closed the old one only
        }
        selector.wakeup();
        return this;
    }

    /**
     * The port on {@code 127.0.0.1} that B sends to.
     *
     * @return the B-facing port
     * @since 0.1.0
     */
    public int facingBPort() {
        return localPort(facingB);
    }

    /**
     * Sets the real addresses of A and B and stops learning them from incoming packets.
     *
     * @param a where packets for A go
     * @param b where packets for B go
     * @return this relay
     * @since 0.1.0
     */
    public ImpairmentRelay connect(InetSocketAddress a, InetSocketAddress b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        learning = false;
        endpointA = a;
        endpointB = b;
        return this;
    }

    /**
     * A's address, once set or learned.
     *
     * @return where packets for A go, or empty while unknown
     * @since 0.1.0
     */
    public Optional<InetSocketAddress> endpointA() {
        return Optional.ofNullable(endpointA);
    }

    /**
     * B's address, once set or learned.
     *
     * @return where packets for B go, or empty while unknown
     * @since 0.1.0
     */
    public Optional<InetSocketAddress> endpointB() {
        return Optional.ofNullable(endpointB);
    }

    /**
     * Sets the impairment of one direction; packets already queued keep their delivery time.
     *
     * @param direction the direction
     * @param impairment its new impairment
     * @return this relay
     * @since 0.1.0
     */
    public ImpairmentRelay impair(Direction direction, Impairment impairment) {
        Objects.requireNonNull(impairment, "impairment");
        lane(direction).impairment = impairment;
        return this;
    }

    /**
     * Sets the impairment of both directions from one link description.
     *
     * @param link the link
     * @return this relay
     * @since 0.1.0
     */
    public ImpairmentRelay impair(Link link) {
        Objects.requireNonNull(link, "link");
        for (Direction direction : Direction.values()) {
            impair(direction, link.impairment(direction));
        }
        return this;
    }

    /**
     * Limits one direction's rate, with a bounded FIFO queue in front ({@link RateLimit}), or lifts the limit
     * ({@code null}); packets already queued keep their delivery time, and bytes admitted earlier still occupy the
     * queue under a new limit, as the bytes they are (sent at the rate they were admitted at), until sent.
     *
     * @param direction the direction
     * @param limit     its rate limit, or {@code null} for none (the default)
     * @return this relay
     * @since 0.1.0
     */
    public ImpairmentRelay rateLimit(Direction direction, @Nullable RateLimit limit) {
        lane(direction).rateLimit = limit;
        return this;
    }

    /**
     * The current rate limit of one direction.
     *
     * @param direction the direction
     * @return its rate limit, or empty when it has none
     * @since 0.1.0
     */
    public Optional<RateLimit> rateLimit(Direction direction) {
        return Optional.ofNullable(lane(direction).rateLimit);
    }

    /**
     * The current impairment of one direction.
     *
     * @param direction the direction
     * @return its impairment
     * @since 0.1.0
     */
    public Impairment impairment(Direction direction) {
        return lane(direction).impairment;
    }

    /**
     * Drops everything in both directions for {@code duration}, starting now; a later call
     * replaces the end of the current outage.
     *
     * @param duration how long, {@code >= 0}
     * @return this relay
     * @throws IllegalArgumentException when {@code duration} is negative or too long
     * @since 0.1.0
     */
    public ImpairmentRelay outage(Duration duration) {
        requireNonNegative(duration, "duration");
        outageUntilNanos = System.nanoTime() + duration.toNanos();
        return this;
    }

    /**
     * Drops everything in both directions while {@code on}, until called with {@code false}.
     *
     * @param on whether to drop everything
     * @return this relay
     * @since 0.1.0
     */
    public ImpairmentRelay blackhole(boolean on) {
        blackholed = on;
        return this;
    }

    /**
     * The packet counts of one direction.
     *
     * @param direction the direction
     * @return a snapshot of its counters
     * @since 0.1.0
     */
    public Counters counters(Direction direction) {
        Lane lane = lane(direction);
        // in the reverse of the order a packet is counted (received first, then forwarded or dropped, and a failed
        // send moves it from forwarded to dropped): no packet handled then shows up unreceived, nor counted twice
        long dropped = lane.dropped.get();
        long forwarded = lane.forwarded.get();
        return new Counters(lane.received.get(), forwarded, dropped);
    }

    /**
     * What the relay did with the latest {@value #RECORD_CAPACITY} packets it read, in both directions: when it
     * read each, the delay it asked for, when it really sent it or why it dropped it.
     *
     * @return a snapshot; packets still queued show as {@link RelayRecord.Fate#QUEUED}
     * @since 0.1.0
     */
    public RelayRecord record() {
        return log.snapshot();
    }

    /**
     * Waits until the relay has received at least {@code count} packets in {@code direction}
     * since it started, and queued or dropped each, or the timeout elapses: a bounded wait for
     * real traffic.
     *
     * @param direction the direction
     * @param count how many packets, counting from the start of the relay
     * @param timeout how long to wait at most
     * @return whether that many packets arrived in time
     * @throws InterruptedException when interrupted while waiting
     * @since 0.1.0
     */
    public boolean awaitReceived(Direction direction, long count, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        Lane lane = lane(direction);
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        synchronized (lane) {
            lane.waiters++;
            try {
                while (lane.settled.get() < count) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(lane, left);
                }
                return true;
            } finally {
                lane.waiters--;
            }
        }
    }

    /**
     * Stops both threads and closes both sockets, dropping queued packets; idempotent. The ports
     * are free again on return.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(selector);
        closeQuietly(facingA);
        closeQuietly(facingB);
        LockSupport.unpark(sender);
        boolean interrupted = false;
        for (Thread thread : new Thread[] {receiver, sender}) {
            if (thread == Thread.currentThread()) {
                continue;
            }
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        synchronized (queueLock) {
            for (Packet packet : queue) {
                lane(packet.direction).dropped.incrementAndGet();
                log.dropped(packet.number, RelayRecord.Fate.CLOSED);
            }
            queue.clear();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Describes the ports, impairments and counters, for failure messages.
     *
     * @since 0.1.0
     */
    @Override
    public String toString() {
        return "ImpairmentRelay[facingA=" + facingAPort() + ", facingB=" + facingBPort()
                + ", A_TO_B=" + impairment(Direction.A_TO_B) + " " + rateLimit(Direction.A_TO_B).map(l -> l + " ")
                .orElse("") + counters(Direction.A_TO_B)
                + ", B_TO_A=" + impairment(Direction.B_TO_A) + " " + rateLimit(Direction.B_TO_A).map(l -> l + " ")
                .orElse("") + counters(Direction.B_TO_A)
                + (blackholed ? ", blackholed" : "") + (closed.get() ? ", closed" : "") + "]";
    }

    private void receiveLoop() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
        try {
            while (!closed.get()) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    Direction direction = (Direction) key.attachment();
                    DatagramChannel channel = (DatagramChannel) key.channel();
                    SocketAddress source;
                    try {
                        while ((source = receive(channel, buffer)) != null) {
                            buffer.flip();
                            byte[] data = new byte[buffer.remaining()];
                            buffer.get(data);
                            accept(direction, (InetSocketAddress) source, data);
                        }
                    } catch (java.nio.channels.ClosedChannelException rebound) {
                        if (closed.get()) {
                            return;
                        }
                        // the socket rebindFacingA() replaced: its key is cancelled, the new one is registered
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (ClosedSelectorException | IOException e) {
            // closed: nothing more to relay
        }
    }

    private static SocketAddress receive(DatagramChannel channel, ByteBuffer buffer) throws IOException {
        buffer.clear();
        return channel.receive(buffer);
    }

    private void accept(Direction direction, InetSocketAddress source, byte[] data) {
        Lane lane = lane(direction);
        lane.received.incrementAndGet();
        try {
            queueOrDrop(lane, direction, source, data);
        } finally {
            // waiters learn of the packet once it was queued or dropped, so counters are settled: they wait for
            // this count, not for received, which is counted first (so that no snapshot shows a packet forwarded
            // before it was received)
            lane.settled.incrementAndGet();
            if (lane.waiters > 0) {
                synchronized (lane) {
                    lane.notifyAll();
                }
            }
        }
    }

    private void queueOrDrop(Lane lane, Direction direction, InetSocketAddress source, byte[] data) {
        if (learning) {
            if (direction == Direction.A_TO_B && endpointA == null) {
                endpointA = source;
            } else if (direction == Direction.B_TO_A && endpointB == null) {
                endpointB = source;
            }
        }
        long now = System.nanoTime();
        Impairment impairment = lane.impairment;
        boolean destinationUnknown = (direction == Direction.A_TO_B ? endpointB : endpointA) == null;
        RelayRecord.Fate drop = destinationUnknown ? RelayRecord.Fate.NO_DESTINATION
                : isDown(now) ? RelayRecord.Fate.DOWN
                : impairment.lossRatio() > 0 && random.nextDouble() < impairment.lossRatio() ? RelayRecord.Fate.LOST
                : null;
        RateLimit limit = lane.rateLimit;
        long queued = 0;
        if (drop == null && limit != null) {
            queued = lane.bottleneck.admit(now, data.length, limit);
            if (queued == Bottleneck.TAIL_DROP) {
                drop = RelayRecord.Fate.TAIL_DROPPED;
            }
        }
        if (drop != null) {
            lane.dropped.incrementAndGet();
            log.received(direction, data, now, 0, 0, drop);
            return;
        }
        long delay = impairment.delay().toNanos();
        long jitter = impairment.jitter().toNanos();
        if (jitter > 0) {
            delay = Math.max(0, delay + random.nextLong(-jitter, jitter + 1));
        }
        long number = log.received(direction, data, now, delay, queued, RelayRecord.Fate.QUEUED);
        synchronized (queueLock) {
            queue.add(new Packet(direction, data, now + queued + delay, sequence++, number));
            if (queue.peek().sequence == sequence - 1) {
                // the new packet is due first: wake the sender to re-aim its park
                LockSupport.unpark(sender);
            }
        }
    }

    private void sendLoop() {
        List<Packet> due = new ArrayList<>();
        // how late parkNanos wakes on this machine (timer slack and wake-up, ~0.1 ms on Linux), as a
        // moving average: the sender parks until that much before a deadline and spins the little rest
        long parkOvershoot = MAX_SPIN_NANOS - SPIN_SPARE_NANOS;
        while (!closed.get()) {
            Packet head;
            synchronized (queueLock) {
                head = queue.peek();
            }
            if (head == null) {
                LockSupport.park(this); // the receiver unparks when a packet becomes the head
                continue;
            }
            long now = System.nanoTime();
            long spin = Math.min(MAX_SPIN_NANOS, parkOvershoot + SPIN_SPARE_NANOS);
            long wait = head.deadline - now;
            if (wait > spin) {
                long wake = now + (wait - spin);
                LockSupport.parkNanos(this, wait - spin);
                long late = System.nanoTime() - wake;
                if (late > 0) { // not an early unpark by the receiver
                    parkOvershoot += (Math.min(late, MAX_SPIN_NANOS) - parkOvershoot) / 8;
                }
                continue;
            }
            while (head.deadline - System.nanoTime() > 0) {
                Thread.onSpinWait();
            }
            synchronized (queueLock) {
                now = System.nanoTime();
                while (!queue.isEmpty() && queue.peek().deadline - now <= 0) {
                    due.add(queue.poll());
                }
            }
            for (Packet packet : due) {
                forward(packet);
            }
            due.clear();
        }
    }

    private void forward(Packet packet) {
        Lane lane = lane(packet.direction);
        InetSocketAddress target = packet.direction == Direction.A_TO_B ? endpointB : endpointA;
        DatagramChannel out = packet.direction == Direction.A_TO_B ? facingB : facingA;
        if (target == null || isDown(System.nanoTime())) {
            lane.dropped.incrementAndGet();
            log.dropped(packet.number, target == null ? RelayRecord.Fate.NO_DESTINATION : RelayRecord.Fate.DOWN);
            return;
        }
        // counted before sending, so that whoever received the packet already sees it counted
        lane.forwarded.incrementAndGet();
        boolean sent;
        // recorded before the send call, like the counter: no receiver can see the packet earlier than this time,
        // nor see it unrecorded
        log.sent(packet.number, System.nanoTime());
        try {
            sent = out.send(ByteBuffer.wrap(packet.data), target) > 0;
        } catch (IOException e) {
            // e.g. ICMP port unreachable from a peer that went away: a lost packet, as on a real path
            sent = false;
        }
        if (!sent) {
            lane.forwarded.decrementAndGet();
            lane.dropped.incrementAndGet();
            log.dropped(packet.number, RelayRecord.Fate.SEND_FAILED);
        }
    }

    private boolean isDown(long now) {
        return blackholed || now - outageUntilNanos < 0;
    }

    private Lane lane(Direction direction) {
        // the constructor gave every direction its lane
        return Objects.requireNonNull(lanes.get(Objects.requireNonNull(direction, "direction")), "lane");
    }

    private static DatagramChannel open() throws IOException {
        DatagramChannel channel = DatagramChannel.open();
        try {
            // room for bursts: the default buffer holds only a few hundred small datagrams
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, 1 << 20);
            channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            channel.configureBlocking(false);
            return channel;
        } catch (IOException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static int localPort(DatagramChannel channel) {
        return channel.socket().getLocalPort();
    }

    private static void closeQuietly(@Nullable AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }

    static void requireNonNegative(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must be >= 0: " + value);
        }
        if (value.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException(name + " must be at most 1 hour: " + value);
        }
    }

    static void requireProbability(double value, String name) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1]: " + value);
        }
    }

    /** One direction's impairment and counters. */
    private static final class Lane {
        volatile Impairment impairment = Impairment.NONE;
        volatile @Nullable RateLimit rateLimit;
        /** The rate limit's queue; the receiver thread's only. */
        final Bottleneck bottleneck = new Bottleneck();
        /** Threads in {@link #awaitReceived}; written under the lane's monitor. */
        volatile int waiters;
        final AtomicLong received = new AtomicLong();
        /** Packets received and then queued or dropped: what {@link #awaitReceived} waits for. */
        final AtomicLong settled = new AtomicLong();
        final AtomicLong forwarded = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
    }

    /** A queued packet, {@code number} in the packet log; earlier deadline first, then arrival order. */
    private record Packet(Direction direction, byte[] data, long deadline, long sequence, long number)
            implements Comparable<Packet> {
        @Override
        public int compareTo(Packet other) {
            int byDeadline = Long.compare(deadline - other.deadline, 0);
            return byDeadline != 0 ? byDeadline : Long.compare(sequence, other.sequence);
        }
    }
}
