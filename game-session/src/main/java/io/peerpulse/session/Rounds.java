package io.peerpulse.session;

import io.peerpulse.telemetry.LatencySummary;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The game's rounds and the samples recorded while each was open. Every method takes the event's time;
 * nothing here reads a clock. Not thread-safe: the session's lock guards it.
 */
final class Rounds {

    private final List<RoundMetrics> ended = new ArrayList<>();
    private Round open;
    /** Samples recorded so far: the session-wide number of the next sample. */
    private long samplesRecorded;

    /** Begins a round at {@code now}, ending one still open. */
    void begin(int roundNumber, long now) {
        if (open != null) {
            ended.add(open.metrics(now, true));
        }
        open = new Round(roundNumber, now);
    }

    /** @return the round ended at {@code now}, empty when none was open */
    Optional<RoundMetrics> end(long now) {
        if (open == null) {
            return Optional.empty();
        }
        RoundMetrics metrics = open.metrics(now, true);
        ended.add(metrics);
        open = null;
        return Optional.of(metrics);
    }

    /** A sample was recorded: it counts for the open round, if any. */
    void sample(double rttMs) {
        if (open != null) {
            open.add(rttMs, samplesRecorded);
        }
        samplesRecorded++;
    }

    OptionalInt current() {
        return open == null ? OptionalInt.empty() : OptionalInt.of(open.number);
    }

    /** @return every round as of {@code at}, an open one last and without an end */
    List<RoundMetrics> all(long at) {
        List<RoundMetrics> all = new ArrayList<>(ended);
        if (open != null) {
            all.add(open.metrics(at, false));
        }
        return all;
    }

    /** An open round and its samples' values. */
    private static final class Round {
        final int number;
        final long startMs;
        double[] values = new double[16];
        int count;
        long firstIndex;

        Round(int number, long startMs) {
            this.number = number;
            this.startMs = startMs;
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

        RoundMetrics metrics(long at, boolean ending) {
            return new RoundMetrics(number, startMs, ending ? at : null, at - startMs,
                    count == 0 ? null : LatencySummary.of(values, count), count == 0 ? null : firstIndex);
        }
    }
}
