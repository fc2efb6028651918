package io.peerpulse.benchmarks;

import dev.onvoid.webrtc.RTCDataChannelBuffer;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeCounters;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A 60 Hz game loop on two real peers (through the relay, 80 ms RTT) that sends an input over the
 * data channel every frame: how late the frames start against their fixed schedule, under four
 * conditions: no telemetry; the ICE telemetry polling peer A's connection at 1 Hz on the shared scheduler;
 * a {@link DataChannelProbe} on each peer (pings on a data channel of their own, answered on the probe
 * thread) with a telemetry polling A's probe at 10 Hz; and the same with the telemetry's first poll at once
 * instead of on the poll grid (the default, at a random phase). The loop starts a frame after its
 * telemetry, as a game that starts its telemetry and then its loop would, so with the first poll at once every
 * poll falls due a few microseconds before every sixth frame. While a telemetry runs, the loop reads its
 * summary every frame, as a HUD would.
 *
 * <p>The conditions are interleaved so that the machine's drift falls on all of them alike: relay, peers and
 * probes open once (an idle probe sends nothing); {@code --jit-warmup-seconds} of {@link JitWarmup} (default
 * 30: the probe read fast through the relay at 0 delay, the ICE stats every 10 ms, so that the JIT's top tier
 * has compiled their code, which at the measured rates would take it from minutes to hours, its compiler
 * threads busy meanwhile in the telemetry blocks only); {@code --warmup-seconds} of unmeasured loop per
 * condition (default 10); then
 * {@code --rounds} rounds, each with one block per condition in an order shuffled per round. A block starts
 * a fresh telemetry, runs 30 unmeasured settle frames and then {@code --block-seconds} of measured frames,
 * and closes the telemetry. Printed: each round's p99s, each condition's pooled frames (median, p99, p99.9,
 * max), the ratios of the pooled p99s to the no-telemetry one with a 95 % paired bootstrap interval over
 * rounds ({@link LatenessStats}), the probe's counters and the machine's load average.
 */
public final class GameLoopRun {

    private static final long FRAME_NANOS = 1_000_000_000L / 60;
    private static final int SETTLE_FRAMES = 30;
    private static final int RESAMPLES = 2000;
    /** Frames per poll at 10 Hz. */
    private static final int FRAMES_PER_POLL = 6;

    /** What runs beside the loop. */
    private enum Condition {
        OFF("off"), ICE("ice (1 Hz)"), PROBE("probe (10 Hz)"), PROBE_AT_ONCE("probe (10 Hz), first poll at once");

        final String label;

        Condition(String label) {
            this.label = label;
        }
    }

    private final WebRtcPeers peers;
    private final DataChannelProbe probeA;
    private TelemetryCounters probePolls = TelemetryCounters.ZERO;

    private GameLoopRun(WebRtcPeers peers, DataChannelProbe probeA) {
        this.peers = peers;
        this.probeA = probeA;
    }

    /**
     * @param args {@code --rounds R} (default 20), {@code --block-seconds B} measured per block (default 5),
     *             {@code --jit-warmup-seconds J} of {@link JitWarmup} first (default 30, 0 to leave it out),
     *             {@code --warmup-seconds W} unmeasured per condition before the rounds (default 10),
     *             {@code --direct} to connect the peers without the relay (no delay, and no relay threads
     *             sharing the CPUs, as on a player's machine),
     *             {@code --seed S} of the block order and the bootstrap (default 1)
     * @throws Exception when the peers cannot connect
     */
    public static void main(String[] args) throws Exception {
        RunOptions options = RunOptions.parse(args, List.of("--rounds", "--block-seconds", "--jit-warmup-seconds",
                "--warmup-seconds", "--seed"), List.of("--direct"));
        int rounds = options.integer("--rounds", 20, 1);
        int blockSeconds = options.integer("--block-seconds", 5, 1);
        int jitWarmupSeconds = options.integer("--jit-warmup-seconds", 30, 0);
        int warmupSeconds = options.integer("--warmup-seconds", 10, 1);
        long seed = options.number("--seed", 1, Long.MIN_VALUE);
        boolean direct = options.flag("--direct");
        try (ProbingPeers probing = ProbingPeers.open(direct, jitWarmupSeconds)) {
            System.out.println(probing.warmup());
            new GameLoopRun(probing.peers(), probing.probeA()).measure(probing.route(), rounds, blockSeconds, warmupSeconds, seed);
        }
    }

