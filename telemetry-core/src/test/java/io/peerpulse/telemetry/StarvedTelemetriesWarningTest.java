package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A starved machine as the telemetries see it: 500 sessions' sources stop answering at once. The WARNINGs are
 * rate-limited per fault kind for the whole JVM (here: this test's virtual clock), not per telemetry; every
 * telemetry's counters stay exact.
 */
class StarvedTelemetriesWarningTest {

    private static final int SESSIONS = 500;

    private final VirtualScheduler scheduler = new VirtualScheduler();
    @RegisterExtension
    final LogCapture logs = new LogCapture();
    private final List<LatencyTelemetry> telemetries = new ArrayList<>();

    @AfterEach
    void tearDown() {
        telemetries.forEach(LatencyTelemetry::close);
    }

    /** Set once the machine is starved. */
    private volatile boolean starved;

    /** Answers while the machine has CPU; once starved, never within the read timeout. */
    final class StarvedSource implements RttSource {

        @Override
        public CompletionStage<RttReading> read() {
            return starved ? new CompletableFuture<>() : CompletableFuture.completedFuture(RttReading.measured(40));
        }
    }

    private List<String> timeoutWarnings() {
        return logs.warnings(LatencyTelemetry.class, StarvedSource.class.getName()).stream()
                .filter(w -> w.contains("did not answer a read within readTimeout")).toList();
    }

    @Test
    void fiveHundredTelemetriesTimingOutAtOnceGiveOneLineAndOneSummaryAMinuteAndExactCounters() {
        for (int i = 0; i < SESSIONS; i++) {
            LatencyTelemetry telemetry = new LatencyTelemetry(new StarvedSource(), TelemetryOptions.builder()
                    .scheduler(scheduler).clock(scheduler.clock()).pollInterval(Duration.ofSeconds(1))
                    .readTimeout(Duration.ofMillis(500)).firstPollDelay(Duration.ofMillis(i)).name("pair-" + i).build()); // 500 polls a second, spread
            telemetries.add(telemetry);
            telemetry.start();
        }
        scheduler.advance(Duration.ofMillis(9_999)); // polls at 0..9 s, measured
        starved = true;
        // polls at 10..99 s never answered (90 each, 45,000 in all); the one at 100 s is still in flight at the end
        scheduler.advance(Duration.ofMillis(90_500));

        List<String> lines = timeoutWarnings();
        assertThat(lines).as("45,000 timeouts of 500 telemetries in 90 s: the JVM's first, then a minute on").hasSize(2);
        assertThat(lines.get(0)).contains("RTT source " + StarvedSource.class.getName() + " of telemetry 'pair-0' did"
                + " not answer a read within readTimeout (500 ms); the poll counts as failed");
        assertThat(lines.get(1)).contains(StarvedSource.class.getName() + ": did not answer a read within readTimeout",
                " more times in the last 60 s, in 500 of the JVM's telemetries, latest in telemetry 'pair-");
        for (LatencyTelemetry telemetry : telemetries) {
            TelemetryCounters counters = telemetry.getCounters();
            assertThat(counters.measuredCount()).as(telemetry.options().name().orElseThrow()).isEqualTo(10);
            assertThat(counters.failedCount()).as(telemetry.options().name().orElseThrow()).isEqualTo(90);
            assertThat(counters.skippedCount()).isZero();
        }
    }
}
