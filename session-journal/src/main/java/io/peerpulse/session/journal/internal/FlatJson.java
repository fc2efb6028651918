package io.peerpulse.session.journal.internal;

import org.jspecify.annotations.Nullable;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The journal's JSON: one flat object per line, written and read by hand because this module must not
 * depend on a JSON library.
 *
 * <p>The writer writes string, integer, finite double and {@code null} members, and nothing else; the
 * reader reads exactly that, strictly by RFC 8259, and refuses everything else with an
 * {@link IllegalArgumentException} whose message says what was wrong and where (the key, and the
 * character counted from 1 in the line), so that {@code peerpulse recover} can show why it skipped a
 * line. Refused: anything that is not one object (text after it, a second object, no closing brace);
 * nested objects and arrays, {@code true} and {@code false} (never written); duplicate keys; trailing
 * commas; numbers outside JSON's grammar ({@code +1}, {@code 1.}, {@code .5}, {@code 01}, {@code -},
 * {@code 1e}, {@code NaN}, {@code Infinity}); unescaped control characters in strings, unknown escapes
 * and surrogates that do not pair up (an escaped <code>&#92;uD800</code> without its low surrogate is
 * refused rather than read as a character no UTF-8 file can hold). The number accessors refuse, naming
 * the key and the value, integers outside {@code long}, fractions where an integer belongs, and numbers
 * too large for a {@code double}.
 *
 * <p><b>Why one class.</b> About 425 lines of code, one job: the journal's one JSON grammar, written and read
 * with one cursor. Split into a writer and a reader, the escaping rules, the number forms and the character
 * positions in the error messages would live in two places that must agree for every line to round-trip;
 * kept here, the round-trip tests cover one grammar.
 */
public final class FlatJson {

    private final StringBuilder out = new StringBuilder(128).append('{');

    private FlatJson() {
    }

    /** @return a new object being written */
    public static FlatJson object() {
        return new FlatJson();
    }

    private FlatJson key(String key) {
        if (out.length() > 1) {
            out.append(',');
        }
        quote(key);
        out.append(':');
        return this;
    }

    /**
     * Adds a string member; {@code null} writes {@code null}. A lone surrogate, which no UTF-8 file can
     * hold, is written as U+FFFD.
     */
    public FlatJson put(String key, @Nullable String value) {
        key(key);
        if (value == null) {
            out.append("null");
        } else {
            quote(value);
        }
        return this;
    }

    /** Adds an integer member. */
    public FlatJson put(String key, long value) {
        key(key).out.append(value);
        return this;
    }

