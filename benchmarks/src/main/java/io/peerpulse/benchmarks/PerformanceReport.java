package io.peerpulse.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs every benchmark in one go and writes the result tables into {@code docs/PERFORMANCE.md},
 * between the markers {@code <!-- results:start -->} and {@code <!-- results:end -->}, and the real-peer scale
 * run ({@link PairsScaleRun}, at {@value PairsScaleRun#DEFAULT_PAIRS} pairs) between
 * {@code <!-- pairs:start -->} and {@code <!-- pairs:end -->}.
 *
 * <p>Arguments: the path of PERFORMANCE.md first (default {@code docs/PERFORMANCE.md}), then the options,
 * parsed by {@link RunOptions} (an unknown word, {@code -quick} or {@code quick} included, or an option given
 * twice is refused before anything runs): {@code --quick}
 * for a smoke run of a few seconds that proves everything starts (nothing is written; the scale run at 2 pairs
 * in this JVM); {@code --pairs 10,50} to run only the real-peer scale run, at those counts, and write only its
 * table (with {@code --quick}: 2 s measured each, in this JVM, nothing written).
 */
public final class PerformanceReport {

    private PerformanceReport() {
    }

    /**
     * @param args see the class description
     * @throws Exception when a benchmark fails
     */
    public static void main(String[] args) throws Exception {
        // the path first (benchmarks/run passes it), then options only: a stray word is no second path
        boolean withPath = args.length > 0 && !args[0].startsWith("-");
        Path target = Path.of(withPath ? args[0] : "docs/PERFORMANCE.md");
        RunOptions options = RunOptions.parse(java.util.Arrays.copyOfRange(args, withPath ? 1 : 0, args.length),
                List.of("--pairs"), List.of("--quick"));
        boolean quick = options.flag("--quick");
        String pairs = options.text("--pairs", null);
        if (pairs != null) {
            String table = pairsSection(PairsScaleRun.pairCounts(pairs), quick);
            System.out.println(table);
            if (!quick) {
                write(target, "pairs", table);
                System.out.println("written to " + target);
            }
            return;
        }
        StringBuilder out = new StringBuilder();
        out.append(runOn());

        out.append("### Recording one sample into a full window (ns/op, B/op)\n\n");
        out.append(jmhTable(run(RecordBenchmark.class, quick)));
        out.append("\n### Full statistics of a full window (ns/op, B/op)\n\n");
        out.append(jmhTable(run(StatsBenchmark.class, quick)));
        out.append("\n### JFR exporter: one sample, without and with a recording (ns/op, B/op)\n\n");
        out.append(jfrTable(run(JfrExporterBenchmark.class, quick)));
        out.append("\n### Memory per telemetry with a full window (JOL)\n\n");
        out.append(capture(() -> MemoryFootprint.main(new String[0])));
        out.append("\n### Scale: telemetries at 1 Hz on the one shared scheduler, synthetic source\n\n");
        String[] scaleArgs = quick ? new String[] {"100", "--seconds", "1", "--warmup", "0"}
                : new String[] {"1000", "10000", "--seconds", "30"};
        out.append(capture(() -> ScaleRun.main(scaleArgs)));

        out.append("\n### Game loop: 60 Hz on two real peers (80 ms relay), telemetry off, ICE at 1 Hz and probing"
                + " at 10 Hz, interleaved\n\n");
        String[] loopArgs = quick ? new String[] {"--rounds", "1", "--block-seconds", "1", "--jit-warmup-seconds", "1", "--warmup-seconds", "1"}
                : new String[] {"--rounds", "20", "--block-seconds", "5"};
        out.append(capture(() -> GameLoopRun.main(loopArgs)));

        out.append("\n### Probe: Java-side allocation per ping on two real peers\n\n");
        String[] pingArgs = quick ? new String[] {"--pings", "50"} : new String[] {"--pings", "2000"};
        out.append(capture(() -> ProbeAllocationRun.main(pingArgs)));

        String pairsTable = pairsSection(quick ? List.of(2) : PairsScaleRun.pairCounts(PairsScaleRun.DEFAULT_PAIRS),
                quick);
        System.out.println(out);
        System.out.println(pairsTable);
        if (!quick) {
            write(target, "results", out.toString());
            write(target, "pairs", pairsTable);
            System.out.println("written to " + target);
        }
    }

    private static String runOn() {
        return "Run on " + LocalDate.now() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, "
                + System.getProperty("java.vm.name") + ' ' + System.getProperty("java.version") + ", "
                + System.getProperty("os.name") + ' ' + System.getProperty("os.arch") + ".\n\n";
    }

    /** The real-peer scale run's section: in fresh JVMs, 30 s measured; quick: in this JVM, 2 s. */
    private static String pairsSection(List<Integer> counts, boolean quick) throws Exception {
        String table = capture(() -> PairsScaleRun.run(counts, quick ? 2 : 30, quick ? 1 : 15, quick));
        return runOn() + "### Real peers: N pairs in one JVM, each through its own relay at 40 ms RTT\n\n" + table;
    }

    private static Collection<RunResult> run(Class<?> benchmark, boolean quick) throws Exception {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(benchmark.getName() + ".")
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true);
        if (quick) {
            options.forks(0).warmupIterations(0).measurementIterations(1)
                    .measurementTime(org.openjdk.jmh.runner.options.TimeValue.milliseconds(100));
            if (benchmark != JfrExporterBenchmark.class) {
                options.param("window", "60");
            }
        }
        return new Runner(options.build()).run();
    }

    private static String jmhTable(Collection<RunResult> results) {
        // rows: contender; columns: window sizes
        Map<String, Map<Integer, String>> rows = new TreeMap<>();
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            int window = Integer.parseInt(result.getParams().getParam("window"));
            Result<?> primary = result.getPrimaryResult();
            Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
            rows.computeIfAbsent(name, k -> new TreeMap<>()).put(window, cell(primary, alloc));
        }
        StringBuilder table = new StringBuilder("| contender | 60 | 600 | 36,000 |\n|---|---|---|---|\n");
        rows.forEach((name, cells) -> table.append("| ").append(name).append(" | ")
                .append(cells.getOrDefault(60, "–")).append(" | ").append(cells.getOrDefault(600, "–"))
                .append(" | ").append(cells.getOrDefault(36_000, "–")).append(" |\n"));
        return table.toString();
    }

    /** The JFR benchmark's rows: one per recording state. */
    private static String jfrTable(Collection<RunResult> results) {
        StringBuilder table = new StringBuilder("| recording | sampleRecorded |\n|---|---|\n");
        for (RunResult result : results) {
            Result<?> primary = result.getPrimaryResult();
            Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
            table.append(result.getParams().getParam("recording").equals("on") ? "| with a recording | "
                    : "| without a recording | ")
                    .append(cell(primary, alloc)).append(" |\n");
        }
        return table.toString();
    }

    /**
     * A JMH table's cell, {@code 1,234.5 ± 6.7 ns, 48 B}: '.' and ',' as in the rest of PERFORMANCE.md whatever the
     * locale of whoever runs {@code benchmarks/run} (a German one wrote {@code 1.234,5}, an Arabic one other digits).
     */
    static String cell(Result<?> primary, Result<?> alloc) {
        return String.format(Locale.ROOT, "%,.1f ± %,.1f ns, %s B", primary.getScore(),
                Double.isNaN(primary.getScoreError()) ? 0 : primary.getScoreError(),
                alloc == null ? "?" : String.format(Locale.ROOT, "%,.0f", alloc.getScore()));
    }

    private interface Task {
        void run() throws Exception;
    }

    private static String capture(Task task) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            task.run();
        } finally {
            System.setOut(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    /** Writes {@code results} between the markers {@code <!-- section:start -->} and {@code <!-- section:end -->}. */
    static void write(Path target, String section, String results) throws IOException {
        String start = "<!-- " + section + ":start -->";
        String end = "<!-- " + section + ":end -->";
        String document = Files.exists(target) ? Files.readString(target)
                : "# Performance\n\n<!-- results:start -->\n<!-- results:end -->\n\n<!-- pairs:start -->\n<!-- pairs:end -->\n";
        int from = document.indexOf(start);
        int to = document.indexOf(end);
        if (from < 0 || to < from) {
            throw new IOException(target + " has no " + start + " … " + end + " section");
        }
        Files.writeString(target, document.substring(0, from + start.length()) + "\n" + results
                + document.substring(to));
    }
}
