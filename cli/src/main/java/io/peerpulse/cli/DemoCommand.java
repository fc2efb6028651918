package io.peerpulse.cli;

import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.export.jsonl.SessionJsonLines;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.LiveRtt;
import io.peerpulse.session.QualitySummary;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.RelayRecord;
import io.peerpulse.lab.WebRtcPeers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code peerpulse demo}: two real webrtc-java peers through the ground-truth relay with a known
 * injected RTT, a 60 Hz game loop sending inputs over the data channel, a {@link GameSession}
 * measuring at 1 Hz with a round every 10 s, a progress line per second, then the measured
 * statistics beside the injected RTT and the files the exporters wrote.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Run a game session between two real WebRTC peers through a relay with a known RTT, "
                + "print the measured statistics and write the exports.")
final class DemoCommand implements Callable<Integer> {

    private static final Duration ROUND = Duration.ofSeconds(10);

    @Option(names = "--rtt", defaultValue = "80ms", converter = Values.DurationConverter.class,
            description = "Round-trip time the relay injects (default: ${DEFAULT-VALUE}).")
    Duration rtt;

    @Option(names = "--jitter", defaultValue = "0ms", converter = Values.DurationConverter.class,
            description = "Jitter on the round trip: each direction varies uniformly by up to half of it "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration jitter;

    @Option(names = "--loss", defaultValue = "0%", converter = Values.PercentConverter.class,
            description = "Packets lost in each direction (default: ${DEFAULT-VALUE}).")
    double loss;

    @Option(names = "--duration", defaultValue = "30s", converter = Values.DurationConverter.class,
            description = "How long the session runs (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--source", defaultValue = "both",
            description = "What measures the latency: probe (the data-channel probe), ice (the ICE candidate "
                    + "pair's STUN round trips) or both (the probe, with the ICE view recorded beside it; "
                    + "default: ${DEFAULT-VALUE}).")
    DemoSources.Choice source;

    @Option(names = "--out", defaultValue = "peerpulse-out",
            description = "Directory of the exported files (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--peer", defaultValue = "java", paramLabel = "java|chromium",
            description = "The far end: another webrtc-java peer, or headless Chromium running peerpulse-probe.js "
                    + "and the original browser feature (default: ${DEFAULT-VALUE}).")
    String peer;

    @Option(names = "--journal", paramLabel = "DIR",
            description = "Also write the crash-safe journal (<id>.journal.jsonl) here; 'peerpulse recover' "
                    + "rebuilds the exports from it if the demo is killed.")
    Path journal;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DemoSettings.check(rtt, jitter, loss, duration);
        if (!peer.equals("java") && !peer.equals("chromium")) { // before anything is created
            throw new Main.UsageException("--peer must be java or chromium, was " + peer);
        }
        if (peer.equals("chromium")) { // options the Chromium demo has no use for: refused, never ignored silently
            for (String option : List.of("--journal", "--source")) {
                if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                    throw new Main.UsageException(option + " applies to --peer java only: the Chromium demo writes no"
                            + " journal and always shows the Java side's ICE view beside both ends' probes");
                }
            }
        }
        Outputs.createDirectory(out, "--out");
        if (journal != null) {
            Outputs.createDirectory(journal, "--journal");
        }
        String outOption = Outputs.outOption(spec);
        Outputs.sayOverriddenProperties(exportSettings(out), key -> outOption, "demo", spec.commandLine().getErr());
        PrintWriter console = spec.commandLine().getOut();
        String sessionId = DemoSettings.newSessionId(Instant.now());
        if (peer.equals("chromium")) {
            return new ChromiumDemo(this).run(console, spec.commandLine().getErr(), sessionId);
        }
        console.printf(Locale.ROOT, "PeerPulse demo %s: two real WebRTC peers through a relay injecting RTT %d ms, "
                        + "jitter %d ms, loss %s%%, for %s%n", sessionId, rtt.toMillis(), jitter.toMillis(),
                Values.ms(loss * 100), Values.duration(duration));