    private void measure(String route, int rounds, int blockSeconds, int warmupSeconds, long seed) throws Exception {
        double loadAtStart = loadAverage();
        System.out.printf(Locale.ROOT, "%s; %d s warm-up per condition; %d rounds × (%s) in an order shuffled per round (seed %d); "
                + "each block %d settle frames, then %d s (%d frames) measured; 95 %% intervals: paired bootstrap over "
                + "rounds, %d resamples.%n%n", route, warmupSeconds, rounds, Arrays.stream(Condition.values())
                .map(c -> c.label).collect(Collectors.joining(", ")), seed, SETTLE_FRAMES, blockSeconds,
                blockSeconds * 60, RESAMPLES);
        // warm-up, so that each condition's paths have run at their own rate; the probe first, so that its last ping
        // is decided (answered or timed out) before its counters are taken
        for (Condition condition : List.of(Condition.PROBE_AT_ONCE, Condition.PROBE, Condition.ICE, Condition.OFF)) {
            run(condition, warmupSeconds * 60);
        }
        probePolls = TelemetryCounters.ZERO;
        ProbeCounters probeBefore = probeA.getCounters();

        Map<Condition, long[][]> lateness = new EnumMap<>(Condition.class);
        for (Condition condition : Condition.values()) {
            lateness.put(condition, new long[rounds][]);
        }
        List<Condition> order = new ArrayList<>(List.of(Condition.values()));
        Random random = new Random(seed);
        System.out.println("| round | order | " + Arrays.stream(Condition.values()).map(c -> c.label + " p99 ms")
                .collect(Collectors.joining(" | ")) + " |");
        System.out.println("|---:|---|" + "---:|".repeat(Condition.values().length));
        for (int round = 0; round < rounds; round++) {
            Collections.shuffle(order, random);
            for (Condition condition : order) {
                long[] frames = run(condition, SETTLE_FRAMES + blockSeconds * 60);
                lateness.get(condition)[round] = Arrays.copyOfRange(frames, SETTLE_FRAMES, frames.length);
            }
            int r = round;
            System.out.printf(Locale.ROOT, "| %d | %s | %s |%n", round + 1,
                    order.stream().map(c -> c.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")),
                    Arrays.stream(Condition.values())
                            .map(c -> ms(LatenessStats.percentile(lateness.get(c)[r], 0.99)))
                            .collect(Collectors.joining(" | ")));
        }
        printPooled(lateness);
        printRatios(lateness, seed);
        printInStep(lateness.get(Condition.PROBE_AT_ONCE));
        System.out.printf(Locale.ROOT, "%nprobe over all probe blocks: %s, polls %s%n", since(probeA.getCounters(), probeBefore),
                probePolls);
        System.out.printf(Locale.ROOT, "load average (1 min) at start %.2f, at end %.2f%n", loadAtStart, loadAverage());
    }

    private static void printPooled(Map<Condition, long[][]> lateness) {
        System.out.println("\n| telemetry | frames | lateness median ms | p99 ms | p99.9 ms | max ms |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (Condition condition : Condition.values()) {
            long[] sorted = LatenessStats.pooled(lateness.get(condition));
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s | %s |%n", condition.label, sorted.length,
                    ms(LatenessStats.percentileOfSorted(sorted, 0.5)), ms(LatenessStats.percentileOfSorted(sorted, 0.99)),
                    ms(LatenessStats.percentileOfSorted(sorted, 0.999)), ms(LatenessStats.percentileOfSorted(sorted, 1)));
        }
    }

    private static void printRatios(Map<Condition, long[][]> lateness, long seed) {
        System.out.println("\n| telemetry | pooled p99 / off's pooled p99 | 95 % interval |");
        System.out.println("|---|---:|---:|");
        for (Condition condition : List.of(Condition.ICE, Condition.PROBE, Condition.PROBE_AT_ONCE)) {
            LatenessStats.Ratio ratio = LatenessStats.pairedBootstrapRatio(lateness.get(condition),
                    lateness.get(Condition.OFF), 0.99, RESAMPLES, seed);
            System.out.printf(Locale.ROOT, "| %s | %.3f× | %.3f–%.3f× |%n", condition.label, ratio.estimate(), ratio.low(),
                    ratio.high());
        }
    }

