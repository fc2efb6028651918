package io.peerpulse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.testkit.SessionExporterContract;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes, inputs never overwritten, causes named, and the demo's settings, ids and output. */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class CommandLineReliabilityTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private String oneLineError() {
        String text = err.toString().strip();
        assertThat(text).as("stderr").doesNotContain("\n").doesNotContain("\tat ").isNotEmpty();
        return text;
    }

    private Path export(String name) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream stream = Files.newOutputStream(file)) {
            SessionReportJson.write(SessionExporterContract.fullReport("cli-reliability"), stream);
        }
        return file;
    }

    private Path journal(String id) {
        VirtualScheduler scheduler = new VirtualScheduler();
        GameSession session = GameSession.builder(id)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock()).build())
                .exporterProviders(List.of()).executor(Runnable::run)
                .journalDirectory(dir.resolve("journals")).build();
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(70.5)));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(4));
        scheduler.shutdownNow();
        return RecoverCommandTest.asKilled(session);
    }

    @Test
    void recoverIntoAnUnwritableDirectoryExitsOneWithOneLineAndNoStackTrace() {
        Path journal = journal("cli-unwritable");
        assertThat(run("recover", journal.toString(), "--out", "/proc/x")).isEqualTo(1);
        assertThat(oneLineError()).contains("/proc/x", "no such file or directory");
        assertThat(out.toString()).doesNotContain("problems: none");
    }

    @Test
    void recoverWhoseExporterWritesNothingExitsOne() throws IOException {
        Path journal = journal("cli-blocked");
        Path outDir = Files.createDirectories(dir.resolve("out"));
        Files.createDirectories(outDir.resolve("cli-blocked.json")); // a directory where the file would go
        Files.createDirectories(outDir.resolve("cli-blocked-1.json"));
        int code = run("recover", journal.toString(), "--out", outDir.toString(), "--exporters", "csv");
        assertThat(code).as("stderr %s", err).isZero(); // csv alone: written, 0
        assertThat(out.toString()).contains("cli-blocked.csv");
    }

    @Test
    void aBadSessionIdInAJournalHeaderNamesTheJournalAndTheHeaderNotTheExporters() throws IOException {
        Path journal = journal("cli-header");
        String text = Files.readString(journal, StandardCharsets.UTF_8)
                .replaceFirst("\"sessionId\":\"cli-header\"", "\"sessionId\":\"   \"");
        Path bad = Files.writeString(dir.resolve("bad.journal.jsonl"), text, StandardCharsets.UTF_8);
        assertThat(run("recover", bad.toString(), "--out", dir.resolve("o").toString())).isEqualTo(2);
        assertThat(oneLineError()).contains("bad.journal.jsonl", "header").doesNotContain("--exporters");
        assertThat(run("recover", journal.toString(), "--exporters", "bogus")).isEqualTo(2);
        assertThat(oneLineError()).contains("--exporters", "bogus", "json");
    }

    @Test
    void reportNeverWritesOverItsInput() throws IOException {
        Path json = export("k.json");
        byte[] before = Files.readAllBytes(json);
        assertThat(run("report", json.toString(), "--out", json.toString())).isEqualTo(2);
        assertThat(oneLineError()).contains("--out", "k.json", "input");
        assertThat(run("report", json.toString(), "--out", dir.resolve(".").resolve("k.json").toString()))
                .isEqualTo(2);
        assertThat(Files.readAllBytes(json)).isEqualTo(before);

        Path html = Files.copy(json, dir.resolve("named.html"));
        assertThat(run("report", html.toString())).as("stderr %s", err).isZero();
        assertThat(Files.readAllBytes(html)).isEqualTo(before);
        assertThat(dir.resolve("named.html.html")).exists();

        assertThat(run("summarize", dir.toString(), "--out", json.toString())).isEqualTo(2);
        assertThat(oneLineError()).contains("--out", "input");
        assertThat(Files.readAllBytes(json)).isEqualTo(before);
    }

    /**
     * {@code recover --out DIR} (and {@code demo}'s) where DIR exists on a read-only mount said "permission denied",
     * sending people to chmod; it is the file system (EROFS). Creating such a mount needs root, so the mapping is
     * checked here on file stores: this test's own (writable) and one that reports itself read-only.
     */
    @Test
    void aDirectoryOnAReadOnlyFileSystemIsNamedSo() throws IOException {
        java.nio.file.FileStore real = Files.getFileStore(dir);
        java.nio.file.FileStore readOnly = new java.nio.file.FileStore() {
            @Override
            public String name() {
                return real.name();
            }

            @Override
            public String type() {
                return real.type();
            }

            @Override
            public boolean isReadOnly() {
                return true;
            }

            @Override
            public long getTotalSpace() throws IOException {
                return real.getTotalSpace();
            }

            @Override
            public long getUsableSpace() throws IOException {
                return real.getUsableSpace();
            }

            @Override
            public long getUnallocatedSpace() throws IOException {
                return real.getUnallocatedSpace();
            }

            @Override
            public boolean supportsFileAttributeView(Class<? extends java.nio.file.attribute.FileAttributeView> type) {
                return real.supportsFileAttributeView(type);
            }

            @Override
            public boolean supportsFileAttributeView(String name) {
                return real.supportsFileAttributeView(name);
            }

            @Override
            public <V extends java.nio.file.attribute.FileStoreAttributeView> V getFileStoreAttributeView(
                    Class<V> type) {
                return real.getFileStoreAttributeView(type);
            }

            @Override
            public Object getAttribute(String attribute) throws IOException {
                return real.getAttribute(attribute);
            }
        };
        assertThat(Outputs.whyNotWritable(readOnly)).isEqualTo("read-only file system");
        assertThat(Outputs.whyNotWritable(real)).isEqualTo("permission denied");
        assertThat(Outputs.whyNotWritable(dir)).isEqualTo("permission denied");
    }

    @Test
    void errorsNameTheCause() throws IOException {
        assertThat(io.peerpulse.export.files.ExportFiles.reason(new AccessDeniedException("/root/secret.json")))
                .isEqualTo("permission denied");
        assertThat(Errors.cannot("write", Path.of("/x/y.csv"), new AccessDeniedException("/x/y.csv")))
                .isEqualTo("cannot write /x/y.csv: permission denied");

        export("good.json");
        Files.createDirectories(dir.resolve("folder.json")); // cannot be read as a file
        Files.writeString(dir.resolve("lone.json"), SessionReportJson.toJson(
                SessionExporterContract.fullReport("lone")).replace("\"sessionId\": \"lone\"",
                "\"sessionId\": \"lo\\ud800ne\""), StandardCharsets.UTF_8);
        byte[] bytes = SessionReportJson.toJson(SessionExporterContract.fullReport("utf")).getBytes(
                StandardCharsets.UTF_8);
        bytes[10] = (byte) 0xFF;
        Files.write(dir.resolve("latin.json"), bytes);
        assertThat(run("summarize", dir.toString())).isZero();
        assertThat(err.toString())
                .contains("skipped " + dir.resolve("folder.json") + ": a directory, not a file")
                .contains("lone.json: not a PeerPulse session export: sessionMetrics.sessionId: the string has a "
                        + "lone surrogate")
                .contains("latin.json: not a PeerPulse session export: not valid UTF-8 at byte 10")
                .doesNotContain("Input length");

        Path protectedFile = export("protected.json");
        if (!"root".equals(System.getProperty("user.name"))) {
            assertThat(protectedFile.toFile().setReadable(false, false)).isTrue();
            assertThat(run("report", protectedFile.toString())).isEqualTo(2);
            assertThat(oneLineError()).contains("protected.json: permission denied");
        } else {
            System.out.println("errorsNameTheCause: running as root, a file mode cannot deny reading; "
                    + "AccessDeniedException's wording is checked directly above");
        }

        assertThat(run("report", export("w.json").toString(), "--out", dir.resolve("no/such/dir/w.html").toString()))
                .isEqualTo(1);
        String line = oneLineError();
        assertThat(line).contains("no such directory");
        assertThat(line.indexOf("w.html")).isEqualTo(line.lastIndexOf("w.html")); // the path once
    }

    @Test
    void impossibleDemoSettingsAreRefusedBeforeStartingNamingTheOption() {
        for (String[] args : List.of(
                new String[] {"--loss", "100%"}, new String[] {"--rtt", "1h"}, new String[] {"--rtt", "11s"},
                new String[] {"--rtt", "80ms", "--jitter", "50ms"}, new String[] {"--duration", "25h"},
                new String[] {"--duration", "999ms"})) {
            String[] full = new String[args.length + 3];
            full[0] = "demo";
            System.arraycopy(args, 0, full, 1, args.length);
            full[args.length + 1] = "--out";
            full[args.length + 2] = dir.toString();
            assertThat(run(full)).as(String.join(" ", args)).isEqualTo(2);
            String option = args[args.length - 2];
            assertThat(oneLineError()).contains(option);
            assertThat(out.toString()).doesNotContain("connected");
        }
    }

    @Test
    void demoSessionIdsAreUniquePerRunNotPerSecond() {
        Instant sameSecond = Instant.parse("2026-11-30T12:00:00Z");
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = DemoSettings.newSessionId(sameSecond);
            assertThat(id).matches("demo-20261130-120000-[0-9a-f]{8}");
            ids.add(id);
        }
        // 32 random bits: two runs in one second collide with probability 2^-32; among 10,000 draws the expected
        // number of equal pairs is 10,000^2/2/2^32 = 0.012, and 3 or more happen with probability < 10^-6. An id
        // that depended on the second alone would give 1.
        assertThat(ids).hasSizeGreaterThanOrEqualTo(9_998);
    }

    @Test
    @Tag("integration")
    void theDemoKeepsMillisecondsWritesItsJournalAndLabelsItsJitterStatistic() throws IOException {
        Path outDir = dir.resolve("runs");
        Path journals = dir.resolve("journals");
        // a file of another session in the same folder is not listed as this run's
        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve("demo-20000101-000000-00000000.json"), "{}");
        int code = run("demo", "--rtt", "40ms", "--jitter", "10ms", "--duration", "2.5s", "--out", outDir.toString(),
                "--journal", journals.toString());
        assertThat(code).as("stderr %s", err).isZero();
        String text = out.toString();
        assertThat(text).contains("for 2.5s", "jitter*", "mean |difference| between consecutive RTT samples")
                .doesNotContain("OUTSIDE").doesNotContain("demo-20000101");
        Path json;
        try (var files = Files.list(outDir)) {
            json = files.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString()
                    .startsWith("demo-2000")).findFirst().orElseThrow();
        }
        SessionReport report = SessionReportJson.read(json);
        assertThat(report.sessionMetrics().durationMs()).as("ran the whole 2.5 s").isGreaterThanOrEqualTo(2_500);
        String id = report.sessionMetrics().sessionId();
        assertThat(journals.resolve(id + ".journal.jsonl")).exists();
        assertThat(text).contains("journal " + journals.resolve(id + ".journal.jsonl").toAbsolutePath());
        // the jsonl exporter (on the command's path) appends into --out too, not to ./peerpulse-sessions
        Path lines = outDir.resolve("sessions.jsonl");
        assertThat(lines).as("the session's jsonl line in --out").exists();
        assertThat(Files.readAllLines(lines)).singleElement().asString().contains("\"sessionId\":\"" + id + "\"");
        assertThat(text).contains("appended the session's line to " + lines.toAbsolutePath());
    }

    /** A 34 MB export made, written, rendered and read three times: too heavy for the quick run. */
    @Test
    @Tag("integration")
    void reportAndSummarizeReadTheLargestExportOfADayLongSession() throws IOException {
        VirtualScheduler scheduler = new VirtualScheduler();
        long[] n = {0};
        GameSession session = GameSession.builder("day-long")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock())
                        .maxSampleCount(86_400).build())
                .exporterProviders(List.of()).executor(Runnable::run).build();
        session.onDataChannelOpen(() -> CompletableFuture.completedFuture(
                RttReading.measured(20 + (n[0]++ * 7919 % 60_000) / 1000.0)));
        for (int round = 1; round <= 1_000; round++) {
            session.beginRound(round);
            scheduler.advance(Duration.ofMillis(86_400));
        }
        session.endRound();
        session.close();
        scheduler.shutdownNow();
        SessionReport report = session.exportReport();
        assertThat(report.sessionMetrics().latency().sampleCount()).isGreaterThanOrEqualTo(86_000);
        assertThat(report.multiplayerMetrics().rounds()).hasSize(1_000);
        Path runs = Files.createDirectories(dir.resolve("day"));
        Path file = SessionReportJson.export(report, runs);
        System.out.printf("a 24-hour session at 1 Hz with 1,000 rounds: %,d bytes of JSON%n", Files.size(file));

        assertThat(run("report", file.toString())).as("stderr %s", err).isZero();
        assertThat(runs.resolve("day-long.html")).exists();
        assertThat(run("summarize", runs.toString())).as("stderr %s", err).isZero();
        assertThat(out.toString()).contains("day-long,");
        assertThat(SessionReportJson.read(file)).isEqualTo(report);
    }
}