    /** Adds a finite double member, written so that it parses back to the same bits. */
    public FlatJson put(String key, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(key + " must be finite, was " + value);
        }
        key(key).out.append(Double.toString(value));
        return this;
    }

    /** @return the object's text, no line break */
    @Override
    public String toString() {
        return out + "}";
    }

    private void quote(String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c) && i + 1 < value.length()
                            && Character.isLowSurrogate(value.charAt(i + 1))) {
                        out.append(c).append(value.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        out.append('\uFFFD'); // UTF-8 cannot hold it; the reader refuses it
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    // ---- reading -------------------------------------------------------------------------------

    /** A number as written, checked against JSON's grammar, converted when a member is asked for. */
    private record Number(String text) {
    }

    /** One parsed line: its members by key. */
    public static final class Parsed {
        private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
        private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

        private final Map<String, @Nullable Object> members;

        private Parsed(Map<String, @Nullable Object> members) {
            this.members = members;
        }

        /** @return whether the member is present (even as {@code null}) */
        public boolean has(String key) {
            return members.containsKey(key);
        }

        /** @return whether the member is present as {@code null} */
        public boolean isNull(String key) {
            return members.containsKey(key) && members.get(key) == null;
        }

        /** @return the string member, empty when absent or {@code null} */
        public Optional<String> string(String key) {
            Object value = members.get(key);
            if (value != null && !(value instanceof String)) {
                throw new IllegalArgumentException("'" + key + "' must be a string, was " + describe(value));
            }
            return Optional.ofNullable((String) value);
        }

        /** @return the string member; it must be present and not {@code null} */
        public String requireString(String key) {
            return string(key).orElseThrow(() -> missing(key));
        }

        /**
         * @return the integer member; it must be present and a whole number in the range of {@code long}
         *         ({@code 1.0} and {@code 1e3} are whole numbers, {@code 1.9} is not)
         */
        public long requireLong(String key) {
            String text = number(key);
            BigDecimal value;
            try {
                value = new BigDecimal(text);
            } catch (NumberFormatException e) { // an exponent beyond int: far outside any range
                throw new IllegalArgumentException("'" + key + "' is outside the integer range, was " + text, e);
            }
            if (value.signum() != 0 && value.stripTrailingZeros().scale() > 0) {
                throw new IllegalArgumentException("'" + key + "' must be a whole number, was " + text);
            }
            if (value.compareTo(LONG_MIN) < 0 || value.compareTo(LONG_MAX) > 0) {
                throw new IllegalArgumentException("'" + key + "' is outside the integer range " + Long.MIN_VALUE
                        + " to " + Long.MAX_VALUE + ", was " + text);
            }
            return value.longValueExact();
        }

        /**
         * @return the integer member; it must be present and a whole number in the range of {@code int}
         * @throws IllegalArgumentException naming the key and the value otherwise
         */
        public int requireInt(String key) {
            long value = requireLong(key);
            if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("'" + key + "' is outside the range " + Integer.MIN_VALUE + " to "
                        + Integer.MAX_VALUE + ", was " + value);
            }
            return (int) value;
        }

        /**
         * @return the integer member; it must be present, whole and at least {@code min}
         * @throws IllegalArgumentException naming the key and the value otherwise
         */
        public long requireLongAtLeast(String key, long min) {
            long value = requireLong(key);
            if (value < min) {
                throw new IllegalArgumentException("'" + key + "' must be at least " + min + ", was " + value);
            }
            return value;
        }

        /** @return the integer member, empty when absent or {@code null} */
        public Optional<Long> optionalLong(String key) {
            return members.get(key) == null ? Optional.empty() : Optional.of(requireLong(key));
        }

        /** @return the number member as the nearest double; it must be present and finite as a double */
        public double requireDouble(String key) {
            String text = number(key);
            double value = Double.parseDouble(text); // JSON's grammar is a subset of parseDouble's
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("'" + key + "' is too large for a double, was " + text);
            }
            return value;
        }

        private String number(String key) {
            Object value = members.get(key);
            if (value == null) {
                throw missing(key);
            }
            if (!(value instanceof Number number)) {
                throw new IllegalArgumentException("'" + key + "' must be a number, was " + describe(value));
            }
            return number.text();
        }

        private IllegalArgumentException missing(String key) {
            return new IllegalArgumentException("'" + key + "' is " + (members.containsKey(key) ? "null" : "missing"));
        }

        private static String describe(Object value) {
            if (value instanceof Number number) {
                return "the number " + number.text();
            }
            String text = (String) value;
            return "the string \"" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "\"";
        }
    }

    /**
     * Parses one line holding one flat object, as the writer writes it.
     *
     * @param line the text, without its line end
     * @return the members
     * @throws IllegalArgumentException when it is not one flat JSON object, naming what and where
     */
    public static Parsed parse(String line) {
        return new Parser(line).parse();
    }

    private static final class Parser {
        private static final int MAX_QUOTED = 40;

        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Parsed parse() {
            Map<String, @Nullable Object> members = new LinkedHashMap<>();
            ws();
            if (i == s.length()) {
                throw error("the line is empty, an object '{' was expected", i);
            }
            if (s.charAt(i) != '{') {
                throw error("an object '{' was expected, found " + found(i), i);
            }
            i++;
            ws();
            if (at('}')) {
                i++;
            } else {
                while (true) {
                    if (!at('"')) {
                        throw error(members.isEmpty() ? "a key in double quotes was expected, found " + found(i)
                                : at('}') ? "a comma before '}' (trailing comma)"
                                : "a key in double quotes was expected after ',', found " + found(i), i);
                    }
                    int keyAt = i;
                    String key = string(null);
                    if (members.containsKey(key)) {
                        throw error("the key '" + key + "' appears twice", keyAt);
                    }
                    ws();
                    if (!at(':')) {
                        throw error("':' was expected after the key '" + key + "', found " + found(i), i);
                    }
                    i++;
                    ws();
                    members.put(key, value(key));
                    ws();
                    if (at('}')) {
                        i++;
                        break;
                    }
                    if (!at(',')) {
                        throw error("',' or '}' was expected after the value of '" + key + "', found " + found(i), i);
                    }
                    i++;
                    ws();
                }
            }
            ws();
            if (i != s.length()) {
                throw error(at('{') ? "a second object follows the first; a line holds one object"
                        : "text follows the end of the object: " + found(i), i);
            }
            return new Parsed(members);
        }

        private @Nullable Object value(String key) {
            if (i == s.length()) {
                throw error("the line ends where the value of '" + key + "' was expected (a torn line?)", i);
            }
            char c = s.charAt(i);
            if (c == '"') {
                return string(key);
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                return number(key);
            }
            if (s.startsWith("null", i) && !letterAt(i + 4)) {
                i += 4;
                return null;
            }
            int start = i;
            String what = switch (c) {
                case '{' -> "a nested object";
                case '[' -> "an array";
                default -> null;
            };
            if (what != null) {
                throw error("the value of '" + key + "' is " + what + "; journal lines hold only strings, numbers"
                        + " and null", start);
            }
            while (i < s.length() && (letterAt(i) || digitAt(i) || "+-.".indexOf(s.charAt(i)) >= 0)) {
                i++;
            }
            String word = s.substring(start, Math.max(i, start + 1));
            throw error("the value of '" + key + "' is " + quoted(word) + ", which is not a JSON string, number"
                    + " or null" + (word.startsWith("+") || word.startsWith(".") ? " (a number starts with '-' or a digit)"
                    : word.equals("NaN") || word.contains("Infinity") ? " (JSON has no NaN or Infinity)"
                    : word.equals("true") || word.equals("false") ? " (journal lines hold no true or false)" : ""),
                    start);
        }

        /** One number by RFC 8259: {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}. */
        private Number number(String key) {
            int start = i;
            if (at('-')) {
                i++;
            }
            if (at('0')) {
                i++;
                if (digitAt(i)) {
                    throw numberError(key, start, "a leading zero");
                }
            } else if (digitAt(i)) {
                digits();
            } else {
                throw numberError(key, start, "no digit after '-'");
            }
            if (at('.')) {
                i++;
                if (!digitAt(i)) {
                    throw numberError(key, start, "no digit after '.'");
                }
                digits();
            }
            if (at('e') || at('E')) {
                i++;
                if (at('+') || at('-')) {
                    i++;
                }
                if (!digitAt(i)) {
                    throw numberError(key, start, "no digit in the exponent");
                }
                digits();
            }
            return new Number(s.substring(start, i));
        }

        private IllegalArgumentException numberError(String key, int start, String why) {
            int end = i;
            while (end < s.length() && (digitAt(end) || letterAt(end) || "+-.".indexOf(s.charAt(end)) >= 0)) {
                end++;
            }
            return error("the value of '" + key + "' is not a JSON number: " + quoted(s.substring(start, end))
                    + " has " + why, start);
        }

        private void digits() {
            while (digitAt(i)) {
                i++;
            }
        }

        /** A string at {@code i} (which is {@code "}); {@code key} is {@code null} while reading a key. */
        private String string(@Nullable String key) {
            String what = key == null ? "a key" : "the value of '" + key + "'";
            int start = i;
            i++;
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i == s.length()) {
                    throw error("the line ends inside " + what + " (no closing '\"'; a torn line?)", start);
                }
                char c = s.charAt(i);
                if (c == '"') {
                    i++;
                    return b.toString();
                }
                if (c < 0x20) {
                    throw error(what + " holds the control character U+" + hex(c) + " unescaped", i);
                }
                if (Character.isSurrogate(c)) {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(c).append(s.charAt(i + 1));
                        i += 2;
                        continue;
                    }
                    throw error(what + " holds a lone surrogate U+" + hex(c), i);
                }
                if (c != '\\') {
                    b.append(c);
                    i++;
                    continue;
                }
                int escapeAt = i;
                i++;
                if (i == s.length()) {
                    throw error("the line ends inside an escape in " + what, escapeAt);
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        char u = hex4(what, escapeAt);
                        if (Character.isHighSurrogate(u)) {
                            char low = 0;
                            if (s.startsWith("\\u", i)) {
                                int lowAt = i;
                                i += 2;
                                low = hex4(what, lowAt);
                            }
                            if (!Character.isLowSurrogate(low)) {
                                throw error(what + " holds the escaped high surrogate \\u" + hex(u)
                                        + " without a low surrogate \\uDC00-\\uDFFF after it", escapeAt);
                            }
                            b.append(u).append(low);
                        } else if (Character.isLowSurrogate(u)) {
                            throw error(what + " holds the escaped low surrogate \\u" + hex(u)
                                    + " without a high surrogate before it", escapeAt);
                        } else {
                            b.append(u);
                        }
                    }
                    default -> throw error(what + " holds the invalid escape " + quoted("\\" + e)
                            + " (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", escapeAt);
                }
            }
        }

        /** The four hex digits of a <code>&#92;u</code> escape at {@code i}; leaves {@code i} after them. */
        private char hex4(String what, int escapeAt) {
            int value = 0;
            for (int k = 0; k < 4; k++, i++) {
                char c = i < s.length() ? s.charAt(i) : 0;
                int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (digit < 0) {
                    throw error(what + " holds a \\u escape without four hex digits", escapeAt);
                }
                value = value * 16 + digit;
            }
            return (char) value;
        }

        /** JSON's white space. */
        private void ws() {
            while (i < s.length() && " \t\n\r".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
        }

        private boolean at(char c) {
            return i < s.length() && s.charAt(i) == c;
        }

        private boolean digitAt(int at) {
            return at < s.length() && s.charAt(at) >= '0' && s.charAt(at) <= '9';
        }

        private boolean letterAt(int at) {
            if (at >= s.length()) {
                return false;
            }
            char c = s.charAt(at);
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        }

        private String found(int at) {
            if (at >= s.length()) {
                return "the end of the line (a torn line?)";
            }
            int end = Math.min(s.length(), at + 12);
            return quoted(s.substring(at, end) + (end < s.length() ? "…" : ""));
        }

        private static String quoted(String text) {
            StringBuilder b = new StringBuilder("'");
            for (int k = 0; k < text.length() && k < MAX_QUOTED; k++) {
                char c = text.charAt(k);
                b.append(c < 0x20 ? "\\u" + hex(c) : String.valueOf(c));
            }
            return b.append(text.length() > MAX_QUOTED ? "…'" : "'").toString();
        }

        private static String hex(char c) {
            return String.format("%04X", (int) c);
        }

        private static IllegalArgumentException error(String what, int at) {
            return new IllegalArgumentException(what + " at character " + (at + 1));
        }
    }
}
