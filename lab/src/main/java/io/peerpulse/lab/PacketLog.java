package io.peerpulse.lab;

import io.peerpulse.lab.ImpairmentRelay.Direction;
import io.peerpulse.lab.RelayRecord.Fate;
import io.peerpulse.lab.RelayRecord.Kind;

/**
 * What the relay did with each packet, in a ring of pre-sized primitive arrays: when it read the packet, the
 * delay it asked for, how long it spent at the rate limit's queue, when it really sent it, or why it dropped it. Writing allocates nothing (a monitor enter
 * and a few array stores per packet); {@link #snapshot()} copies the ring into a {@link RelayRecord}.
 *
 * <p>A packet is known by its number ({@code 0, 1, 2, …} in the order the relay read packets); number
 * {@code n} lives in slot {@code n & mask} until {@code capacity} later packets overwrite it.
 */
final class PacketLog {

    /** STUN's magic cookie (RFC 5389), at bytes 4–7 of every STUN message. */
    private static final int STUN_COOKIE = 0x2112A442;

    private final int mask;
    private final long[] receivedNanos;
    private final long[] askedNanos;
    private final long[] sentNanos;
    private final long[] queueNanos;
    private final int[] sizeBytes;
    private final byte[] fate;
    private final byte[] direction;
    private final byte[] kind;
    private final long[] transactionHigh;
    private final int[] transactionLow;
    /** Number of the next packet; guarded by {@code this}, like every array. */
    private long next;

    /** @param capacity how many packets the ring holds, a power of two */
    PacketLog(int capacity) {
        if (capacity <= 0 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        mask = capacity - 1;
        receivedNanos = new long[capacity];
        askedNanos = new long[capacity];
        sentNanos = new long[capacity];
        queueNanos = new long[capacity];
        sizeBytes = new int[capacity];
        fate = new byte[capacity];
        direction = new byte[capacity];
        kind = new byte[capacity];
        transactionHigh = new long[capacity];
        transactionLow = new int[capacity];
    }

    /**
     * Records a packet the receiver read: queued with {@code queued} at the bottleneck, then {@code asked} of
     * delay, or dropped for {@code outcome}.
     *
     * @return the packet's number, for {@link #sent} or {@link #dropped} later
     */
    synchronized long received(Direction from, byte[] data, long nowNanos, long asked, long queued,
                               Fate outcome) {
        long n = next++;
        int slot = (int) n & mask;
        receivedNanos[slot] = nowNanos;
        askedNanos[slot] = asked;
        queueNanos[slot] = queued;
        sizeBytes[slot] = data.length;
        sentNanos[slot] = 0;
        fate[slot] = (byte) outcome.ordinal();
        direction[slot] = (byte) from.ordinal();
        Kind k = kindOf(data);
        kind[slot] = (byte) k.ordinal();
        if (k != Kind.OTHER) {
            transactionHigh[slot] = readLong(data, 8);
            transactionLow[slot] = readInt(data, 16);
        } else {
            transactionHigh[slot] = 0;
            transactionLow[slot] = 0;
        }
        return n;
    }

    /** Records that packet {@code n} left the relay at {@code nowNanos}. */
    synchronized void sent(long n, long nowNanos) {
        if (live(n)) {
            int slot = (int) n & mask;
            sentNanos[slot] = nowNanos;
            fate[slot] = (byte) Fate.FORWARDED.ordinal();
        }
    }

    /** Records that queued packet {@code n} was dropped after all, for {@code why}. */
    synchronized void dropped(long n, Fate why) {
        if (live(n)) {
            fate[(int) n & mask] = (byte) why.ordinal();
        }
    }

    /** A copy of every packet still in the ring, oldest first. */
    synchronized RelayRecord snapshot() {
        int size = (int) Math.min(next, mask + 1L);
        long first = next - size;
        RelayRecord.Builder copy = new RelayRecord.Builder(size, first);
        for (long n = first; n < next; n++) {
            int slot = (int) n & mask;
            copy.add(n, Direction.values()[direction[slot]], Kind.values()[kind[slot]], receivedNanos[slot],
                    askedNanos[slot], sentNanos[slot], Fate.values()[fate[slot]], queueNanos[slot], sizeBytes[slot],
                    transactionHigh[slot], transactionLow[slot]);
        }
        return copy.build();
    }

    /** Whether packet {@code n} is still in the ring (not yet overwritten by a later one). */
    private boolean live(long n) {
        return n < next && next - n <= mask + 1L;
    }

    /** STUN binding requests and responses: the ICE checks, whose transaction id pairs request and answer. */
    static Kind kindOf(byte[] data) {
        // RFC 5389: the top two bits are 0, the length is a multiple of 4 and covers the rest, the cookie is set
        if (data.length < 20 || (data[0] & 0xC0) != 0 || readInt(data, 4) != STUN_COOKIE
                || ((data[2] & 0xFF) << 8 | data[3] & 0xFF) != data.length - 20) {
            return Kind.OTHER;
        }
        int type = (data[0] & 0xFF) << 8 | data[1] & 0xFF;
        int method = type & 0x3EEF;
        int messageClass = type & 0x0110;
        if (method != 0x0001) {
            return Kind.OTHER;
        }
        return switch (messageClass) {
            case 0x0000 -> Kind.STUN_REQUEST;
            case 0x0100, 0x0110 -> Kind.STUN_RESPONSE;
            default -> Kind.OTHER; // an indication: nobody answers it
        };
    }

    private static long readLong(byte[] data, int at) {
        return (long) readInt(data, at) << 32 | readInt(data, at + 4) & 0xFFFF_FFFFL;
    }

    private static int readInt(byte[] data, int at) {
        return (data[at] & 0xFF) << 24 | (data[at + 1] & 0xFF) << 16 | (data[at + 2] & 0xFF) << 8 | data[at + 3] & 0xFF;
    }
}
