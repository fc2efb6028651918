package io.peerpulse.benchmarks;

import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.RttSample;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One RTT sample handed to the {@code jfr} exporter (found by ServiceLoader, as a session finds it): its
 * {@code sampleRecorded} with no recording running ({@code off}: one read of the event type's state) and with a
 * recording enabling {@code io.peerpulse.RttSample} ({@code on}: the event built and committed into JFR's
 * thread-local buffer). The exporter runs on the session's exporter thread, never on the polling one.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
public class JfrExporterBenchmark {

    @Param({"off", "on"})
    String recording;

    private RttSample[] samples;
    private int next;
    private SessionExporter exporter;
    private Recording running;

    @Setup(Level.Trial)
    public void setUp() {
        double[] values = Windows.rtts(1 << 12, 7);
        samples = new RttSample[values.length];
        for (int i = 0; i < values.length; i++) {
            samples[i] = new RttSample(i, values[i]);
        }
        SessionExporterProvider provider = ServiceLoader.load(SessionExporterProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("jfr")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no exporter named jfr on the class path"));
        exporter = provider.create(ExportSettings.of(Map.of(), Map.of()));
        exporter.sourceChanged("bench", "probe");
        if (recording.equals("on")) {
            running = new Recording();
            running.enable("io.peerpulse.RttSample");
            running.setToDisk(false); // in memory: the cost measured is the event's, not the disk's
            running.start();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (running != null) {
            running.close();
        }
    }

    @Benchmark
    public void sampleRecorded() {
        exporter.sampleRecorded("bench", samples[next++ & 0xFFF]);
    }
}
