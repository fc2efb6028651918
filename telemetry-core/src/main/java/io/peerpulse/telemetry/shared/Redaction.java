package io.peerpulse.telemetry.shared;

import org.jspecify.annotations.Nullable;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one privacy and text rule of PeerPulse, applied once where text enters, so that the live report, every
 * export, the journal and the log lines hold the same string.
 *
 * <p><b>Ids</b> (session and player id, a telemetry's {@code name}, {@link #checkId}) are refused unless they
 * are well-formed UTF-16 (no lone surrogate), not blank, at most {@value #MAX_ID_LENGTH} characters, without
 * control characters or bidirectional controls (U+202E and its kind, which reorder how a log line shows) and without
 * anything that looks like an address. <b>Free text</b> (a close reason, an RTT source's name,
 * {@link #redact}) is never refused: a lone surrogate becomes U+FFFD, a control character or bidirectional control a
 * space, an
 * address-like word {@value #REDACTED}, and the text is cut to {@value #MAX_LENGTH} characters (never
 * between the two halves of a pair). <b>A throwable</b> from a plugin, a listener or webrtc-java is logged (or
 * thrown on) as {@link #redactThrown}: its messages and its causes' without addresses, nothing else changed.
 *
 * <p><b>Addresses.</b>
 * <p>Deliberately coarse and over-cautious, unlike a detector: a whole word goes when it merely
 * looks like an address — four dot-separated numbers (IPv4, also with a port), a host name spelling one
 * with dashes ({@code 1-2-3-4.example.net}, {@code ec2-54-12-34-56.compute-1.amazonaws.com}), or hex groups joined
 * by {@code ::} or by three or more colons (IPv6, also bracketed or with a port or zone) — and the
 * whole text goes when it holds an ICE candidate ({@code candidate:}); a number labelled as a port
 * ({@code port: 57398}, {@code "port":5000}, {@code rport 5000}, an SDP {@code m=application 54321}) goes too.
 * Version strings such as
 * {@code 1.2.3.4} or MAC addresses are redacted too; times such as {@code 12:30:45} and names such as
 * {@code Game::quit} ({@code ::} between words that are not hex groups) are kept. A
 * bare port number, unlabelled, cannot be told from any other number and is kept. Other settings that must not hold an
 * address (a Micrometer tag value) ask {@link #looksLikeAddress}.
 *
 * @since 0.1.0
 */
public final class Redaction {

    /** What replaces an address-like word. */
    public static final String REDACTED = "<redacted>";
    /** What replaces a text holding an ICE candidate. */
    public static final String REDACTED_CANDIDATE = "<redacted: ICE candidate>";
    /** Longest free text kept; longer text is cut. */
    public static final int MAX_LENGTH = 200;
    /**
     * Longest id: a session or player id, and a telemetry's {@code name} (which a session sets to its id). 256,
     * the session id's limit since its first release, so that every journal and report already written stays
     * readable.
     */
    public static final int MAX_ID_LENGTH = 256;

    /** A word: everything between blanks and punctuation that cannot occur inside an address. */
    private static final Pattern WORD = Pattern.compile("[^\\s,;()<>{}\"'=/\\\\|]+");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    /**
     * {@code ::} between hex groups (or none), not between names: {@code fe80::1}, {@code ::ffff:…}, {@code 2001:db8::}
     * but not {@code Game::quit} or {@code std::bad_alloc}; or three or more colons between hex groups.
     */
    private static final Pattern IPV6 = Pattern.compile(
            "(?<![0-9A-Za-z])[0-9A-Fa-f]{0,4}::(?:[0-9A-Fa-f]{1,4})?(?![0-9A-Za-z_])"
                    + "|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){3,}");
    /**
     * Four numbers from 0 to 255 joined by {@code -}, then a DNS label: a reverse-DNS or cloud host name that spells
     * an IPv4 address ({@code c-73-15-22-1.hsd1.ca.comcast.net}, {@code ec2-54-12-34-56.compute-1.amazonaws.com}).
     */
    private static final Pattern DASHED_IPV4;
    /** The same four numbers ending a word or token ({@code ip-10-0-0-1}): see {@link #spellsDashedIpv4}. */
    private static final Pattern DASHED_IPV4_TOKEN;

    static {
        String quad = "(?<![0-9])(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
                + "(?:-(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}";
        DASHED_IPV4 = Pattern.compile(quad + "\\.[A-Za-z]");
        DASHED_IPV4_TOKEN = Pattern.compile(quad + "(?![0-9])(?!-[0-9])");
    }

    private static final Pattern CANDIDATE = Pattern.compile("(?i)candidate:");
    /**
     * A number labelled as a port (group 1): {@code port: 57398} (webrtc-java's {@code RTCStats.toString()} of a
     * candidate), {@code "port":5000}, {@code rport 5000}, {@code relatedPort=5001}, an SDP media line's
     * {@code m=application 54321}; not {@code report 7} or {@code transport: 2}, nor a single digit ({@code port 2}
     * of a game controller, SDP's placeholder {@code m=application 9}): ports 1 to 9 are nobody's address.
     */
    private static final Pattern PORT = Pattern.compile("(?i)(?<![A-Za-z])(?:(?:r|related|local|remote)?port\"?\\s*[:=]?"
            + "\\s*|m=[a-z]+ )([0-9]{2,5})(?![0-9])");

    private Redaction() {
    }

    /**
     * Whether {@link #redact(String)} would change an address-like part of {@code text}.
     *
     * @param text any text
     * @return {@code true} when it holds something that looks like an address or ICE candidate
     */
    public static boolean looksLikeAddress(String text) {
        if (CANDIDATE.matcher(text).find() || PORT.matcher(text).find()) {
            return true;
        }
        Matcher word = WORD.matcher(text);
        while (word.find()) {
            if (isAddressLike(word.group())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks an id by the rule above.
     *
     * @param field    the id's name, for the message
     * @param value    the id
     * @param optional whether {@code null} is allowed
     * @throws IllegalArgumentException naming the field and what is wrong (never echoing a value that may be
     *                                  an address)
     */
    public static void checkId(String field, @Nullable String value, boolean optional) {
        if (value == null) {
            if (optional) {
                return;
            }
            throw new IllegalArgumentException(field + " must not be null");
        }
        if (value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank, was '" + value + "'");
        }
        if (value.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException(field + " must be at most " + MAX_ID_LENGTH
                    + " characters, was " + value.length());
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(field + " must not contain control characters");
        }
        int bidi = firstBidiControl(value);
        if (bidi >= 0) {
            throw new IllegalArgumentException(field + " must not contain bidirectional control characters, has U+"
                    + Integer.toHexString(value.charAt(bidi)).toUpperCase(java.util.Locale.ROOT) + " at index " + bidi
                    + ": it would reorder how logs, CSV cells and pages show the text around it");
        }
        int lone = Utf16.firstLoneSurrogate(value);
        if (lone >= 0) {
            throw new IllegalArgumentException(field + " must be well-formed UTF-16, has a lone surrogate U+"
                    + Integer.toHexString(value.charAt(lone)).toUpperCase(java.util.Locale.ROOT) + " at index " + lone);
        }
        if (looksLikeAddress(value)) {
            // the value is not echoed: it might be an address. What was found is named instead
            boolean portOnly = !CANDIDATE.matcher(value).find() && WORD.matcher(value).results()
                    .noneMatch(word -> isAddressLike(word.group()));
            throw new IllegalArgumentException(field + (portOnly
                    ? " must not contain a number labelled as a port (such as 'port 5000')"
                    : " must not contain an IP address or ICE candidate") + ": it is exported and logged");
        }
    }

    /**
     * Whether {@code c} has Unicode's Bidi_Control property (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069):
     * invisible characters that reorder how the text after them is shown ("Trojan Source"), so that a log line or
     * an exported cell reads otherwise than it is.
     *
     * @param c a character
     * @return whether ids refuse it and free text makes it a space
     */
    public static boolean isBidiControl(char c) {
        return c == '\u061C' || c == '\u200E' || c == '\u200F' || (c >= '\u202A' && c <= '\u202E')
                || (c >= '\u2066' && c <= '\u2069');
    }

    /**
     * A text read from a file as a message shows it: each control or bidirectional control character as
     * <code>&#92;uXXXX</code>, so that printing the message to a terminal runs no escape sequence and reverses nothing.
     *
     * @param text the text
     * @return the text, shown safely
     */
    public static String escapeControls(String text) {
        StringBuilder shown = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || isBidiControl(c)) {
                if (shown == null) {
                    shown = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                shown.append(String.format("\\u%04X", (int) c));
            } else if (shown != null) {
                shown.append(c);
            }
        }
        return shown == null ? text : shown.toString();
    }

    private static int firstBidiControl(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (isBidiControl(value.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Free text by the rule above: every address-like word replaced by {@value #REDACTED}, a lone surrogate by
     * U+FFFD, a control character or bidirectional control by a space, cut to {@value #MAX_LENGTH} characters.
     *
     * @param text free text, or {@code null}
     * @return the safe text, {@code null} for {@code null}
     */
    public static @Nullable String redact(@Nullable String text) {
        if (text == null) {
            return null;
        }
        if (CANDIDATE.matcher(text).find()) {
            return REDACTED_CANDIDATE;
        }
        StringBuilder out = new StringBuilder(text.length());
        appendWords(text, out);
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            if (Character.isISOControl(c) || isBidiControl(c)) {
                out.setCharAt(i, ' ');
            } else if (Character.isHighSurrogate(c) && i + 1 < out.length() && Character.isLowSurrogate(out.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                out.setCharAt(i, '\uFFFD');
            }
        }
        if (out.length() > MAX_LENGTH) {
            // a pair cut in two would leave a lone surrogate: cut before it
            out.setLength(Character.isHighSurrogate(out.charAt(MAX_LENGTH - 1)) ? MAX_LENGTH - 1 : MAX_LENGTH);
        }
        return out.toString();
    }

    /**
     * A throwable as it may be logged, or thrown on to an application: a plugin's or webrtc-java's exception may
     * quote a peer, a candidate or a TURN URL, and a log handler prints the message of a throwable and of its
     * causes and suppressed ones (their {@code toString()}). When any of those texts looks like an address, a copy
     * of the whole chain whose texts are redacted line by line — every address-like word and labelled port
     * {@value #REDACTED}, a line's rest from {@code candidate:} on {@value #REDACTED_CANDIDATE} — neither cut nor
     * flattened, each
     * showing its original's class name and holding its stack trace; else {@code thrown} itself.
     *
     * @param thrown what was thrown
     * @return {@code thrown}, or its redacted copy
     */
    public static Throwable redactThrown(Throwable thrown) {
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        return holdsAddress(thrown, seen) ? copy(thrown, new java.util.IdentityHashMap<>()) : thrown;
    }

    private static boolean holdsAddress(@Nullable Throwable thrown, java.util.Set<Throwable> seen) {
        if (thrown == null || !seen.add(thrown)) {
            return false;
        }
        String shown = shown(thrown);
        String message = message(thrown);
        if (shown == null || looksLikeAddress(shown) || message != null && looksLikeAddress(message)
                || holdsAddress(thrown.getCause(), seen)) {
            return true;
        }
        for (Throwable suppressed : thrown.getSuppressed()) {
            if (holdsAddress(suppressed, seen)) {
                return true;
            }
        }
        return false;
    }

    private static Throwable copy(Throwable thrown, java.util.Map<Throwable, Throwable> made) {
        Throwable done = made.get(thrown);
        if (done != null) {
            return done;
        }
        String shown = shown(thrown);
        Redacted copy = new Redacted(shown == null ? thrown.getClass().getName() + " (its toString() failed)"
                : redactLines(shown), redactLines(message(thrown)));
        made.put(thrown, copy);
        copy.setStackTrace(thrown.getStackTrace());
        Throwable cause = thrown.getCause();
        if (cause != null) {
            copy.initCause(copy(cause, made));
        }
        for (Throwable suppressed : thrown.getSuppressed()) {
            Throwable other = copy(suppressed, made);
            if (other != copy) {
                copy.addSuppressed(other);
            }
        }
        return copy;
    }

    /** @return what a stack trace prints of {@code thrown} (its toString()), {@code null} when that fails */
    private static @Nullable String shown(Throwable thrown) {
        try {
            return String.valueOf(thrown);
        } catch (RuntimeException broken) {
            return null;
        }
    }

    /** @return the message, {@code null} also when getMessage() fails */
    private static @Nullable String message(Throwable thrown) {
        try {
            return thrown.getMessage();
        } catch (RuntimeException broken) {
            return null;
        }
    }

    /**
     * Addresses out, line by line, as {@link #redactThrown} does a throwable's texts: every address-like word and
     * labelled port {@value #REDACTED}, a line's rest from {@code candidate:} on {@value #REDACTED_CANDIDATE};
     * nothing else changed, nothing cut, line breaks kept (a stack trace's message may span lines). For a message
     * quoting a file, where what precedes the quote (a line number) must stay.
     *
     * @param text the text, or {@code null}
     * @return the text without addresses, {@code null} for {@code null}
     */
    public static @Nullable String redactLines(@Nullable String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(text.length());
        int start = 0;
        while (start < text.length()) {
            int end = start;
            while (end < text.length() && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
                end++;
            }
            String content = text.substring(start, end);
            Matcher candidate = CANDIDATE.matcher(content);
            if (candidate.find()) {
                appendWords(content.substring(0, candidate.start()), out);
                out.append(REDACTED_CANDIDATE);
            } else {
                appendWords(content, out);
            }
            start = end;
            while (start < text.length() && (text.charAt(start) == '\n' || text.charAt(start) == '\r')) {
                out.append(text.charAt(start++));
            }
        }
        return out.toString();
    }

    /** {@code text} with every labelled port and address-like word replaced, appended to {@code out}. */
    private static void appendWords(String given, StringBuilder out) {
        String text = given;
        Matcher port = PORT.matcher(text);
        if (port.find()) {
            StringBuilder ports = new StringBuilder(text.length());
            int from = 0;
            do {
                ports.append(text, from, port.start(1)).append(REDACTED);
                from = port.end(1);
            } while (port.find());
            text = ports.append(text, from, text.length()).toString();
        }
        Matcher word = WORD.matcher(text);
        int end = 0;
        while (word.find()) {
            out.append(text, end, word.start());
            out.append(isAddressLike(word.group()) ? REDACTED : word.group());
            end = word.end();
        }
        out.append(text, end, text.length());
    }

    /** A redacted copy of a throwable: its original's text, class name first, and stack trace. */
    private static final class Redacted extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final @Nullable String shown;

        Redacted(@Nullable String shown, @Nullable String message) {
            super(message);
            this.shown = shown;
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // the original's trace is set instead
        }

        @Override
        public String toString() {
            return String.valueOf(shown);
        }
    }

    private static boolean isAddressLike(String word) {
        return IPV4.matcher(word).find() || IPV6.matcher(word).find() || hasDashedIpv4(word);
    }

    private static boolean hasDashedIpv4(String word) {
        return spellsDashedIpv4(word, DASHED_IPV4);
    }

    /**
     * Whether a token (a {@code NetworkPath} part, say) spells an IPv4 address with dashes: four numbers from 0 to 255
     * joined by {@code -}, not continuing a longer run of numbers ({@code ip-10-0-0-1}, {@code relay-192-0-2-7};
     * not {@code 2026-12-07-1-2}). Stricter than free text, where only a host name ({@code 1-2-3-4.example.net}) counts:
     * there {@code exp-1-2-3-4} is an experiment's name.
     *
     * @param token the token
     * @return whether it spells one
     */
    public static boolean spellsDashedIpv4(String token) {
        // every ICE reading makes a NetworkPath of plain words: no regex for a token that cannot hold four numbers
        return token.chars().filter(c -> c == '-').count() >= 3 && spellsDashedIpv4(token, DASHED_IPV4_TOKEN);
    }

    /** A dashed quad after a label of digits only is part of a longer run of numbers (a date), not an address. */
    private static boolean spellsDashedIpv4(String word, Pattern pattern) {
        Matcher dashed = pattern.matcher(word);
        while (dashed.find()) {
            int label = dashed.start() - 1;
            if (label < 1 || word.charAt(label) != '-') {
                return true;
            }
            int from = label;
            while (from > 0 && Character.isLetterOrDigit(word.charAt(from - 1))) {
                from--;
            }
            if (from == label || !word.substring(from, label).chars().allMatch(c -> c >= '0' && c <= '9')) {
                return true;
            }
        }
        return false;
    }
}