    /**
     * With the first poll at once, a poll falls due some microseconds before every sixth frame (the loop starts a
     * frame after the telemetry, and 100 ms is six frames): those frames against the others.
     */
    private static void printInStep(long[][] blocks) {
        long[] inStep = framesSorted(blocks, true);
        long[] others = framesSorted(blocks, false);
        System.out.printf(Locale.ROOT, "%nfirst poll at once: the %d frames due just after a poll p90 %s ms, p99 %s ms; the %d others "
                        + "p90 %s ms, p99 %s ms%n", inStep.length, ms(LatenessStats.percentileOfSorted(inStep, 0.9)),
                ms(LatenessStats.percentileOfSorted(inStep, 0.99)), others.length,
                ms(LatenessStats.percentileOfSorted(others, 0.9)), ms(LatenessStats.percentileOfSorted(others, 0.99)));
    }

    /** The measured frames of all blocks that are (or are not) due just after a poll at once, sorted. */
    private static long[] framesSorted(long[][] blocks, boolean inStep) {
        return Arrays.stream(blocks).flatMapToLong(block -> IntStream.range(0, block.length)
                .filter(m -> ((SETTLE_FRAMES + m + 1) % FRAMES_PER_POLL == 0) == inStep)
                .mapToLong(m -> block[m])).sorted().toArray();
    }

    /**
     * Runs {@code frames} frames of the loop under {@code condition}, with a fresh telemetry started before and
     * closed after; returns each frame's lateness in nanoseconds.
     */
    private long[] run(Condition condition, int frames) throws Exception {
        LatencyTelemetry telemetry = switch (condition) {
            case OFF -> null;
            case ICE -> new LatencyTelemetry(WebRtcRttSource.of(peers.peerA()), TelemetryOptions.defaults());
            case PROBE -> new LatencyTelemetry(probeA, ProbingPeers.POLLING_10_HZ);
            case PROBE_AT_ONCE -> new LatencyTelemetry(probeA,
                    ProbingPeers.POLLING_10_HZ.toBuilder().firstPollDelay(Duration.ZERO).build());
        };
        if (telemetry == null) {
            return loop(frames, null);
        }
        telemetry.start();
        try {
            return loop(frames, telemetry);
        } finally {
            telemetry.close();
            if (condition == Condition.ICE) {
                telemetry.source().close(); // a telemetry does not close its source
            }
            if (condition == Condition.PROBE || condition == Condition.PROBE_AT_ONCE) {
                probePolls = plus(probePolls, telemetry.getCounters());
            }
        }
    }

    /** Runs the loop; returns each frame's lateness in nanoseconds. */
    private long[] loop(int frames, LatencyTelemetry telemetry) throws Exception {
        long[] lateness = new long[frames];
        long start = System.nanoTime() + FRAME_NANOS;
        for (int frame = 0; frame < frames; frame++) {
            long due = start + frame * FRAME_NANOS;
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(due - now);
            }
            lateness[frame] = now - due;
            byte[] input = ("input " + frame).getBytes(StandardCharsets.UTF_8);
            peers.channelA().send(new RTCDataChannelBuffer(ByteBuffer.wrap(input), false));
            if (telemetry != null) {
                telemetry.getSummary(); // the HUD reads the RTT every frame
            }
        }
        return lateness;
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static TelemetryCounters plus(TelemetryCounters a, TelemetryCounters b) {
        return new TelemetryCounters(a.pollCount() + b.pollCount(), a.measuredCount() + b.measuredCount(), a.staleCount() + b.staleCount(),
                a.unavailableCount() + b.unavailableCount(), a.failedCount() + b.failedCount(), a.rejectedCount() + b.rejectedCount(),
                a.skippedCount() + b.skippedCount(), a.latePollCount() + b.latePollCount(),
                Math.max(a.latenessP99Ms(), b.latenessP99Ms()), Math.max(a.latenessMaxMs(), b.latenessMaxMs()));
    }

    private static ProbeCounters since(ProbeCounters now, ProbeCounters before) {
        return new ProbeCounters(now.sentCount() - before.sentCount(), now.answeredCount() - before.answeredCount(),
                now.lostCount() - before.lostCount(), now.lateCount() - before.lateCount(), now.unansweredCount() - before.unansweredCount(),
                now.malformedCount() - before.malformedCount(), now.unknownVersionCount() - before.unknownVersionCount(),
                now.unmatchedCount() - before.unmatchedCount(), now.peerPingsAnsweredCount() - before.peerPingsAnsweredCount());
    }
}
