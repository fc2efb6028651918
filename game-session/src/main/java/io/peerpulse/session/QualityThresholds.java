package io.peerpulse.session;

/**
 * How a session judges its {@link ConnectionQuality}: {@code GOOD} below {@code fairFromMs},
 * {@code FAIR} from {@code fairFromMs} up to below {@code poorFromMs}, {@code POOR} from
 * {@code poorFromMs}, all on the median of the last {@code recentSampleCount} samples; {@code LOST} once
 * more than {@code toleratedBadPollCount} consecutive polls ended unavailable or failed, until the next
 * measurement. A stale poll (connected, nothing new) ends such a run without a measurement; rejected
 * and skipped polls neither count nor end it.
 *
 * @param fairFromMs            the recent median from which the quality is FAIR
 * @param poorFromMs            the recent median from which it is POOR
 * @param recentSampleCount     how many of the latest samples "recent" means (fewer at the start)
 * @param toleratedBadPollCount how many consecutive unavailable or failed polls are still not LOST
 * @since 0.1.0
 */
public record QualityThresholds(double fairFromMs, double poorFromMs, int recentSampleCount,
                                int toleratedBadPollCount) {
}
