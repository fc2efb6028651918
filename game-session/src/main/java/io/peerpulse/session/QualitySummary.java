package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

/**
 * How long the connection spent in each {@link ConnectionQuality} over a stretch (a round, or the session up
 * to its end or snapshot), from the monotonic times of the events that changed it, and the distribution of
 * the score of each judged poll (a measured one, or a stale one of a probing source) in that stretch.
 *
 * <p>Each time is whole milliseconds, rounded down, so their sum can fall short of the stretch's duration by a
 * few ms. Scores are kept to 0.1 (as judged), so the statistics are exact: {@code p5Score} and
 * {@code medianScore} are nearest-rank quantiles (the smallest score with at least 5 %, 50 % of the scores at
 * or below it).
 *
 * @param unknownMs   time before the first grade
 * @param goodMs      time at GOOD
 * @param fairMs      time at FAIR
 * @param poorMs      time at POOR
 * @param lostMs      time at LOST
 * @param scoreCount  how many polls judged a score
 * @param minScore    the lowest score; {@code null} when none
 * @param p5Score     the 5th percentile; {@code null} when none
 * @param medianScore the median; {@code null} when none
 * @param maxScore    the highest score; {@code null} when none
 * @since 0.1.0
 */
public record QualitySummary(long unknownMs, long goodMs, long fairMs, long poorMs, long lostMs, long scoreCount,
                             @Nullable Double minScore, @Nullable Double p5Score, @Nullable Double medianScore,
                             @Nullable Double maxScore) {

    /**
     * @param quality a quality
     * @return the time spent in it, ms
     * @since 0.1.0
     */
    public long timeInMs(ConnectionQuality quality) {
        return switch (quality) {
            case UNKNOWN -> unknownMs;
            case GOOD -> goodMs;
            case FAIR -> fairMs;
            case POOR -> poorMs;
            case LOST -> lostMs;
        };
    }
}
