package io.peerpulse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.fixtures.UnloadableProvider;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoverCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int run(String... args) {
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    /** A journal of 5 samples, its session killed (never closed). */
    private Path journalOfAKilledSession() {
        VirtualScheduler scheduler = new VirtualScheduler();
        GameSession session = GameSession.builder("cli-recover")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock()).build())
                .exporterProviders(List.of()).executor(Runnable::run)
                .journalDirectory(dir.resolve("journals")).build();
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(70.5)));
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(4));
        scheduler.shutdownNow();
        return asKilled(session);
    }

    /**
     * The session's journal as if it was killed now: closed (so that its writer thread wrote every line), then
     * without its last line, the end line close() added.
     */
    static Path asKilled(GameSession session) {
        session.close();
        Path journal = session.journalPath().orElseThrow();
        try {
            java.util.List<String> lines = Files.readAllLines(journal);
            org.assertj.core.api.Assertions.assertThat(lines.remove(lines.size() - 1)).startsWith("{\"type\":\"end\"");
            Files.write(journal, lines);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return journal;
    }

    /** A journal given where an export is expected, and the reverse: the error says which command reads which. */
    @Test
    void aJournalAndAnExportMistakenForEachOtherAreNamedAsSuch() throws Exception {
        Path journal = journalOfAKilledSession();
        assertThat(run("recover", journal.toString(), "--out", dir.resolve("out").toString())).isZero();
        Path export = dir.resolve("out").resolve("cli-recover.json");
        assertThat(export).exists();

        err.getBuffer().setLength(0);
        assertThat(run("report", journal.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("report: cannot read " + journal + ": a session journal, not an"
                + " export: 'peerpulse recover " + journal + "' writes its exports");

        err.getBuffer().setLength(0);
        assertThat(run("summarize", journal.getParent().toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("summarize: no *.json file in " + journal.getParent()
                + "; it holds 1 session journal(s) (*.journal.jsonl): 'peerpulse recover JOURNAL' writes a journal's"
                + " exports");

        err.getBuffer().setLength(0);
        assertThat(run("recover", export.toString(), "--out", dir.resolve("again").toString())).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("recover: cannot recover " + export + ": ")
                .endsWith("; cli-recover.json looks like an export: recover reads a session journal"
                        + " (<id>.journal.jsonl), report and summarize read exports");
    }

    @Test
    void recoversAKilledSessionAndRunsTheFileExporters() throws Exception {
        Path journal = journalOfAKilledSession();
        byte[] bytes = Files.readAllBytes(journal);
        Files.write(journal, Arrays.copyOf(bytes, bytes.length + 1)); // plus a torn byte
        Files.write(journal, Arrays.copyOf(bytes, bytes.length - 10)); // the last line torn
        Path outDir = dir.resolve("out");

        int code = run("recover", journal.toString(), "--out", outDir.toString());

        assertThat(code).as("stderr: %s", err).isZero();
        // a journal without its end line may also be a running session's (recover reads it as it grows)
        assertThat(out.toString()).contains("session cli-recover: 4 samples", "incomplete (no end line: its process"
                + " died, or is still running and writing it; the report ends at the last journaled event)", "problem: line",
                "torn last line", "cli-recover.json", "cli-recover.csv", "cli-recover.html");
        assertThat(outDir.resolve("cli-recover.json")).exists();
        assertThat(outDir.resolve("cli-recover.csv")).exists();
        assertThat(outDir.resolve("cli-recover.html")).exists();
    }

    /**
     * The counts recover prints are ASCII digits whatever the JVM's locale: under ar-EG or fa-IR a bare {@code %d}
     * gave "session cli-recover: ٤ samples", which a script reading the line cannot take for 4.
     */
    @Test
    void theCountsAreAsciiDigitsInAnArabicOrPersianLocale() throws Exception {
        Path journal = journalOfAKilledSession();
        byte[] bytes = Files.readAllBytes(journal);
        Files.write(journal, Arrays.copyOf(bytes, bytes.length - 10)); // the last line torn: a problem counted
        java.util.Locale original = java.util.Locale.getDefault();
        for (String tag : List.of("ar-EG", "fa-IR")) {
            out.getBuffer().setLength(0);
            try {
                java.util.Locale.setDefault(java.util.Locale.forLanguageTag(tag));
                assertThat(run("recover", journal.toString(), "--out", dir.resolve("out-" + tag).toString()))
                        .as("stderr: %s", err).isZero();
            } finally {
                java.util.Locale.setDefault(original);
            }
            assertThat(out.toString()).as(tag).contains("session cli-recover: 4 samples, ",
                    "problems: 1 (1 lines skipped, 0 damaged, 0 duplicate, 0 missing, 0 out of order)");
        }
    }

    /**
     * {@code recover J --exporters jsonl --jsonl-file /dev/stdout > lines.jsonl}: the jsonl exporter cannot append
     * through a link (it failed, "too many levels of symbolic links"), but the file behind standard output grew by
     * recover's own lines, so recover said "appended the session's line to /dev/stdout" and exited 0 with the line
     * nowhere. Refused before anything is written, naming the setting.
     */
    @Test
    void aJsonlFileThatIsStandardOutputIsRefusedNotClaimedAppended() throws Exception {
        Path journal = journalOfAKilledSession();
        Path stdout = dir.resolve("lines.jsonl");
        Path stderr = dir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(ChildJava.java(), "-cp", ChildJava.classPath(),
                "io.peerpulse.cli.Main", "recover", journal.toString(), "--out", dir.resolve("out").toString(),
                "--exporters", "json,jsonl", "--jsonl-file", "/dev/stdout")
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        builder.environment().remove(StandardOutput.ENV);
        Process child = builder.start();
        assertThat(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("the child exited").isTrue();

        assertThat(child.exitValue()).as("stderr: %s", Files.readString(stderr)).isEqualTo(2);
        assertThat(Files.readString(stdout)).doesNotContain("appended");
        assertThat(Files.readString(stderr)).contains("recover: cannot recover " + journal.toAbsolutePath()
                + ": exporter 'jsonl': peerpulse.export.jsonl.file is '/dev/stdout', a symbolic link");
        assertThat(dir.resolve("out")).as("nothing written").isEmptyDirectory();
    }

    /**
     * {@code JAVA_TOOL_OPTIONS='-Dpeerpulse.export.json.directory=wanted' ./peerpulse recover J}: the command's
     * {@code --out}, its default too, is a session setting and wins over the property, which was ignored without
     * a word. It still wins, and each property it overrides is named beside the place used; one naming that place
     * is not.
     */
    @Test
    void aSystemPropertyThatOutOverridesIsNamedNotSilentlyIgnored() throws Exception {
        Path journal = journalOfAKilledSession();
        Path wanted = dir.resolve("wanted");
        Path stdout = dir.resolve("stdout.txt");
        Path stderr = dir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(ChildJava.java(), "-cp", ChildJava.classPath(),
                "io.peerpulse.cli.Main", "recover", journal.toString(), "--exporters", "json,csv,jsonl")
                .directory(dir.toFile()).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        builder.environment().remove(StandardOutput.ENV);
        builder.environment().put("JAVA_TOOL_OPTIONS", "-Dpeerpulse.export.json.directory=" + wanted
                + " -Dpeerpulse.export.csv.directory=peerpulse-out -Dpeerpulse.export.jsonl.file=" + wanted
                + "/all.jsonl");
        Process child = builder.start();
        assertThat(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("the child exited").isTrue();

        String errors = Files.readString(stderr);
        assertThat(child.exitValue()).as("stderr: %s", errors).isZero();
        Path used = dir.resolve("peerpulse-out");
        assertThat(errors.lines().filter(line -> line.startsWith("recover: "))).containsExactly(
                "recover: the system property peerpulse.export.json.directory=" + wanted + " is ignored: the default"
                        + " --out gives " + used,
                "recover: the system property peerpulse.export.jsonl.file=" + wanted + "/all.jsonl is ignored: the"
                        + " default --out gives " + used.resolve("sessions.jsonl"));
        assertThat(used.resolve("cli-recover.json")).exists();
        assertThat(used.resolve("sessions.jsonl")).exists();
        assertThat(wanted).doesNotExist();
    }

    /** A killed session reaches the experiment's sessions.jsonl too, beside the lines of the sessions that ended. */
    @Test
    void theJsonlExporterAppendsTheKilledSessionsLineToTheExperimentsFile() throws Exception {
        Path journal = journalOfAKilledSession();
        Path experiment = Files.writeString(dir.resolve("exp-42.jsonl"), "{\"sessionId\":\"earlier\"}\n");

        assertThat(run("recover", journal.toString(), "--out", dir.resolve("out").toString(), "--exporters",
                "json,jsonl", "--jsonl-file", experiment.toString())).as("stderr: %s", err).isZero();

        List<String> lines = Files.readAllLines(experiment);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo("{\"sessionId\":\"earlier\"}");
        assertThat(lines.get(1)).startsWith("{\"sessionId\":\"cli-recover\"");
        assertThat(out.toString()).contains("appended the session's line to " + experiment.toAbsolutePath(),
                "wrote " + dir.resolve("out").resolve("cli-recover.json").toAbsolutePath());

        out.getBuffer().setLength(0);
        assertThat(run("recover", journal.toString(), "--out", dir.resolve("second").toString(), "--exporters", "jsonl"))
                .as("stderr: %s", err).isZero();
        assertThat(Files.readAllLines(dir.resolve("second").resolve("sessions.jsonl"))).singleElement().asString()
                .startsWith("{\"sessionId\":\"cli-recover\"");
    }

    @Test
    void aJsonlFileWithoutTheJsonlExporterIsRefused() throws Exception {
        Path journal = journalOfAKilledSession();
        assertThat(run("recover", journal.toString(), "--out", dir.resolve("out").toString(), "--jsonl-file",
                dir.resolve("x.jsonl").toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("recover: --jsonl-file is for the jsonl exporter, which --exporters"
                + " does not name");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void aSecondRecoveryIntoTheSameFolderSaysWhichNamesWereTaken() throws Exception {
        Path journal = journalOfAKilledSession();
        Path outDir = dir.resolve("out");
        assertThat(run("recover", journal.toString(), "--out", outDir.toString())).as("stderr: %s", err).isZero();
        assertThat(err.toString()).isEmpty();

        assertThat(run("recover", journal.toString(), "--out", outDir.toString())).as("stderr: %s", err).isZero();
        for (String extension : List.of("json", "csv", "html")) {
            assertThat(err.toString()).contains("recover: " + outDir.resolve("cli-recover." + extension).toAbsolutePath()
                    + " exists; wrote " + outDir.resolve("cli-recover-1." + extension).toAbsolutePath() + " instead");
            assertThat(outDir.resolve("cli-recover-1." + extension)).exists();
        }
    }

    /** A plugin's exporter provider that cannot be loaded: its constructor throws. */
    public static final class UnloadableExporterProvider implements SessionExporterProvider {
        public UnloadableExporterProvider() {
            throw new IllegalStateException("acme licence file missing");
        }

        @Override
        public String name() {
            return "acme";
        }

        @Override
        public SessionExporter create(ExportSettings settings) {
            return report -> { };
        }
    }

    @Test
    void anExporterAskedForWhoseProviderCannotBeLoadedIsNamedWithWhy() throws Exception {
        Path journal = journalOfAKilledSession();
        try (UnloadableProvider classPath = UnloadableProvider.onThisThread(SessionExporterProvider.class,
                UnloadableExporterProvider.class, Files.createDirectory(dir.resolve("plugin")))) {
            assertThat(run("recover", journal.toString(), "--out", dir.resolve("out").toString(), "--exporters",
                    "acme")).isEqualTo(2);
        }
        // its name is unknown, as it never loaded: the one line says what did not load, and why
        assertThat(err.toString().strip()).doesNotContain("\n").contains("unknown exporter 'acme'",
                "1 provider could not be loaded: ", UnloadableExporterProvider.class.getName(),
                "acme licence file missing");
    }

    /** A plugin's exporter provider that loads, but whose name() throws. */
    public static final class NameThrowsExporterProvider implements SessionExporterProvider {
        @Override
        public String name() {
            throw new IllegalStateException("acme config not read yet");
        }

        @Override
        public SessionExporter create(ExportSettings settings) {
            return report -> { };
        }
    }

    @Test
    void aProviderWhoseNameThrowsDoesNotStopTheOthers() throws Exception {
        Path journal = journalOfAKilledSession();
        Path outDir = dir.resolve("out");
        try (UnloadableProvider classPath = UnloadableProvider.onThisThread(SessionExporterProvider.class,
                NameThrowsExporterProvider.class, Files.createDirectory(dir.resolve("plugin")))) {
            assertThat(run("recover", journal.toString(), "--out", outDir.toString(), "--exporters", "csv"))
                    .as("stderr: %s", err).isZero();
            assertThat(outDir.resolve("cli-recover.csv")).exists();
            assertThat(run("recover", journal.toString(), "--out", outDir.toString(), "--exporters", "acme"))
                    .isEqualTo(2);
        }
        assertThat(err.toString().strip()).doesNotContain("\n").contains("unknown exporter 'acme'",
                NameThrowsExporterProvider.class.getName() + " failed in name()", "acme config not read yet");
    }

    @Test
    void unreadableInputIsOneLineWithExitCode2() throws Exception {
        assertThat(run("recover", dir.resolve("missing.journal.jsonl").toString())).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("missing.journal.jsonl");
        err.getBuffer().setLength(0);
        Path garbage = Files.writeString(dir.resolve("garbage.journal.jsonl"), "hello\n");
        assertThat(run("recover", garbage.toString(), "--out", dir.resolve("o").toString())).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("garbage.journal.jsonl", "header");
        err.getBuffer().setLength(0);
        Path journal = journalOfAKilledSession();
        assertThat(run("recover", journal.toString(), "--exporters", "bogus")).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("bogus");
    }

    /** The JDK's exceptions carry the path as their message: the cause is said, the path named once. */
    @Test
    void aJournalThatCannotBeOpenedSaysWhyWithThePathOnce() throws Exception {
        Path journal = Path.of("rel", "x.journal.jsonl");
        String where = journal.toAbsolutePath().toString();
        assertThat(RecoverCommand.cannotRecover(journal, new java.nio.file.AccessDeniedException(journal.toString())))
                .isEqualTo("cannot recover " + where + ": permission denied");
        assertThat(RecoverCommand.cannotRecover(journal, new java.nio.file.NoSuchFileException(journal.toString())))
                .isEqualTo("cannot recover " + where + ": no such file or directory");
        assertThat(RecoverCommand.cannotRecover(journal, new java.io.IOException("journal " + journal + " is empty")))
                .isEqualTo("cannot recover " + where + ": the journal is empty");

        Path unreadable = journalOfAKilledSession();
        if (!"root".equals(System.getProperty("user.name"))) {
            assertThat(unreadable.toFile().setReadable(false, false)).isTrue();
            assertThat(run("recover", unreadable.toString(), "--exporters", "none")).isEqualTo(2);
            assertThat(err.toString().strip()).isEqualTo("recover: cannot recover " + unreadable.toAbsolutePath()
                    + ": permission denied");
        } else {
            System.out.println("aJournalThatCannotBeOpenedSaysWhyWithThePathOnce: running as root, a file mode cannot"
                    + " deny reading; the wording is checked directly above");
        }
    }

    /** A pipe ({@code recover <(cat j)}) or a device exists, but is not a file recover can read twice. */
    @Test
    void aPipeOrADeviceIsNotCalledMissing() throws Exception {
        Path fifo = dir.resolve("pipe.journal.jsonl");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        for (String input : List.of(fifo.toString(), "/dev/null")) {
            err.getBuffer().setLength(0);
            assertThat(run("recover", input, "--out", dir.resolve("o").toString())).isEqualTo(2);
            assertThat(err.toString().strip()).doesNotContain("\n").doesNotContain("no such file")
                    .contains(input + ": not a regular file (a pipe or a device)");
        }
    }

    /** Each file exporter's directory setting is given only when it runs: one nobody reads is refused as a typo. */
    @Test
    void noneOrOneExporterRecoversWithoutTheOthersSettings() throws Exception {
        Path journal = journalOfAKilledSession();
        Path outDir = dir.resolve("out");

        assertThat(run("recover", journal.toString(), "--out", outDir.toString(), "--exporters", "none"))
                .as("stderr: %s", err).isZero();
        assertThat(out.toString()).contains("session cli-recover: 5 samples", "problems: none").doesNotContain("wrote");
        assertThat(outDir).doesNotExist();

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        // a bad argument, found before anything is done: exit 2, as summarize --out DIR
        out.getBuffer().setLength(0);
        assertThat(run("recover", journal.toString(), "--out", file.toString(), "--exporters", "csv")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("recover: --out " + file + " is a file, not a folder: give a"
                + " folder to write into");
        assertThat(out.toString()).doesNotContain("session cli-recover");
        assertThat(run("recover", journal.toString(), "--out", outDir.toString(), "--exporters", "csv"))
                .as("stderr: %s", err).isZero();
        try (var files = Files.list(outDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("cli-recover.csv");
        }
    }

    @Test
    void aSessionWhoseWallClockSteppedSaysSoAndReportsNoProblem() throws Exception {
        VirtualScheduler scheduler = new VirtualScheduler();
        GameSession session = GameSession.builder("cli-steps")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).build())
                .exporterProviders(List.of()).executor(Runnable::run)
                .journalDirectory(dir.resolve("journals")).build();
        session.onDataChannelOpen(ScriptedRttSource.repeating(RttReading.measured(70.5)));
        scheduler.advance(Duration.ofSeconds(2));
        scheduler.stepWallClock(Duration.ofSeconds(-5));
        scheduler.advance(Duration.ofSeconds(2));
        session.close();
        scheduler.shutdownNow();

        int code = run("recover", session.journalPath().orElseThrow().toString(), "--out", dir.resolve("out").toString());

        assertThat(code).as("stderr: %s", err).isZero();
        assertThat(out.toString()).contains("session cli-steps: 5 samples", "complete",
                "wall clock stepped 1 time(s) during the session (-5000 ms); durations are monotonic", "problems: none");
    }
}
