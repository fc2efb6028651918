package io.peerpulse.benchmarks;

import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.SplittableRandom;

/** The same pseudo-random RTTs for every contender, and a telemetry filled through its public API. */
final class Windows {

    private Windows() {
    }

    /** RTTs like a real session's: mostly 20–120 ms, many exact repeats, rare spikes. */
    static double[] rtts(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            double kind = random.nextDouble();
            values[i] = kind < 0.3 ? 40 + random.nextInt(5) * 0.5
                    : kind < 0.98 ? 20 + random.nextDouble() * 100 : random.nextDouble() * 2_000;
        }
        return values;
    }

    /** A stopped telemetry whose window of {@code size} is full, filled by real polls in virtual time. */
    static LatencyTelemetry fullTelemetry(int size, double[] values) {
        VirtualScheduler scheduler = new VirtualScheduler();
        int[] polls = {0};
        RttSource source = () -> CompletableFuture.completedStage(polls[0] < size
                ? RttReading.measured(values[polls[0]++ % values.length]) : RttReading.stale());
        LatencyTelemetry telemetry = new LatencyTelemetry(source, TelemetryOptions.builder()
                .scheduler(scheduler).clock(scheduler.clock()).firstPollDelay(Duration.ZERO).maxSampleCount(size)
                .pollInterval(Duration.ofMillis(1)).build());
        telemetry.start();
        scheduler.advance(Duration.ofMillis(size - 1L));
        telemetry.stop();
        scheduler.shutdownNow();
        if (telemetry.getCounters().measuredCount() != size) {
            throw new IllegalStateException("telemetry not full: " + telemetry.getCounters());
        }
        return telemetry;
    }
}
