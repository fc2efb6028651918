package io.peerpulse.webrtc.internal;

/**
 * The probe's wire format, version 1 (docs/PROBE-PROTOCOL.md): big-endian, fixed lengths.
 *
 * <pre>
 * PING (16 bytes)                      PONG (28 bytes)
 *  0 u8  version = 1                    0 u8  version = 1
 *  1 u8  type = 1                       1 u8  type = 2
 *  2 u16 reserved, 0                    2 u16 reserved, 0
 *  4 u32 sequence                       4 u32 sequence of the ping
 *  8 i64 t1: pinger's send time,        8 i64 t1, copied from the ping
 *        epoch microseconds            16 i64 t2: responder's receive time, epoch microseconds
 *                                      24 u32 hold: responder's receive-to-send interval, nanoseconds
 * </pre>
 *
 * Decoding never throws: whatever is not a well-formed version-1 message decodes to an
 * {@link Invalid} saying why.
 */
public final class ProbeCodec {

    /** The only version this codec speaks. */
    public static final int VERSION = 1;
    /** Message type of a ping. */
    public static final int TYPE_PING = 1;
    /** Message type of a pong. */
    public static final int TYPE_PONG = 2;
    /** Length of a version-1 ping. */
    public static final int PING_LENGTH = 16;
    /** Length of a version-1 pong. */
    public static final int PONG_LENGTH = 28;
    /** The largest hold time a pong can carry, in nanoseconds (u32). */
    public static final long MAX_HOLD_NANOS = 0xFFFF_FFFFL;

    private ProbeCodec() {
    }

    /** A decoded message, or why it is not one. */
    public sealed interface Decoded permits Ping, Pong, Invalid {
    }

    /**
     * A ping.
     *
     * @param sequence the pinger's sequence number (u32 carried in an int)
     * @param t1Micros the pinger's wall clock at sending, epoch microseconds
     */
    public record Ping(int sequence, long t1Micros) implements Decoded {
    }

    /**
     * A pong.
     *
     * @param sequence  the sequence of the ping it answers
     * @param t1Micros  the ping's t1, echoed
     * @param t2Micros  the responder's wall clock when the ping arrived, epoch microseconds
     * @param holdNanos how long the responder held the ping, nanoseconds (0 to {@link #MAX_HOLD_NANOS})
     */
    public record Pong(int sequence, long t1Micros, long t2Micros, long holdNanos) implements Decoded {
    }

    /** Why a message was refused. */
    public enum Problem {
        /** A version this codec does not speak: counted apart, since a newer peer sends it. */
        UNKNOWN_VERSION,
        /** A text message, too short, a wrong length for its type, or an unknown type. */
        MALFORMED
    }

    /**
     * A refused message.
     *
     * @param problem why
     * @param detail  a short description for logs
     */
    public record Invalid(Problem problem, String detail) implements Decoded {
    }

    /**
     * Encodes a ping.
     *
     * @param sequence the sequence number
     * @param t1Micros the send time, epoch microseconds
     * @return 16 bytes
     */
    public static byte[] ping(int sequence, long t1Micros) {
        byte[] out = new byte[PING_LENGTH];
        header(out, TYPE_PING, sequence);
        putLong(out, 8, t1Micros);
        return out;
    }

    /**
     * Encodes a pong.
     *
     * @param sequence  the ping's sequence
     * @param t1Micros  the ping's t1
     * @param t2Micros  when the ping arrived, epoch microseconds of the responder's clock
     * @param holdNanos how long it was held; clamped to 0..{@link #MAX_HOLD_NANOS}
     * @return 28 bytes
     */
    public static byte[] pong(int sequence, long t1Micros, long t2Micros, long holdNanos) {
        byte[] out = new byte[PONG_LENGTH];
        header(out, TYPE_PONG, sequence);
        putLong(out, 8, t1Micros);
        putLong(out, 16, t2Micros);
        putInt(out, 24, (int) Math.min(Math.max(holdNanos, 0), MAX_HOLD_NANOS));
        return out;
    }

    /**
     * Decodes one data-channel message; never throws.
     *
     * @param data   the message bytes (may be longer than {@code length})
     * @param length how many bytes of {@code data} the message has
     * @param binary whether it arrived as a binary message
     * @return the message, or why it was refused
     */
    public static Decoded decode(byte[] data, int length, boolean binary) {
        if (data == null || length < 0 || length > data.length) {
            return new Invalid(Problem.MALFORMED, "no data");
        }
        if (!binary) {
            return new Invalid(Problem.MALFORMED, "text message");
        }
        if (length < 2) {
            return new Invalid(Problem.MALFORMED, "too short: " + length + " bytes");
        }
        int version = data[0] & 0xFF;
        if (version != VERSION) {
            return new Invalid(Problem.UNKNOWN_VERSION, "version " + version);
        }
        int type = data[1] & 0xFF;
        switch (type) {
            case TYPE_PING:
                if (length != PING_LENGTH) {
                    return new Invalid(Problem.MALFORMED, "ping of " + length + " bytes");
                }
                return new Ping(getInt(data, 4), getLong(data, 8));
            case TYPE_PONG:
                if (length != PONG_LENGTH) {
                    return new Invalid(Problem.MALFORMED, "pong of " + length + " bytes");
                }
                return new Pong(getInt(data, 4), getLong(data, 8), getLong(data, 16),
                        getInt(data, 24) & 0xFFFF_FFFFL);
            default:
                return new Invalid(Problem.MALFORMED, "unknown type " + type);
        }
    }

    private static void header(byte[] out, int type, int sequence) {
        out[0] = (byte) VERSION;
        out[1] = (byte) type;
        // bytes 2-3 reserved: zero
        putInt(out, 4, sequence);
    }

    private static void putInt(byte[] out, int at, int value) {
        out[at] = (byte) (value >>> 24);
        out[at + 1] = (byte) (value >>> 16);
        out[at + 2] = (byte) (value >>> 8);
        out[at + 3] = (byte) value;
    }

    private static void putLong(byte[] out, int at, long value) {
        putInt(out, at, (int) (value >>> 32));
        putInt(out, at + 4, (int) value);
    }

    private static int getInt(byte[] in, int at) {
        return (in[at] & 0xFF) << 24 | (in[at + 1] & 0xFF) << 16 | (in[at + 2] & 0xFF) << 8 | (in[at + 3] & 0xFF);
    }

    private static long getLong(byte[] in, int at) {
        return (long) getInt(in, at) << 32 | (getInt(in, at + 4) & 0xFFFF_FFFFL);
    }
}
