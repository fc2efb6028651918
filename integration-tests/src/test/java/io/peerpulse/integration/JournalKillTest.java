package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.SessionJournal;
import io.peerpulse.telemetry.RttSample;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal survives SIGKILL: a child JVM runs a session that journals a sample every millisecond;
 * the test kills it ({@link Process#destroyForcibly()}, SIGKILL on Linux) once the journal holds a
 * random number of lines, then recovers it. Every sample line in the file must come back with the same
 * timestamp and bit-identical RTT, and at most the last (torn) line may be lost. 20 runs.
 *
 * <p>The child's command line: {@code <java.home>/bin/java -cp <entries> JournalKillChild <dir>}, where
 * the entries are this module's {@code target/test-classes} and {@code target/classes} plus every entry
 * of this JVM's {@code jdk.module.path} and {@code java.class.path} (surefire's module path holds
 * game-session and telemetry-core): everything on the class path, as WebRtcPeersTest does.
 */
class JournalKillTest {

    private static final int RUNS = 20;
    private static final Pattern SAMPLE = Pattern.compile(
            "\\{\"type\":\"poll\",\"t\":-?\\d+,\"outcome\":\"MEASURED\",\"timestamp\":(-?\\d+),\"rttMs\":[^,]+,"
                    + "\"rttBits\":(-?\\d+)}");

    @TempDir
    Path dir;

    @Test
    void aKilledSessionLosesNoJournaledSample() throws Exception {
        List<String> jvmOptions = List.of("-XX:TieredStopAtLevel=1", "-Xshare:auto");
        long lost = 0;
        long recoveredTotal = 0;
        int torn = 0;
        for (int run = 0; run < RUNS; run++) {
            Path runDir = Files.createDirectory(dir.resolve("run-" + run));
            int target = 20 + run * 15;
            Process child = new ProcessBuilder(ChildJvm.command(JournalKillChild.class, jvmOptions, runDir.toString()))
                    .redirectErrorStream(true).start();
            Path journal;
            try {
                journal = journalOf(child);
                awaitLines(journal, target, child);
            } finally {
                child.destroyForcibly();
                assertThat(child.waitFor(10, TimeUnit.SECONDS)).as("the child died").isTrue();
            }
            byte[] bytes = Files.readAllBytes(journal);
            String text = new String(bytes, StandardCharsets.UTF_8);
            List<long[]> journaled = new ArrayList<>();
            Matcher m = SAMPLE.matcher(text);
            while (m.find()) {
                journaled.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
            }
            boolean endsTorn = bytes.length > 0 && bytes[bytes.length - 1] != '\n';
            torn += endsTorn ? 1 : 0;

            SessionJournal.Recovery recovery = SessionJournal.recover(journal);

            List<RttSample> samples = recovery.report().sessionMetrics().latency().samples();
            assertThat(recovery.complete()).isFalse();
            assertThat(recovery.problems()).as("run %d", run).hasSizeLessThanOrEqualTo(1);
            if (!recovery.problems().isEmpty()) {
                assertThat(endsTorn).isTrue();
                assertThat(recovery.problems().get(0)).contains("torn last line");
            }
            long lines = text.chars().filter(c -> c == '\n').count();
            assertThat(recovery.lineCount()).as("every complete line replayed").isEqualTo(lines);
            assertThat(samples).as("run %d: every journaled sample", run).hasSameSizeAs(journaled);
            for (int i = 0; i < journaled.size(); i++) {
                assertThat(samples.get(i).timestamp()).isEqualTo(journaled.get(i)[0]);
                assertThat(Double.doubleToRawLongBits(samples.get(i).rttMs())).isEqualTo(journaled.get(i)[1]);
            }
            lost += journaled.size() - samples.size();
            recoveredTotal += samples.size();
        }
        System.out.printf("journal kill test: %d runs, %d samples recovered, %d lost, %d runs ended in a torn line%n",
                RUNS, recoveredTotal, lost, torn);
        assertThat(lost).isZero();
    }

    /** Reads the child's first line naming its journal (bounded: the child prints it at once). */
    private static Path journalOf(Process child) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < deadline) {
            String line = out.readLine(); // returns at the latest when the child dies
            if (line == null) {
                break;
            }
            if (line.startsWith(JournalKillChild.STARTED)) {
                return Path.of(line.substring(JournalKillChild.STARTED.length()));
            }
            seen.append(line).append(" | ");
        }
        throw new AssertionError("the child did not name its journal; output: " + seen);
    }

    /** Waits, bounded, until the journal holds {@code lines} lines: a real event in another process. */
    private static void awaitLines(Path journal, int lines, Process child) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && child.isAlive()) {
            byte[] bytes = Files.readAllBytes(journal);
            long count = 0;
            for (byte b : bytes) {
                count += b == '\n' ? 1 : 0;
            }
            if (count >= lines) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        throw new AssertionError("the journal did not reach " + lines + " lines in 30 s");
    }
}
