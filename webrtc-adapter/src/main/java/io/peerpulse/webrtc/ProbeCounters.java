package io.peerpulse.webrtc;

/**
 * What a {@link DataChannelProbe} has seen since it opened. Every ping this probe sent ends in
 * exactly one of {@code answeredCount}, {@code lostCount} or {@code unansweredCount}, or is still in
 * flight: {@code sentCount == answeredCount + lostCount + unansweredCount + inFlightCount()}.
 *
 * @param sentCount              pings sent: each counted once its send returned, or once it ended if that came
 *                               first (a pong handled before a slow send returned, or a close that cut it off:
 *                               then it stays counted, unanswered, even if its send fails); a ping whose send
 *                               failed is otherwise never counted, so the count never goes back
 * @param answeredCount          pings whose pong arrived before the ping timeout: each a {@code measured} read
 * @param lostCount              pings without a pong before the ping timeout, once the peer had answered at
 *                               least once: each a {@code stale} read
 * @param lateCount              pongs that arrived after their ping had timed out (that ping is already
 *                               counted in {@code lostCount} or {@code unansweredCount}); they complete nothing.
 *                               One per ping at most: a replay of it, or one with another t1, is unmatched
 * @param unansweredCount        pings that ended without a pong and are not loss: timed out before the peer
 *                               ever answered, or cut off because the probe or its channel closed
 * @param malformedCount         messages refused: text, too short, a wrong length for their type, an unknown
 *                               type, or a pong whose hold time (as far as trusted) exceeds its round trip
 * @param unknownVersionCount    messages of a protocol version this probe does not speak
 * @param unmatchedCount         well-formed pongs to no ping of this probe (another probe instance's, too
 *                               old, a t1 other than the one sent, or a copy of a pong already counted), or to
 *                               a ping that a refused pong spent: a pong with another t1 (a guess at the ping's
 *                               secret) or a hold beyond the round trip leaves the ping to time out
 * @param peerPingsAnsweredCount the peer's pings this probe answered with a pong
 * @param cappedHoldCount        answered pings whose pong claimed a hold time above
 *                               {@link DataChannelProbe#MAX_TRUSTED_HOLD}: only the bound was subtracted, so
 *                               those readings may be up to the excess too high (an honest peer on a stalled
 *                               CPU) and can no longer be pushed down by the peer (a cheater); a session can
 *                               compare the probe with the ICE view when this is not 0
 * @param maxHoldMs              the longest hold time a pong of the peer claimed, raw (before the cap), ms
 *                               (1 µs resolution); 0 before the first answer
 * @param peerPingsDroppedCount  the peer's pings not answered because it pinged faster than this probe answers
 *                               ({@link DataChannelProbe#PEER_PING_RATE} a second, bursts of
 *                               {@link DataChannelProbe#PEER_PING_BURST}): dropped on arrival, never queued. An
 *                               honest peer never gets here; a flooding one does
 * @param inboundDroppedCount    received messages dropped on arrival because this probe already had
 *                               {@link DataChannelProbe#MAX_QUEUED_MESSAGES} waiting for the probe thread (a flood
 *                               of pongs, or of anything, or a probe thread starved of CPU). A pong to a ping of
 *                               this probe in flight is never among them: it passes the full queue, once per ping,
 *                               and counts by its arrival as any pong, so that a flood is not read as network loss
 *                               ({@code lostCount})
 * @param processedLateCount     answered pings whose pong arrived before the ping timeout but was handled after
 *                               it, because the probe thread did not get a CPU in time or, by up to 10 ms, because
 *                               a busy probe thread takes pongs at its ticks (webrtc-adapter README, "Allocation per
 *                               ping"): local lateness, not network loss, so measured (from the arrival time read in
 *                               webrtc-java's callback) and never counted lost; and, without a measurement, pings
 *                               whose deadline fell in a stall of this process (a GC pause: the callback thread is
 *                               held too, so the arrival it reads is late) and whose pong arrived within a grace
 *                               after it (webrtc-adapter README, "Local lateness is not loss"). Other pongs that
 *                               <em>arrived</em> after the timeout are {@code lateCount}
 * @since 0.1.0
 */
public record ProbeCounters(long sentCount, long answeredCount, long lostCount, long lateCount,
                            long unansweredCount, long malformedCount, long unknownVersionCount,
                            long unmatchedCount, long peerPingsAnsweredCount, long cappedHoldCount,
                            double maxHoldMs, long peerPingsDroppedCount, long inboundDroppedCount,
                            long processedLateCount) {

    /**
     * Counters of a probe that saw no hold time, dropped nothing and was never late: {@code cappedHoldCount},
     * {@code maxHoldMs}, {@code peerPingsDroppedCount}, {@code inboundDroppedCount} and {@code processedLateCount} 0.
     *
     * @param sentCount              see the record description
     * @param answeredCount          see the record description
     * @param lostCount              see the record description
     * @param lateCount              see the record description
     * @param unansweredCount        see the record description
     * @param malformedCount         see the record description
     * @param unknownVersionCount    see the record description
     * @param unmatchedCount         see the record description
     * @param peerPingsAnsweredCount see the record description
     * @since 0.1.0
     */
    public ProbeCounters(long sentCount, long answeredCount, long lostCount, long lateCount,
                         long unansweredCount, long malformedCount, long unknownVersionCount,
                         long unmatchedCount, long peerPingsAnsweredCount) {
        this(sentCount, answeredCount, lostCount, lateCount, unansweredCount, malformedCount, unknownVersionCount,
                unmatchedCount, peerPingsAnsweredCount, 0, 0, 0, 0, 0);
    }

    /**
     * Pings sent whose fate is not known yet.
     *
     * @return {@code sentCount - answeredCount - lostCount - unansweredCount}
     * @since 0.1.0
     */
    public long inFlightCount() {
        return sentCount - answeredCount - lostCount - unansweredCount;
    }

    /**
     * The share of pings lost among those whose fate is known while the peer answers:
     * {@code lostCount / (answeredCount + lostCount)}; pings in flight and pings sent before the peer first
     * answered do not count.
     *
     * @return the loss ratio in [0, 1]; 0 before any ping was answered or lost
     * @since 0.1.0
     */
    public double lossRatio() {
        long decided = answeredCount + lostCount;
        return decided == 0 ? 0 : (double) lostCount / decided;
    }
}
