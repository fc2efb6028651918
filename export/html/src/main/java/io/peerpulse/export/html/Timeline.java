package io.peerpulse.export.html;

import io.peerpulse.session.ClockInfo;
import io.peerpulse.session.CoverageGap;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.RoundMetrics;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;

/**
 * Where each item of a report lies in time: ms since the session's start on its monotonic clock, the chart's time
 * axis, so that a step of the wall clock (an NTP correction, a laptop resumed, a VM migrated) neither puts samples
 * out of order nor squashes the session into one pixel column. A round, gap or quality change carries its place
 * ({@code startElapsedMs}, {@code elapsedMs}); a sample's is {@link ClockInfo#sampleElapsedMs(long, long)} (its label
 * less the session's start when no step was listed). A file of an earlier version, without them, is placed by its
 * wall-clock labels, as it always was.
 */
final class Timeline {

    private final long startEpochMs;
    private final ClockInfo clock;
    /** Whether steps were listed, each with its first sample: then a sample's label is not its place. */
    private final boolean stepsPlaced;
    private final long endMs;

    Timeline(SessionReport report) {
        clock = report.validationData().clock();
        startEpochMs = report.sessionMetrics().startEpochMs();
        // the places are the monotonic ones when no step was listed, or every step listed has its first sample
        stepsPlaced = clock.clockStepCount() > 0 && clock.sampleElapsedMs(0, startEpochMs).isPresent();
        Long endEpochMs = report.sessionMetrics().endEpochMs();
        // without a step the labels are the monotonic time (within a step); with steps only the duration is
        endMs = stepsPlaced ? report.sessionMetrics().durationMs() : endEpochMs == null ? 0 : endEpochMs - startEpochMs;
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
        return stepsPlaced ? clock.sampleElapsedMs(number, sample.timestampEpochMs()).orElseThrow()
                : sample.timestampEpochMs() - startEpochMs;
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
