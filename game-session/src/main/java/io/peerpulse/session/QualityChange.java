package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * The connection quality changed.
 *
 * @param timestampEpochMs when the poll that changed it ended
 * @param previous         the quality before
 * @param current          the quality now
 * @param recentMedianMs   the median of the recent samples that judged it; {@code null} before any sample
 * @since 0.1.0
 */
public record QualityChange(long timestampEpochMs, ConnectionQuality previous, ConnectionQuality current,
                            @Nullable Double recentMedianMs) {

    /**
     * Checks that both qualities are present.
     *
     * @param timestampEpochMs see the record description
     * @param previous see the record description
     * @param current see the record description
     * @param recentMedianMs see the record description
     * @throws NullPointerException when a required component is null
     * @since 0.1.0
     */
    public QualityChange {
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(current, "current");
    }
}
