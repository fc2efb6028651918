package io.peerpulse.session;

import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.NonNegative;
import io.peerpulse.telemetry.fixtures.Records;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.virtualtime.VirtualScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wall clock steps (an NTP correction, a manual change) while a session runs: durations come from the
 * monotonic clock, the wall clock only labels, and the steps are reported. On virtual time: the test steps
 * the scheduler's wall clock ({@link VirtualScheduler#stepWallClock}), its nanoClock goes on.
 */
class SessionTimeTest {

    private static final long T0 = VirtualScheduler.DEFAULT_START.toEpochMilli();

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private GameSession session() {
        return GameSession.builder("clock-steps")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).build())
                .exporterProviders(List.of()).executor(Runnable::run).build();
    }

    private void advanceMs(long ms) {
        scheduler.advance(Duration.ofMillis(ms));
    }

    @Test
    void aStepBackMidRoundAndMidSessionLeavesEveryDurationAsMeasuredOnTheMonotonicClock() {
        GameSession session = session();
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40)));
        scheduler.runDueTasks();
        advanceMs(2_000);
        session.beginRound(1);
        advanceMs(1_500);
        scheduler.stepWallClock(Duration.ofSeconds(-5));                       // back 5 s in the middle of the round
        advanceMs(2_500);
        RoundMetrics round = session.endRound().orElseThrow();
        session.onDataChannelClose("peer left");
        advanceMs(1_000);
        scheduler.stepWallClock(Duration.ofSeconds(-5));                       // back 5 s while the channel is down
        advanceMs(2_000);
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40)));
        advanceMs(3_000);
        session.close();
        SessionReport report = session.exportReport();

        assertThat(NonNegative.negative(report)).isEmpty();
        assertThat(round.durationMs()).isEqualTo(4_000);
        assertThat(round.endEpochMs() - round.startEpochMs()).as("the labels show the step").isEqualTo(-1_000);
        assertThat(report.sessionMetrics().durationMs()).isEqualTo(12_000);
        assertThat(report.sessionMetrics().endEpochMs()).isEqualTo(T0 + 12_000 - 10_000);
        Disconnection down = report.sessionMetrics().connection().disconnections().get(0);
        assertThat(down.durationMs()).isEqualTo(3_000);
        assertThat(report.multiplayerMetrics().reconnections().get(0).downtimeMs()).isEqualTo(3_000);
        Coverage coverage = report.validationData().coverage();
        assertThat(coverage.measuringMs()).isEqualTo(12_000);
        assertThat(coverage.gaps()).as("the scripted source measured throughout").isEmpty();
        assertThat(coverage.coveredRatio()).isEqualTo(1.0);
        ClockInfo clock = report.validationData().clock();
        assertThat(clock.clockStepCount()).isEqualTo(2);
        assertThat(clock.clockSteps()).extracting(ClockStep::stepMs).containsExactly(-5_000L, -5_000L);
        assertThat(clock.clockSteps().get(0).timestampEpochMs()).isEqualTo(T0 + 4_000 - 5_000);
    }

    @Test
    void aJumpOf400DaysForwardIsAStepNotFourHundredDaysOfSession() {
        GameSession session = session();
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40)));
        scheduler.runDueTasks();
        advanceMs(5_500);
        long jump = Duration.ofDays(400).toMillis();
        scheduler.stepWallClock(Duration.ofDays(400));
        advanceMs(5_500);
        session.close();
        SessionReport report = session.exportReport();

        assertThat(NonNegative.negative(report)).isEmpty();
        assertThat(report.sessionMetrics().durationMs()).isEqualTo(11_000);
        assertThat(report.validationData().coverage().coveredRatio()).isEqualTo(1.0);
        assertThat(report.validationData().coverage().gaps()).isEmpty();
        assertThat(report.validationData().clock().clockSteps()).extracting(ClockStep::stepMs).containsExactly(jump);
        assertThat(report.validationData().latency().samples()).hasSize(12)
                .last().satisfies(sample -> assertThat(sample.timestampEpochMs()).isEqualTo(T0 + 11_000 + jump));
    }

    @Test
    void aWallClockThatDriftsLittleByLittleIsReportedOnceTheDriftAddsUpToAStep() {
        GameSession session = session();
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40)));
        for (int i = 0; i < 10; i++) {
            scheduler.stepWallClock(Duration.ofMillis(300)); // a slew: each below the threshold, 3 s in all
            advanceMs(1_000);
        }
        session.close();
        SessionReport report = session.exportReport();
        ClockInfo clock = report.validationData().clock();

        assertThat(clock.clockSteps()).extracting(ClockStep::stepMs).containsExactly(1_200L, 1_200L);
        long listed = clock.clockSteps().stream().mapToLong(ClockStep::stepMs).sum();
        long mapped = clock.startEpochMs() + (clock.endNanoTime() - clock.startNanoTime()) / 1_000_000 + listed;
        assertThat(clock.endEpochMs() - mapped).as("start + monotonic time + steps maps onto the wall clock")
                .isBetween(-ClockInfo.CLOCK_STEP_MS + 1, ClockInfo.CLOCK_STEP_MS - 1);
        assertThat(report.sessionMetrics().durationMs()).isEqualTo(10_000);
    }

    @Test
    void aWallClockThatWobblesLessThanTheStepThresholdReportsNoStep() {
        GameSession session = session();
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(40)));
        for (int i = 0; i < 10; i++) {
            scheduler.stepWallClock(Duration.ofMillis(i % 2 == 0 ? 900 : -900));
            advanceMs(1_000);
        }
        session.close();
        assertThat(session.exportReport().validationData().clock().clockStepCount()).isZero();
    }

    /**
     * Where each item lies in time, whatever the wall clock did: a round, a gap and a quality change carry their
     * place on the monotonic clock, and a sample's is its label minus the steps listed from its number on. A 1 Hz
     * session of 20 s whose wall clock goes back 5 s at 10.5 s and forward 400 days at 15.5 s, with a round from
     * 8 s and an outage from 12 s (polls 12 … 16).
     */
    @Test
    void everyItemHasItsPlaceOnTheMonotonicClockAcrossStepsBothWays() {
        ScriptedRttSource source = new ScriptedRttSource();
        for (int i = 0; i <= 20; i++) {
            if (i >= 12 && i <= 16) {
                source.thenUnavailable("outage");
            } else {
                source.thenMeasured(40);
            }
        }
        GameSession session = session();
        session.onDataChannelOpen(source);
        scheduler.runDueTasks();
        advanceMs(8_000);
        session.beginRound(1);
        advanceMs(2_500);
        scheduler.stepWallClock(Duration.ofSeconds(-5));
        advanceMs(5_000);
        scheduler.stepWallClock(Duration.ofDays(400));
        advanceMs(4_500);
        session.close();
        SessionReport report = session.exportReport();

        assertThat(NonNegative.negative(report)).isEmpty();
        ClockInfo clock = report.validationData().clock();
        assertThat(clock.clockSteps()).extracting(ClockStep::stepMs).containsExactly(-5_000L, Duration.ofDays(400).toMillis());
        assertThat(clock.clockSteps()).extracting(ClockStep::firstSampleIndex)
                .as("the samples of 11 s and of 17 s are the first on each stepped clock").containsExactly(11L, 12L);
        assertThat(report.multiplayerMetrics().rounds()).singleElement().satisfies(round -> {
            assertThat(round.startElapsedMs()).isEqualTo(8_000);
            assertThat(round.durationMs()).isEqualTo(12_000);
        });
        assertThat(report.validationData().coverage().gaps()).singleElement().satisfies(gap -> {
            assertThat(gap.startElapsedMs()).as("the last sample before the outage").isEqualTo(11_000);
            assertThat(gap.durationMs()).isEqualTo(6_000);
            assertThat(gap.endEpochMs() - gap.startEpochMs()).as("the labels").isEqualTo(6_000 + Duration.ofDays(400).toMillis());
        });
        assertThat(report.multiplayerMetrics().qualityChanges()).extracting(QualityChange::current)
                .containsExactly(ConnectionQuality.GOOD, ConnectionQuality.LOST, ConnectionQuality.GOOD);
        assertThat(report.multiplayerMetrics().qualityChanges()).extracting(QualityChange::elapsedMs)
                .containsExactly(0L, 15_000L, 17_000L);
        var samples = report.validationData().latency().samples();
        assertThat(samples).hasSize(16);
        long[] expected = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 17, 18, 19, 20};
        for (int i = 0; i < samples.size(); i++) {
            long shift = 0;
            for (ClockStep step : clock.clockSteps()) {
                shift += step.firstSampleIndex() <= i ? step.stepMs() : 0;
            }
            assertThat(samples.get(i).timestampEpochMs() - clock.startEpochMs() - shift).as("sample %d", i)
                    .isEqualTo(expected[i] * 1_000);
            assertThat(clock.sampleElapsedMs(i, samples.get(i).timestampEpochMs())).as("sample %d", i)
                    .hasValue(expected[i] * 1_000);
        }
        ClockInfo earlier = Records.record(ClockInfo.class, "startEpochMs", clock.startEpochMs(),
                "startNanoTime", clock.startNanoTime(), "endEpochMs", clock.endEpochMs(),
                "endNanoTime", clock.endNanoTime(), "pollIntervalMs", 1_000, "readTimeoutMs", 1_000, "clockStepCount", 2,
                "clockSteps", clock.clockSteps().stream().map(step -> Records.record(ClockStep.class,
                        "timestampEpochMs", step.timestampEpochMs(), "stepMs", step.stepMs())).toList());
        assertThat(earlier.sampleElapsedMs(0, clock.startEpochMs())).as("steps of an earlier version's file").isEmpty();
    }

    /**
     * The wall clock steps after the poller read it to stamp a poll's sample and before the session stamped the poll
     * (the session reads a probe's statistics in between, and waits for its lock): a VM suspended there, or an NTP
     * step landing there. The step is then listed from that sample on, so the sample's label must be on the stepped
     * clock too; stamped with the poll's end it was not, and its place came out 400 days before the session began
     * (elapsed -34,559,996,000 ms in the CSV, the page's time axis squashed).
     */
    @Test
    void aStepBetweenThePollsEndAndTheSessionsStampPutsNoSampleOutOfPlace() {
        long day400 = Duration.ofDays(400).toMillis();
        int[] polls = {0};
        ProbeStatsSource source = new ProbeStatsSource() {
            private int stepped;

            @Override
            public CompletionStage<RttReading> read() {
                polls[0]++;
                return CompletableFuture.completedFuture(RttReading.measured(40));
            }

            @Override
            public ProbeStats probeStats() {
                // read by the session after each poll ended, before the poll is stamped: the step falls in between
                if (polls[0] == 5 && stepped == 0 || polls[0] == 8 && stepped == 1) {
                    scheduler.stepWallClock(stepped++ == 0 ? Duration.ofDays(400) : Duration.ofSeconds(-5));
                }
                return Records.record(ProbeStats.class, "sentCount", polls[0], "answeredCount", polls[0]);
            }
        };
        GameSession session = session();
        session.onDataChannelOpen(source);
        scheduler.runDueTasks();
        advanceMs(10_000);
        session.close();
        SessionReport report = session.exportReport();

        ClockInfo clock = report.validationData().clock();
        assertThat(clock.clockSteps()).extracting(ClockStep::stepMs).containsExactly(day400, -5_000L);
        assertThat(clock.clockSteps()).extracting(ClockStep::firstSampleIndex).containsExactly(4L, 7L);
        List<RttSample> samples = report.validationData().latency().samples();
        assertThat(samples).hasSize(11);
        for (int i = 0; i < samples.size(); i++) {
            assertThat(clock.sampleElapsedMs(i, samples.get(i).timestampEpochMs())).as("sample %d", i)
                    .hasValue(i * 1_000L);
        }
        assertThat(samples.get(4).timestampEpochMs()).as("labelled on the stepped clock, as the step says")
                .isEqualTo(T0 + 4_000 + day400);
        assertThat(samples.get(7).timestampEpochMs()).isEqualTo(T0 + 7_000 + day400 - 5_000);
    }
}
