package io.peerpulse.cli;

import io.peerpulse.lab.ImpairmentRelay.Direction;
import io.peerpulse.lab.RelayRecord;
import io.peerpulse.lab.RelayRecord.Kind;
import java.util.Locale;

/**
 * The demo's verdict on its median: compared with the round trip the relay actually imposed in the session (its
 * record), not with the one asked of it. On a busy machine the relay's sender wakes late, the link really is
 * slower than asked, and a right measurement must not be called wrong.
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

    /** The verdict line for a link without jitter: within or outside max(1 ms, 2 %) of what the relay imposed. */
    static String line(double medianMs, double askedMs, double imposedMs) {
        double tolerance = Math.max(1, 0.02 * askedMs);
        if (Double.isNaN(imposedMs)) {
            return String.format(Locale.ROOT, "median %s ms; asked %s ms; the relay recorded no round trip to "
                    + "compare with", Values.ms(medianMs), Values.ms(askedMs));
        }
        return String.format(Locale.ROOT, "median %s ms is %s the %s ms the relay actually imposed ± %s ms (asked %s ms"
                        + "%s)", Values.ms(medianMs), Math.abs(medianMs - imposedMs) <= tolerance ? "within" : "OUTSIDE",
                Values.ms(imposedMs), Values.ms(tolerance), Values.ms(askedMs), late(askedMs, imposedMs));
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
