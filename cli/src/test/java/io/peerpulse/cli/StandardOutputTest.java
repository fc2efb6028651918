package io.peerpulse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standard output carries only the command's own output, in order with what the shell writes around it:
 * run the way {@code ./peerpulse} runs java ({@code exec 3>&1 1>&2; PEERPULSE_STDOUT_FD=3 exec java
 * --add-opens …}), whatever is written to descriptor 1 behind the command's back — as webrtc-java's
 * native code writes "VM attach current thread failed" — lands on standard error. Here the probe runs on
 * the class path (so the option opens java.io to ALL-UNNAMED); {@code scripts/check-launcher-output.sh}
 * runs the launcher itself.
 */
@Tag("integration")
class StandardOutputTest {

    /** What {@code ./peerpulse} does before java, and java's options that matter here. */
    private static final String LAUNCH = "exec 3>&1 1>&2; PEERPULSE_STDOUT_FD=3 exec \"$0\" "
            + "--add-opens java.base/java.io=ALL-UNNAMED -cp \"$1\" io.peerpulse.cli.StdoutProbeMain";

    @Test
    void theLauncherRedirectsAsTheseTestsDo() throws IOException {
        String launcher = Files.readString(Path.of("..", "peerpulse"));
        assertThat(launcher).contains("exec 3>&1 1>&2").contains("PEERPULSE_STDOUT_FD=3 exec \"$java\"")
                .contains(StandardOutput.ADD_OPENS);
    }

    @Test
    void nothingWrittenToDescriptorOneReachesStandardOutputThroughTheLaunchersRedirection(@TempDir Path dir)
            throws IOException, InterruptedException {
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        assertThat(bash(LAUNCH, out, err)).as(Files.readString(err)).isZero();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo("our table line\n");
        assertThat(Files.readString(err, StandardCharsets.UTF_8))
                .contains("VM attach current thread failed").contains("a stray System.out line");
    }

    @Test
    void betweenTheShellsOwnLinesInOneFileTheCommandsOutputStaysInOrder(@TempDir Path dir)
            throws IOException, InterruptedException {
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        // the file is the group's standard output: the shell and the command share one file offset
        assertThat(bash("{ echo a; (" + LAUNCH + "); echo b; }", out, err)).as(Files.readString(err)).isZero();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo("a\nour table line\nb\n");
    }

    @Test
    void betweenTheShellsOwnLinesInAPipeTheCommandsOutputStaysInOrder(@TempDir Path dir)
            throws IOException, InterruptedException {
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        assertThat(bash("set -o pipefail; { echo a; (" + LAUNCH + "); echo b; } | cat", out, err))
                .as(Files.readString(err)).isZero();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo("a\nour table line\nb\n");
    }

    @Test
    void withoutTheOpenedPackageTheCommandSaysSoAndWritesToDescriptorOne(@TempDir Path dir)
            throws IOException, InterruptedException {
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        String launch = LAUNCH.replace("--add-opens java.base/java.io=ALL-UNNAMED ", "");
        assertThat(bash(launch, out, err)).as(Files.readString(err)).isZero();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEmpty();
        assertThat(Files.readString(err, StandardCharsets.UTF_8))
                .contains("peerpulse: cannot write to descriptor PEERPULSE_STDOUT_FD=3").contains("our table line");
    }

    @Test
    void aDescriptorOpenOnlyForReadingIsNeverWrittenTo(@TempDir Path dir) throws IOException, InterruptedException {
        Path input = dir.resolve("input");
        Files.writeString(input, "keep\n");
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        String launch = LAUNCH.replace("exec 3>&1 1>&2;", "exec 3<\"$2\" 1>&2;");
        assertThat(bash(launch, out, err, input.toString())).as(Files.readString(err)).isZero();
        assertThat(Files.readString(input)).isEqualTo("keep\n");
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEmpty();
        assertThat(Files.readString(err, StandardCharsets.UTF_8))
                .contains("descriptor 3 is not open for writing").contains("our table line");
    }

