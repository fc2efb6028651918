package io.peerpulse.session.core;

import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.QualitySummary;
import org.jspecify.annotations.Nullable;

/**
 * Time in each quality and the scores judged, over a session or a round, from the events' monotonic times;
 * scores kept in 0.1 steps (as judged), so the quantiles are exact in bounded memory. Not thread-safe: the
 * session's lock guards it.
 */
final class QualityTally {

    private static final int STEPS = 1001; // 0.0, 0.1, … 100.0

    private final long[] nanosIn = new long[ConnectionQuality.values().length];
    private final long[] scores = new long[STEPS];
    private long scoreCount;
    private ConnectionQuality grade;
    private long sinceNanos;

    QualityTally(ConnectionQuality grade, Stamp at) {
        this.grade = grade;
        this.sinceNanos = at.nanoTime();
    }

    /** The quality is {@code next} from {@code at} on. */
    void grade(ConnectionQuality next, Stamp at) {
        nanosIn[grade.ordinal()] += at.nanoTime() - sinceNanos;
        grade = next;
        sinceNanos = at.nanoTime();
    }

    /** A poll judged this score (0–100). */
    void score(double score) {
        scores[(int) Math.round(score * 10)]++;
        scoreCount++;
    }

    /** @return the summary up to {@code at} */
    QualitySummary summary(Stamp at) {
        long[] ms = new long[nanosIn.length];
        for (int i = 0; i < ms.length; i++) {
            long nanos = nanosIn[i] + (i == grade.ordinal() ? at.nanoTime() - sinceNanos : 0);
            ms[i] = nanos / 1_000_000;
        }
        return new QualitySummary(ms[ConnectionQuality.UNKNOWN.ordinal()], ms[ConnectionQuality.GOOD.ordinal()],
                ms[ConnectionQuality.FAIR.ordinal()], ms[ConnectionQuality.POOR.ordinal()],
                ms[ConnectionQuality.LOST.ordinal()], scoreCount, quantile(0), quantile(0.05), quantile(0.5),
                quantile(1));
    }

    /** The nearest-rank quantile: the smallest score with at least {@code p} of the scores at or below it. */
    private @Nullable Double quantile(double p) {
        if (scoreCount == 0) {
            return null;
        }
        long rank = Math.max(1, (long) Math.ceil(p * scoreCount - 1e-9));
        long seen = 0;
        for (int i = 0; i < STEPS; i++) {
            seen += scores[i];
            if (seen >= rank) {
                return i / 10.0;
            }
        }
        throw new AssertionError("rank " + rank + " beyond " + scoreCount);
    }
}
