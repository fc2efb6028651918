package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * telemetry-core alone under a wall clock that steps (an NTP correction, a VM resumed) while the monotonic clock
 * and the schedule go on: a sample's timestamp is the wall clock as read, the window keeps arrival order, and
 * statistics and lateness, made of values and of {@code nanoClock}, do not move.
 */
class LatencyTelemetryClockStepTest {

    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final long DAY_MS = Duration.ofDays(1).toMillis();

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final List<LatencyTelemetry> telemetries = new ArrayList<>();

    @AfterEach
    void stopAll() {
        telemetries.forEach(LatencyTelemetry::close);
        scheduler.shutdownNow();
    }

    private LatencyTelemetry telemetry(ScriptedRttSource source, InstantSource clock, List<PollEvent> heard) {
        LatencyTelemetry telemetry = new LatencyTelemetry(source, TelemetryOptions.builder().firstPollDelay(Duration.ZERO)
                .scheduler(scheduler).clock(clock).nanoClock(scheduler.nanoClock()).build());
        telemetries.add(telemetry);
        telemetry.addListener(heard::add);
        return telemetry;
    }

    @Test
    void aWallClockSteppingBack5SecondsThenForward400DaysMovesOnlyTheTimestamps() {
        long t0 = VirtualScheduler.DEFAULT_START.toEpochMilli();
        ScriptedRttSource source = new ScriptedRttSource().thenMeasured(40).thenMeasured(10).thenMeasured(30)
                .thenMeasured(20).thenMeasured(50);
        List<PollEvent> heard = new ArrayList<>();
        LatencyTelemetry telemetry = telemetry(source, scheduler.clock(), heard);
        telemetry.start();
        scheduler.runDueTasks();
        scheduler.advance(SECOND);
        scheduler.stepWallClock(Duration.ofSeconds(-5));
        scheduler.advance(SECOND);
        scheduler.stepWallClock(Duration.ofDays(400));
        scheduler.advance(SECOND);
        scheduler.advance(SECOND);

        long[] expected = {t0, t0 + 1_000, t0 + 2_000 - 5_000, t0 + 3_000 - 5_000 + 400 * DAY_MS,
                t0 + 4_000 - 5_000 + 400 * DAY_MS};
        assertThat(telemetry.getSamples()).as("arrival order, each stamped with the wall clock as read")
                .extracting(RttSample::timestampEpochMs).containsExactly(expected[0], expected[1], expected[2],
                        expected[3], expected[4]);
        assertThat(telemetry.getSamples()).extracting(RttSample::rttMs).containsExactly(40.0, 10.0, 30.0, 20.0, 50.0);
        assertThat(heard).extracting(PollEvent::timestampEpochMs).containsExactly(expected[0], expected[1],
                expected[2], expected[3], expected[4]);
        assertThat(telemetry.getLastSample()).contains(new RttSample(expected[4], 50));

        LatencyStats stats = telemetry.getStats().orElseThrow();
        assertThat(stats.sampleCount()).isEqualTo(5).isEqualTo(stats.samples().size());
        assertThat(stats.totalSampleCount()).isEqualTo(5);
        assertThat(stats.minMs()).isEqualTo(10);
        assertThat(stats.medianMs()).isEqualTo(30);
        assertThat(stats.maxMs()).isEqualTo(50);
        assertThat(stats.meanMs()).isEqualTo(30);
        assertThat(stats.jitterMs()).as("mean |Δ| in arrival order: (30 + 20 + 10 + 30) / 4").isEqualTo(22.5);
        assertThat(stats.stdDevMs()).isCloseTo(Math.sqrt(200), within(0.0005));
        SessionLatencyStats session = telemetry.getSessionStats().orElseThrow();
        assertThat(session).isEqualTo(new SessionLatencyStats(5, 10, 50, 30, 30, stats.p95Ms(), stats.p99Ms()));

        assertThat(heard).extracting(PollEvent::lateMs).as("lateness is timed on nanoClock").containsOnly(0.0);
        TelemetryCounters counters = telemetry.getCounters();
        assertThat(counters.pollCount()).isEqualTo(5);
        assertThat(counters.measuredCount()).isEqualTo(5);
        assertThat(counters.latePollCount()).isZero();
        assertThat(counters.latenessMaxMs()).isZero();
        assertThat(source.readCount()).as("the schedule follows the scheduler, not the wall clock").isEqualTo(5);
    }

    @Test
    void aWallClockThatStandsStillWhileOnlyTheNanoClockMovesStampsEveryPollAlike() {
        Instant frozen = Instant.parse("2025-06-01T12:00:00Z");
        ScriptedRttSource source = new ScriptedRttSource().thenMeasured(12).thenMeasured(14).thenMeasured(13);
        List<PollEvent> heard = new ArrayList<>();
        LatencyTelemetry telemetry = telemetry(source, InstantSource.fixed(frozen), heard);
        telemetry.start();
        scheduler.runDueTasks();
        scheduler.advance(SECOND);
        scheduler.advance(SECOND);

        assertThat(telemetry.getSamples()).extracting(RttSample::timestampEpochMs).containsOnly(frozen.toEpochMilli());
        assertThat(telemetry.getSamples()).extracting(RttSample::rttMs).containsExactly(12.0, 14.0, 13.0);
        LatencySummary summary = telemetry.getSummary().orElseThrow();
        assertThat(summary.medianMs()).isEqualTo(13);
        assertThat(summary.jitterMs()).isEqualTo(1.5);
        assertThat(heard).extracting(PollEvent::lateMs).containsOnly(0.0);
        assertThat(telemetry.getCounters().latePollCount()).isZero();
        assertThat(telemetry.getCounters().pollCount()).isEqualTo(3);
    }
}
