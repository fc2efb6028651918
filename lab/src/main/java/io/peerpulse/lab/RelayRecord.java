package io.peerpulse.lab;

import io.peerpulse.lab.ImpairmentRelay.Direction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an {@link ImpairmentRelay} really did with the packets it read: when it read each one, the delay it asked
 * for (the direction's delay plus the jitter drawn), how long it spent at the direction's rate limit (if any), when
 * it actually sent it, or why it dropped it. Times are
 * {@link System#nanoTime()} readings of the relay's threads, so a test in the same JVM can cut out its own
 * measurement window.
 *
 * <p>This is the truth that real-time tests compare with, rather than the nominal delay: on a busy machine the
 * relay's sender thread wakes late, the link really is slower than asked, and the record says by how much
 * ({@link #lateness(Direction)}). The relay reads a packet when its receiver thread wakes, so the time a packet
 * waited in the relay's socket before that is not in the record (on a quiet machine below 0.1 ms).
 *
 * <p>A snapshot, immutable: take a new one with {@link ImpairmentRelay#record()} to see later packets. The relay
 * keeps the latest {@value ImpairmentRelay#RECORD_CAPACITY} packets; {@link #overwrittenCount()} says how many
 * earlier ones are no longer in it.
 *
 * <pre>{@code
 * long from = System.nanoTime();
 * // ... measure ...
 * RelayRecord window = relay.record().between(from, System.nanoTime());
 * double truthMs = window.stunRoundTripSpread(Direction.A_TO_B).medianMs();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class RelayRecord {

    /**
     * What kind of packet the relay saw, from its first bytes.
     *
     * @since 0.1.0
     */
    public enum Kind {
        /**
         * A STUN binding request (an ICE connectivity or consent check).
         *
         * @since 0.1.0
         */
        STUN_REQUEST,
        /**
         * A STUN binding response, success or error; its transaction id names its request.
         *
         * @since 0.1.0
         */
        STUN_RESPONSE,
        /**
         * Anything else: DTLS (data channels), SRTP, STUN indications, or not WebRTC at all.
         *
         * @since 0.1.0
         */
        OTHER
    }

    /**
     * What became of a packet.
     *
     * @since 0.1.0
     */
    public enum Fate {
        /**
         * Waiting for its delivery time when the record was taken.
         *
         * @since 0.1.0
         */
        QUEUED,
        /**
         * Sent on to its destination.
         *
         * @since 0.1.0
         */
        FORWARDED,
        /**
         * Dropped by the direction's random loss.
         *
         * @since 0.1.0
         */
        LOST,
        /**
         * Dropped by an outage or the blackhole, on arrival or when it was due.
         *
         * @since 0.1.0
         */
        DOWN,
        /**
         * Dropped because its destination was not known yet.
         *
         * @since 0.1.0
         */
        NO_DESTINATION,
        /**
         * Dropped because the socket refused to send it (e.g. the peer went away).
         *
         * @since 0.1.0
         */
        SEND_FAILED,
        /**
         * Dropped because the relay closed while it was queued.
         *
         * @since 0.1.0
         */
        CLOSED,
        /**
         * Dropped on arrival because the direction's {@linkplain ImpairmentRelay.RateLimit rate-limit} queue was
         * full (tail drop).
         *
         * @since 0.1.0
         */
        TAIL_DROPPED
    }

    /**
     * One packet the relay read.
     *
     * @param sequenceNumber the packet's number: 0, 1, 2, … in the order the relay read packets
     * @param direction      the direction it travelled
     * @param kind           what kind of packet it was
     * @param receivedNanos  when the relay read it, {@link System#nanoTime()}
     * @param askedDelayNanos the delay the relay asked for it (delay plus the jitter drawn); 0 when dropped on arrival
     * @param sentNanos      when the relay sent it on, {@link System#nanoTime()}; 0 unless {@link Fate#FORWARDED}
     * @param fate           what became of it
     * @param queueNanos     the time it spent at the direction's {@linkplain ImpairmentRelay.RateLimit rate limit}
     *                       before its delay: waiting behind the bytes queued before it, then its own transmission
     *                       at the rate; 0 without a rate limit and when dropped on arrival, {@code >= 0}
     * @param sizeBytes      its size, the UDP payload, bytes
     * @since 0.1.0
     */
    public record Packet(long sequenceNumber, Direction direction, Kind kind, long receivedNanos, long askedDelayNanos,
                         long sentNanos, Fate fate, long queueNanos, int sizeBytes) {

        /**
         * A packet that met no rate limit, size unknown (0).
         *
         * @param sequenceNumber  the packet's number
         * @param direction       the direction it travelled
         * @param kind            what kind of packet it was
         * @param receivedNanos   when the relay read it
         * @param askedDelayNanos the delay the relay asked for it
         * @param sentNanos       when the relay sent it on; 0 unless forwarded
         * @param fate            what became of it
         * @since 0.1.0
         */
        public Packet(long sequenceNumber, Direction direction, Kind kind, long receivedNanos, long askedDelayNanos,
                      long sentNanos, Fate fate) {
            this(sequenceNumber, direction, kind, receivedNanos, askedDelayNanos, sentNanos, fate, 0, 0);
        }

        /**
         * Validates the components.
         *
         * @param sequenceNumber  see the record description
         * @param direction       see the record description
         * @param kind            see the record description
         * @param receivedNanos   see the record description
         * @param askedDelayNanos see the record description
         * @param sentNanos       see the record description
         * @param fate            see the record description
         * @param queueNanos      see the record description
         * @param sizeBytes       see the record description
         * @throws NullPointerException when {@code direction}, {@code kind} or {@code fate} is null
         * @since 0.1.0
         */
        public Packet {
            Objects.requireNonNull(direction, "direction");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(fate, "fate");
        }

        /**
         * How long the relay really held the packet.
         *
         * @return the time from reading to sending, ns
         * @throws IllegalStateException when the packet was not forwarded
         * @since 0.1.0
         */
        public long holdNanos() {
            if (fate != Fate.FORWARDED) {
                throw new IllegalStateException("packet " + sequenceNumber + " was not forwarded: " + fate);
            }
            return sentNanos - receivedNanos;
        }

        /**
         * How much longer than asked the relay held the packet: the sender thread's lateness.
         *
         * @return the hold minus the queueing time and the asked delay, ns (negative would mean early)
         * @throws IllegalStateException when the packet was not forwarded
         * @since 0.1.0
         */
        public long latenessNanos() {
            return holdNanos() - queueNanos - askedDelayNanos;
        }
    }

    /**
     * One STUN transaction through the relay: a binding request and its response, paired by transaction id.
     *
     * @param request  the request, forwarded
     * @param response the response, forwarded, travelling the other way
     * @since 0.1.0
     */
    public record RoundTrip(Packet request, Packet response) {

        /**
         * Validates the pair.
         *
         * @param request  see the record description
         * @param response see the record description
         * @throws IllegalArgumentException when either was not forwarded or both travelled the same way
         * @since 0.1.0
         */
        public RoundTrip {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(response, "response");
            if (request.fate() != Fate.FORWARDED || response.fate() != Fate.FORWARDED) {
                throw new IllegalArgumentException("both packets of a round trip must be forwarded: " + request
                        + ", " + response);
            }
            if (request.direction() == response.direction()) {
                throw new IllegalArgumentException("a request and its response travel opposite ways: " + request
                        + ", " + response);
            }
        }

        /**
         * The round trip the relay imposed: the actual holds of the request and of the response.
         *
         * @return the sum of both holds, ns
         * @since 0.1.0
         */
        public long imposedNanos() {
            return request.holdNanos() + response.holdNanos();
        }

        /**
         * The round trip the relay was asked to impose: the asked delays of both packets.
         *
         * @return the sum of both asked delays, ns
         * @since 0.1.0
         */
        public long askedNanos() {
            return request.askedDelayNanos() + response.askedDelayNanos();
        }

        /**
         * The round trip as the relay saw it: from reading the request to sending the response, so the
         * imposed round trip plus the far side's turnaround (its answering time and both loopback hops).
         *
         * @return response sent minus request read, ns
         * @since 0.1.0
         */
        public long spanNanos() {
            return response.sentNanos() - request.receivedNanos();
        }
    }

    /**
     * The spread of a set of durations, in milliseconds; quantiles interpolate linearly between closest ranks,
     * as {@code LatencyStats} does. With no durations the value count is 0 and every value {@code NaN}.
     *
     * @param valueCount how many durations
     * @param minMs    the shortest
     * @param medianMs the middle one; the mean of the two middle ones when the count is even
     * @param meanMs   the mean
     * @param p95Ms    the 95th percentile
     * @param maxMs    the longest
     * @since 0.1.0
     */
    public record Spread(int valueCount, double minMs, double medianMs, double meanMs, double p95Ms, double maxMs) {

        /**
         * The spread of some durations.
         *
         * @param nanos durations, ns
         * @return their spread
         * @throws NullPointerException when {@code nanos} is null
         * @since 0.1.0
         */
        public static Spread ofNanos(long... nanos) {
            Objects.requireNonNull(nanos, "nanos");
            if (nanos.length == 0) {
                return new Spread(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            double sum = 0;
            for (long n : sorted) {
                sum += n;
            }
            return new Spread(sorted.length, sorted[0] / 1e6, quantile(sorted, 0.5), sum / sorted.length / 1e6,
                    quantile(sorted, 0.95), sorted[sorted.length - 1] / 1e6);
        }

        /**
         * Adds two spreads statistic by statistic: for independent halves of a round trip, exact for the mean,
         * the minimum and the maximum, and close for the median and p95 when each half's spread is narrow.
         *
         * @param other the other half
         * @return the sums; the value count is the smaller of the two
         * @since 0.1.0
         */
        public Spread plus(Spread other) {
            Objects.requireNonNull(other, "other");
            return new Spread(Math.min(valueCount, other.valueCount), minMs + other.minMs, medianMs + other.medianMs,
                    meanMs + other.meanMs, p95Ms + other.p95Ms, maxMs + other.maxMs);
        }

        private static double quantile(long[] sorted, double q) {
            double rank = q * (sorted.length - 1);
            int below = (int) Math.floor(rank);
            int above = Math.min(below + 1, sorted.length - 1);
            return (sorted[below] + (rank - below) * (sorted[above] - sorted[below])) / 1e6;
        }
    }

    private final List<Packet> packets;
    private final long overwrittenCount;
    /** STUN transaction id of each STUN packet, by packet number. */
    private final Map<Long, TransactionId> transactions;

    private RelayRecord(List<Packet> packets, long overwrittenCount, Map<Long, TransactionId> transactions) {
        this.packets = List.copyOf(packets);
        this.overwrittenCount = overwrittenCount;
        this.transactions = transactions;
    }

    /**
     * Every packet in this record, in the order the relay read them.
     *
     * @return the packets, unmodifiable
     * @since 0.1.0
     */
    public List<Packet> packets() {
        return packets;
    }

    /**
     * How many packets the relay read before the first one it still keeps (the record is a bounded ring).
     *
     * @return packets no longer in the relay's record, 0 unless it overflowed
     * @since 0.1.0
     */
    public long overwrittenCount() {
        return overwrittenCount;
    }

    /**
     * The packets the relay read within a window.
     *
     * @param fromNanos the window's start, {@link System#nanoTime()}, inclusive
     * @param toNanos   the window's end, {@link System#nanoTime()}, inclusive
     * @return a record of those packets
     * @throws IllegalArgumentException when {@code toNanos} is before {@code fromNanos}
     * @since 0.1.0
     */
    public RelayRecord between(long fromNanos, long toNanos) {
        if (toNanos - fromNanos < 0) {
            throw new IllegalArgumentException("the window ends (" + toNanos + " ns) before it starts (" + fromNanos
                    + " ns)");
        }
        return filter(p -> p.receivedNanos() - fromNanos >= 0 && toNanos - p.receivedNanos() >= 0);
    }

    /**
     * The packets of one kind.
     *
     * @param kind the kind
     * @return a record of those packets
     * @since 0.1.0
     */
    public RelayRecord only(Kind kind) {
        Objects.requireNonNull(kind, "kind");
        return filter(p -> p.kind() == kind);
    }

    /**
     * How many packets in one direction met a fate.
     *
     * @param direction the direction
     * @param fate      the fate
     * @return how many
     * @since 0.1.0
     */
    public long count(Direction direction, Fate fate) {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(fate, "fate");
        return packets.stream().filter(p -> p.direction() == direction && p.fate() == fate).count();
    }

    /**
     * How many packets in one direction the relay dropped, for whatever reason.
     *
     * @param direction the direction
     * @return the packets neither forwarded nor still queued
     * @since 0.1.0
     */
    public long droppedCount(Direction direction) {
        Objects.requireNonNull(direction, "direction");
        return packets.stream().filter(p -> p.direction() == direction && p.fate() != Fate.FORWARDED
                && p.fate() != Fate.QUEUED).count();
    }

    /**
     * The actual holds of the packets forwarded in one direction: the one-way delay the relay really imposed.
     *
     * @param direction the direction
     * @return the spread of their holds
     * @since 0.1.0
     */
    public Spread holds(Direction direction) {
        return Spread.ofNanos(forwarded(direction).mapToLong(Packet::holdNanos).toArray());
    }

    /**
     * How long the packets forwarded in one direction spent at its {@linkplain ImpairmentRelay.RateLimit rate
     * limit}: waiting in its queue, then their own transmission ({@link Packet#queueNanos()}); all 0 without one.
     *
     * @param direction the direction
     * @return the spread of their queueing times
     * @since 0.1.0
     */
    public Spread queueing(Direction direction) {
        return Spread.ofNanos(forwarded(direction).mapToLong(Packet::queueNanos).toArray());
    }

    /**
     * How late the relay sent the packets forwarded in one direction, against the delay it asked for each.
     *
     * @param direction the direction
     * @return the spread of hold minus asked delay
     * @since 0.1.0
     */
    public Spread lateness(Direction direction) {
        return Spread.ofNanos(forwarded(direction).mapToLong(Packet::latenessNanos).toArray());
    }

    /**
     * The round trip the relay imposed, from each direction's holds: {@code holds(A_TO_B).plus(holds(B_TO_A))}.
     * For packets that cannot be paired (encrypted data-channel traffic); STUN transactions are paired exactly by
     * {@link #stunRoundTrips(Direction)}.
     *
     * @return the sum of both directions' hold spreads
     * @since 0.1.0
     */
    public Spread imposedRoundTrip() {
        return holds(Direction.A_TO_B).plus(holds(Direction.B_TO_A));
    }

    /**
     * The STUN transactions that one side started and the other answered, both packets forwarded: each request
     * paired with the first response that carries its transaction id.
     *
     * @param requestDirection the direction of the requests: {@code A_TO_B} for A's checks, whose round trips
     *                         A's ICE agent measures
     * @return the round trips, in the order of their requests
     * @since 0.1.0
     */
    public List<RoundTrip> stunRoundTrips(Direction requestDirection) {
        Objects.requireNonNull(requestDirection, "requestDirection");
        Map<TransactionId, Packet> open = new HashMap<>();
        List<RoundTrip> trips = new ArrayList<>();
        for (Packet p : packets) {
            if (p.fate() != Fate.FORWARDED) {
                continue;
            }
            if (p.kind() == Kind.STUN_REQUEST && p.direction() == requestDirection) {
                open.put(transactions.get(p.sequenceNumber()), p);
            } else if (p.kind() == Kind.STUN_RESPONSE && p.direction() != requestDirection) {
                Packet request = open.remove(transactions.get(p.sequenceNumber()));
                if (request != null) {
                    trips.add(new RoundTrip(request, p));
                }
            }
        }
        trips.sort((x, y) -> Long.compare(x.request().sequenceNumber(), y.request().sequenceNumber()));
        return List.copyOf(trips);
    }

    /**
     * The spread of the round trips the relay imposed on one side's STUN transactions
     * ({@link RoundTrip#imposedNanos()} of each of {@link #stunRoundTrips(Direction)}).
     *
     * @param requestDirection the direction of the requests
     * @return the spread of the imposed round trips
     * @since 0.1.0
     */
    public Spread stunRoundTripSpread(Direction requestDirection) {
        return Spread.ofNanos(stunRoundTrips(requestDirection).stream().mapToLong(RoundTrip::imposedNanos).toArray());
    }

    /**
     * Summarises the record for failure messages: per direction the packets, drops, holds and lateness.
     *
     * @since 0.1.0
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("RelayRecord[").append(packets.size()).append(" packets");
        if (overwrittenCount > 0) {
            s.append(", ").append(overwrittenCount).append(" overwritten");
        }
        for (Direction d : Direction.values()) {
            s.append(", ").append(d).append(": dropped ").append(droppedCount(d)).append(", hold ")
                    .append(brief(holds(d))).append(", late ").append(brief(lateness(d)));
            long tailDropped = count(d, Fate.TAIL_DROPPED);
            if (tailDropped > 0 || forwarded(d).anyMatch(p -> p.queueNanos() > 0)) {
                s.append(", queued ").append(brief(queueing(d))).append(", tail-dropped ").append(tailDropped);
            }
        }
        return s.append(']').toString();
    }

    private static String brief(Spread s) {
        return String.format(java.util.Locale.ROOT, "n=%d median %.3f mean %.3f p95 %.3f max %.3f ms", s.valueCount(),
                s.medianMs(), s.meanMs(), s.p95Ms(), s.maxMs());
    }

    private java.util.stream.Stream<Packet> forwarded(Direction direction) {
        Objects.requireNonNull(direction, "direction");
        return packets.stream().filter(p -> p.direction() == direction && p.fate() == Fate.FORWARDED);
    }

    private RelayRecord filter(java.util.function.Predicate<Packet> keep) {
        return new RelayRecord(packets.stream().filter(keep).toList(), overwrittenCount, transactions);
    }

    /** A STUN transaction id, 96 bits. */
    private record TransactionId(long high, int low) {
    }

    /** Collects a snapshot; used by the relay's packet log only. */
    static final class Builder {
        private final List<Packet> packets;
        private final long overwrittenCount;
        private final Map<Long, TransactionId> transactions = new HashMap<>();

        Builder(int size, long overwrittenCount) {
            this.packets = new ArrayList<>(size);
            this.overwrittenCount = overwrittenCount;
        }

        void add(long number, Direction direction, Kind kind, long receivedNanos, long askedNanos, long sentNanos,
                 Fate fate, long queueNanos, int sizeBytes, long transactionHigh, int transactionLow) {
            packets.add(new Packet(number, direction, kind, receivedNanos, askedNanos, sentNanos, fate, queueNanos,
                    sizeBytes));
            if (kind != Kind.OTHER) {
                transactions.put(number, new TransactionId(transactionHigh, transactionLow));
            }
        }

        RelayRecord build() {
            return new RelayRecord(packets, overwrittenCount, Map.copyOf(transactions));
        }
    }
}
