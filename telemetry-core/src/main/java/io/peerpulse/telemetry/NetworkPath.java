package io.peerpulse.telemetry;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The kind of network path a measurement took: the types of its two ends and the transport
 * protocol, e.g. {@code host → srflx over udp}. Never an address: every part is a short lower-case
 * token (letters, digits, {@code -}; at most 16 characters) that does not spell an IPv4 address with dashes
 * ({@code ip-10-0-0-1}), so no IP address, port or candidate string can be carried by it.
 *
 * <p>For WebRTC the types are ICE candidate types ({@code host}, {@code srflx}, {@code prflx},
 * {@code relay}) and the protocol is {@code udp} or {@code tcp}.
 *
 * @param localType  the type of the local end
 * @param remoteType the type of the remote end
 * @param protocol   the transport protocol
 * @since 0.1.0
 */
public record NetworkPath(String localType, String remoteType, String protocol) {

    private static final Pattern TOKEN = Pattern.compile("[a-z][a-z0-9-]{0,15}");
    /** Four numbers from 0 to 255 joined by '-', standing alone: an IPv4 address as a host name spells it. */
    private static final Pattern DASHED_IPV4;

    static {
        String octet = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
        DASHED_IPV4 = Pattern.compile("(?<![0-9])" + octet + "(?:-" + octet + "){3}(?![0-9])(?!-[0-9])");
    }

    /**
     * Checks that every part is a short token.
     *
     * @throws IllegalArgumentException naming the part that is not a token
     */
    public NetworkPath {
        check("localType", localType);
        check("remoteType", remoteType);
        check("protocol", protocol);
    }

    private static void check(String name, String value) {
        Objects.requireNonNull(value, name);
        if (!TOKEN.matcher(value).matches()) {
            // the value is not echoed: it might be an address
            throw new IllegalArgumentException(name + " must be a lower-case token of at most 16 characters"
                    + " (letters, digits, '-'), was a string of length " + value.length());
        }
        if (spellsIpv4(value)) { // e.g. a relay's host name ip-10-0-0-1 made a token
            throw new IllegalArgumentException(name + " must not spell an IPv4 address with dashes (four numbers"
                    + " 0-255 joined by '-')");
        }
    }

    /** Four dashed numbers, unless they continue a run of numbers (a label of digits only before them). */
    private static boolean spellsIpv4(String token) {
        java.util.regex.Matcher dashed = DASHED_IPV4.matcher(token);
        while (dashed.find()) {
            int dash = dashed.start() - 1;
            int from = dash;
            while (from > 0 && Character.isDigit(token.charAt(from - 1))) {
                from--;
            }
            if (dash < 0 || from == dash || from > 0 && token.charAt(from - 1) != '-') {
                return true; // at the start, or after a label that is not all digits (ip-, ec2-)
            }
        }
        return false;
    }

    /** @return e.g. {@code host/srflx/udp} */
    @Override
    public String toString() {
        return localType + "/" + remoteType + "/" + protocol;
    }
}
