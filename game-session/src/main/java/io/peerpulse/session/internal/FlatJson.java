package io.peerpulse.session.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The journal's JSON: one flat object per line (strings, numbers, booleans, {@code null}; no nesting),
 * written and read by hand because this module must not depend on a JSON library.
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

    /** Adds a string member; {@code null} writes {@code null}. */
    public FlatJson put(String key, String value) {
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
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    // ---- reading -------------------------------------------------------------------------------

    /** A number as written, parsed on demand. */
    private record Number(String text) {
    }

    /** One parsed line: its members by key. */
    public static final class Parsed {
        private final Map<String, Object> members;

        private Parsed(Map<String, Object> members) {
            this.members = members;
        }

        /** @return whether the member is present (even as {@code null}) */
        public boolean has(String key) {
            return members.containsKey(key);
        }

        /** @return the string member, empty when absent or {@code null} */
        public Optional<String> string(String key) {
            Object value = members.get(key);
            if (value != null && !(value instanceof String)) {
                throw new IllegalArgumentException("'" + key + "' is not a string");
            }
            return Optional.ofNullable((String) value);
        }

        /** @return the string member; it must be present */
        public String requireString(String key) {
            return string(key).orElseThrow(() -> new IllegalArgumentException("'" + key + "' is missing"));
        }

        /** @return the integer member; it must be present */
        public long requireLong(String key) {
            Object value = members.get(key);
            if (!(value instanceof Number number)) {
                throw new IllegalArgumentException("'" + key + "' is missing or not a number");
            }
            return Long.parseLong(number.text());
        }

        /** @return the integer member, empty when absent or {@code null} */
        public Optional<Long> optionalLong(String key) {
            return members.get(key) == null ? Optional.empty() : Optional.of(requireLong(key));
        }

        /** @return the number member as a double; it must be present */
        public double requireDouble(String key) {
            Object value = members.get(key);
            if (!(value instanceof Number number)) {
                throw new IllegalArgumentException("'" + key + "' is missing or not a number");
            }
            return Double.parseDouble(number.text());
        }
    }

    /**
     * Parses one line holding one flat object.
     *
     * @param line the text
     * @return the members
     * @throws IllegalArgumentException when it is not one flat JSON object
     */
    public static Parsed parse(String line) {
        return new Parser(line).parse();
    }

    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Parsed parse() {
            Map<String, Object> members = new LinkedHashMap<>();
            ws();
            expect('{');
            ws();
            if (peek() == '}') {
                i++;
            } else {
                while (true) {
                    ws();
                    String key = string();
                    ws();
                    expect(':');
                    ws();
                    members.put(key, value());
                    ws();
                    char c = next();
                    if (c == '}') {
                        break;
                    }
                    if (c != ',') {
                        throw error("',' or '}' expected");
                    }
                }
            }
            ws();
            if (i != s.length()) {
                throw error("text after the object");
            }
            return new Parsed(members);
        }

        private Object value() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (s.startsWith("null", i)) {
                i += 4;
                return null;
            }
            if (s.startsWith("true", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("false", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            if (start == i) {
                throw error("value expected");
            }
            String text = s.substring(start, i);
            try {
                Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw error("bad number '" + text + "'");
            }
            return new Number(text);
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        try {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        i += 4;
                    }
                    default -> throw error("bad escape");
                }
            }
        }

        private void ws() {
            while (i < s.length() && " \t\r".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(i);
        }

        private char next() {
            char c = peek();
            i++;
            return c;
        }

        private void expect(char c) {
            if (next() != c) {
                throw error("'" + c + "' expected");
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at column " + (i + 1));
        }
    }
}
