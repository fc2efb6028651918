package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * How much of the session had fresh measurements. Measuring runs from the first data channel open
 * until the session ends (or the snapshot); a gap is a stretch in it longer than
 * {@code gapThresholdMs} with no new measurement, whatever the reason (no connection, stale, failing). A stretch
 * that a measurement ends is a gap only if it is longer than {@code gapThresholdMs} plus that measurement's RTT,
 * i.e. if the round trip it measured began (its poll minus its RTT) more than {@code gapThresholdMs} after the
 * previous measurement; the gap then runs up to that poll. So a pong that was merely slow is no gap but one long
 * RTT: a filled queue, or a path that held the ping through an outage and delivered it late rather than dropping it
 * (the probe's ping timeout bounds how late). An RTT of a round trip that ended well before the poll (the ICE
 * view's first reading of a newly selected candidate pair: its last STUN check) likewise leaves up to that RTT
 * without evidence unreported.
 *
 * @param measuringStartEpochMs   when measuring started; {@code null} when no channel ever opened
 * @param measuringMs             how long measuring ran
 * @param coveredRatio            the share of {@code measuringMs} outside gaps, 0 to 1; 0 when nothing was measured
 * @param measuredPollRatio       the share of polls that recorded a new measurement, 0 to 1
 * @param gapThresholdMs          the longest stretch without a measurement that is not a gap:
 *                                {@code gapAfterPolls} poll intervals, or two refresh periods of the polled
 *                                source when that is longer (the ICE view refreshes only every 2.5 s, so 5 s)
 * @param gapMs                   the sum of the gaps' durations
 * @param gaps                    every gap, oldest first
 * @param firstMeasurementEpochMs when the first measurement arrived; {@code null} before it
 * @param lastMeasurementEpochMs  when the latest measurement arrived; {@code null} before the first
 * @since 0.1.0
 */
public record Coverage(@Nullable Long measuringStartEpochMs, long measuringMs, double coveredRatio, double measuredPollRatio,
                       double gapThresholdMs, long gapMs, List<CoverageGap> gaps, @Nullable Long firstMeasurementEpochMs,
                       @Nullable Long lastMeasurementEpochMs) {

    /**
     * Makes the list an unmodifiable copy.
     *
     * @param measuringStartEpochMs see the record description
     * @param measuringMs see the record description
     * @param coveredRatio see the record description
     * @param measuredPollRatio see the record description
     * @param gapThresholdMs see the record description
     * @param gapMs see the record description
     * @param gaps see the record description
     * @param firstMeasurementEpochMs see the record description
     * @param lastMeasurementEpochMs see the record description
     * @throws NullPointerException when a required component is null
     * @since 0.1.0
     */
    public Coverage {
        gaps = List.copyOf(gaps);
    }
}
