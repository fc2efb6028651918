package io.peerpulse.telemetry;

import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * How one poll of an {@link RttPoller} (a {@link LatencyTelemetry}'s) ended: everything a
 * {@link TelemetryListener} is told about it, in one value that carries its own time, so that it can be
 * journaled and applied again later, e.g. to a {@link LatencyRecord}, without reading any clock.
 *
 * @param outcome          how the poll ended
 * @param timestampEpochMs the telemetry clock's time when the poll ended, epoch milliseconds
 * @param sample           the recorded sample; non-null exactly when {@code outcome} is
 *                         {@link PollOutcome#MEASURED}. Its timestamp is the reading's own when it
 *                         carried one, else {@code timestampEpochMs}
 * @param previousPath     the path before the change; {@code null} when the path did not change, or
 *                         when {@code path} is the first path named
 * @param path             the new network path named by this poll's reading; {@code null} when the path
 *                         did not change
 * @param lateMs           how far behind its fixed-rate schedule the poll started, ms (1 µs resolution), when
 *                         that was more than {@link TelemetryOptions#latePollThreshold()}; 0 for a poll on time
 * @since 0.1.0
 */
public record PollEvent(PollOutcome outcome, long timestampEpochMs, @Nullable RttSample sample,
                        @Nullable NetworkPath previousPath,
                        @Nullable NetworkPath path, double lateMs) {

    /**
     * Checks that the components fit together.
     *
     * @param outcome          see the record description
     * @param timestampEpochMs see the record description
     * @param sample           see the record description
     * @param previousPath     see the record description
     * @param path             see the record description
     * @param lateMs           see the record description
     * @throws NullPointerException     when {@code outcome} is null, or {@code sample} is null for a
     *                                  measured poll
     * @throws IllegalArgumentException when a sample is given for another outcome, a path change for an
     *                                  outcome whose reading names no path (only measured and stale ones
     *                                  do), a previous path without a new one, the same path twice, or
     *                                  {@code lateMs} is negative or not finite
     * @since 0.1.0
     */
    public PollEvent {
        Objects.requireNonNull(outcome, "outcome");
        if (!(lateMs >= 0) || Double.isInfinite(lateMs)) {
            throw new IllegalArgumentException("lateMs must be finite and >= 0, was " + lateMs);
        }
        lateMs += 0.0; // no -0.0
        if (outcome == PollOutcome.MEASURED) {
            Objects.requireNonNull(sample, "sample of a MEASURED poll");
        } else if (sample != null) {
            throw new IllegalArgumentException("only a MEASURED poll has a sample, not " + outcome);
        }
        if (path == null && previousPath != null) {
            throw new IllegalArgumentException("previousPath without a new path");
        }
        if (path != null && outcome != PollOutcome.MEASURED && outcome != PollOutcome.STALE) {
            throw new IllegalArgumentException("a " + outcome + " poll names no path");
        }
        if (path != null && path.equals(previousPath)) {
            throw new IllegalArgumentException("the path did not change: " + path);
        }
    }

    /**
     * A poll that started on time ({@code lateMs} 0).
     *
     * @param outcome          see the record description
     * @param timestampEpochMs see the record description
     * @param sample           see the record description
     * @param previousPath     see the record description
     * @param path             see the record description
     * @throws NullPointerException     as the canonical constructor
     * @throws IllegalArgumentException as the canonical constructor
     * @since 0.1.0
     */
    public PollEvent(PollOutcome outcome, long timestampEpochMs, @Nullable RttSample sample,
                     @Nullable NetworkPath previousPath, @Nullable NetworkPath path) {
        this(outcome, timestampEpochMs, sample, previousPath, path, 0);
    }

    /**
     * @return whether the poll started more than {@link TelemetryOptions#latePollThreshold()} behind its schedule
     * @since 0.1.0
     */
    public boolean late() {
        return lateMs > 0;
    }

    /**
     * @return whether a sample was recorded ({@code outcome} is {@link PollOutcome#MEASURED})
     * @since 0.1.0
     */
    public boolean hasSample() {
        return sample != null;
    }

    /**
     * @return whether this poll's reading named another path than the previous one (or the first one)
     * @since 0.1.0
     */
    public boolean pathChanged() {
        return path != null;
    }
}
