package io.peerpulse.session;

/**
 * A quality change as earlier versions made it (without score and reasons), by component name: a test's expected
 * value that a new component of {@link QualityChange} does not break.
 */
record PlainChange(long timestampEpochMs, ConnectionQuality previous, ConnectionQuality current, Double recentMedianMs,
                   Long elapsedMs) {

    static PlainChange of(QualityChange change) {
        return new PlainChange(change.timestampEpochMs(), change.previous(), change.current(), change.recentMedianMs(),
                change.elapsedMs());
    }
}
