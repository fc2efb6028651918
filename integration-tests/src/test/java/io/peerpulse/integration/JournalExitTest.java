package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.journal.SessionJournal;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A JVM that ends without closing its session — {@code System.exit(0)} at the end of an experiment script,
 * SIGTERM (Ctrl-C, {@code kill}, a container stop), or the end of {@code main} with only daemon threads left —
 * keeps every journal line applied before: the journal's shutdown hook waits for its writer to write the lines still
 * queued. A child JVM ({@link JournalExitChild}) applies a burst of events on a slowed disk (each write held 500 µs,
 * so that about 2,000 lines are queued when it ends), then exits, returns or is signalled; the test recovers its
 * journal and counts every event.
 */
@Isolated
@Tag("integration")
class JournalExitTest {

    private static final int ROUNDS = 1_000;
    /** The children's exporter timeout, the exit's bound: far above the ~1.1 s their slowed writes take. */
    private static final long WAIT_MS = 60_000;

    @TempDir
    Path dir;

    @Test
    void systemExitRightAfterABurstLosesNoAppliedEvent() throws Exception {
        Child child = start("exit", ROUNDS, "500", WAIT_MS);
        assertThat(child.process.waitFor(120, TimeUnit.SECONDS)).as("the child exited; it said: %s", child.seen)
                .isTrue();
        assertThat(child.process.exitValue()).isZero();
        assertEveryEventRecovered(child);
    }

    @Test
    void theEndOfMainRightAfterABurstLosesNoAppliedEvent() throws Exception {
        Child child = start("return", ROUNDS, "500", WAIT_MS);
        assertThat(child.process.waitFor(120, TimeUnit.SECONDS)).as("the child exited; it said: %s", child.seen)
                .isTrue();
        assertThat(child.process.exitValue()).isZero();
        assertEveryEventRecovered(child);
    }

    @Test
    void sigtermRightAfterABurstLosesNoAppliedEvent() throws Exception {
        Child child = start("signal", ROUNDS, "500", WAIT_MS);
        child.process.destroy(); // SIGTERM
        assertThat(child.process.waitFor(120, TimeUnit.SECONDS)).as("the child exited; it said: %s", child.seen)
                .isTrue();
        assertThat(child.process.exitValue()).isEqualTo(143);
        assertEveryEventRecovered(child);
    }

