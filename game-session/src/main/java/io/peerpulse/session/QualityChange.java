package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import java.util.List;
import java.util.Objects;

/**
 * The connection quality changed.
 *
 * @param timestampEpochMs when the poll that changed it ended
 * @param previous         the quality before
 * @param current          the quality now
 * @param recentMedianMs   the median of the recent samples that judged it; {@code null} before any sample
 * @param score            the score judged at that poll (see {@link QualityThresholds}); {@code null} when the
 *                         poll judged none (LOST), or in a file of an earlier version
 * @param reasons          why, worst first; empty for GOOD (and in a file of an earlier version)
 * @param elapsedMs        when the poll that changed it ended on the session's monotonic clock, ms since the
 *                         session's start ({@link SessionMetrics#startEpochMs()}): its place in time whatever the
 *                         wall clock did; {@code null} in a file of an earlier version
 * @since 0.1.0
 */
public record QualityChange(long timestampEpochMs, ConnectionQuality previous, ConnectionQuality current,
                            @Nullable Double recentMedianMs, @Nullable Double score, List<QualityReason> reasons,
                            @Nullable Long elapsedMs) {

    /**
     * Checks that both qualities are present; a missing reason list reads as empty.
     *
     * @param timestampEpochMs see the record description
     * @param previous see the record description
     * @param current see the record description
     * @param recentMedianMs see the record description
     * @param score see the record description
     * @param reasons see the record description; {@code null} reads as empty
     * @param elapsedMs see the record description
     * @throws NullPointerException when a required component is null
     * @since 0.1.0
     */
    public QualityChange {
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(current, "current");
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }
}
