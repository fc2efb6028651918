package io.peerpulse.export.json;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes a stream as strict UTF-8, without holding it whole: malformed or truncated input fails with
 * "not valid UTF-8 at byte N" (the offset of the first bad byte) instead of being replaced by U+FFFD. A
 * UTF-8 byte order mark at the start (Notepad's, PowerShell 5's) is skipped, as RFC 8259 allows a reader to;
 * offsets still count its three bytes.
 */
final class Utf8Reader extends Reader {

    /** Thrown for bytes that are not UTF-8; its message names the byte offset. */
    static final class MalformedUtf8 extends CharacterCodingException {
        private static final long serialVersionUID = 1L;
        private final String message;

        MalformedUtf8(long offset) {
            this(offset, "");
        }

        MalformedUtf8(long offset, String why) {
            this.message = "not valid UTF-8 at byte " + offset + why;
        }

        @Override
        public String getMessage() {
            return message;
        }
    }

    /**
     * The longest string (or key) read: {@value} characters. No string of a PeerPulse export comes near it (ids are
     * at most 256 characters, free text 200); a longer one is refused as it streams in, before it is held, so that a
     * crafted 50 MB {@code closeReason} is an error naming where it starts, not a full heap.
     */
    static final int MAX_STRING_LENGTH = 65_536;

    /** Thrown for a string longer than {@link #MAX_STRING_LENGTH}; its message names where the string starts. */
    static final class StringTooLong extends IOException {
        private static final long serialVersionUID = 1L;

        StringTooLong(long line, long column) {
            super("a string longer than " + MAX_STRING_LENGTH + " characters, the most a session export's string may"
                    + " have, starts at line " + line + ", column " + column);
        }
    }

    // where the text is, for StringTooLong: in a string or not, after a backslash, the string's length and start
    private boolean inString;
    private boolean escaped;
    private int stringLength;
    private long line = 1;
    private long column; // of the last character seen
    private long stringLine;
    private long stringColumn;

    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes = ByteBuffer.allocate(64 * 1024).flip();
    private long consumed; // bytes before bytes.position()
    private boolean eof;
    private boolean done;
    private boolean started; // the start was checked for a byte order mark
    private int pending = -1; // the second half of a surrogate pair when the caller had room for one char

    Utf8Reader(InputStream in) {
        this.in = in;
    }

    @Override
    public int read(char[] target, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (pending >= 0) {
            target[off] = (char) pending;
            pending = -1;
            return 1;
        }
        if (done) { // the decoder is flushed: asking it again would throw IllegalStateException
            return -1;
        }
        if (len == 1) { // room for one char, but the next may be a surrogate pair
            char[] two = new char[2];
            int n = read(two, 0, 2);
            if (n == 2) {
                pending = two[1];
            }
            if (n > 0) {
                target[off] = two[0];
                return 1;
            }
            return n;
        }
        if (!started) {
            started = true;
            while (!eof && bytes.remaining() < 3) {
                fill();
            }
            if (bytes.remaining() >= 3 && bytes.get(0) == (byte) 0xEF && bytes.get(1) == (byte) 0xBB
                    && bytes.get(2) == (byte) 0xBF) {
                bytes.position(3);
                consumed = 3;
            } else if (bytes.remaining() >= 2 && (bytes.get(0) & 0xFF) + (bytes.get(1) & 0xFF) == 0xFF + 0xFE
                    && bytes.get(0) != bytes.get(1)) {
                // FF FE or FE FF: PowerShell 5's > and Out-File write UTF-16 (little-endian, with this mark)
                throw new MalformedUtf8(0, ": the file starts with a UTF-16 byte order mark (PowerShell 5's > and"
                        + " Out-File write UTF-16): save it as UTF-8, e.g. Out-File -Encoding utf8");
            }
        }
        CharBuffer out = CharBuffer.wrap(target, off, len);
        while (true) {
            int before = bytes.position();
            CoderResult result = decoder.decode(bytes, out, eof);
            consumed += bytes.position() - before;
            if (result.isError()) {
                throw new MalformedUtf8(consumed);
            }
            if (out.position() > off) {
                scan(target, off, out.position());
                return out.position() - off;
            }
            if (eof) {
                done = true;
                if (decoder.flush(out).isError()) {
                    throw new MalformedUtf8(consumed);
                }
                scan(target, off, out.position());
                return out.position() > off ? out.position() - off : -1;
            }
            fill();
        }
    }

    /** Follows the strings in {@code chars[from, to)}: one longer than {@link #MAX_STRING_LENGTH} is refused. */
    private void scan(char[] chars, int from, int to) throws StringTooLong {
        for (int i = from; i < to; i++) {
            char c = chars[i];
            if (c == '\n') {
                line++;
                column = 0;
            } else {
                column++;
            }
            if (!inString) {
                if (c == '"') {
                    inString = true;
                    stringLength = 0;
                    stringLine = line;
                    stringColumn = column;
                }
            } else if (escaped) {
                escaped = false;
            } else if (c == '"') {
                inString = false;
            } else {
                escaped = c == '\\';
                if (++stringLength > MAX_STRING_LENGTH) {
                    throw new StringTooLong(stringLine, stringColumn);
                }
            }
        }
    }

    /** @return whether the input's end was reached and every byte decoded */
    boolean ended() {
        return done;
    }

    /** @return the bytes decoded so far: the input's length once {@link #ended()} */
    long bytesRead() {
        return consumed;
    }

    private void fill() throws IOException {
        bytes.compact();
        int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
        if (n < 0) {
            eof = true;
        } else {
            bytes.position(bytes.position() + n);
        }
        bytes.flip();
    }

    @Override
    public void close() {
        // the caller owns the stream
    }
}
