package io.peerpulse.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Logger;

/**
 * A server's worth of connections: for each count N, N pairs of real peers in one JVM ({@link PeerPairs}),
 * once without PeerPulse (peers, relays and a raw echo at the probe's rate) and once with it (a probe on both
 * ends, a {@code GameSession} polling at 1 Hz with the ICE view beside it), each in a fresh JVM with a fixed,
 * pre-touched heap ({@code -Xms} = {@code -Xmx} = {@link #heapMb(int)}, {@code -XX:+AlwaysPreTouch}). Each JVM
 * connects its pairs, runs {@code --warmup-seconds} unmeasured, then measures {@code --seconds}: process CPU,
 * CPU by thread group ({@link ThreadCpu}), heap per pair after GC, threads, the RTTs measured against what the
 * relays recorded, samples per session per second, the sessions' and probes' counters, and the WARNINGs
 * logged, in all and by kind ({@link WarningKinds}). Prints two markdown tables, a line per N of details and one
 * of the most frequent WARNING kinds; every kind goes to standard error.
 *
 * <p>Usage: {@code PairsScaleRun [--pairs 100,200,400] [--seconds 30] [--warmup-seconds 15] [--same-jvm]};
 * {@code --same-jvm} runs every measurement in this JVM, one after the other (for a smoke run: the numbers
 * are not clean then). {@code --child with|without} is how the run starts its JVMs. Linux only.
 */
public final class PairsScaleRun {

    /** The counts of the full run. */
    static final String DEFAULT_PAIRS = "100,200,400";
    private static final String RESULT = "@ ";
    /** The WARNING kinds listed under the tables, per count. */
    private static final int TOP_KINDS = 5;

    private PairsScaleRun() {
    }

    /**
     * @param args see the class description
     * @throws Exception when the pairs cannot connect or a child JVM fails
     */
    public static void main(String[] args) throws Exception {
        RunOptions options = RunOptions.parse(args, List.of("--pairs", "--seconds", "--warmup-seconds", "--child"),
                List.of("--same-jvm"));
        List<Integer> counts = pairCounts(options.text("--pairs", DEFAULT_PAIRS));
        int seconds = options.integer("--seconds", 30, 1);
        int warmup = options.integer("--warmup-seconds", 15, 0);
        String child = options.text("--child", null);
        if (child != null && !child.equals("with") && !child.equals("without")) {
            throw new IllegalArgumentException("--child must be with or without: " + child);
        }
        if (child != null && counts.size() != 1) {
            throw new IllegalArgumentException("--child measures one count of pairs: " + counts);
        }
        ThreadCpu.requireLinux();
        if (child != null) {
            Logger root = Logger.getLogger("");
            for (Handler console : root.getHandlers()) {
                root.removeHandler(console); // counted, not printed: the parent reads this JVM's output
            }
            measure(counts.get(0), child.equals("with"), warmup, seconds)
                    .forEach((key, value) -> System.out.println(RESULT + key + " " + value));
            return;
        }
        run(counts, seconds, warmup, options.flag("--same-jvm"));
    }

    /**
     * Measures every count without and with PeerPulse and prints the tables.
     *
     * @param counts  the counts of pairs
     * @param seconds measured per run
     * @param warmup  unmeasured seconds before
     * @param sameJvm measure in this JVM instead of a fresh one per run
     * @throws Exception when the pairs cannot connect or a child JVM fails
     */
    static void run(List<Integer> counts, int seconds, int warmup, boolean sameJvm) throws Exception {
        Map<Integer, Map<String, String>> without = new LinkedHashMap<>();
        Map<Integer, Map<String, String>> with = new LinkedHashMap<>();
        for (int count : counts) {
            for (boolean peerPulse : new boolean[] {false, true}) {
                Map<String, String> result = sameJvm ? measure(count, peerPulse, warmup, seconds)
                        : inChildJvm(count, peerPulse, warmup, seconds);
                (peerPulse ? with : without).put(count, result);
            }
        }
        for (int count : counts) { // every kind, not only the table's most frequent ones
            System.err.println(count + " pairs, WARNINGs by kind with PeerPulse: "
                    + WarningKinds.describe(with.get(count), Integer.MAX_VALUE));
        }
        System.out.print(tables(counts, without, with, seconds, warmup, sameJvm));
    }

