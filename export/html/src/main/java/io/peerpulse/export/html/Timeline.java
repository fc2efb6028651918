package io.peerpulse.export.html;

import io.peerpulse.session.ClockInfo;
import io.peerpulse.session.ClockStep;
import io.peerpulse.session.CoverageGap;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.RoundMetrics;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import java.util.List;

/**
 * Where each item of a report lies in time: ms since the session's start on its monotonic clock, the chart's time
 * axis, so that a step of the wall clock (an NTP correction, a laptop resumed, a VM migrated) neither puts samples
 * out of order nor squashes the session into one pixel column. A round, gap or quality change carries its place
 * ({@code startElapsedMs}, {@code elapsedMs}); a sample's is its timestamp less the session's start and less every
 * step listed from its session-wide number on ({@link ClockStep#firstSampleIndex()}). A file of an earlier version,
 * without them, is placed by its wall-clock labels, as it always was.
 */
final class Timeline {

    private final long startEpochMs;
    /** The listed steps' first sample numbers and their sums from the first step on; empty when not known. */
    private final long[] stepFrom;
    private final long[] shiftFrom;
    /** Whether the places are the monotonic ones: no step listed, or every step with its first sample. */
    private final boolean monotonic;
    private final long endMs;

    Timeline(SessionReport report) {
        ClockInfo clock = report.validationData().clock();
        startEpochMs = report.sessionMetrics().startEpochMs();
        List<ClockStep> steps = clock.clockSteps();
        boolean known = steps.stream().allMatch(s -> s.firstSampleIndex() != null);
        stepFrom = new long[known ? steps.size() : 0];
        shiftFrom = new long[stepFrom.length];
        long shift = 0;
        for (int i = 0; i < stepFrom.length; i++) {
            shift += steps.get(i).stepMs();
            stepFrom[i] = java.util.Objects.requireNonNull(steps.get(i).firstSampleIndex()); // known: checked above
            shiftFrom[i] = shift;
        }
        monotonic = known && clock.clockStepCount() > 0;
        Long endEpochMs = report.sessionMetrics().endEpochMs();
        // without a step the labels are the monotonic time (within a step); with steps only the duration is
        endMs = monotonic ? report.sessionMetrics().durationMs() : endEpochMs == null ? 0 : endEpochMs - startEpochMs;
    }

    /** @return the session's end (or snapshot) */
    long end() {
        return endMs;
    }

    /**
     * @param latency the window
     * @param i       a sample's place in the window
     * @return the sample's place in time
     */
    long sample(LatencyStats latency, int i) {
        RttSample sample = latency.samples().get(i);
        long number = latency.totalSampleCount() - latency.samples().size() + i;
        int lo = 0;
        int hi = stepFrom.length; // the first step whose first sample comes after this one
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (stepFrom[mid] <= number) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return sample.timestampEpochMs() - startEpochMs - (lo == 0 ? 0 : shiftFrom[lo - 1]);
    }

    /** @return where the round began */
    long round(RoundMetrics round) {
        Long at = round.startElapsedMs();
        return at != null ? at : round.startEpochMs() - startEpochMs;
    }

    /** @return where the gap began */
    long gapStart(CoverageGap gap) {
        Long at = gap.startElapsedMs();
        return at != null ? at : gap.startEpochMs() - startEpochMs;
    }

    /** @return where the gap ended */
    long gapEnd(CoverageGap gap) {
        Long at = gap.startElapsedMs();
        return at != null ? at + gap.durationMs() : gap.endEpochMs() - startEpochMs;
    }

    /** @return where the quality changed */
    long change(QualityChange change) {
        Long at = change.elapsedMs();
        return at != null ? at : change.timestampEpochMs() - startEpochMs;
    }
}
