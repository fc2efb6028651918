package io.peerpulse.webrtc;

/**
 * The peer's wall clock relative to ours, estimated NTP-style from ping/pong exchanges: the
 * exchange with the lowest delay among the most recent ones (the probe's offset window) is the one
 * least disturbed by queueing, and the true offset lies within its half delay of its estimate.
 *
 * <p>For an exchange with t1 (our send), t2 (peer receive), t3 (peer send), t4 (our receive):
 * {@code offset = ((t2 - t1) + (t3 - t4)) / 2}, {@code delay = (t4 - t1) - (t3 - t2)}. Add
 * {@code offsetMs} to one of our wall-clock times to get the peer's clock at that moment.
 *
 * @param offsetMs         the peer's clock minus ours, milliseconds (1 µs resolution)
 * @param errorBoundMs     the true offset lies within {@code offsetMs ± errorBoundMs}: half the chosen
 *                         exchange's delay plus the wire format's 1 µs resolution, assuming the clocks did
 *                         not drift apart during that exchange
 * @param delayMs          the chosen exchange's network round trip (its RTT without the peer's hold time)
 * @param timestampEpochMs when the chosen exchange ended, epoch milliseconds of our clock
 * @param exchangeCount    how many exchanges the estimate chose from
 * @param verified         {@code false} when the chosen exchange's pong claimed a hold time above
 *                         {@link DataChannelProbe#MAX_TRUSTED_HOLD} (capped): the peer's timestamps are then not
 *                         those of an honest responder, and neither the offset nor its error bound can be trusted
 *                         (the peer's clock is always its own claim; the bound holds only for an honest one)
 * @since 0.1.0
 */
public record ClockOffset(double offsetMs, double errorBoundMs, double delayMs, long timestampEpochMs,
                          int exchangeCount, boolean verified) {

    /**
     * An offset from an exchange whose hold time was within the trusted bound ({@code verified}).
     *
     * @param offsetMs         see the record description
     * @param errorBoundMs     see the record description
     * @param delayMs          see the record description
     * @param timestampEpochMs see the record description
     * @param exchangeCount    see the record description
     * @since 0.1.0
     */
    public ClockOffset(double offsetMs, double errorBoundMs, double delayMs, long timestampEpochMs,
                       int exchangeCount) {
        this(offsetMs, errorBoundMs, delayMs, timestampEpochMs, exchangeCount, true);
    }
}
