package io.peerpulse.telemetry.shared;

import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.internal.SampleList;
import java.util.List;

/**
 * Samples held as two primitive arrays, for a reader that streams a long session's samples (e.g. the JSON
 * reader): the list makes each {@link RttSample} only when it is read, and a
 * {@link io.peerpulse.telemetry.LatencyStats} keeps it without copying, as it keeps a telemetry's snapshot.
 *
 * @since 0.1.0
 */
public final class SampleArrays {

    private SampleArrays() {
    }

    /**
     * An unmodifiable list over arrays the caller hands over: nothing may write to them afterwards.
     *
     * @param timestamps epoch ms, in the list's order
     * @param rttMs      RTTs, finite and not negative ({@code -0.0} reads as {@code 0.0}), as long as
     *                   {@code timestamps}
     * @return the list; {@code equals} and {@code hashCode} as any list of the same samples
     * @throws IllegalArgumentException when the arrays differ in length
     */
    public static List<RttSample> wrap(long[] timestamps, double[] rttMs) {
        return SampleList.wrap(timestamps, rttMs);
    }
}
