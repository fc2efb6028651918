package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Polls that start late against their fixed-rate schedule: counted per telemetry, and told in one WARNING per
 * JVM and minute, in virtual time. The virtual scheduler runs every poll on time; the telemetries' monotonic clock
 * runs {@code stall} ahead of it, so that a poll starts {@code stall} behind its schedule, as on a machine whose
 * polling thread does not get a CPU.
 */
class LatePollsTest {

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final AtomicLong stall = new AtomicLong();
    private final LongSupplier nanoClock = () -> scheduler.nanoClock().getAsLong() + stall.get();
    @RegisterExtension
    final LogCapture logs = new LogCapture();
    private final List<LatencyTelemetry> telemetries = new ArrayList<>();

    @AfterEach
    void tearDown() {
        telemetries.forEach(LatencyTelemetry::close);
    }

    private LatencyTelemetry started(String name) {
        LatencyTelemetry telemetry = new LatencyTelemetry(ScriptedRttSource.repeating(RttReading.measured(20)),
                TelemetryOptions.builder().scheduler(scheduler).clock(scheduler.clock()).nanoClock(nanoClock)
                        .pollInterval(Duration.ofSeconds(1)).firstPollDelay(Duration.ZERO).name(name).build());
        telemetries.add(telemetry);
        telemetry.start();
        return telemetry;
    }

    private List<String> lateWarnings() {
        return logs.warnings(LatencyTelemetry.class, "Polls start late").stream()
                .filter(m -> m.contains("'late-")).toList();
    }

    @Test
    void pollsLaterThanTheThresholdAreCountedWithTheirP99AndMax() {
        LatencyTelemetry telemetry = started("late-one");
        assertThat(telemetry.options().latePollThreshold()).isEqualTo(Duration.ofMillis(100));

        scheduler.advance(Duration.ofMillis(9_500)); // polls at 0..9 s, on time
        stall.set(Duration.ofMillis(100).toNanos()); // at the threshold: not late
        scheduler.advance(Duration.ofSeconds(2)); // 10, 11
        stall.set(Duration.ofMillis(250).toNanos());
        scheduler.advance(Duration.ofSeconds(3)); // 12, 13, 14: late by 250 ms
        stall.set(Duration.ofMillis(150).toNanos());
        scheduler.advance(Duration.ofSeconds(1)); // 15: late by 150 ms

        TelemetryCounters counters = telemetry.getCounters();
        assertThat(counters.pollCount()).isEqualTo(16);
        assertThat(counters.latePollCount()).as("3 polls 250 ms and 1 poll 150 ms behind; 100 ms is on time").isEqualTo(4);
        assertThat(counters.latenessMaxMs()).isEqualTo(250.0);
        assertThat(counters.latenessP99Ms()).as("4 of 16 polls late: the p99 is among them").isEqualTo(250.0);
        assertThat(counters.measuredCount()).as("a late poll is measured all the same").isEqualTo(16);
    }

    @Test
    void onTimePollsHaveNoLateness() {
        LatencyTelemetry telemetry = started("late-none");
        scheduler.advance(Duration.ofSeconds(200));
        TelemetryCounters counters = telemetry.getCounters();
        assertThat(counters.latePollCount()).isZero();
        assertThat(counters.latenessP99Ms()).isZero();
        assertThat(counters.latenessMaxMs()).isZero();
        assertThat(lateWarnings()).isEmpty();
    }

    @Test
    void manyLateTelemetriesGiveOneWarningAMinuteForTheWholeJvm() {
        for (int i = 0; i < 50; i++) {
            started("late-" + i);
        }
        scheduler.advance(Duration.ofMillis(500)); // the first poll of each, on time
        stall.set(Duration.ofMillis(300).toNanos());
        scheduler.advance(Duration.ofSeconds(150)); // 150 polls of each, all 300 ms late

        List<String> warnings = lateWarnings();
        assertThat(warnings).as("7,500 late polls of 50 telemetries in 150 s: at 0, 60 and 120 s").hasSize(3);
        assertThat(warnings.get(0)).contains("300 ms behind its schedule").contains("every 1000 ms")
                .contains("late beyond 100 ms").doesNotContain("more late polls");
        assertThat(warnings.get(1)).contains("; 2999 more late polls in this JVM since the previous warning, up to 300 ms");
        for (LatencyTelemetry telemetry : telemetries) {
            assertThat(telemetry.getCounters().latePollCount()).isEqualTo(150);
        }
    }
}
