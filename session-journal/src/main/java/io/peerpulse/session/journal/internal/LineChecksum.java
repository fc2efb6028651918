package io.peerpulse.session.journal.internal;

import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * A journal line's integrity: every line ends with a {@code crc} member, the CRC32C, 8 lower-case hex digits, of the
 * UTF-8 bytes of the line as it would be without that member. {@link JournalCodec} seals the lines it writes;
 * {@link JournalReplay} checks each line's bytes before anything reads it.
 */
public final class LineChecksum {

    /** {@code ,"crc":"} + 8 hex digits + {@code "}}: how every line ends. */
    private static final String CRC_OPEN = ",\"crc\":\"";
    private static final int CRC_SUFFIX_LENGTH = CRC_OPEN.length() + 8 + 2;
    private static final byte[] CRC_OPEN_BYTES = CRC_OPEN.getBytes(StandardCharsets.US_ASCII);

    /** {@link #problem}'s answer for a line without a {@code crc} member (another format's, or garbage). */
    public static final String NO_CRC = "no crc member at its end";

    private LineChecksum() {
    }

    /**
     * @param body a flat JSON object, written without the {@code crc} member
     * @return the same with the {@code crc} member appended
     */
    static String sealed(String body) {
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return body.substring(0, body.length() - 1) + CRC_OPEN + hex8(crc.getValue()) + "\"}";
    }

    private static String hex8(long value) {
        String hex = Long.toHexString(value);
        return "00000000".substring(hex.length()) + hex;
    }

    /**
     * Checks a line's {@code crc} member on its bytes, before anything else reads it.
     *
     * @param line   the line's bytes, without its line end
     * @param length how many of them
     * @return {@code null} when the checksum matches, else why not ({@link #NO_CRC} when there is none)
     */
    public static @Nullable String problem(byte[] line, int length) {
        int at = length - CRC_SUFFIX_LENGTH;
        if (at < 1 || line[length - 2] != '"' || line[length - 1] != '}') {
            return NO_CRC;
        }
        for (int k = 0; k < CRC_OPEN_BYTES.length; k++) {
            if (line[at + k] != CRC_OPEN_BYTES[k]) {
                return NO_CRC;
            }
        }
        long expected = 0;
        for (int k = at + CRC_OPEN_BYTES.length; k < length - 2; k++) {
            byte b = line[k];
            int digit = b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : -1;
            if (digit < 0) {
                return "its crc is not 8 lower-case hex digits";
            }
            expected = expected << 4 | digit;
        }
        CRC32C crc = new CRC32C();
        crc.update(line, 0, at);
        crc.update('}');
        long actual = crc.getValue();
        return actual == expected ? null : "CRC32C " + hex8(actual) + ", expected " + hex8(expected);
    }
}
