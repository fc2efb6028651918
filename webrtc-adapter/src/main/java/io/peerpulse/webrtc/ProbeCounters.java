package io.peerpulse.webrtc;

/**
 * What a {@link DataChannelProbe} has seen since it opened. Every ping this probe sent ends in
 * exactly one of {@code answered}, {@code lost} or {@code unanswered}, or is still in flight:
 * {@code sent == answered + lost + unanswered + inFlight()}.
 *
 * @param sent              pings sent
 * @param answered          pings whose pong arrived before the ping timeout: each a {@code measured} read
 * @param lost              pings without a pong before the ping timeout, once the peer had answered at
 *                          least once: each a {@code stale} read
 * @param late              pongs that arrived after their ping had timed out (that ping is already
 *                          counted in {@code lost} or {@code unanswered}); they complete nothing
 * @param unanswered        pings that ended without a pong and are not loss: timed out before the peer
 *                          ever answered, or cut off because the probe or its channel closed
 * @param malformed         messages refused: text, too short, a wrong length for their type, an unknown
 *                          type, or a pong whose hold time exceeds its round trip
 * @param unknownVersion    messages of a protocol version this probe does not speak
 * @param unmatched         well-formed pongs to no ping of this probe (another probe instance's, or too old)
 * @param peerPingsAnswered the peer's pings this probe answered with a pong
 * @since 0.1.0
 */
public record ProbeCounters(long sent, long answered, long lost, long late, long unanswered, long malformed,
                            long unknownVersion, long unmatched, long peerPingsAnswered) {

    /**
     * Pings sent whose fate is not known yet.
     *
     * @return {@code sent - answered - lost - unanswered}
     * @since 0.1.0
     */
    public long inFlight() {
        return sent - answered - lost - unanswered;
    }

    /**
     * The share of pings lost among those whose fate is known while the peer answers:
     * {@code lost / (answered + lost)}; pings in flight and pings sent before the peer first
     * answered do not count.
     *
     * @return the loss ratio in [0, 1]; 0 before any ping was answered or lost
     * @since 0.1.0
     */
    public double lossRatio() {
        long decided = answered + lost;
        return decided == 0 ? 0 : (double) lost / decided;
    }
}
