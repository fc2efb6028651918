package io.peerpulse.benchmarks;

import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeCounters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a ping's CPU time and thread wake-ups go, per thread, on Linux: two real peers (through the
 * relay at 80 ms RTT, or {@code --direct}), a {@link DataChannelProbe} on each, and a telemetry polling A's
 * probe at 10 Hz, as in {@link GameLoopRun}. It reads {@code /proc/self/task/*}{@code /schedstat} (CPU
 * time and the number of times each thread was put on a CPU, exact, unlike the tick-sampled
 * {@code stat}) over an idle stretch and a probing stretch of the same length, and prints each thread
 * group's difference per ping. Threads are grouped by name with digits dropped.
 *
 * <p>Usage: {@code ProbeCpuRun [--seconds 30] [--jit-warmup-seconds 20] [--warmup-seconds 20] [--direct]}:
 * first {@link JitWarmup} (0 to leave it out), then {@code --warmup-seconds} of probing at 10 Hz.
 */
public final class ProbeCpuRun {

    private ProbeCpuRun() {
    }

    /**
     * Runs the measurement.
     *
     * @param args {@code --seconds N}, {@code --jit-warmup-seconds N}, {@code --warmup-seconds N}, {@code --direct}
     * @throws Exception when the peers cannot connect or a stretch is interrupted
     */
    public static void main(String[] args) throws Exception {
        RunOptions options = RunOptions.parse(args, List.of("--seconds", "--jit-warmup-seconds", "--warmup-seconds"),
                List.of("--direct"));
        int seconds = options.integer("--seconds", 30, 1);
        int jitWarmupSeconds = options.integer("--jit-warmup-seconds", 20, 0);
        int warmupSeconds = options.integer("--warmup-seconds", 20, 0);
        boolean direct = options.flag("--direct");
        if (!Files.isDirectory(Path.of("/proc/self/task"))) {
            throw new IllegalStateException("ProbeCpuRun reads /proc/self/task/*/schedstat: Linux only");
        }
        try (ProbingPeers peers = ProbingPeers.open(direct, jitWarmupSeconds)) {
            System.out.println(peers.warmup());
            DataChannelProbe probeA = peers.probeA();
            probe(probeA, warmupSeconds);
            Map<String, ThreadCpu.Use> start = ThreadCpu.useByKernelName();
            ProbingPeers.pause(seconds);
            Map<String, ThreadCpu.Use> idle = ThreadCpu.useDifference(ThreadCpu.useByKernelName(), start);
            ProbeCounters before = probeA.getCounters();
            start = ThreadCpu.useByKernelName();
            probe(probeA, seconds);
            Map<String, ThreadCpu.Use> probing = ThreadCpu.useDifference(ThreadCpu.useByKernelName(), start);
            ProbeCounters after = probeA.getCounters();
            long pings = after.sentCount() - before.sentCount();
            long answered = after.answeredCount() - before.answeredCount();
            System.out.printf(Locale.ROOT, "%s; %d s idle, then %d s probing at 10 Hz: %d pings, %d answered%n%n",
                    peers.route(), seconds, seconds,
                    pings, answered);
            System.out.println("| thread | CPU µs per ping | on-CPU slices per ping |");
            System.out.println("|---|---:|---:|");
            ThreadCpu.Use total = ThreadCpu.Use.NONE;
            for (Map.Entry<String, ThreadCpu.Use> e : probing.entrySet()) {
                ThreadCpu.Use extra = e.getValue().minus(idle.getOrDefault(e.getKey(), ThreadCpu.Use.NONE));
                if (extra.slices() * 10 < pings) { // fewer than one wake-up per ten pings: not the probe's
                    continue;
                }
                total = total.plus(extra);
                System.out.printf(Locale.ROOT, "| %s | %.1f | %.2f |%n", e.getKey(), extra.cpuNanos() / 1e3 / pings,
                        (double) extra.slices() / pings);
            }
            System.out.printf(Locale.ROOT, "| all of them | %.1f | %.2f |%n", total.cpuNanos() / 1e3 / pings,
                    (double) total.slices() / pings);
        }
    }

    private static void probe(DataChannelProbe probe, int seconds) throws InterruptedException {
        if (seconds == 0) {
            return;
        }
        try (LatencyTelemetry telemetry = new LatencyTelemetry(probe, ProbingPeers.POLLING_10_HZ)) {
            telemetry.start();
            ProbingPeers.pause(seconds);
        }
    }


}
