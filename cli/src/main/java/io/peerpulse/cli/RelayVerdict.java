package io.peerpulse.cli;

import io.peerpulse.lab.ImpairmentRelay.Direction;
import io.peerpulse.lab.RelayRecord;
import io.peerpulse.lab.RelayRecord.Kind;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The demo's verdict on its median: compared with the round trip the relay actually imposed in the session (its
 * record), not with the one asked of it, plus what the peers' own stack took in the same run. On a busy machine
 * the relay's sender wakes late, the link really is slower than asked, and a right measurement must not be called
 * wrong; nor must the time the peers' own threads take beside it (webrtc-java's callback thread, usrsctp and
 * libwebrtc's threads, the loopback hops, the relay's receiver waking), which the relay cannot see: that time
 * is measured by raw data-channel echoes through the same relay during the session
 * ({@link io.peerpulse.lab.WebRtcPeers#unorderedEchoAsync}), never assumed.
 */
final class RelayVerdict {

    private RelayVerdict() {
    }

    /**
     * The median round trip the relay imposed on the traffic that {@code latencySource} measures: A's ICE checks
     * (paired by STUN transaction) for {@code "ice"}, else the data-channel packets (each direction's median hold).
     *
     * @return ms, {@code NaN} when the relay recorded none
     */
    static double imposedMedianMs(RelayRecord window, String latencySource) {
        return "ice".equals(latencySource) ? window.stunRoundTripSpread(Direction.A_TO_B).medianMs()
                : window.only(Kind.OTHER).imposedRoundTrip().medianMs();
    }

    /** How often a right median stays below the verdict's upper bound: the odds of a false OUTSIDE are 1 %. */
    static final double CONFIDENCE = 0.99;

    /**
     * The verdict line for a link without jitter: within or outside the round trip the relay imposed, from
     * max(1 ms, 2 %) below it to max(1 ms, 2 %) plus the peers' own time above it, saying what it compared.
     *
     * <p>The peers' own time is measured in the run, by raw echoes through the same relay: each echo crosses the
     * same stacks and threads as a measurement (and B's thread hop besides, which the probe subtracts), so on a
     * loaded machine it is late as they are, while the relay's record cannot see it. A median of {@code
     * sampleCount} samples taking what the echoes took stays below the echoes' {@link #echoQuantile quantile}
     * {@code q} with probability {@value #CONFIDENCE}: that echo's time above the imposed round trip is the
     * allowance (0 when below, or when no echo came back). The relay never delivers early, so nothing is allowed
     * below it but the tolerance; and a reading wrong by more than the tolerance plus what the echoes took (a
     * probe 10 % high) is outside.
     *
     * @param sampleCount how many samples the median is of
     * @param echoes      the raw data-channel echoes' round trips of the session, those that came back (on a lossy
     *                    link the others are lost: their channel, like the probe's, is unordered and never resends,
     *                    so no echo waits for a lost one)
     */
    static String line(double medianMs, double askedMs, double imposedMs, int sampleCount, List<Duration> echoes) {
        double tolerance = Math.max(1, 0.02 * askedMs);
        if (Double.isNaN(imposedMs)) {
            return String.format(Locale.ROOT, "median %s ms; asked %s ms; the relay recorded no round trip to "
                    + "compare with", Values.ms(medianMs), Values.ms(askedMs));
        }
        double[] above = echoes.stream().mapToDouble(e -> e.toNanos() / 1e6 - imposedMs).sorted().toArray();
        int rank = Math.max(1, Math.min(above.length, (int) Math.ceil(echoQuantile(sampleCount) * above.length)));
        double stackMs = above.length == 0 ? 0 : Math.max(0, above[rank - 1]);
        double lowMs = imposedMs - tolerance;
        double highMs = imposedMs + stackMs + tolerance;
        String stack = above.length == 0 ? " (no raw echo came back to measure the peers' own stack)"
                : String.format(Locale.ROOT, ", plus %s ms the peers' own stack took (%d raw %s through the relay)",
                        Values.ms(stackMs), above.length, above.length == 1 ? "echo" : "echoes");
        return String.format(Locale.ROOT, "median %s ms is %s %s to %s ms: the %s ms the relay actually imposed"
                        + " ± %s ms%s (asked %s ms%s)", Values.ms(medianMs),
                medianMs >= lowMs && medianMs <= highMs ? "within" : "OUTSIDE", Values.ms(lowMs), Values.ms(highMs),
                Values.ms(imposedMs), Values.ms(tolerance), stack, Values.ms(askedMs), late(askedMs, imposedMs));
    }

    /**
     * The quantile {@code q} of a distribution that the median of {@code sampleCount} independent draws from it
     * stays at or below with probability {@link #CONFIDENCE}: the median is at most the
     * {@code (sampleCount / 2 + 1)}-th smallest draw, which is at most the {@code q} quantile when at least that
     * many draws are, a binomial tail. 0.99 for one sample, 0.94 for three, 0.71 for thirty, towards 0.5.
     */
    static double echoQuantile(int sampleCount) {
        int n = Math.max(1, sampleCount);
        double low = 0.5;
        double high = 1;
        for (int i = 0; i < 50; i++) {
            double mid = (low + high) / 2;
            if (atLeast(n / 2 + 1, n, mid) < CONFIDENCE) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return high;
    }

    /** P(Binomial(n, p) >= k), summed in logarithms: for thousands of samples the terms underflow. */
    private static double atLeast(int k, int n, double p) {
        double[] logs = new double[n - k + 1];
        double log = n * Math.log(p); // j = n
        double max = log;
        for (int j = n; j >= k; j--) {
            logs[j - k] = log;
            max = Math.max(max, log);
            log += Math.log(j) - Math.log(n - j + 1.0) + Math.log1p(-p) - Math.log(p); // to j - 1
        }
        double sum = 0;
        for (double l : logs) {
            sum += Math.exp(l - max);
        }
        return Math.exp(max) * sum;
    }

    /** The line for a link with jitter: the difference, no verdict, as the median of a few samples varies. */
    static String jitterLine(double medianMs, double askedMs, double imposedMs, int sampleCount) {
        if (Double.isNaN(imposedMs)) {
            return String.format(Locale.ROOT, "median %s ms, asked %s ms: %+.1f ms (the relay recorded no round trip;"
                    + " with jitter the median of %d samples varies)", Values.ms(medianMs), Values.ms(askedMs),
                    medianMs - askedMs, sampleCount);
        }
        return String.format(Locale.ROOT, "median %s ms, asked %s ms, the relay actually imposed %s ms%s: %+.1f ms "
                        + "(with jitter the median of %d samples varies)", Values.ms(medianMs), Values.ms(askedMs),
                Values.ms(imposedMs), late(askedMs, imposedMs), medianMs - imposedMs, sampleCount);
    }

    /** How much slower than asked the link really was: on a busy machine the relay's sender wakes late. */
    private static String late(double askedMs, double imposedMs) {
        return Double.isNaN(imposedMs) ? "" : String.format(Locale.ROOT, "; the link was %+.1f ms off the asked",
                imposedMs - askedMs);
    }
}
