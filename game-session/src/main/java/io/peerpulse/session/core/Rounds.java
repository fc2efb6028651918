package io.peerpulse.session.core;

import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.RoundMetrics;
import io.peerpulse.telemetry.LatencySummary;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The game's rounds and the samples recorded, the qualities held and the scores judged while each was open;
 * durations from the stamps' monotonic times. Not thread-safe: the core's lock guards it.
 */
final class Rounds {

    private final List<RoundMetrics> ended = new ArrayList<>();
    /** The session's start: a round's place on the monotonic clock is measured from it. */
    private final Stamp sessionStart;
    private @Nullable Round open;
    /** Samples recorded so far: the session-wide number of the next sample. */
    private long samplesRecorded;

    /** @param sessionStart the session's start */
    Rounds(Stamp sessionStart) {
        this.sessionStart = sessionStart;
    }

    /** @return how many samples were recorded so far: the session-wide number of the next sample */
    long samplesRecorded() {
        return samplesRecorded;
    }

    /** Begins a round, ending one still open; the connection quality is {@code quality} now. */
    void begin(int roundNumber, Stamp at, ConnectionQuality quality) {
        end(at);
        open = new Round(roundNumber, at, quality, at.msSince(sessionStart));
    }

    /** The connection quality changed: it counts for the open round, if any. */
    void quality(ConnectionQuality quality, Stamp at) {
        Round current = open;
        if (current != null) {
            current.quality.grade(quality, at);
        }
    }

    /** A poll judged a score: it counts for the open round, if any. */
    void score(double score) {
        Round current = open;
        if (current != null) {
            current.quality.score(score);
        }
    }

    /** @return the round ended at {@code at}, empty when none was open */
    Optional<RoundMetrics> end(Stamp at) {
        Round current = open;
        if (current == null) {
            return Optional.empty();
        }
        RoundMetrics metrics = current.metrics(at, true);
        ended.add(metrics);
        open = null;
        return Optional.of(metrics);
    }

    /** A sample was recorded: it counts for the open round, if any. */
    void sample(double rttMs) {
        Round current = open;
        if (current != null) {
            current.add(rttMs, samplesRecorded);
        }
        samplesRecorded++;
    }

    OptionalInt current() {
        Round current = open;
        return current == null ? OptionalInt.empty() : OptionalInt.of(current.number);
    }

    /** @return every round as of {@code at}, an open one last and without an end */
    List<RoundMetrics> all(Stamp at) {
        List<RoundMetrics> all = new ArrayList<>(ended);
        Round current = open;
        if (current != null) {
            all.add(current.metrics(at, false));
        }
        return all;
    }

    /** An open round and its samples' values. */
    private static final class Round {
        final int number;
        final Stamp start;
        final QualityTally quality;
        final long startElapsedMs;
        double[] values = new double[16];
        int count;
        long firstIndex;

        Round(int number, Stamp start, ConnectionQuality quality, long startElapsedMs) {
            this.number = number;
            this.startElapsedMs = startElapsedMs;
            this.start = start;
            this.quality = new QualityTally(quality, start);
        }

        void add(double rttMs, long index) {
            if (count == 0) {
                firstIndex = index;
            }
            if (count == values.length) {
                values = Arrays.copyOf(values, count * 2);
            }
            values[count++] = rttMs;
        }

        RoundMetrics metrics(Stamp at, boolean ending) {
            return new RoundMetrics(number, start.epochMs(), ending ? at.epochMs() : null, at.msSince(start),
                    count == 0 ? null : LatencySummary.of(values, count), count == 0 ? null : firstIndex, quality.summary(at),
                    startElapsedMs);
        }
    }
}
