package io.peerpulse.session.core;

import io.peerpulse.telemetry.shared.Micros;
import org.jspecify.annotations.Nullable;

import java.util.Arrays;
import java.util.StringJoiner;

/**
 * The cross-check of a session's two views for the verdict {@code suspect}, moment by moment: each secondary RTT
 * is paired with the primary's RTTs measured over the same stretch of time — after the secondary's previous RTT
 * (from the open, for the first) up to it, the latest {@value #PRIMARY_SAMPLES} of them — which is what the ICE
 * view's RTT covers (the mean of the STUN round trips since its previous reading). The primary is suspect when
 * each of the secondary's latest {@value #SECONDARY_SAMPLES} RTTs has such a pair and is more than max({@value
 * #MARGIN_MS} ms, 10 % of it) above the median of its primary RTTs. Each of them, because a starved CPU only adds to a
 * round trip and scatters the ICE view's upward (81 to 226 ms on an 84 ms link beside busy loops): one that reads as
 * low as the probe clears it. Pairing by time, never the latest of each view, keeps an honest probe behind a
 * filling queue (whose pongs slow and thin out while the ICE view's RTTs rise) from being compared with its own RTTs
 * of before the queue. Only the events' stamps and RTTs count, so a recovery decides the same. Not thread-safe: the
 * core's lock guards it.
 */
final class CrossCheck {

    /** At most this many latest primary RTTs pair with one secondary RTT. */
    static final int PRIMARY_SAMPLES = 10;
    /** Secondary RTTs that must each contradict the primary (the ICE view refreshes every ~2.5 s). */
    static final int SECONDARY_SAMPLES = 5;
    /** The smallest margin of a secondary RTT above its primary median that contradicts the primary, ms. */
    static final double MARGIN_MS = 5;
    /** The margin as a share of the secondary RTT, when larger. */
    static final double MARGIN_RATIO = 0.10;

    /** One secondary RTT and the primary's RTTs of its stretch, sorted (none: no pair). */
    private record Pair(double secondaryMs, double[] primaryMs) {
        boolean contradicts() {
            return primaryMs.length > 0
                    && median(primaryMs) < secondaryMs - Math.max(MARGIN_MS, MARGIN_RATIO * secondaryMs);
        }
    }

    private final long[] primaryAt = new long[PRIMARY_SAMPLES];
    private final double[] primaryMs = new double[PRIMARY_SAMPLES];
    private int primaryCount;
    private int primaryNext;
    private final Pair[] pairs = new Pair[SECONDARY_SAMPLES];
    private int pairCount;
    private int pairNext;
    /** Where the next secondary RTT's stretch begins, monotonic ns: a primary RTT stamped after it counts. */
    private long after;

    /** @param openNanos the open's monotonic stamp: the first secondary RTT's stretch begins there */
    CrossCheck(long openNanos) {
        this.after = openNanos - 1;
    }

    /** A primary RTT, stamped (monotonic ns) when the session recorded it. */
    void primary(long atNanos, double rttMs) {
        primaryAt[primaryNext] = atNanos;
        primaryMs[primaryNext] = rttMs;
        primaryNext = (primaryNext + 1) % PRIMARY_SAMPLES;
        primaryCount = Math.min(primaryCount + 1, PRIMARY_SAMPLES);
    }

    /** A secondary RTT, stamped (monotonic ns) when the session recorded it: paired with its stretch's. */
    void secondary(long atNanos, double rttMs) {
        double[] mine = new double[primaryCount];
        int n = 0;
        for (int i = 0; i < primaryCount; i++) {
            if (primaryAt[i] - after > 0) {
                mine[n++] = primaryMs[i];
            }
        }
        double[] sorted = Arrays.copyOf(mine, n);
        Arrays.sort(sorted);
        pairs[pairNext] = new Pair(rttMs, sorted);
        pairNext = (pairNext + 1) % SECONDARY_SAMPLES;
        pairCount = Math.min(pairCount + 1, SECONDARY_SAMPLES);
        after = atNanos;
    }

    /**
     * @param primaryName   the primary's name, for the reason
     * @param secondaryName the secondary's name, for the reason
     * @return the verdict's figures when the primary is suspect, else null
     */
    @Nullable Suspect suspect(String primaryName, String secondaryName) {
        if (pairCount < SECONDARY_SAMPLES) {
            return null;
        }
        int total = 0;
        for (Pair pair : pairs) {
            if (!pair.contradicts()) {
                return null;
            }
            total += pair.primaryMs().length;
        }
        double[] secondary = new double[SECONDARY_SAMPLES];
        double[] compared = new double[total];
        StringJoiner theirs = new StringJoiner(", ");
        StringJoiner mine = new StringJoiner(", ");
        for (int k = 0, at = 0; k < SECONDARY_SAMPLES; k++) {
            Pair pair = pairs[(pairNext + k) % SECONDARY_SAMPLES]; // oldest first
            secondary[k] = pair.secondaryMs();
            theirs.add(String.valueOf(pair.secondaryMs()));
            mine.add(String.valueOf(median(pair.primaryMs())));
            System.arraycopy(pair.primaryMs(), 0, compared, at, pair.primaryMs().length);
            at += pair.primaryMs().length;
        }
        Arrays.sort(compared);
        Arrays.sort(secondary);
        double primaryMedian = median(compared);
        double secondaryMedian = median(secondary);
        String reason = "'" + primaryName + "' reads " + primaryMedian + " ms (median of the " + compared.length
                + " RTTs compared), '" + secondaryName + "' " + secondaryMedian + " ms (median of its latest "
                + SECONDARY_SAMPLES + "): each of those " + SECONDARY_SAMPLES + " (" + theirs + " ms) more than max(5 ms,"
                + " 10 % of it) above the median of the RTTs '" + primaryName + "' measured over its stretch of time (" + mine
                + " ms), which the peer's answers alone can make";
        return new Suspect(primaryMedian, secondaryMedian, reason);
    }

    /** The figures of a {@code suspect} verdict. */
    record Suspect(double primaryMedianMs, double secondaryMedianMs, String reason) {
    }

    /** The median of sorted RTTs (the mean of the middle pair for an even count), rounded by {@link Micros}. */
    private static double median(double[] sorted) {
        int n = sorted.length;
        return Micros.round(n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2);
    }
}
