package io.peerpulse.benchmarks;

import com.codahale.metrics.SlidingWindowReservoir;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.peerpulse.telemetry.LatencyRecord;
import io.peerpulse.telemetry.PollEvent;
import io.peerpulse.telemetry.PollOutcome;
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

/**
 * Recording one sample into a full window. PeerPulse's cost is {@link LatencyRecord#apply} of a measured
 * poll's event: the check, the ordered window, the session histogram, the counters and the lock itself. The
 * events are made before the measurement, as a poller makes one per poll anyway.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
public class RecordBenchmark {

    @Param({"60", "600", "36000"})
    int window;

    private double[] values;
    private int next;

    private PollEvent[] events;
    private LatencyRecord peerpulse;
    private NaiveWindow naive;
    private SlidingWindowReservoir dropwizard;
    private Histogram hdr;
    private DistributionSummary micrometer;

    @Setup(Level.Trial)
    public void setUp() {
        values = Windows.rtts(1 << 16, 7);
        events = new PollEvent[values.length];
        for (int i = 0; i < values.length; i++) {
            events[i] = new PollEvent(PollOutcome.MEASURED, i, new RttSample(i, values[i]), null, null);
        }
        peerpulse = new LatencyRecord(window);
        naive = new NaiveWindow(window);
        dropwizard = new SlidingWindowReservoir(window);
        hdr = new Histogram(60_000_000L, 3); // microseconds up to 60 s, 3 significant digits
        micrometer = DistributionSummary.builder("rtt").baseUnit("milliseconds")
                .publishPercentiles(0.5, 0.95, 0.99).register(new SimpleMeterRegistry());
        for (int i = 0; i < window; i++) {
            double v = values[i & 0xFFFF];
            peerpulse.apply(events[i & 0xFFFF]);
            naive.add(v);
            dropwizard.update((long) (v * 1000));
            hdr.recordValue((long) (v * 1000));
            micrometer.record(v);
        }
    }

    private double nextValue() {
        return values[next++ & 0xFFFF];
    }

    @Benchmark
    public void peerpulse() {
        peerpulse.apply(events[next++ & 0xFFFF]);
    }

    @Benchmark
    public void naivePort() {
        naive.add(nextValue());
    }

    @Benchmark
    public void dropwizardSlidingWindow() {
        dropwizard.update((long) (nextValue() * 1000));
    }

    @Benchmark
    public void hdrHistogram() {
        hdr.recordValue((long) (nextValue() * 1000));
    }

    @Benchmark
    public void micrometerDistributionSummary() {
        micrometer.record(nextValue());
    }
}