    /**
     * A write that never returns (a frozen file system) does not hold the exit longer than the journal's bound, its
     * exporter timeout (here 1 s): the child exits, with the lines written before the disk stuck recoverable.
     */
    @Test
    void aStuckDiskDoesNotHoldTheExitBeyondTheExporterTimeout() throws Exception {
        Child child = start("exit", ROUNDS, "stuck", 1_000);
        long start = System.nanoTime();
        boolean exited = child.process.waitFor(30, TimeUnit.SECONDS); // the bound only fails a hung child
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (!exited) {
            child.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        System.out.printf("journal exit test (stuck disk, exporter timeout 1 s): the child exited %d ms after applying"
                + " its events%n", tookMs);
        assertThat(exited).as("the exit was not held by the stuck write; it said: %s", child.seen).isTrue();
        assertThat(child.process.exitValue()).isZero();
        assertThat(child.seen.toString()).as("what the child said").contains("[PeerPulse] journal of session 'exit-",
                ": 1951 lines not written when the JVM exited with the session not closed (the exit waits at most the"
                        + " exporter timeout PT1S;");
        SessionJournal.Recovery recovery = SessionJournal.recover(child.journal);
        assertThat(recovery.lineCount()).as("the header and the 49 lines written before the disk stuck")
                .isEqualTo(50);
    }

    /**
     * The disk fills up as the JVM exits: the writes the exit waits for fail. The JDK's logging may be reset by then
     * (its own shutdown hook), so the hook itself says how many lines could not be written, and why.
     */
    @Test
    void aDiskFullAtTheExitIsSaidByTheHook() throws Exception {
        Child child = start("exit", ROUNDS, "full", WAIT_MS);
        assertThat(child.process.waitFor(120, TimeUnit.SECONDS)).as("the child exited; it said: %s", child.seen)
                .isTrue();
        assertThat(child.process.exitValue()).isZero();
        assertThat(child.seen.toString()).as("what the child said").contains("[PeerPulse] journal of session 'exit-",
                ": writes failed while the JVM exited with the session not closed (no space left on device): 1951"
                        + " lines could not be written in all; they are lost");
    }

    /**
     * A web app redeployed must not keep its class loader through a shutdown hook: after every journal is closed, the
     * JVM holds no hook of PeerPulse's; while journals are open, one for the JVM, however many are open.
     */
    @Test
    void closingEveryJournalLeavesNoShutdownHook() throws Exception {
        Process process = new ProcessBuilder(ChildJvm.command(JournalExitChild.class,
                List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"), dir.toString(), "hooks", "5", "healthy",
                "10000")).redirectErrorStream(true).start();
        String output;
        try {
            output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return e.toString();
                }
            }).get(60, TimeUnit.SECONDS);
        } finally {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String hooks = output.lines().filter(l -> l.startsWith(JournalExitChild.HOOKS)).findFirst()
                .orElseThrow(() -> new AssertionError("the child said: " + output))
                .substring(JournalExitChild.HOOKS.length());
        String[] counts = hooks.split(" ");
        int before = Integer.parseInt(counts[0]);
        assertThat(Integer.parseInt(counts[1])).as("while journals are open (before, open, after: %s)", hooks)
                .isEqualTo(before + 1);
        assertThat(Integer.parseInt(counts[2])).as("after they are closed (before, open, after: %s)", hooks)
                .isEqualTo(before);
    }

    private void assertEveryEventRecovered(Child child) throws IOException {
        SessionJournal.Recovery recovery = SessionJournal.recover(child.journal);
        long applied = child.applied;
        long recovered = recovery.lineCount() - 1;
        System.out.printf("journal exit test: %d events applied, %d recovered, %d lost%n", applied, recovered,
                applied - recovered);
        assertThat(recovery.problems()).isEmpty();
        assertThat(recovered).as("every applied event recovered").isEqualTo(applied);
        assertThat(recovery.report().multiplayerMetrics().rounds()).hasSize(ROUNDS);
    }

    private Child start(String what, int rounds, String disk, long timeoutMs) throws Exception {
        Process process = new ProcessBuilder(ChildJvm.command(JournalExitChild.class, List.of(), dir.toString(), what,
                Integer.toString(rounds), disk, Long.toString(timeoutMs))).redirectErrorStream(true).start();
        Child child = new Child(process);
        try {
            child.journal = Path.of(child.started.get(30, TimeUnit.SECONDS));
            child.applied = Long.parseLong(child.appliedLine.get(30, TimeUnit.SECONDS));
        } catch (TimeoutException | ExecutionException e) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("waiting for the child: " + e + "; it said: " + child.seen, e);
        }
        return child;
    }

    /** A child and what it said, read on a thread of its own. */
    private static final class Child {
        final Process process;
        final CompletableFuture<String> started = new CompletableFuture<>();
        final CompletableFuture<String> appliedLine = new CompletableFuture<>();
        final StringBuffer seen = new StringBuffer();
        Path journal;
        long applied;

        Child(Process process) {
            this.process = process;
            Thread reader = new Thread(this::read, "journal-exit-child-output");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith(JournalExitChild.STARTED)) {
                        started.complete(line.substring(JournalExitChild.STARTED.length()));
                    } else if (line.startsWith(JournalExitChild.APPLIED)) {
                        appliedLine.complete(line.substring(JournalExitChild.APPLIED.length()));
                    } else {
                        seen.append(line).append(" | ");
                    }
                }
            } catch (IOException e) {
                seen.append(e);
            } finally {
                IllegalStateException ended = new IllegalStateException("the child's output ended");
                started.completeExceptionally(ended);
                appliedLine.completeExceptionally(ended);
            }
        }
    }
}
