package io.peerpulse.benchmarks;

import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeCounters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

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

    /** CPU nanoseconds and times put on a CPU. */
    private record Use(long cpuNanos, long slices) {
        Use plus(Use other) {
            return new Use(cpuNanos + other.cpuNanos, slices + other.slices);
        }

        Use minus(Use other) {
            return new Use(cpuNanos - other.cpuNanos, slices - other.slices);
        }
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
            Map<String, Use> start = snapshot();
            ProbingPeers.pause(seconds);
            Map<String, Use> idle = difference(snapshot(), start);
            ProbeCounters before = probeA.getCounters();
            start = snapshot();
            probe(probeA, seconds);
            Map<String, Use> probing = difference(snapshot(), start);
            ProbeCounters after = probeA.getCounters();
            long pings = after.sentCount() - before.sentCount();
            long answered = after.answeredCount() - before.answeredCount();
            System.out.printf("%s; %d s idle, then %d s probing at 10 Hz: %d pings, %d answered%n%n",
                    peers.route(), seconds, seconds,
                    pings, answered);
            System.out.println("| thread | CPU µs per ping | on-CPU slices per ping |");
            System.out.println("|---|---:|---:|");
            Use total = new Use(0, 0);
            for (Map.Entry<String, Use> e : probing.entrySet()) {
                Use extra = e.getValue().minus(idle.getOrDefault(e.getKey(), new Use(0, 0)));
                if (extra.slices() * 10 < pings) { // fewer than one wake-up per ten pings: not the probe's
                    continue;
                }
                total = total.plus(extra);
                System.out.printf("| %s | %.1f | %.2f |%n", e.getKey(), extra.cpuNanos() / 1e3 / pings,
                        (double) extra.slices() / pings);
            }
            System.out.printf("| all of them | %.1f | %.2f |%n", total.cpuNanos() / 1e3 / pings,
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

    /** Each thread group's use so far; threads that ended are lost, so the runs start no threads meanwhile. */
    private static Map<String, Use> snapshot() {
        Map<String, Use> groups = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip().replaceAll("[0-9]+", "N");
                    String[] fields = Files.readString(task.resolve("schedstat")).strip().split("\\s+");
                    groups.merge(name, new Use(Long.parseLong(fields[0]), Long.parseLong(fields[2])), Use::plus);
                } catch (IOException ended) {
                    // the thread ended while listed
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return groups;
    }

    private static Map<String, Use> difference(Map<String, Use> later, Map<String, Use> earlier) {
        Map<String, Use> d = new TreeMap<>();
        later.forEach((name, use) -> d.put(name, use.minus(earlier.getOrDefault(name, new Use(0, 0)))));
        return d;
    }
}
