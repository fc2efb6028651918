package io.peerpulse.benchmarks;

import io.peerpulse.export.csv.SessionReportCsv;
import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.export.jsonl.SessionJsonLines;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * The exports of a long session, written and read back: a real {@link GameSession} polled at 1 Hz in virtual
 * time for {@code seconds} (86,400: 24 hours), its window as large ({@code maxSampleCount}), a round of 50 s
 * begun every minute. Each operation is one whole export: {@code jsonWrite} ({@link SessionReportJson#write},
 * the {@code json} exporter's writer, the three windows), {@code jsonRead} ({@link SessionReportJson#read} of
 * those bytes, as {@code peerpulse summarize} and {@code report} read them), {@code csvWrite}
 * ({@link SessionReportCsv#write}: a row per sample), {@code jsonlLine} ({@link SessionJsonLines#line}: one line
 * per session, no samples). Output goes to a stream that discards it, so the disk is not measured. On a fixed,
 * pre-touched heap, as every run of this module.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
public class ExportBenchmark {

    /** How long the session ran, in seconds (one sample a second). */
    @Param({"86400"})
    int seconds;

    private SessionReport report;
    private byte[] json;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        report = longSession(seconds);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SessionReportJson.write(report, out);
        json = out.toByteArray();
    }

    /** A session of {@code seconds} polls at 1 Hz in virtual time, every sample kept, a round every minute. */
    static SessionReport longSession(int seconds) {
        VirtualScheduler scheduler = new VirtualScheduler();
        GameSession session = GameSession.builder("bench-long")
                .playerId("p1")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).maxSampleCount(seconds)
                        .scheduler(scheduler).clock(scheduler.clock()).build())
                .exporterProviders(List.of())
                .executor(Runnable::run)
                .build();
        try {
            NetworkPath path = new NetworkPath("host", "srflx", "udp");
            double[] rtts = Windows.rtts(4096, 3);
            int[] next = {0};
            session.onDataChannelOpen(() -> CompletableFuture.completedFuture(
                    RttReading.measured(rtts[next[0]++ & 4095], path)));
            for (int minute = 0; minute * 60 < seconds; minute++) {
                session.beginRound(minute + 1);
                scheduler.advance(Duration.ofSeconds(Math.min(50, seconds - minute * 60)));
                session.endRound();
                scheduler.advance(Duration.ofSeconds(Math.max(0, Math.min(10, seconds - minute * 60 - 50))));
            }
        } finally {
            session.close();
            scheduler.shutdownNow();
        }
        return session.exportReport();
    }

    @Benchmark
    public long jsonWrite() throws IOException {
        Counting out = new Counting();
        SessionReportJson.write(report, out);
        return out.bytes;
    }

    @Benchmark
    public SessionReport jsonRead() throws IOException {
        return SessionReportJson.read(new ByteArrayInputStream(json));
    }

    @Benchmark
    public long csvWrite() throws IOException {
        Counting out = new Counting();
        SessionReportCsv.write(report, out);
        return out.bytes;
    }

    @Benchmark
    public String jsonlLine() {
        return SessionJsonLines.line(report);
    }

    /** Discards what is written, counting it. */
    private static final class Counting extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }
}
