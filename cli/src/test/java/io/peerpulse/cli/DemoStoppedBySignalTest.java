package io.peerpulse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C or SIGTERM in the middle of {@code peerpulse demo}: the session is closed on the way out, so the
 * exporters write what was measured until then and the journal gets its end line; the exit code stays the
 * signal's. Before, the process died with the session and left no export (only the journal, when asked for).
 * The demo runs in a child JVM (real peers), which gets a real SIGTERM once it printed its second progress
 * line.
 */
@Tag("integration")
class DemoStoppedBySignalTest {

    /** The sample count of a progress line: {@code [  3s] last RTT … | samples   2 | …}. */
    private static final java.util.regex.Pattern SAMPLES = java.util.regex.Pattern.compile("^\\[ *\\d+s\\] .*\\| samples +(\\d+) \\|");

    @Test
    void sigtermInTheMiddleOfTheDemoWritesTheExportsAndEndsTheJournal(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Path journal = dir.resolve("journal");
        Path stderr = dir.resolve("stderr");
        Process child = new ProcessBuilder(command("demo", "--duration", "5m", "--out", out.toString(),
                "--journal", journal.toString())).redirectError(stderr.toFile()).start();
        List<String> lines = new ArrayList<>();
        CompletableFuture<Void> twoSamples = new CompletableFuture<>();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            try (BufferedReader stdout = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = stdout.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    java.util.regex.Matcher progress = SAMPLES.matcher(line);
                    if (progress.find() && Integer.parseInt(progress.group(1)) >= 2) {
                        twoSamples.complete(null); // two samples measured: the progress line says so, not the clock
                    }
                }
            } catch (IOException e) {
                twoSamples.completeExceptionally(e);
            }
            twoSamples.completeExceptionally(new AssertionError("the demo ended before it had measured two samples"));
        });
        try {
            twoSamples.get(90, TimeUnit.SECONDS); // peers connect, then two samples
            // SIGTERM by kill(1): Process.destroy() would also close our end of the child's output
            assertThat(new ProcessBuilder("kill", "-TERM", String.valueOf(child.pid())).start().waitFor()).isZero();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the demo exits after SIGTERM").isTrue();
        } finally {
            child.destroyForcibly();
        }
        reader.get(10, TimeUnit.SECONDS);

        String err = Files.readString(stderr);
        assertThat(child.exitValue()).as("exit code (stderr: %s)", err).isEqualTo(143); // 128 + SIGTERM
        assertThat(err).contains("demo: stopped before the end (Ctrl-C or a signal): closing the session");
        String sessionId = lines.get(0).split(" ")[2].replace(":", "");
        assertThat(sessionId).startsWith("demo-");
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    sessionId + ".json", sessionId + ".csv", sessionId + ".html", "sessions.jsonl"); // no temporary file
        }
        assertThat(lines).contains("wrote " + out.resolve(sessionId + ".json").toAbsolutePath(),
                "appended the session's line to " + out.resolve("sessions.jsonl").toAbsolutePath());
        assertThat(Files.readAllLines(out.resolve("sessions.jsonl"))).singleElement().asString()
                .startsWith("{\"sessionId\":\"" + sessionId + "\"");
        assertThat(Sessions.read(out.resolve(sessionId + ".json")).sessionMetrics().latency().sampleCount())
                .isGreaterThanOrEqualTo(2);
        List<String> journalLines = Files.readAllLines(journal.resolve(sessionId + ".journal.jsonl"));
        assertThat(journalLines.get(journalLines.size() - 1)).startsWith("{\"type\":\"end\",");
    }

    /** {@code java -cp <this test's class path and module path> io.peerpulse.cli.Main args}. */
    private static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(ChildJava.java(), "--enable-native-access=ALL-UNNAMED", "-cp",
                ChildJava.classPath(), Main.class.getName()));
        command.addAll(List.of(args));
        return command;
    }
}
