package io.peerpulse.telemetry;

import org.jspecify.annotations.Nullable;

/**
 * Loss and clock offset of a probing RTT source ({@link io.peerpulse.telemetry.spi.ProbeStatsSource}):
 * every ping sent ends answered, lost or unanswered, or is still in flight.
 *
 * @param sentCount       pings sent
 * @param answeredCount   pings answered in time (each one measured reading)
 * @param lostCount       pings without an answer in time after the peer had answered once: network loss, or a peer
 *                        that did not answer (which no probe can tell apart); never an answer that arrived in time
 *                        at a full inbound queue (see {@code inboundDroppedCount})
 * @param lateCount       answers that came after their ping had timed out (already lost or unanswered)
 * @param unansweredCount pings without an answer that are not loss: before the peer ever answered, or
 *                        cut off by closing
 * @param lossRatio       {@code lostCount / (answeredCount + lostCount)}, 0 when both are 0
 * @param offsetMs        the peer's wall clock minus ours, ms (1 µs resolution): add it to one of our epoch
 *                        times to get the peer's; {@code null} before the first answer
 * @param errorBoundMs    the true offset lies within {@code offsetMs ± errorBoundMs}; {@code null} with
 *                        {@code offsetMs}
 * @param offsetEpochMs   when the exchange the offset comes from ended, epoch ms of our clock;
 *                        {@code null} with {@code offsetMs}
 * @param cappedHoldCount answers whose claimed hold time was above the probe's trusted bound, so that only the
 *                        bound was subtracted (an honest peer holds a ping for microseconds): the raw claim is
 *                        not trusted
 * @param maxHoldMs       the longest hold time the peer claimed, ms, raw (before the bound)
 * @param peerPingsDroppedCount the peer's pings not answered because it sent more than the probe answers (its
 *                        rate limit)
 * @param processedLateCount answers that arrived in time but were handled after their ping's timeout because the
 *                        probe's thread did not get a CPU in time (or, by a few ms, took them at its next tick):
 *                        local lateness, not loss, so counted answered
 *                        (and measured), never lost; and answers, unmeasured, that the probe's own process held
 *                        past their ping's timeout (a GC pause, as the probe saw it). {@code lateCount} counts
 *                        answers that arrived late
 * @param malformedCount  messages of the peer refused as malformed (text, a wrong length or type, a hold beyond the
 *                        round trip)
 * @param unknownVersionCount messages of a protocol version the probe does not speak
 * @param unmatchedCount  well-formed answers to no ping of the probe (another probe's, too old, a replay, a forged
 *                        one): a peer forging answers shows here
 * @param inboundDroppedCount messages of the peer dropped on arrival because the probe's inbound queue was full (a
 *                        flood); an answer to a ping in flight is not dropped so (it passes, once per ping), and
 *                        counts as any answer by when it arrived
 * @since 0.1.0
 */
public record ProbeStats(long sentCount, long answeredCount, long lostCount, long lateCount, long unansweredCount,
                         double lossRatio, @Nullable Double offsetMs, @Nullable Double errorBoundMs,
                         @Nullable Long offsetEpochMs, long cappedHoldCount, double maxHoldMs,
                         long peerPingsDroppedCount, long processedLateCount, long malformedCount,
                         long unknownVersionCount, long unmatchedCount, long inboundDroppedCount) {

    /**
     * Checks every component by the rules the session report's JSON reader applies, so that an export always reads
     * back.
     *
     * @param sentCount       see the record description
     * @param answeredCount   see the record description
     * @param lostCount       see the record description
     * @param lateCount       see the record description
     * @param unansweredCount see the record description
     * @param lossRatio       see the record description
     * @param offsetMs        see the record description
     * @param errorBoundMs    see the record description
     * @param offsetEpochMs   see the record description
     * @param cappedHoldCount see the record description
     * @param maxHoldMs       see the record description
     * @param peerPingsDroppedCount see the record description
     * @param processedLateCount see the record description
     * @param malformedCount  see the record description
     * @param unknownVersionCount see the record description
     * @param unmatchedCount  see the record description
     * @param inboundDroppedCount see the record description
     * @throws IllegalArgumentException naming the component and its value when a count or {@code offsetEpochMs} is
     *                                  negative, the ratio is outside [0, 1], {@code offsetMs} is not finite,
     *                                  {@code maxHoldMs} or {@code errorBoundMs} is negative or not finite, or only
     *                                  some of the offset's parts are given
     * @since 0.1.0
     */
    public ProbeStats {
        notNegative("sentCount", sentCount);
        notNegative("answeredCount", answeredCount);
        notNegative("lostCount", lostCount);
        notNegative("lateCount", lateCount);
        notNegative("unansweredCount", unansweredCount);
        notNegative("cappedHoldCount", cappedHoldCount);
        notNegative("peerPingsDroppedCount", peerPingsDroppedCount);
        notNegative("processedLateCount", processedLateCount);
        notNegative("malformedCount", malformedCount);
        notNegative("unknownVersionCount", unknownVersionCount);
        notNegative("unmatchedCount", unmatchedCount);
        notNegative("inboundDroppedCount", inboundDroppedCount);
        if (!(lossRatio >= 0 && lossRatio <= 1)) {
            throw new IllegalArgumentException("lossRatio must be in [0, 1], was " + lossRatio);
        }
        finiteNotNegative("maxHoldMs", maxHoldMs);
        maxHoldMs += 0.0;
        boolean none = offsetMs == null;
        if ((errorBoundMs == null) != none || (offsetEpochMs == null) != none) {
            throw new IllegalArgumentException("offsetMs, errorBoundMs and offsetEpochMs come together");
        }
        if (offsetMs != null && !Double.isFinite(offsetMs)) {
            throw new IllegalArgumentException("offsetMs must be finite, was " + offsetMs);
        }
        if (errorBoundMs != null) {
            finiteNotNegative("errorBoundMs", errorBoundMs);
        }
        if (offsetEpochMs != null) {
            notNegative("offsetEpochMs", offsetEpochMs);
        }
    }

    private static void notNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + value);
        }
    }

    private static void finiteNotNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, was " + value);
        }
    }
}
