package io.peerpulse.benchmarks;

import com.codahale.metrics.Snapshot;
import com.codahale.metrics.SlidingWindowReservoir;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.LatencySummary;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.RttSample;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/** Computing min, max, mean, median, p95, p99 and (where offered) the standard deviation of a full window. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
public class StatsBenchmark {

    @Param({"60", "600", "36000"})
    int window;

    private LatencyTelemetry peerpulse;
    private NaiveWindow naive;
    private SlidingWindowReservoir dropwizard;
    private Histogram hdr;
    private DistributionSummary micrometer;

    @Setup(Level.Trial)
    public void setUp() {
        double[] values = Windows.rtts(window, 11);
        peerpulse = Windows.fullTelemetry(window, values);
        naive = new NaiveWindow(window);
        dropwizard = new SlidingWindowReservoir(window);
        hdr = new Histogram(60_000_000L, 3);
        micrometer = DistributionSummary.builder("rtt").baseUnit("milliseconds")
                .publishPercentiles(0.5, 0.95, 0.99).register(new SimpleMeterRegistry());
        for (double v : values) {
            naive.add(v);
            dropwizard.update((long) (v * 1000));
            hdr.recordValue((long) (v * 1000));
            micrometer.record(v);
        }
    }

    /** The statistics a game loop reads every frame: no samples list, no lock. */
    @Benchmark
    public LatencySummary peerpulseSummary() {
        return peerpulse.getSummary().orElseThrow();
    }

    /** The full export: statistics plus the window's samples (copied as arrays; records made when read). */
    @Benchmark
    public LatencyStats peerpulseStatsWithSamples() {
        return peerpulse.getStats().orElseThrow();
    }

    /** The full export read to the end, as an exporter does: every sample becomes a record that escapes. */
    @Benchmark
    public void peerpulseStatsReadingEverySample(Blackhole blackhole) {
        LatencyStats stats = peerpulse.getStats().orElseThrow();
        blackhole.consume(stats.stdDevMs());
        for (RttSample sample : stats.samples()) {
            blackhole.consume(sample);
        }
    }

    @Benchmark
    public double[] naivePort() {
        return naive.stats();
    }

    /** The same statistics from Dropwizard: a snapshot (a sorted copy of the window), then each statistic. */
    @Benchmark
    public void dropwizardSnapshot(Blackhole blackhole) {
        Snapshot snapshot = dropwizard.getSnapshot();
        blackhole.consume(snapshot.getMin());
        blackhole.consume(snapshot.getMax());
        blackhole.consume(snapshot.getMean());
        blackhole.consume(snapshot.getMedian());
        blackhole.consume(snapshot.get95thPercentile());
        blackhole.consume(snapshot.get99thPercentile());
        blackhole.consume(snapshot.getStdDev());
    }

    @Benchmark
    public void hdrHistogram(Blackhole blackhole) {
        blackhole.consume(hdr.getMinValue());
        blackhole.consume(hdr.getMaxValue());
        blackhole.consume(hdr.getMean());
        blackhole.consume(hdr.getValueAtPercentile(50));
        blackhole.consume(hdr.getValueAtPercentile(95));
        blackhole.consume(hdr.getValueAtPercentile(99));
    }

    @Benchmark
    public HistogramSnapshot micrometerSnapshot() {
        return micrometer.takeSnapshot();
    }
}
