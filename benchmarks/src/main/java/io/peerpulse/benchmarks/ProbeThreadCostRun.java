package io.peerpulse.benchmarks;

import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeCounters;
import io.peerpulse.webrtc.ProbeOptions;
import io.peerpulse.webrtc.WebRtcRttSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What PeerPulse's own threads cost per probe round trip with N real peer pairs in one JVM: each pair through
 * its own lab relay (40 ms RTT), a {@link DataChannelProbe} on both ends, a telemetry polling A's probe at
 * 10 Hz and, with {@code --ice}, a second one polling A's ICE view ({@link WebRtcRttSource}) at 1 Hz, as a
 * session does. CPU time and times put on a CPU per thread group ({@code /proc/self/task/*}/{@code schedstat},
 * exact), over {@code --seconds} of polling after {@code --warmup-seconds}, divided by the pings A's probes sent.
 *
 * <p>Usage: {@code ProbeThreadCostRun [--pairs 20] [--seconds 30] [--warmup-seconds 15] [--ice | --ice-only |
 * --idle] [--ice-every-poll]}: {@code --ice-only} polls no probe, and the table is then per ICE poll; {@code --ice-every-poll}
 * makes the ICE view ask libwebrtc for stats at every poll ({@link WebRtcRttSource.Mode#CURRENT_EVERY_POLL}, as
 * before issue 27 paced it at {@link WebRtcRttSource#REFRESH_PERIOD}); {@code --idle} polls nothing
 * (the connections' own cost), per second; {@code --busy N} runs N threads that only burn CPU beside them (a
 * saturated machine). It also times each {@code read()} on the polling thread. Linux only.
 */
public final class ProbeThreadCostRun {

    private ProbeThreadCostRun() {
    }

    /** One pair: its relay, its peers, a probe on each end. */
    private record Pair(ImpairmentRelay relay, WebRtcPeers peers, DataChannelProbe probeA, DataChannelProbe probeB) {
        void close() {
            probeB.close();
            probeA.close();
            peers.close();
            relay.close();
        }
    }

    /**
     * Runs the measurement and prints a table.
     *
     * @param args {@code --pairs N}, {@code --seconds N}, {@code --warmup-seconds N}, {@code --ice}, {@code --ice-only},
     *             {@code --idle}, {@code --busy N}
     * @throws Exception when the peers cannot connect or the run is interrupted
     */
    public static void main(String[] args) throws Exception {
        RunOptions options = RunOptions.parse(args, List.of("--pairs", "--seconds", "--warmup-seconds", "--busy"),
                List.of("--ice", "--ice-only", "--idle", "--ice-every-poll"));
        int pairCount = options.integer("--pairs", 20, 1);
        int seconds = options.integer("--seconds", 30, 1);
        int warmupSeconds = options.integer("--warmup-seconds", 15, 0);
        int busyThreads = options.integer("--busy", 0, 0);
        boolean idle = options.flag("--idle");
        boolean iceOnly = options.flag("--ice-only");
        boolean ice = !idle && (iceOnly || options.flag("--ice"));
        WebRtcRttSource.Mode iceMode = options.flag("--ice-every-poll") ? WebRtcRttSource.Mode.CURRENT_EVERY_POLL
                : WebRtcRttSource.Mode.RESPONSES;
        if (!Files.isDirectory(Path.of("/proc/self/task"))) {
            throw new IllegalStateException("ProbeThreadCostRun reads /proc/self/task/*/schedstat: Linux only");
        }
        ProbeOptions probeOptions = ProbeOptions.builder().pingTimeout(Duration.ofMillis(400)).build();
        TelemetryOptions iceOptions = TelemetryOptions.builder().pollInterval(Duration.ofSeconds(1)).build();
        List<Pair> pairs = new ArrayList<>();
        List<LatencyTelemetry> telemetries = new ArrayList<>();
        List<LatencyTelemetry> iceTelemetries = new ArrayList<>();
        List<WebRtcRttSource> iceSources = new ArrayList<>();
        try {
            for (int i = 0; i < pairCount; i++) {
                ImpairmentRelay relay = new ImpairmentRelay(i).impair(Link.roundTrip(Duration.ofMillis(40)));
                WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Duration.ofSeconds(60)));
                pairs.add(new Pair(relay, peers, DataChannelProbe.open(peers.peerA(), probeOptions),
                        DataChannelProbe.open(peers.peerB(), probeOptions)));
            }
            for (Pair pair : pairs) {
                if (!iceOnly && !idle) {
                    telemetries.add(new LatencyTelemetry(new TimedReads(pair.probeA()), ProbingPeers.POLLING_10_HZ));
                }
                if (ice) {
                    WebRtcRttSource source = WebRtcRttSource.of(pair.peers().peerA(), iceMode);
                    pair.peers().onConnectionChangeOfA(source::onConnectionChange);
                    iceSources.add(source);
                    iceTelemetries.add(new LatencyTelemetry(new TimedReads(source), iceOptions));
                }
            }
            for (int i = 0; i < busyThreads; i++) {
                Thread busy = new Thread(ProbeThreadCostRun::spin, "busy-" + i);
                busy.setDaemon(true);
                busy.start();
            }
            telemetries.forEach(LatencyTelemetry::start);
            iceTelemetries.forEach(LatencyTelemetry::start);
            ProbingPeers.pause(warmupSeconds);
            TimedReads.reset();
            long sentBefore = sent(pairs);
            long[] iceBefore = sum(iceTelemetries);
            Map<String, ThreadCpu.Use> start = ThreadCpu.useByKernelName();
            ProbingPeers.pause(seconds);
            Map<String, ThreadCpu.Use> used = ThreadCpu.useDifference(ThreadCpu.useByKernelName(), start);
            long pings = idle ? seconds : iceOnly ? iceAfterPolls(iceTelemetries) - iceBefore[0]
                    : sent(pairs) - sentBefore;
            long[] iceAfter = sum(iceTelemetries);
            long answered = 0;
            long lost = 0;
            for (Pair pair : pairs) {
                ProbeCounters c = pair.probeA().getCounters();
                answered += c.answeredCount();
                lost += c.lostCount();
            }
            System.out.printf(Locale.ROOT, "%d pairs through their relays (40 ms RTT), %s%s; %d s measured after %d s: %d %s"
                            + " (probes: answered %d, lost %d in all)%n%n", pairCount,
                    iceOnly || idle ? "no probe polled" : "A's probes polled at 10 Hz", ice ? ", A's ICE views at 1 Hz (" + iceMode + ")" : "",
                    seconds, warmupSeconds, pings, idle ? "seconds (the unit below)" : iceOnly ? "ICE polls (the unit below)"
                            : "pings", answered, lost);
            if (ice) {
                System.out.printf(Locale.ROOT, "ICE view polls: %d, measured %d, stale %d%n%n",
                        iceAfter[0] - iceBefore[0], iceAfter[1] - iceBefore[1], iceAfter[2] - iceBefore[2]);
            }
            System.out.println("| thread | CPU µs per ping | on-CPU slices per ping | % of a core |");
            System.out.println("|---|---:|---:|---:|");
            ThreadCpu.Use own = ThreadCpu.Use.NONE;
            ThreadCpu.Use all = ThreadCpu.Use.NONE;
            for (Map.Entry<String, ThreadCpu.Use> e : used.entrySet()) {
                ThreadCpu.Use u = e.getValue();
                all = all.plus(u);
                if (e.getKey().startsWith("peerpulse-") && !e.getKey().startsWith("peerpulse-relay")) {
                    own = own.plus(u);
                }
                if (u.cpuNanos() * 100 < (long) seconds * 1_000_000_000L / 10) { // under 0.1 % of a core
                    continue;
                }
                row(e.getKey(), u, pings, seconds);
            }
            row("PeerPulse's own threads", own, pings, seconds);
            row("the whole process", all, pings, seconds);
            System.out.printf(Locale.ROOT, "%nread() on the polling thread%s: %d calls, %d over 10 ms, the longest %.3f ms%n",
                    busyThreads > 0 ? " (" + busyThreads + " busy threads beside)" : "", TimedReads.CALLS.get(),
                    TimedReads.SLOW.get(), TimedReads.LONGEST.get() / 1e6);
        } finally {
            telemetries.forEach(LatencyTelemetry::close);
            iceTelemetries.forEach(LatencyTelemetry::close);
            iceSources.forEach(WebRtcRttSource::close); // a telemetry does not close its source
            pairs.forEach(Pair::close);
        }
    }

    /** A source that times each read() of the one it wraps, on the caller's thread. */
    private static final class TimedReads implements RttSource {
        static final AtomicLong CALLS = new AtomicLong();
        static final AtomicLong SLOW = new AtomicLong();
        static final AtomicLong LONGEST = new AtomicLong();
        private final RttSource source;

        TimedReads(RttSource source) {
            this.source = source;
        }

        static void reset() {
            CALLS.set(0);
            SLOW.set(0);
            LONGEST.set(0);
        }

        @Override
        public CompletionStage<RttReading> read() {
            long start = System.nanoTime();
            try {
                return source.read();
            } finally {
                long took = System.nanoTime() - start;
                CALLS.incrementAndGet();
                if (took > 10_000_000) {
                    SLOW.incrementAndGet();
                }
                LONGEST.accumulateAndGet(took, Math::max);
            }
        }

        @Override
        public String name() {
            return source.name();
        }

        @Override
        public Duration refreshPeriod() {
            return source.refreshPeriod();
        }
    }

    /** A thread that only burns CPU: a loaded machine. */
    private static void spin() {
        long x = 0;
        while (true) {
            x += System.nanoTime() & 1;
            if (x == Long.MIN_VALUE) {
                return;
            }
        }
    }

    private static void row(String name, ThreadCpu.Use u, long pings, int seconds) {
        System.out.printf(Locale.ROOT, "| %s | %.1f | %.2f | %.2f |%n", name, u.cpuNanos() / 1e3 / pings,
                (double) u.slices() / pings, u.cpuNanos() / 1e7 / seconds);
    }

    private static long sent(List<Pair> pairs) {
        long sent = 0;
        for (Pair pair : pairs) {
            sent += pair.probeA().getCounters().sentCount();
        }
        return sent;
    }

    private static long iceAfterPolls(List<LatencyTelemetry> telemetries) {
        return sum(telemetries)[0];
    }

    /** Polls, measured and stale ones, of every telemetry. */
    private static long[] sum(List<LatencyTelemetry> telemetries) {
        long[] sums = new long[3];
        for (LatencyTelemetry t : telemetries) {
            TelemetryCounters c = t.getCounters();
            sums[0] += c.pollCount();
            sums[1] += c.measuredCount();
            sums[2] += c.staleCount();
        }
        return sums;
    }


}
