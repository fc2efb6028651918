package io.peerpulse.lab;

import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Rewrites the ICE candidates one peer sends to the other so that they point at the relay.
 *
 * <p>Only one candidate of the sending peer gets through: the first UDP IPv4 host candidate, with
 * its address and port replaced by {@code 127.0.0.1} and the relay port; the same candidate seen
 * again (trickled and embedded in an SDP) is rewritten the same way. Every other candidate (TCP,
 * IPv6, mDNS names, srflx/relay, further host candidates) is dropped, so the receiving peer knows
 * no address but the relay's and ICE can only use the path through it. Thread-safe.
 */
final class RelayCandidates {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    /** An mDNS host name as browsers send instead of their address, e.g. {@code 9b0c…-….local}. */
    private static final Pattern MDNS = Pattern.compile("[A-Za-z0-9-]+\\.local");
    private static final String RELAY_HOST = "127.0.0.1";

    private final int relayPort;
    private final boolean mdnsNames;
    private @Nullable String accepted;

    /**
     * Creates a rewriter for one direction of the candidate exchange.
     *
     * @param relayPort the relay port the receiving peer must send to
     */
    RelayCandidates(int relayPort) {
        this(relayPort, false);
    }

    private RelayCandidates(int relayPort, boolean mdnsNames) {
        this.relayPort = relayPort;
        this.mdnsNames = mdnsNames;
    }

    /**
     * A rewriter that also takes a host candidate whose address is an mDNS name ({@code ….local}), as
     * browsers send by default: the name is never resolved, since the relay's address replaces it and the
     * relay learns the sender's real address from its first packet.
     *
     * @param relayPort the relay port the receiving peer must send to
     */
    static RelayCandidates acceptingMdnsNames(int relayPort) {
        return new RelayCandidates(relayPort, true);
    }

    /**
     * The candidate as the other peer may see it, or empty when it must not see it.
     *
     * @param candidate a candidate attribute, with or without {@code a=} and trailing line break
     */
    synchronized Optional<String> rewrite(String candidate) {
        String prefix = candidate.startsWith("a=") ? "a=" : "";
        String[] fields = candidate.substring(prefix.length()).strip().split(" ");
        // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
        if (fields.length < 8 || !fields[0].startsWith("candidate:") || !"udp".equalsIgnoreCase(fields[2])
                || !(IPV4.matcher(fields[4]).matches() || mdnsNames && MDNS.matcher(fields[4]).matches())
                || !"typ".equals(fields[6]) || !"host".equals(fields[7])) {
            return Optional.empty();
        }
        String original = fields[4] + " " + fields[5];
        if (accepted == null) {
            accepted = original;
        } else if (!accepted.equals(original)) {
            return Optional.empty();
        }
        fields[4] = RELAY_HOST;
        fields[5] = Integer.toString(relayPort);
        return Optional.of(prefix + String.join(" ", fields));
    }

    /** The SDP with each {@code a=candidate} line rewritten or removed. */
    String rewriteSdp(String sdp) {
        String lineBreak = sdp.contains("\r\n") ? "\r\n" : "\n";
        StringBuilder out = new StringBuilder(sdp.length());
        for (String line : sdp.split("\r?\n", -1)) {
            if (line.startsWith("a=candidate:")) {
                rewrite(line).ifPresent(rewritten -> out.append(rewritten).append(lineBreak));
            } else {
                out.append(line).append(lineBreak);
            }
        }
        // split(-1) leaves an empty last element after the final line break: do not double it
        out.setLength(out.length() - lineBreak.length());
        return out.toString();
    }
}
