package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

/**
 * How a session judges its {@link ConnectionQuality}: at every judged poll (a measured one, or a stale one of a
 * probing source that saw a pong, if only a late one, since the previous poll) each criterion gives a level
 * (GOOD, FAIR or POOR) and the worst decides; the criteria that reached FAIR or POOR are the
 * {@linkplain QualityReason reasons}.
 * <ul>
 *   <li><b>RTT median</b> of the last {@code recentSampleCount} samples: FAIR from {@code fairFromMs}, POOR
 *       from {@code poorFromMs}.</li>
 *   <li><b>Jitter</b>: the mean absolute difference of consecutive RTTs among those samples (the |D| of
 *       RFC 3550 section 6.4.1 taken over round trips, averaged without its 1/16 smoothing); 0 with one sample.
 *       FAIR from {@code jitterFairFromMs}, POOR from {@code jitterPoorFromMs}.</li>
 *   <li><b>Loss</b>: a probing source's lost pings over the last {@code lossWindowMs}, as a ratio of the
 *       pings that ended answered or lost in it (the difference of two probe readings, the newer one the
 *       latest), once they are at least {@value #MIN_LOSS_PINGS}; none without a probing source. FAIR from {@code lossFairFromRatio}, POOR from
 *       {@code lossPoorFromRatio} (ratios, 0–1).</li>
 *   <li><b>Score</b>: the simplified E-model of PingPlotter's MOS estimate (also used by Twilio's WebRTC
 *       preflight test): effective latency {@code e = median + 2·jitter + 10} ms;
 *       {@code R = 93.2 − e/40} when {@code e < 160}, else {@code 93.2 − (e − 120)/10}; {@code R −= 2.5·(100·loss ratio)};
 *       clamped to 0–100 and rounded to 0.1. (The MOS of it would be
 *       {@code 1 + 0.035·R + 7·10⁻⁶·R(R − 60)(100 − R)}.) FAIR below {@code fairBelowScore}, POOR below
 *       {@code poorBelowScore}; the defaults 80 and 70 are the lower bounds of ITU-T G.107's "users satisfied"
 *       and "some users dissatisfied" bands.</li>
 * </ul>
 * A {@code null} threshold leaves its criterion out. <b>Hysteresis:</b> once graded, the quality changes to
 * another of GOOD, FAIR and POOR only when {@code hysteresisPollCount} consecutive judged polls judged that
 * same quality (polls not judged neither count nor break the run). {@code LOST} comes once
 * more than {@code toleratedBadPollCount} consecutive polls reached no peer: ended unavailable or failed, or, of a
 * probing source, stale with no pong since the previous poll (a lost ping of a path that carries nothing); it lasts
 * until the next measurement (or such a pong), which grades at once (as does the first), with the loss counted
 * anew from then on: the pings lost while down were the outage, not loss. Any other stale poll ends a run of bad
 * polls; rejected and skipped polls neither count nor end it, nor take a pong from the next poll.
 *
 * <p>{@link #rttOnly} is the rule of earlier versions: the RTT median alone, no hysteresis. (The record has
 * one constructor, the canonical one, because JSON binding reads records through it.)
 *
 * @param fairFromMs            the recent median from which the quality is FAIR
 * @param poorFromMs            the recent median from which it is POOR
 * @param recentSampleCount     how many of the latest samples "recent" means (fewer at the start)
 * @param toleratedBadPollCount how many consecutive polls that reached no peer (unavailable, failed, a probe's
 *                              lost pings) are still not LOST
 * @param jitterFairFromMs      the jitter from which the quality is FAIR; {@code null}: jitter is not judged
 * @param jitterPoorFromMs      the jitter from which it is POOR; {@code null}: never POOR by jitter
 * @param lossFairFromRatio   the loss from which the quality is FAIR; {@code null}: loss is not judged
 * @param lossPoorFromRatio   the loss from which it is POOR; {@code null}: never POOR by loss
 * @param fairBelowScore        the score below which the quality is FAIR; {@code null}: the score is not judged
 * @param poorBelowScore        the score below which it is POOR; {@code null}: never POOR by score
 * @param lossWindowMs          how far back the loss looks, ms
 * @param hysteresisPollCount   consecutive judged polls that must judge another quality before it changes
 *                              (1: at once)
 * @since 0.1.0
 */
public record QualityThresholds(double fairFromMs, double poorFromMs, int recentSampleCount, int toleratedBadPollCount,
                                @Nullable Double jitterFairFromMs, @Nullable Double jitterPoorFromMs,
                                @Nullable Double lossFairFromRatio, @Nullable Double lossPoorFromRatio,
                                @Nullable Double fairBelowScore, @Nullable Double poorBelowScore,
                                long lossWindowMs, int hysteresisPollCount) {

    /**
     * The fewest pings (answered or lost) in the loss window over which loss is judged: fewer say too little
     * (1 lost of 2 is not 50 % loss), so then loss is neither a reason nor part of the score. At the probe's
     * one ping per 1 Hz poll, the first 10 s of a connection are judged without it.
     *
     * @since 0.1.0
     */
    public static final int MIN_LOSS_PINGS = 10;

    /** The default loss window, ms. @since 0.1.0 */
    public static final long DEFAULT_LOSS_WINDOW_MS = 10_000;

    /**
     * The defaults: RTT median of the last 5 samples FAIR from 150 ms and POOR from 300 ms, jitter from 30 and
     * 60 ms, loss over the last 10 s from 3 and 10 % (0.03 and 0.10), score below 80 and 70, LOST after more than 3 bad polls,
     * hysteresis 3 polls.
     *
     * @since 0.1.0
     */
    public static final QualityThresholds DEFAULT = new QualityThresholds(150, 300, 5, 3, 30.0, 60.0, 0.03, 0.10,
            80.0, 70.0, DEFAULT_LOSS_WINDOW_MS, 3);

    /**
     * The rule of earlier versions: the RTT median alone, no hysteresis (a file of an earlier version reads
     * as this too: its missing window and poll count as 10 s and 1).
     *
     * @param fairFromMs            see the record description
     * @param poorFromMs            see the record description
     * @param recentSampleCount     see the record description
     * @param toleratedBadPollCount see the record description
     * @return the thresholds
     * @since 0.1.0
     */
    public static QualityThresholds rttOnly(double fairFromMs, double poorFromMs, int recentSampleCount,
                                            int toleratedBadPollCount) {
        return new QualityThresholds(fairFromMs, poorFromMs, recentSampleCount, toleratedBadPollCount, null, null, null, null, null, null,
                DEFAULT_LOSS_WINDOW_MS, 1);
    }

    /**
     * Reads a missing window or poll count (0, from a file of an earlier version) as 10 s and 1.
     *
     * @param fairFromMs            see the record description
     * @param poorFromMs            see the record description
     * @param recentSampleCount     see the record description
     * @param toleratedBadPollCount see the record description
     * @param jitterFairFromMs      see the record description
     * @param jitterPoorFromMs      see the record description
     * @param lossFairFromRatio   see the record description
     * @param lossPoorFromRatio   see the record description
     * @param fairBelowScore        see the record description
     * @param poorBelowScore        see the record description
     * @param lossWindowMs          see the record description
     * @param hysteresisPollCount   see the record description
     * @since 0.1.0
     */
    public QualityThresholds {
        if (lossWindowMs == 0) {
            lossWindowMs = DEFAULT_LOSS_WINDOW_MS;
        }
        if (hysteresisPollCount == 0) {
            hysteresisPollCount = 1;
        }
    }
}