    @Test
    void withoutTheLauncherTheCommandWritesToDescriptorOne(@TempDir Path dir) throws IOException, InterruptedException {
        Path out = dir.resolve("stdout");
        ProcessBuilder builder = new ProcessBuilder(ChildJava.java(), "-cp", ChildJava.classPath(),
                "io.peerpulse.cli.StdoutProbeMain")
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().remove(StandardOutput.ENV);
        assertThat(exitCode(builder.start())).isZero();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).contains("our table line")
                .contains("VM attach current thread failed");
    }

    /**
     * {@code summarize runs | head -1} where the C library speaks German ({@code LANGUAGE=de}, as a German desktop
     * sets it): EPIPE's message is then "Datenübergabe unterbrochen (broken pipe)", not "Broken pipe", and the
     * command said "cannot write standard output: Datenübergabe unterbrochen (broken pipe); what it holds is
     * incomplete" and exited 1. Whatever the language, a pipe whose reader stopped ends it quietly with 141.
     */
    @Test
    void aPipeWhoseReaderStoppedExits141QuietlyWhateverTheLanguageOfTheSystemsMessages(@TempDir Path dir)
            throws IOException, InterruptedException {
        for (String language : new String[] {"de", "fr", "en"}) {
            Path out = dir.resolve("stdout-" + language);
            Path err = dir.resolve("stderr-" + language);
            int code = bash("LC_ALL=C.UTF-8 LANGUAGE=$2 \"$0\" -cp \"$1\" io.peerpulse.cli.BrokenPipeProbeMain"
                    + " | head -n 1; exit ${PIPESTATUS[0]}", out, err, language);

            assertThat(Files.readString(err, StandardCharsets.UTF_8)).as(language).isEmpty();
            assertThat(code).as(language).isEqualTo(Main.BROKEN_PIPE);
            assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo("session-0,line of a summary\n");
        }
    }

    /**
     * {@code peerpulse summarize runs/ --out /dev/stdout > t.csv}: java's descriptor 1 is standard error under the
     * launcher, so the table went there (with standard error a file, as root, to a new file {@code /dev/stdout-1}),
     * and {@code t.csv} held only "wrote 1 session(s) to /dev/stdout"; with {@code --force} a link to descriptor 1
     * was replaced by a regular file. {@code /dev/stdout}, {@code /dev/fd/1} and a link to them are the command's
     * standard output, {@code /dev/stderr} its standard error, written in order with what else goes there.
     */
    @Test
    @org.junit.jupiter.api.extension.ExtendWith(io.peerpulse.telemetry.fixtures.LogCapture.class) // fullReport's faults
    void outNamingStandardOutputOrErrorWritesThereUnderTheLaunchersRedirection(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("s.json");
        try (java.io.OutputStream stream = Files.newOutputStream(json)) {
            io.peerpulse.export.json.SessionReportJson.write(
                    io.peerpulse.testkit.SessionExporterContract.fullReport("session-a"), stream);
        }
        Path link = Files.createSymbolicLink(dir.resolve("table.csv"), Path.of("/proc/self/fd/1"));
        for (List<String> args : List.of(List.of("summarize", json.toString(), "--out", "/dev/stdout"),
                List.of("summarize", json.toString(), "--out", "/dev/fd/1"),
                List.of("summarize", json.toString(), "--out", link.toString(), "--force"))) {
            Path out = dir.resolve("stdout");
            Child child = command(out, args);
            assertThat(child.code).as("%s: %s", args, child.err).isZero();
            assertThat(Files.readString(out, StandardCharsets.UTF_8)).as(args.toString())
                    .startsWith(SummarizeCommand.HEADER + "\n").contains("\nsession-a,").doesNotContain("wrote");
            assertThat(child.err).as(args.toString()).doesNotContain(SummarizeCommand.HEADER).doesNotContain("exists");
        }
        assertThat(link).as("still the link").isSymbolicLink();
        assertThat(dir.resolve("table-1.csv")).doesNotExist();

        Path out = dir.resolve("stdout");
        Child page = command(out, List.of("report", json.toString(), "--out", "/dev/stdout"));
        assertThat(page.code).as(page.err).isZero();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).contains("<svg", "session-a").doesNotContain("wrote");

        Child toErr = command(out, List.of("summarize", json.toString(), "--out", "/dev/stderr"));
        assertThat(toErr.code).as(toErr.err).isZero();
        assertThat(toErr.err).contains(SummarizeCommand.HEADER + "\n").contains("\nsession-a,");
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).doesNotContain(SummarizeCommand.HEADER);
    }

    /**
     * {@code summarize runs/ --out /dev/stdout | head -1}: the reader stopped, the command ends with 141 and says
     * nothing, as without {@code --out} (it said "wrote 600 session(s) to /dev/stdout").
     */
    @Test
    @org.junit.jupiter.api.extension.ExtendWith(io.peerpulse.telemetry.fixtures.LogCapture.class) // fullReport's faults
    void outNamingStandardOutputIntoAPipeWhoseReaderStoppedExits141Quietly(@TempDir Path dir) throws Exception {
        Path runs = Files.createDirectories(dir.resolve("runs"));
        try (java.io.OutputStream stream = Files.newOutputStream(runs.resolve("s0.json"))) {
            io.peerpulse.export.json.SessionReportJson.write(
                    io.peerpulse.testkit.SessionExporterContract.fullReport("session-a"), stream);
        }
        for (int i = 1; i < 600; i++) { // a table beyond a pipe's 64 KiB
            Files.copy(runs.resolve("s0.json"), runs.resolve("s" + i + ".json"));
        }
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        int code = bash("set -o pipefail; (exec 3>&1 1>&2; PEERPULSE_STDOUT_FD=3 exec \"$0\" --add-opens"
                + " java.base/java.io=ALL-UNNAMED -cp \"$1\" io.peerpulse.cli.Main summarize \"$2\" --out /dev/stdout)"
                + " | head -n 1", out, err, runs.toString());

        assertThat(Files.readString(err, StandardCharsets.UTF_8)).isEmpty();
        assertThat(code).isEqualTo(Main.BROKEN_PIPE);
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo(SummarizeCommand.HEADER + "\n");
    }

    private record Child(int code, String err) {
    }

    /**
     * Runs the command as {@code ./peerpulse} runs it, standard output into {@code out} and standard error a pipe
     * (a file there would make the old code write {@code /dev/stdout-1} into {@code /dev} as root).
     */
    private static Child command(Path out, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", "-c", "exec 3>&1 1>&2; PEERPULSE_STDOUT_FD=3 exec \"$0\""
                + " --add-opens java.base/java.io=ALL-UNNAMED -cp \"$1\" io.peerpulse.cli.Main \"${@:2}\"",
                ChildJava.java(), ChildJava.classPath()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile());
        builder.environment().remove(StandardOutput.ENV);
        Process child = builder.start();
        java.util.concurrent.CompletableFuture<String> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        int code = exitCode(child);
        return new Child(code, err.get(10, TimeUnit.SECONDS));
    }

    /**
     * Runs {@code script} in bash ({@code $0} the java binary, {@code $1} the class path, then {@code more});
     * its exit code.
     */
    private static int bash(String script, Path out, Path err, String... more) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "-c", script, ChildJava.java(), ChildJava.classPath()));
        command.addAll(List.of(more));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().remove(StandardOutput.ENV);
        return exitCode(builder.start());
    }

    private static int exitCode(Process child) throws InterruptedException {
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("the child did not exit within 60 s");
        }
        return child.exitValue();
    }
}
