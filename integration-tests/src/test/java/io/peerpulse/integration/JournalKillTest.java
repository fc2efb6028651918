package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.journal.SessionJournal;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The journal survives SIGKILL: a child JVM runs a session that journals a sample every millisecond;
 * the test kills it ({@link Process#destroyForcibly()}, SIGKILL on Linux) once the child says its source
 * was polled a number of times that differs per run, then recovers the journal. Every sample line in the file must come back with the same
 * timestamp and bit-identical RTT, and at most the last (torn) line may be lost. 20 runs.
 *
 * <p>The child's command line: {@code <java.home>/bin/java -cp <entries> JournalKillChild <dir>}, where
 * the entries are this module's {@code target/test-classes} and {@code target/classes} plus every entry
 * of this JVM's {@code jdk.module.path} and {@code java.class.path} (surefire's module path holds
 * game-session and telemetry-core): everything on the class path, as WebRtcPeersTest does.
 */
@Isolated
@Tag("integration")
class JournalKillTest {

    private static final int RUNS = 20;
    private static final Pattern SAMPLE = Pattern.compile(
            "\\{\"type\":\"poll\",\"seq\":\\d+,\"epochMs\":-?\\d+,\"nanoTime\":-?\\d+,\"outcome\":\"MEASURED\",\"timestampEpochMs\":(-?\\d+),"
                    + "\"rttMs\":[^,\n]+,\"rttBits\":(-?\\d+)(,\"[a-zA-Z]+\":[^,\n]+)*,\"crc\":\"[0-9a-f]{8}\"}");

    @TempDir
    Path dir;

    @Test
    void aKilledSessionLosesNoJournaledSample() throws Exception {
        killAndRecover("healthy", RUNS);
    }

    /**
     * A disk that does not keep up (each write held 3 ms while the session journals a poll every millisecond):
     * the kill finds lines queued, not written; those are lost, and only those: the file holds seqs 0..n in
     * order, and recovers whole.
     */
    @Test
    void aKilledSessionWithASlowDiskLosesOnlyTheLinesNotYetWritten() throws Exception {
        killAndRecover("3000", 5);
    }

    /** A write that never returns (a frozen file system) when the child is killed: the same. */
    @Test
    void aKilledSessionWithAStuckDiskLosesOnlyTheLinesNotYetWritten() throws Exception {
        killAndRecover("stuck", 5);
    }

    private void killAndRecover(String disk, int runs) throws Exception {
        List<String> jvmOptions = List.of("-XX:TieredStopAtLevel=1", "-Xshare:auto");
        long lost = 0;
        long recoveredTotal = 0;
        int torn = 0;
        for (int run = 0; run < runs; run++) {
            Path runDir = Files.createDirectory(dir.resolve(disk + "-run-" + run));
            int target = 20 + run * 15;
            List<String> args = disk.equals("healthy") ? List.of(runDir.toString(), Integer.toString(target))
                    : List.of(runDir.toString(), Integer.toString(target), disk);
            Process child = new ProcessBuilder(ChildJvm.command(JournalKillChild.class, jvmOptions,
                    args.toArray(String[]::new))).redirectErrorStream(true).start();
            ChildOutput output = new ChildOutput(child);
            Path journal;
            try {
                journal = Path.of(await(output.journal, "the child to name its journal", output));
                await(output.polled, "the child to be polled " + target + " times", output);
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

            // a disk far behind when the child was killed (a loaded machine) may have written no sample at all:
            // then the report has no latency, and none was journaled either
            LatencyStats latency = recovery.report().sessionMetrics().latency();
            List<RttSample> samples = latency == null ? List.of() : latency.samples();
            assertThat(recovery.complete()).isFalse();
            assertThat(recovery.problems()).as("run %d", run).hasSizeLessThanOrEqualTo(1);
            if (!recovery.problems().isEmpty()) {
                assertThat(endsTorn).as("run %d: %s", run, recovery.problems()).isTrue();
                assertThat(recovery.problems().get(0)).contains("torn last line");
            }
            long lines = text.chars().filter(c -> c == '\n').count();
            Matcher seqs = Pattern.compile("(?m)^\\{\"type\":\"\\w+\",\"seq\":(\\d+),").matcher(text);
            long seq = 0;
            for (; seqs.find(); seq++) {
                assertThat(Long.parseLong(seqs.group(1))).as("run %d: a line lost before a line written", run)
                        .isEqualTo(seq);
            }
            assertThat(seq).as("run %d: every whole line numbered", run).isGreaterThanOrEqualTo(lines);
            assertThat(recovery.lineCount()).as("every complete line replayed").isEqualTo(lines);
            assertThat(samples).as("run %d: every journaled sample", run).hasSameSizeAs(journaled);
            for (int i = 0; i < journaled.size(); i++) {
                assertThat(samples.get(i).timestampEpochMs()).isEqualTo(journaled.get(i)[0]);
                assertThat(Double.doubleToRawLongBits(samples.get(i).rttMs())).isEqualTo(journaled.get(i)[1]);
            }
            lost += journaled.size() - samples.size();
            recoveredTotal += samples.size();
        }
        System.out.printf("journal kill test (%s disk): %d runs, %d samples recovered, %d lost, %d runs ended in a"
                + " torn line%n", disk, runs, recoveredTotal, lost, torn);
        assertThat(lost).isZero();
    }

    /**
     * The child's output, read on a thread of its own: completes {@link #journal} and {@link #polled} on the
     * lines that announce those events, and fails both, with what the child said, when its output ends first.
     */
    private static final class ChildOutput {

        final CompletableFuture<String> journal = new CompletableFuture<>();
        final CompletableFuture<String> polled = new CompletableFuture<>();
        private final StringBuffer seen = new StringBuffer();

        ChildOutput(Process child) {
            Thread reader = new Thread(() -> read(child), "journal-kill-child-output");
            reader.setDaemon(true);
            reader.start();
        }

        private void read(Process child) {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith(JournalKillChild.STARTED)) {
                        journal.complete(line.substring(JournalKillChild.STARTED.length()));
                    } else if (line.startsWith(JournalKillChild.POLLED)) {
                        polled.complete(line);
                    } else {
                        seen.append(line).append(" | ");
                    }
                }
            } catch (IOException e) {
                seen.append(e);
            } finally {
                IllegalStateException ended = new IllegalStateException("the child's output ended; it said: " + seen);
                journal.completeExceptionally(ended);
                polled.completeExceptionally(ended);
            }
        }
    }

    /** Waits (bounded: the events come within milliseconds; the bound only fails a hung child) for an event. */
    private static String await(CompletableFuture<String> event, String what, ChildOutput output) throws Exception {
        try {
            return event.get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("timed out after 30 s waiting for " + what + "; it said: " + output.seen, e);
        } catch (ExecutionException e) {
            throw new AssertionError("waiting for " + what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}
