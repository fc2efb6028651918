package io.peerpulse.webrtc.internal;

import java.nio.ByteBuffer;

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

    /** What a message is, as {@link #classify} tells it without allocating. */
    public enum Kind {
        /** A well-formed version-1 ping: read it with {@link #sequence} and {@link #t1Micros}. */
        PING,
        /** A well-formed version-1 pong: also {@link #t2Micros} and {@link #holdNanos}. */
        PONG,
        /** A version this codec does not speak. */
        UNKNOWN_VERSION,
        /** Anything else that is not a version-1 message. */
        MALFORMED
    }

    /**
     * Encodes a ping into a new array.
     *
     * @param sequence the sequence number
     * @param t1Micros the send time, epoch microseconds
     * @return 16 bytes
     */
    public static byte[] ping(int sequence, long t1Micros) {
        byte[] out = new byte[PING_LENGTH];
        encodePing(out, sequence, t1Micros);
        return out;
    }

    /**
     * Encodes a ping into {@code out} (the engine reuses one array per probe).
     *
     * @param out      at least {@value #PING_LENGTH} bytes; the first 16 are written
     * @param sequence the sequence number
     * @param t1Micros the send time, epoch microseconds
     */
    public static void encodePing(byte[] out, int sequence, long t1Micros) {
        header(out, TYPE_PING, sequence);
        putLong(out, 8, t1Micros);
    }

    /**
     * Encodes a pong into a new array.
     *
     * @param sequence  the ping's sequence
     * @param t1Micros  the ping's t1
     * @param t2Micros  when the ping arrived, epoch microseconds of the responder's clock
     * @param holdNanos how long it was held; clamped to 0..{@link #MAX_HOLD_NANOS}
     * @return 28 bytes
     */
    public static byte[] pong(int sequence, long t1Micros, long t2Micros, long holdNanos) {
        byte[] out = new byte[PONG_LENGTH];
        encodePong(out, sequence, t1Micros, t2Micros, holdNanos);
        return out;
    }

    /**
     * Encodes a pong into {@code out} (the engine reuses one array per probe).
     *
     * @param out       at least {@value #PONG_LENGTH} bytes; the first 28 are written
     * @param sequence  the ping's sequence
     * @param t1Micros  the ping's t1
     * @param t2Micros  when the ping arrived, epoch microseconds of the responder's clock
     * @param holdNanos how long it was held; clamped to 0..{@link #MAX_HOLD_NANOS}
     */
    public static void encodePong(byte[] out, int sequence, long t1Micros, long t2Micros, long holdNanos) {
        header(out, TYPE_PONG, sequence);
        putLong(out, 8, t1Micros);
        putLong(out, 16, t2Micros);
        putInt(out, 24, (int) Math.min(Math.max(holdNanos, 0), MAX_HOLD_NANOS));
    }

    /**
     * Tells what one data-channel message is, in the order of the protocol's checks; never throws,
     * never allocates.
     *
     * @param data   the message bytes (may be longer than {@code length})
     * @param length how many bytes of {@code data} the message has
     * @param binary whether it arrived as a binary message
     * @return its kind; for {@link Kind#PING} and {@link Kind#PONG} the field readers below apply
     */
    public static Kind classify(byte[] data, int length, boolean binary) {
        if (data == null || length < 0 || length > data.length || !binary || length < 2) {
            return Kind.MALFORMED;
        }
        if ((data[0] & 0xFF) != VERSION) {
            return Kind.UNKNOWN_VERSION;
        }
        int type = data[1] & 0xFF;
        if (type == TYPE_PING && length == PING_LENGTH) {
            return Kind.PING;
        }
        if (type == TYPE_PONG && length == PONG_LENGTH) {
            return Kind.PONG;
        }
        return Kind.MALFORMED;
    }

    /**
     * @param message a {@link Kind#PING} or {@link Kind#PONG}
     * @return its sequence (u32 carried in an int)
     */
    public static int sequence(byte[] message) {
        return getInt(message, 4);
    }

    /**
     * Whether a received message is a version-1 PING, read in place before it is copied.
     *
     * @param data   the message, from its position
     * @param length its length
     * @param binary whether it was a binary message
     * @return whether it is binary, {@link #PING_LENGTH} long, of {@link #VERSION} and {@link #TYPE_PING}
     */
    public static boolean isPing(ByteBuffer data, int length, boolean binary) {
        return is(data, length, binary, PING_LENGTH, TYPE_PING);
    }

    /**
     * Whether a received message is a version-1 PONG, read in place before it is copied.
     *
     * @param data   the message, from its position
     * @param length its length
     * @param binary whether it was a binary message
     * @return whether it is binary, {@link #PONG_LENGTH} long, of {@link #VERSION} and {@link #TYPE_PONG}
     */
    public static boolean isPong(ByteBuffer data, int length, boolean binary) {
        return is(data, length, binary, PONG_LENGTH, TYPE_PONG);
    }

    private static boolean is(ByteBuffer data, int length, boolean binary, int kindLength, int type) {
        return binary && length == kindLength && data.get(data.position()) == VERSION
                && data.get(data.position() + 1) == type;
    }

    /**
     * A pong's sequence read in place, before the message is copied (to let it pass a full queue), whatever the
     * buffer's byte order.
     *
     * @param data a buffer whose message, from its position, is {@link #PONG_LENGTH} bytes of a version-1 pong
     * @return the sequence of the ping it answers (u32 carried in an int)
     */
    public static int pongSequence(ByteBuffer data) {
        int at = data.position() + 4;
        return (data.get(at) & 0xFF) << 24 | (data.get(at + 1) & 0xFF) << 16 | (data.get(at + 2) & 0xFF) << 8
                | (data.get(at + 3) & 0xFF);
    }

    /**
     * @param message a {@link Kind#PING} or {@link Kind#PONG}
     * @return its t1, epoch microseconds of the pinger's clock
     */
    public static long t1Micros(byte[] message) {
        return getLong(message, 8);
    }

    /**
     * @param message a {@link Kind#PONG}
     * @return its t2, epoch microseconds of the responder's clock
     */
    public static long t2Micros(byte[] message) {
        return getLong(message, 16);
    }

    /**
     * @param message a {@link Kind#PONG}
     * @return its hold time, nanoseconds (0 to {@link #MAX_HOLD_NANOS})
     */
    public static long holdNanos(byte[] message) {
        return getInt(message, 24) & 0xFFFF_FFFFL;
    }

    /**
     * Decodes one data-channel message into a record (for tests and tools; the engine uses
     * {@link #classify} and the field readers); never throws.
     *
     * @param data   the message bytes (may be longer than {@code length})
     * @param length how many bytes of {@code data} the message has
     * @param binary whether it arrived as a binary message
     * @return the message, or why it was refused
     */
    public static Decoded decode(byte[] data, int length, boolean binary) {
        switch (classify(data, length, binary)) {
            case PING:
                return new Ping(sequence(data), t1Micros(data));
            case PONG:
                return new Pong(sequence(data), t1Micros(data), t2Micros(data), holdNanos(data));
            case UNKNOWN_VERSION:
                return new Invalid(Problem.UNKNOWN_VERSION, "version " + (data[0] & 0xFF));
            default:
                return new Invalid(Problem.MALFORMED, malformedDetail(data, length, binary));
        }
    }

    private static String malformedDetail(byte[] data, int length, boolean binary) {
        if (data == null || length < 0 || length > data.length) {
            return "no data";
        }
        if (!binary) {
            return "text message";
        }
        if (length < 2) {
            return "too short: " + length + " bytes";
        }
        int type = data[1] & 0xFF;
        return switch (type) {
            case TYPE_PING -> "ping of " + length + " bytes";
            case TYPE_PONG -> "pong of " + length + " bytes";
            default -> "unknown type " + type;
        };
    }

    private static void header(byte[] out, int type, int sequence) {
        out[0] = (byte) VERSION;
        out[1] = (byte) type;
        out[2] = 0; // reserved
        out[3] = 0;
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
