package io.peerpulse.testkit;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds IPv4 and IPv6 addresses in text, for privacy checks: no reason, export, log line or
 * metric tag may reveal a participant's address.
 *
 * <p>It errs on the side of reporting: any dotted quad of numbers up to 255 counts as an IPv4
 * address, and any well-formed IPv6 literal (compressed, full, or with an embedded IPv4 tail)
 * standing apart from surrounding words counts as an IPv6 address. Times such as
 * {@code 12:30:45}, MAC addresses and {@code Type::member} do not.
 *
 * @since 0.1.0
 */
public final class IpAddresses {

    private static final Pattern IPV4 =
            Pattern.compile("(?<![0-9.])(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?![0-9])");
    private static final Pattern IPV6_CANDIDATE =
            Pattern.compile("(?<![0-9A-Za-z_])[0-9A-Fa-f:.]{2,}+(?![0-9A-Za-z_])");
    private static final Pattern HEX_GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");

    private IpAddresses() {
    }

    /**
     * The first IP address in {@code text}, if any.
     *
     * @param text the text to search
     * @return the address as written in the text, or empty when there is none
     * @since 0.1.0
     */
    public static Optional<String> findIn(CharSequence text) {
        Objects.requireNonNull(text, "text");
        Matcher v4 = IPV4.matcher(text);
        while (v4.find()) {
            if (isIpv4(v4)) {
                return Optional.of(v4.group());
            }
        }
        Matcher v6 = IPV6_CANDIDATE.matcher(text);
        while (v6.find()) {
            String candidate = stripTrailingDots(v6.group());
            if (candidate.indexOf(':') != candidate.lastIndexOf(':') && isIpv6(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Whether {@code text} contains an IP address.
     *
     * @param text the text to search
     * @return {@code true} when {@link #findIn(CharSequence)} finds one
     * @since 0.1.0
     */
    public static boolean containsAny(CharSequence text) {
        return findIn(text).isPresent();
    }

    private static boolean isIpv4(Matcher dottedQuad) {
        for (int group = 1; group <= 4; group++) {
            if (Integer.parseInt(dottedQuad.group(group)) > 255) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv6(String text) {
        String literal = text;
        int lastColon = literal.lastIndexOf(':');
        String tail = literal.substring(lastColon + 1);
        if (tail.indexOf('.') >= 0) {
            Matcher v4 = IPV4.matcher(tail);
            if (!v4.matches() || !isIpv4(v4)) {
                return false;
            }
            // An embedded IPv4 address takes the place of the last two groups.
            literal = literal.substring(0, lastColon + 1) + "0:0";
        }
        if (literal.indexOf('.') >= 0 || literal.chars().noneMatch(c -> Character.digit(c, 16) >= 0)) {
            return false;
        }
        int compressed = literal.indexOf("::");
        if (compressed < 0) {
            return groups(literal) == 8;
        }
        if (compressed != literal.lastIndexOf("::")) {
            return false;
        }
        int left = groups(literal.substring(0, compressed));
        int right = groups(literal.substring(compressed + 2));
        return left >= 0 && right >= 0 && left + right <= 7;
    }

    /** The number of colon-separated hex groups, 0 for an empty part, -1 when malformed. */
    private static int groups(String part) {
        if (part.isEmpty()) {
            return 0;
        }
        String[] groups = part.split(":", -1);
        for (String group : groups) {
            if (!HEX_GROUP.matcher(group).matches()) {
                return -1;
            }
        }
        return groups.length;
    }

    private static String stripTrailingDots(String text) {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '.') {
            end--;
        }
        return text.substring(0, end);
    }
}
