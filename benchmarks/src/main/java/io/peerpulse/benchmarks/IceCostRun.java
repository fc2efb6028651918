package io.peerpulse.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.WebRtcRttSource;
import io.peerpulse.webrtc.WebRtcRttSource.Mode;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the ICE view costs the whole process per poll, paced ({@link Mode#RESPONSES}: a stats request at most
 * every {@link WebRtcRttSource#REFRESH_PERIOD}) against asking libwebrtc at every poll
 * ({@link Mode#CURRENT_EVERY_POLL}, the ICE view before issue 27), measured on the same connections. The
 * connections' own cost (STUN checks, the relays) varies by ±15 % between runs of N fresh pairs, more than the
 * ICE view costs, so comparing separate runs tells nothing; here N pairs stay connected while phases
 * alternate — idle (no telemetry), every poll, paced — each with fresh telemetries polling A's ICE view at 1 Hz,
 * a settling time, then {@code --seconds} measured. A phase's cost per poll is its process CPU less the mean of
 * the idle phases before and after it, divided by its polls. The first round only warms the JIT.
 *
 * <p>Usage: {@code IceCostRun [--pairs 20] [--rounds 4] [--seconds 20] [--settle-seconds 5]}.
 */
public final class IceCostRun {

    private IceCostRun() {
    }

    private enum Phase { IDLE, EVERY_POLL, PACED }

    /** One measured phase: process CPU, the threads' use by name, and the ICE polls it made. */
    private record Measured(Phase phase, long processNanos, Map<String, ThreadCpu.Use> threads, long polls) {
    }

    /**
     * Runs the phases and prints one line per phase and the summary.
     *
     * @param args {@code --pairs N}, {@code --rounds N}, {@code --seconds N}, {@code --settle-seconds N}
     * @throws Exception when the peers cannot connect or the run is interrupted
     */
    public static void main(String[] args) throws Exception {
        RunOptions options = RunOptions.parse(args, List.of("--pairs", "--rounds", "--seconds", "--settle-seconds"),
                List.of());
        int pairCount = options.integer("--pairs", 20, 1);
        int rounds = options.integer("--rounds", 4, 2);
        int seconds = options.integer("--seconds", 20, 1);
        int settle = options.integer("--settle-seconds", 5, 0);
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        TelemetryOptions polling = TelemetryOptions.builder().pollInterval(Duration.ofSeconds(1)).build();
        List<ImpairmentRelay> relays = new ArrayList<>();
        List<WebRtcPeers> peers = new ArrayList<>();
        try {
            for (int i = 0; i < pairCount; i++) {
                ImpairmentRelay relay = new ImpairmentRelay(i).impair(Link.roundTrip(Duration.ofMillis(40)));
                relays.add(relay);
                peers.add(WebRtcPeers.open(Route.through(relay).withTimeout(Duration.ofSeconds(60))));
            }
            List<Measured> phases = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                for (Phase phase : Phase.values()) {
                    List<LatencyTelemetry> telemetries = new ArrayList<>();
                    List<WebRtcRttSource> sources = new ArrayList<>();
                    if (phase != Phase.IDLE) {
                        for (WebRtcPeers pair : peers) {
                            WebRtcRttSource source = WebRtcRttSource.of(pair.peerA(),
                                    phase == Phase.PACED ? Mode.RESPONSES : Mode.CURRENT_EVERY_POLL);
                            pair.onConnectionChangeOfA(source::onConnectionChange);
                            sources.add(source);
                            telemetries.add(new LatencyTelemetry(source, polling));
                        }
                        telemetries.forEach(LatencyTelemetry::start);
                    }
                    ProbingPeers.pause(settle);
                    long pollsBefore = polls(telemetries);
                    long cpuBefore = os.getProcessCpuTime();
                    Map<String, ThreadCpu.Use> threadsBefore = ThreadCpu.useByKernelName();
                    ProbingPeers.pause(seconds);
                    long cpu = os.getProcessCpuTime() - cpuBefore;
                    Map<String, ThreadCpu.Use> threads = ThreadCpu.useDifference(ThreadCpu.useByKernelName(),
                            threadsBefore);
                    long polls = polls(telemetries) - pollsBefore;
                    telemetries.forEach(LatencyTelemetry::close);
                    sources.forEach(WebRtcRttSource::close); // a telemetry does not close its source
                    Measured m = new Measured(phase, cpu, threads, polls);
                    System.out.printf(Locale.ROOT, "round %d %-10s process %.2f %% of a core, %d ICE polls; signalling %.3f %%,"
                                    + " network %.3f %%, worker %.3f %%, PeerPulse's own %.3f %%%n", round, phase,
                            cpu / 1e7 / seconds, polls, pct(threads, "webrtc_jni_sign", seconds),
                            pct(threads, "webrtc_jni_netw", seconds), pct(threads, "webrtc_jni_work", seconds),
                            own(threads) / 1e7 / seconds);
                    if (round > 0) {
                        phases.add(m);
                    }
                }
            }
            summarize(phases);
        } finally {
            peers.forEach(WebRtcPeers::close);
            relays.forEach(ImpairmentRelay::close);
        }
    }

    /** Each ICE phase less the mean of the idle phases around it (the next round's idle, or the previous one). */
    private static void summarize(List<Measured> phases) {
        List<Double> every = new ArrayList<>();
        List<Double> paced = new ArrayList<>();
        for (int i = 0; i < phases.size(); i++) {
            Measured m = phases.get(i);
            if (m.phase() == Phase.IDLE) {
                continue;
            }
            double idleBefore = idleNear(phases, i, -1);
            double idleAfter = idleNear(phases, i, +1);
            double idle = Double.isNaN(idleAfter) ? idleBefore : Double.isNaN(idleBefore) ? idleAfter
                    : (idleBefore + idleAfter) / 2;
            double perPoll = (m.processNanos() - idle) / 1e3 / m.polls();
            (m.phase() == Phase.PACED ? paced : every).add(perPoll);
        }
        System.out.printf(Locale.ROOT, "%nthe ICE view per poll, process CPU less idle, µs: every poll %s (mean %.0f); paced %s"
                + " (mean %.0f); every poll / paced = %.2f%n", round(every), mean(every), round(paced), mean(paced),
                mean(every) / mean(paced));
    }

    /** The process CPU of the nearest idle phase in direction {@code step}, NaN when there is none. */
    private static double idleNear(List<Measured> phases, int from, int step) {
        for (int i = from + step; i >= 0 && i < phases.size(); i += step) {
            if (phases.get(i).phase() == Phase.IDLE) {
                return phases.get(i).processNanos();
            }
        }
        return Double.NaN;
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static List<Long> round(List<Double> values) {
        return values.stream().map(Math::round).toList();
    }

    private static long polls(List<LatencyTelemetry> telemetries) {
        return telemetries.stream().mapToLong(t -> t.getCounters().pollCount()).sum();
    }

    private static double pct(Map<String, ThreadCpu.Use> threads, String name, int seconds) {
        ThreadCpu.Use u = threads.get(name);
        return u == null ? 0 : u.cpuNanos() / 1e7 / seconds;
    }

    private static long own(Map<String, ThreadCpu.Use> threads) {
        long nanos = 0;
        for (Map.Entry<String, ThreadCpu.Use> e : threads.entrySet()) {
            if (e.getKey().startsWith("peerpulse-") && !e.getKey().startsWith("peerpulse-relay")) {
                nanos += e.getValue().cpuNanos();
            }
        }
        return nanos;
    }
}