    /**
     * @param text a comma-separated list of counts, e.g. {@code 100,200,400}
     * @return the counts
     * @throws IllegalArgumentException naming what is not a whole number of at least 1
     */
    static List<Integer> pairCounts(String text) {
        List<Integer> counts = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            try {
                int count = Integer.parseInt(part.strip());
                if (count < 1) {
                    throw new IllegalArgumentException("--pairs: each count must be at least 1: " + part);
                }
                counts.add(count);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--pairs must be whole numbers separated by commas, e.g. "
                        + DEFAULT_PAIRS + ": '" + part + "' in '" + text + "' is not", e);
            }
        }
        return counts;
    }

    /**
     * The heap of a child JVM: 512 MB and 4 MB a pair (each relay keeps a record of its last 65,536 packets,
     * 2.5 MB).
     *
     * @param pairs the pairs it runs
     * @return MB
     */
    static int heapMb(int pairs) {
        return 512 + 4 * pairs;
    }

    /**
     * The command line of the child JVM that measures {@code count} pairs: this JVM's java and class path.
     * The child loads webrtc-java's native library from the class path (System::load): without native
     * access for the unnamed module, JDK 24+ prints a restricted-method warning into the run's output.
     */
    static List<String> childCommand(int count, boolean peerPulse, int warmup, int seconds) {
        int heap = heapMb(count);
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", // JDK 17 accepts it too
                "-Xms" + heap + "m", "-Xmx" + heap + "m", "-XX:+AlwaysPreTouch", "-cp",
                System.getProperty("java.class.path"), PairsScaleRun.class.getName(), "--child",
                peerPulse ? "with" : "without", "--pairs", String.valueOf(count), "--seconds", String.valueOf(seconds),
                "--warmup-seconds", String.valueOf(warmup));
    }

    private static Map<String, String> inChildJvm(int count, boolean peerPulse, int warmup, int seconds)
            throws IOException, InterruptedException {
        List<String> command = childCommand(count, peerPulse, warmup, seconds);
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String> result = new LinkedHashMap<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith(RESULT)) {
                    int space = line.indexOf(' ', RESULT.length());
                    result.put(line.substring(RESULT.length(), space), line.substring(space + 1));
                } else {
                    System.err.println(line);
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || !result.containsKey("cpu.process")) {
            throw new IllegalStateException("the JVM measuring " + count + " pairs " + (peerPulse ? "with" : "without")
                    + " PeerPulse exited with " + exit + " and " + (result.isEmpty() ? "no result" : "a partial result")
                    + " (its errors are above)");
        }
        return result;
    }

    /** One run: {@code count} pairs with or without PeerPulse; every value as text, keyed. */
    static Map<String, String> measure(int count, boolean peerPulse, int warmup, int seconds) throws Exception {
        WarningKinds warnings = new WarningKinds();
        Logger root = Logger.getLogger("");
        root.addHandler(warnings);
        Map<String, String> out = new LinkedHashMap<>();
        try {
            long heapBefore = usedHeapAfterGc();
            long openStart = System.nanoTime();
            try (PeerPairs pairs = PeerPairs.connect(count, peerPulse, warmup + seconds + 10)) {
                put(out, "open.seconds", (System.nanoTime() - openStart) / 1e9);
                long heapConnected = usedHeapAfterGc();
                put(out, "heap.peersPerPairKb", (heapConnected - heapBefore) / 1024.0 / count);
                pairs.start();
                pause(warmup);
                com.sun.management.OperatingSystemMXBean os =
                        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                double loadStart = os.getSystemLoadAverage();
                Map<String, Long> countersStart = pairs.counters();
                long fromMs = System.currentTimeMillis();
                long fromNanos = System.nanoTime();
                long processStart = os.getProcessCpuTime();
                Map<String, Long> threadsStart = ThreadCpu.snapshot();
                pause(seconds);
                Map<String, Long> threads = ThreadCpu.difference(ThreadCpu.snapshot(), threadsStart);
                long processCpu = os.getProcessCpuTime() - processStart;
                long toNanos = System.nanoTime();
                long toMs = System.currentTimeMillis();
                Map<String, Long> countersEnd = pairs.counters();
                double wall = toNanos - fromNanos;
                put(out, "cpu.process", 100 * processCpu / wall);
                Map<ThreadCpu.Group, Long> groups = new EnumMap<>(ThreadCpu.Group.class);
                threads.forEach((name, nanos) -> {
                    groups.merge(ThreadCpu.groupOf(name), nanos, Long::sum);
                    if (ThreadCpu.groupOf(name) == ThreadCpu.Group.PEERPULSE && nanos > 0) {
                        put(out, "cpu.thread." + name, 100 * nanos / wall);
                    }
                });
                long grouped = 0;
                for (ThreadCpu.Group group : ThreadCpu.Group.values()) {
                    put(out, "cpu.group." + group.name(), 100 * groups.getOrDefault(group, 0L) / wall);
                    grouped += groups.getOrDefault(group, 0L);
                }
                // threads that ended, or native ones named after a peerpulse- thread that started them
                put(out, "cpu.unattributed", 100 * (processCpu - grouped) / wall);
                // counts over the measured 30 s; the lateness quantiles (…Micros) are whole-session figures
                countersEnd.forEach((key, value) -> out.put("count." + key, String.valueOf(key.endsWith("Micros")
                        ? value : value - countersStart.getOrDefault(key, 0L))));
                PeerPairs.Measured measured = pairs.measured(fromMs, toMs, fromNanos, toNanos);
                double[] rtts = measured.rttMs().clone();
                Arrays.sort(rtts);
                out.put("rtt.count", String.valueOf(rtts.length));
                put(out, "rtt.median", quantile(rtts, 0.5));
                put(out, "rtt.p99", quantile(rtts, 0.99));
                double[][] holds = pairs.relayHolds(fromNanos, toNanos);
                Arrays.sort(holds[0]);
                Arrays.sort(holds[1]);
                put(out, "relay.median", quantile(holds[0], 0.5) + quantile(holds[1], 0.5));
                put(out, "relay.p99", quantile(holds[0], 0.99) + quantile(holds[1], 0.99));
                if (peerPulse) {
                    double windowSeconds = (toMs - fromMs) / 1e3;
                    int[] perSession = measured.perSession();
                    put(out, "samples.mean", Arrays.stream(perSession).average().orElse(0) / windowSeconds);
                    put(out, "samples.min", Arrays.stream(perSession).min().orElse(0) / windowSeconds);
                    double[] gaps = measured.gapMs().clone();
                    Arrays.sort(gaps);
                    put(out, "gap.p99", quantile(gaps, 0.99));
                    put(out, "gap.max", quantile(gaps, 1));
                }
                out.put("threads", String.valueOf(ThreadCpu.threadCount()));
                put(out, "heap.perPairKb", (usedHeapAfterGc() - heapConnected) / 1024.0 / count);
                put(out, "heap.mb", Runtime.getRuntime().maxMemory() / 1024.0 / 1024);
                put(out, "load.start", loadStart);
                put(out, "load.end", os.getSystemLoadAverage());
            }
        } finally {
            root.removeHandler(warnings);
        }
        out.putAll(warnings.results());
        return out;
    }

    private static void put(Map<String, String> out, String key, double value) {
        out.put(key, String.format(Locale.ROOT, "%.4f", value));
    }

    /** The {@code q} quantile of sorted values, interpolating between closest ranks; NaN when there are none. */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double rank = q * (sorted.length - 1);
        int below = (int) Math.floor(rank);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }

    private static String tables(List<Integer> counts, Map<Integer, Map<String, String>> without,
                                 Map<Integer, Map<String, String>> with, int seconds, int warmup, boolean sameJvm) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%d s measured after %d s of warm-up; %s.%n%n", seconds, warmup,
                sameJvm ? "every run in one JVM, one after the other (a smoke run: the numbers are not clean)"
                        : "each run in a fresh JVM, heap fixed and pre-touched at 512 MB + 4 MB a pair"));
        s.append("| pairs | process CPU, % of a core: without → with | relays (lab) | webrtc native | PeerPulse's own "
                + "threads | JVM (GC, JIT, VM) | heap per pair after GC, KB: peers and relays | on top of them: "
                + "without → with | threads: without → with |\n");
        s.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int n : counts) {
            Map<String, String> a = without.get(n);
            Map<String, String> b = with.get(n);
            s.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s | %s | %s |%n", n,
                    both(a, b, "cpu.process", 1), both(a, b, "cpu.group.RELAY", 1), both(a, b, "cpu.group.WEBRTC", 1),
                    one(b, "cpu.group.PEERPULSE", 2), both(a, b, "cpu.group.JVM", 1), one(b, "heap.peersPerPairKb", 0),
                    both(a, b, "heap.perPairKb", 1),
                    a.get("threads") + " → " + b.get("threads")));
        }
        s.append("\n| pairs | RTT median / p99 ms: PeerPulse's probe | the relays, with | raw echo, without "
                + "| the relays, without | samples per session per s: mean (least) | gap between samples p99 / max ms "
                + "| polls of the probe: measured / "
                + "stale / other | probe pings lost / late | ICE polls: measured / stale / other "
                + "| late polls of the sessions: count, worst p99 / max ms | pongs handled late, not lost "
                + "| blocking WARNINGs, late-poll WARNINGs (all WARNINGs) |\n");
        s.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int n : counts) {
            Map<String, String> a = without.get(n);
            Map<String, String> b = with.get(n);
            s.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s (%s) | %s | %s / %s / %s | %s / %s "
                            + "| %s / %s / %s | %s, %s / %s | %s | %s, %s (%s) |%n", n,
                    rtt(b, "rtt"), rtt(b, "relay"), rtt(a, "rtt"), rtt(a, "relay"),
                    one(b, "samples.mean", 3), one(b, "samples.min", 3), number(b.get("gap.p99"), 0) + " / "
                            + number(b.get("gap.max"), 0),
                    b.get("count.polls.measured"), b.get("count.polls.stale"), b.get("count.polls.other"),
                    b.get("count.probe.lost"), b.get("count.probe.late"),
                    b.get("count.ice.measured"), b.get("count.ice.stale"), b.get("count.ice.other"),
                    b.get("count.polls.late"), micros(b.get("count.polls.lateP99Micros")),
                    micros(b.get("count.polls.lateMaxMicros")), b.get("count.probe.processedLate"),
                    b.get("warnings.blocking"), b.get("warnings.late"), b.get("warnings.all")));
        }
        s.append('\n');
        for (int n : counts) {
            Map<String, String> a = without.get(n);
            Map<String, String> b = with.get(n);
            StringBuilder own = new StringBuilder();
            b.forEach((key, value) -> {
                if (key.startsWith("cpu.thread.")) {
                    own.append(own.length() == 0 ? "" : ", ").append('`').append(key.substring("cpu.thread.".length()))
                            .append("` ").append(number(value, 2));
                }
            });
            double probeThreads = b.entrySet().stream().filter(e -> e.getKey().startsWith("cpu.thread.peerpulse-probe"))
                    .mapToDouble(e -> Double.parseDouble(e.getValue())).sum();
            double probeMicros = probeThreads / 100 * seconds * 1e6 / Double.parseDouble(b.get("count.probe.sent"));
            double ownMs = Double.parseDouble(b.get("cpu.group.PEERPULSE")) / 100 * 1e3 / n;
            double extraMs = (Double.parseDouble(b.get("cpu.process")) - Double.parseDouble(a.get("cpu.process"))) / 100
                    * 1e3 / n;
            s.append(String.format(Locale.ROOT, "- %d pairs: with − without %.2f ms of CPU a second per pair, of it "
                    + "%.2f ms on PeerPulse's own threads; the probe's threads %.0f µs per ping", n, extraMs, ownMs,
                    probeMicros));
            s.append(String.format(Locale.ROOT, "; PeerPulse's threads (%% of a core) %s; the lab peers' "
                            + "own threads %s → %s, the harness %s → %s, in no group %s → %s; raw echoes %s answered, %s lost; blocking "
                            + "WARNINGs named %s; connecting took %s s → %s s; heap %s MB; load average %s → %s "
                            + "(without), %s → %s (with)%n", own.length() == 0 ? "none" : own,
                    number(a.get("cpu.group.LAB_PEERS"), 1), number(b.get("cpu.group.LAB_PEERS"), 1),
                    number(a.get("cpu.group.HARNESS"), 1), number(b.get("cpu.group.HARNESS"), 1),
                    number(a.get("cpu.unattributed"), 1), number(b.get("cpu.unattributed"), 1),
                    a.get("count.echo.answered"), a.get("count.echo.lost"),
                    b.get("warnings.sources").isEmpty() ? "no source" : b.get("warnings.sources"),
                    number(a.get("open.seconds"), 0), number(b.get("open.seconds"), 0), number(b.get("heap.mb"), 0),
                    number(a.get("load.start"), 2), number(a.get("load.end"), 2), number(b.get("load.start"), 2),
                    number(b.get("load.end"), 2)));
        }
        s.append('\n');
        for (int n : counts) {
            Map<String, String> a = without.get(n);
            s.append("- ").append(n).append(" pairs, WARNINGs by kind with PeerPulse, most frequent first: ")
                    .append(WarningKinds.describe(with.get(n), TOP_KINDS));
            if (!"0".equals(a.get("warnings.all"))) {
                s.append("; without: ").append(WarningKinds.describe(a, TOP_KINDS));
            }
            s.append('\n');
        }
        return s.toString();
    }

    private static String both(Map<String, String> without, Map<String, String> with, String key, int decimals) {
        return number(without.get(key), decimals) + " → " + number(with.get(key), decimals);
    }

    private static String one(Map<String, String> result, String key, int decimals) {
        return number(result.get(key), decimals);
    }

    private static String rtt(Map<String, String> result, String prefix) {
        return number(result.get(prefix + ".median"), 2) + " / " + number(result.get(prefix + ".p99"), 2);
    }

    private static String number(String value, int decimals) {
        if (value == null) {
            return "–";
        }
        double d = Double.parseDouble(value);
        return Double.isNaN(d) ? "–" : String.format(Locale.ROOT, "%,." + decimals + "f", d);
    }

    /** @return whole microseconds as ms, e.g. {@code 1.25} */
    private static String micros(String value) {
        return value == null ? "–" : number(String.valueOf(Long.parseLong(value) / 1e3), 2);
    }

    private static void pause(int seconds) throws InterruptedException {
        new CountDownLatch(1).await(seconds, TimeUnit.SECONDS);
    }

    /** Used heap after two full collections (G1's {@code System.gc()} is one, and waits for it). */
    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            System.gc();
            TimeUnit.MILLISECONDS.sleep(50); // for the reference handler to clear what the collection found
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
