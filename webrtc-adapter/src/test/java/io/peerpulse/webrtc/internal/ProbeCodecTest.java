package io.peerpulse.webrtc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.webrtc.internal.ProbeCodec.Invalid;
import io.peerpulse.webrtc.internal.ProbeCodec.Ping;
import io.peerpulse.webrtc.internal.ProbeCodec.Pong;
import io.peerpulse.webrtc.internal.ProbeCodec.Problem;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ProbeCodecTest {

    @Test
    void aPingIsSixteenBigEndianBytes() {
        byte[] ping = ProbeCodec.ping(0x01020304, 0x0A0B0C0D0E0F1011L);
        assertThat(ping).containsExactly(1, 1, 0, 0, 1, 2, 3, 4, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11);
    }

    @Test
    void aPongIsTwentyEightBigEndianBytes() {
        byte[] pong = ProbeCodec.pong(-1, 1_700_000_000_000_000L, 1_700_000_000_000_123L, 0x8000_0001L);
        assertThat(pong).hasSize(28);
        assertThat(Arrays.copyOfRange(pong, 0, 8)).containsExactly(1, 2, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF);
        // 1_700_000_000_000_000 = 0x00060A24181E4000
        assertThat(Arrays.copyOfRange(pong, 8, 16)).containsExactly(0x00, 0x06, 0x0A, 0x24, 0x18, 0x1E, 0x40, 0x00);
        assertThat(Arrays.copyOfRange(pong, 24, 28)).containsExactly(0x80, 0x00, 0x00, 0x01);
    }

    @Test
    void pingsAndPongsRoundTrip() {
        for (int sequence : new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 123_456_789}) {
            for (long micros : new long[] {0, 1_700_000_000_123_456L, -5, Long.MAX_VALUE, Long.MIN_VALUE}) {
                assertThat(decode(ProbeCodec.ping(sequence, micros))).isEqualTo(new Ping(sequence, micros));
                for (long hold : new long[] {0, 1, 999_999, ProbeCodec.MAX_HOLD_NANOS}) {
                    assertThat(decode(ProbeCodec.pong(sequence, micros, micros + 7, hold)))
                            .isEqualTo(new Pong(sequence, micros, micros + 7, hold));
                }
            }
        }
    }

    @Test
    void holdTimesOutsideTheFieldAreClamped() {
        assertThat(((Pong) decode(ProbeCodec.pong(1, 2, 3, -10))).holdNanos()).isZero();
        assertThat(((Pong) decode(ProbeCodec.pong(1, 2, 3, 1L << 40))).holdNanos()).isEqualTo(ProbeCodec.MAX_HOLD_NANOS);
    }

    @Test
    void reservedBytesAreIgnored() {
        byte[] ping = ProbeCodec.ping(7, 8);
        ping[2] = (byte) 0xAB;
        ping[3] = 1;
        assertThat(decode(ping)).isEqualTo(new Ping(7, 8));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, 3, 127, 255})
    void otherVersionsAreUnknownWhateverTheirLength(int version) {
        for (int length : new int[] {2, 16, 28, 40}) {
            byte[] message = new byte[length];
            message[0] = (byte) version;
            message[1] = ProbeCodec.TYPE_PING;
            assertThat(problem(ProbeCodec.decode(message, length, true))).isEqualTo(Problem.UNKNOWN_VERSION);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 17, 28})
    void aPingOfTheWrongLengthIsMalformed(int length) {
        byte[] message = Arrays.copyOf(ProbeCodec.ping(1, 2), Math.max(length, 2));
        message[0] = 1;
        message[1] = ProbeCodec.TYPE_PING;
        assertThat(problem(ProbeCodec.decode(message, length, true))).isEqualTo(Problem.MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 16, 27, 29})
    void aPongOfTheWrongLengthIsMalformed(int length) {
        byte[] message = Arrays.copyOf(ProbeCodec.pong(1, 2, 3, 4), length);
        assertThat(problem(ProbeCodec.decode(message, length, true))).isEqualTo(Problem.MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 4, 255})
    void anUnknownTypeIsMalformed(int type) {
        byte[] message = ProbeCodec.ping(1, 2);
        message[1] = (byte) type;
        assertThat(problem(decode(message))).isEqualTo(Problem.MALFORMED);
    }

    @Test
    void textMessagesAndImpossibleLengthsAreMalformed() {
        byte[] ping = ProbeCodec.ping(1, 2);
        assertThat(problem(ProbeCodec.decode(ping, ping.length, false))).isEqualTo(Problem.MALFORMED);
        assertThat(problem(ProbeCodec.decode(ping, ping.length + 1, true))).isEqualTo(Problem.MALFORMED);
        assertThat(problem(ProbeCodec.decode(ping, -1, true))).isEqualTo(Problem.MALFORMED);
        assertThat(problem(ProbeCodec.decode(null, 0, true))).isEqualTo(Problem.MALFORMED);
    }

    @Test
    void onlyTheGivenLengthCounts() {
        byte[] padded = Arrays.copyOf(ProbeCodec.ping(5, 6), 64);
        assertThat(ProbeCodec.decode(padded, ProbeCodec.PING_LENGTH, true)).isEqualTo(new Ping(5, 6));
    }

    private static ProbeCodec.Decoded decode(byte[] message) {
        return ProbeCodec.decode(message, message.length, true);
    }

    private static Problem problem(ProbeCodec.Decoded decoded) {
        assertThat(decoded).isInstanceOf(Invalid.class);
        return ((Invalid) decoded).problem();
    }
}
