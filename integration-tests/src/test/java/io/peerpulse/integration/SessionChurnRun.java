package io.peerpulse.integration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.peerpulse.session.GameSession;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;

/**
 * Not a test: a churn run for a long-lived server. Creates and closes sessions in waves (each with an in-memory
 * source, five polls in virtual time, the json, csv, jsonl, micrometer and jfr exporters writing to real files, and
 * optionally the journal), then after each wave forces GC and prints the heap used, live threads, open fds and RSS.
 * Exported files are deleted after each wave (they are the application's, not the JVM's).
 *
 * <p>{@code java -cp <test class path> io.peerpulse.integration.SessionChurnRun <dir> [--journal] [--real-time] 10000
 * 50000 100000}
 */
public final class SessionChurnRun {

    private SessionChurnRun() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean journal = false;
        boolean realTime = false;
        MeterRegistry registry = new SimpleMeterRegistry();
        VirtualScheduler scheduler = new VirtualScheduler();
        long total = 0;
        report("start", total);
        for (int a = 1; a < args.length; a++) {
            if (args[a].equals("--journal")) {
                journal = true;
                continue;
            }
            if (args[a].equals("--real-time")) {
                realTime = true;
                continue;
            }
            int wave = Integer.parseInt(args[a]);
            Path out = Files.createDirectories(dir.resolve("wave-" + a));
            long began = System.nanoTime();
            for (int i = 0; i < wave; i++) {
                String id = "churn-" + total;
                TelemetryOptions options = realTime
                        ? TelemetryOptions.builder().firstPollDelay(Duration.ZERO).build()
                        : TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).build();
                GameSession.Builder builder = GameSession.builder(id).playerId("p" + (total % 7))
                        .telemetryOptions(options)
                        .exporters(System.getProperty("churn.exporters", "json,csv,jsonl,micrometer,jfr").split(","))
                        .exportAttribute(MeterRegistry.class, registry)
                        .exportSetting("peerpulse.export.json.directory", out.toString())
                        .exportSetting("peerpulse.export.csv.directory", out.toString())
                        .exportSetting("peerpulse.export.jsonl.file", out.resolve("all.jsonl").toString());
                if (journal) {
                    builder.journalDirectory(out.resolve("journal")).journalFsync(false);
                }
                try (GameSession session = builder.build()) {
                    double rtt = 20 + (total % 50);
                    session.onDataChannelOpen(new RttSource() {
                        @Override
                        public CompletionStage<RttReading> read() {
                            return CompletableFuture.completedFuture(RttReading.measured(rtt));
                        }

                        @Override
                        public String name() {
                            return "churn";
                        }
                    });
                    session.beginRound(1);
                    if (!realTime) {
                        scheduler.advance(Duration.ofSeconds(5));
                    }
                    session.endRound();
                    session.onDataChannelClose("peer left");
                }
                total++;
            }
            long tookMs = (System.nanoTime() - began) / 1_000_000;
            if (!Boolean.getBoolean("churn.keep")) {
                deleteTree(out);
            }
            System.out.printf("wave of %d took %d ms%n", wave, tookMs);
            report("after wave " + a, total);
        }
        if (System.getProperty("churn.pause") != null) {
            // held for a heap dump or jcmd until the operator says so: a line on standard input, not a sleep
            System.out.println("pid " + ProcessHandle.current().pid() + ": paused; press Enter to end");
            System.in.read();
        }
    }

    private static void report(String what, long total) throws IOException {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        }
        long rssKb = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1);
        System.out.printf("%s: sessions %d, heap after GC %.1f MiB, threads %d, fds %d, RSS %.1f MiB%n", what, total,
                heap / 1048576.0, ManagementFactory.getThreadMXBean().getThreadCount(), fds, rssKb / 1024.0);
        if (Boolean.getBoolean("churn.histogram")) {
            try {
                Object text = ManagementFactory.getPlatformMBeanServer().invoke(
                        new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                        new Object[] {new String[0]}, new String[] {String[].class.getName()});
                text.toString().lines().limit(25).forEach(System.out::println);
            } catch (javax.management.JMException e) {
                throw new IOException(e);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