        long linesBefore = Outputs.size(out.resolve(Outputs.JSONL_FILE));
        SessionReport report;
        RelayRecord window;
        List<Duration> echoed;
        try (ImpairmentRelay relay = new ImpairmentRelay(1)
                .impair(Link.roundTrip(rtt).withJitter(jitter.dividedBy(2)).withLoss(loss))) {
            WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Duration.ofSeconds(30)));
            long from = System.nanoTime();
            try (DemoSources sources = DemoSources.open(peers, source)) {
                console.println("connected; data channel open; measuring with " + source);
                Echoes echoes = new Echoes();
                report = play(peers, sources, sessionId, console, echoes);
                echoed = echoes.back();
            } finally {
                peers.close(); // after the session stopped its telemetry
            }
            // what the relay really imposed while the session measured: the truth the verdict compares with
            window = relay.record().between(from, System.nanoTime());
        }
        printResult(console, report, window, echoed);
        // this session's files only: the id is unique per run, so other demos' files never match
        List<Path> written = listFiles(out, sessionId);
        for (Path file : written) {
            console.println("wrote " + file.toAbsolutePath());
        }
        printAppended(console, out, linesBefore);
        if (journal != null) {
            for (Path file : listFiles(journal, sessionId)) {
                console.println("journal " + file.toAbsolutePath());
            }
        }
        console.flush();
        if (written.isEmpty()) {
            throw new Main.RunFailure("no exporter wrote a file in " + out.toAbsolutePath()
                    + " (no file exporter on the module path, or it failed: see the warning above)");
        }
        return 0;
    }

    private SessionReport play(WebRtcPeers peers, DemoSources sources, String sessionId, PrintWriter console,
                               Echoes echoes) throws InterruptedException {
        GameSession.Builder builder = exportInto(GameSession.builder(sessionId).playerId("demo-player"), out);
        if (journal != null) {
            builder.journalDirectory(journal);
        }
        GameSession session = builder.build();
        Thread onShutdown = closeOnShutdown(session, out, console, spec.commandLine().getErr());
        GameLoop loop = new GameLoop();
        try {
            session.onDataChannelOpen(sources.primary, sources.secondary);
            session.beginRound(1);
            long start = System.nanoTime();
            loop.start(peers.channelA());
            if (jitter.isZero()) { // for the verdict, which a link with jitter does not get
                echoes.start(peers);
            }

            long seconds = duration.toSeconds();
            int round = 1;
            for (long second = 1; second <= seconds; second++) {
                long due = start + TimeUnit.SECONDS.toNanos(second);
                TimeUnit.NANOSECONDS.sleep(Math.max(0, due - System.nanoTime()));
                if (second % ROUND.toSeconds() == 0 && second < seconds) {
                    session.beginRound(++round); // ends the previous round
                }
                LiveRtt live = session.latest();
                console.printf(Locale.ROOT,
                        "[%3ds] last RTT %6s ms | samples %3d | state %-7s score %5s%s | round %d | frames %d%n",
                        second, Values.ms(live.lastRttMs()),
                        session.getLatencySummary().map(s -> s.sampleCount()).orElse(0), live.quality(),
                        Double.isNaN(live.score()) ? "-" : String.format(Locale.ROOT, "%.1f", live.score()),
                        reasons(live), round, loop.frames());
            }
            // the part of a second after the last progress line: --duration 1.9s runs 1.9 s
            TimeUnit.NANOSECONDS.sleep(Math.max(0, start + duration.toNanos() - System.nanoTime()));
        } finally {
            loop.stop();
            echoes.stop();
            session.endRound();
            session.close(); // stops telemetry first, then the exporters write
            closedInTime(onShutdown);
        }
        if (loop.sendFailures() > 0) {
            console.println("inputs that could not be sent: " + loop.sendFailures());
        }
        return session.exportReport();
    }

    /**
     * Closes {@code session} if the JVM shuts down before the demo closed it — Ctrl-C (SIGINT) or SIGTERM: the
     * exporters then write what was measured until then, and the journal gets its end line, instead of the
     * session's data being lost with the process. The exit code stays the signal's (130, 143). Undone by
     * {@link #closedInTime}.
     *
     * @return the shutdown hook
     */
    static Thread closeOnShutdown(GameSession session, Path out, PrintWriter console, PrintWriter err) {
        Thread hook = new Thread(() -> {
            if (session.isClosed()) {
                session.close(); // the demo's own close() may still be under way: waits for it (bounded)
                return;
            }
            err.println("demo: stopped before the end (Ctrl-C or a signal): closing the session, so that the exporters"
                    + " write what was measured until now");
            err.flush();
            long linesBefore = Outputs.size(out.resolve(Outputs.JSONL_FILE));
            session.close(); // bounded by the exporter timeout
            try {
                for (Path file : listFiles(out, session.sessionId())) {
                    console.println("wrote " + file.toAbsolutePath());
                }
            } catch (IOException e) {
                err.println("demo: cannot list " + out.toAbsolutePath() + ": " + e.getMessage());
            }
            printAppended(console, out, linesBefore);
            session.journalPath().ifPresent(journal -> console.println("journal " + journal.toAbsolutePath()));
            console.flush();
            err.flush();
        }, "demo-close-on-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /** The demo closed its session itself: {@code hook} of {@link #closeOnShutdown} is no longer needed. */
    static void closedInTime(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already shutting down: the hook sees that the session is closed and does nothing
        }
    }

    /** The reasons of the live quality, for the progress line: empty at GOOD. */
    static String reasons(LiveRtt live) {
        return live.reasons().isEmpty() ? ""
                : " (" + String.join("; ", live.reasons().stream().map(r -> r.text()).toList()) + ")";
    }

    private void printResult(PrintWriter console, SessionReport report, RelayRecord window, List<Duration> echoes) {
        LatencyStats latency = report.sessionMetrics().latency();
        console.println();
        if (latency == null) {
            console.println("no RTT sample was measured");
            return;
        }
        double injected = rtt.toNanos() / 1e6;
        console.printf(Locale.ROOT, "%-10s %10s %10s%n", "statistic", "measured", "injected");
        row(console, "samples", String.valueOf(latency.sampleCount()), "");
        row(console, "min", Values.ms(latency.minMs()), "");
        row(console, "median", Values.ms(latency.medianMs()), Values.ms(injected));
        row(console, "mean", Values.ms(latency.meanMs()), Values.ms(injected));
        row(console, "p95", Values.ms(latency.p95Ms()), "");
        row(console, "p99", Values.ms(latency.p99Ms()), "");
        row(console, "max", Values.ms(latency.maxMs()), "");
        row(console, "std dev", Values.ms(latency.stdDevMs()), "");
        row(console, "jitter*", Values.ms(latency.jitterMs()), "");
        console.printf(Locale.ROOT, "* jitter = mean |difference| between consecutive RTT samples; the relay varies "
                + "each direction by up to ±%s ms (injected --jitter %s ms), a different quantity%n",
                Values.ms(jitter.toNanos() / 2e6), Values.ms(jitter.toNanos() / 1e6));
        double imposed = RelayVerdict.imposedMedianMs(window, report.validationData().latencySource());
        console.println(jitter.isZero()
                ? RelayVerdict.line(latency.medianMs(), injected, imposed, latency.sampleCount(), echoes)
                : RelayVerdict.jitterLine(latency.medianMs(), injected, imposed, latency.sampleCount()));
        var counters = report.validationData().counters();
        console.printf(Locale.ROOT, "polls %d: measured %d, stale %d, unavailable %d, failed %d, rejected %d, skipped %d%n",
                counters.pollCount(), counters.measuredCount(), counters.staleCount(), counters.unavailableCount(),
                counters.failedCount(), counters.rejectedCount(), counters.skippedCount());
        QualitySummary quality = report.multiplayerMetrics().qualitySummary();
        if (quality != null) {
            console.printf(Locale.ROOT, "quality %s at the end; time GOOD %d ms, FAIR %d ms, POOR %d ms, LOST %d ms; "
                    + "score min %s, p5 %s, median %s%n", report.multiplayerMetrics().quality(), quality.goodMs(),
                    quality.fairMs(), quality.poorMs(), quality.lostMs(), score(quality.minScore()),
                    score(quality.p5Score()), score(quality.medianScore()));
        }
        console.println();
        TwoViews.print(console, report.validationData(), injected);
    }

    private static String score(Double score) {
        return score == null ? "-" : String.format(Locale.ROOT, "%.1f", score);
    }

    private static void row(PrintWriter console, String name, String measured, String injected) {
        console.printf(Locale.ROOT, "%-10s %10s %10s%n", name, measured, injected);
    }

    /**
     * The exporters' settings of a demo session: the file exporters write into {@code out}, and the jsonl
     * exporter (on the command's path, so found by default) appends to {@code out/sessions.jsonl}, as
     * {@code recover} does, instead of to its default in the working directory.
     */
    static GameSession.Builder exportInto(GameSession.Builder builder, Path out) {
        exportSettings(out).forEach(builder::exportSetting);
        return builder;
    }

    /** @return the settings {@link #exportInto} gives, in order */
    static Map<String, String> exportSettings(Path out) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String kind : List.of("json", "csv", "html")) {
            settings.put("peerpulse.export." + kind + ".directory", out.toString());
        }
        settings.put(SessionJsonLines.FILE_SETTING, out.resolve(Outputs.JSONL_FILE).toString());
        return settings;
    }

    /** Says that the session's line was appended to {@code out/sessions.jsonl}, when the file grew. */
    static void printAppended(PrintWriter console, Path out, long sizeBefore) {
        Outputs.sayAppended(console, out.resolve(Outputs.JSONL_FILE), sizeBefore);
    }

    private static List<Path> listFiles(Path directory, String sessionId) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().startsWith(sessionId))
                    .sorted().toList();
        }
    }
}
