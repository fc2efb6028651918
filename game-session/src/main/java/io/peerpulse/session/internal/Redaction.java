package io.peerpulse.session.internal;

import org.jspecify.annotations.Nullable;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps addresses out of free text that reaches exports and logs (a close reason).
 *
 * <p>Deliberately coarse and over-cautious, unlike a detector: a whole word goes when it merely
 * looks like an address — four dot-separated numbers (IPv4, also with a port), or hex groups joined
 * by {@code ::} or by three or more colons (IPv6, also bracketed or with a port or zone) — and the
 * whole text goes when it holds an ICE candidate ({@code candidate:}). Version strings such as
 * {@code 1.2.3.4} or MAC addresses are redacted too; times such as {@code 12:30:45} are kept. A
 * bare port number cannot be told from any other number and is kept.
 */
public final class Redaction {

    /** What replaces an address-like word. */
    public static final String REDACTED = "<redacted>";
    /** What replaces a text holding an ICE candidate. */
    public static final String REDACTED_CANDIDATE = "<redacted: ICE candidate>";
    /** Longest text kept; longer text is cut. */
    public static final int MAX_LENGTH = 200;

    /** A word: everything between blanks and punctuation that cannot occur inside an address. */
    private static final Pattern WORD = Pattern.compile("[^\\s,;()<>{}\"'=/\\\\|]+");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    private static final Pattern IPV6 =
            Pattern.compile("[0-9A-Fa-f]*::|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){3,}");
    private static final Pattern CANDIDATE = Pattern.compile("(?i)candidate:");

    private Redaction() {
    }

    /**
     * Whether {@link #redact(String)} would change an address-like part of {@code text}.
     *
     * @param text any text
     * @return {@code true} when it holds something that looks like an address or ICE candidate
     */
    public static boolean looksLikeAddress(String text) {
        if (CANDIDATE.matcher(text).find()) {
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
     * The text with every address-like word replaced by {@value #REDACTED}, control characters
     * replaced by spaces, cut to {@value #MAX_LENGTH} characters.
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
        Matcher word = WORD.matcher(text);
        int end = 0;
        while (word.find()) {
            out.append(text, end, word.start());
            out.append(isAddressLike(word.group()) ? REDACTED : word.group());
            end = word.end();
        }
        out.append(text, end, text.length());
        for (int i = 0; i < out.length(); i++) {
            if (Character.isISOControl(out.charAt(i))) {
                out.setCharAt(i, ' ');
            }
        }
        if (out.length() > MAX_LENGTH) {
            out.setLength(MAX_LENGTH);
        }
        return out.toString();
    }

    private static boolean isAddressLike(String word) {
        return IPV4.matcher(word).find() || IPV6.matcher(word).find();
    }
}
