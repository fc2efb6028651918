package io.peerpulse.telemetry;

import io.peerpulse.telemetry.shared.Redaction;

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

    /**
     * Checks that every part is a short token.
     *
     * @param localType  see the record description
     * @param remoteType see the record description
     * @param protocol   see the record description
     * @throws IllegalArgumentException naming the part that is not a token
     * @since 0.1.0
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
        if (Redaction.spellsDashedIpv4(value)) { // e.g. a relay's host name ip-10-0-0-1 made a token
            throw new IllegalArgumentException(name + " must not spell an IPv4 address with dashes (four numbers"
                    + " 0-255 joined by '-')");
        }
    }

    /** @return e.g. {@code host/srflx/udp} */
    @Override
    public String toString() {
        return localType + "/" + remoteType + "/" + protocol;
    }
}
