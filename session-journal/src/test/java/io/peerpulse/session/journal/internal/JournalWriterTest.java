package io.peerpulse.session.journal.internal;

import io.peerpulse.session.journal.ForwardingSink;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.shared.DaemonPool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writers of many journals on one bounded pool. */
class JournalWriterTest {

    @TempDir
    Path dir;

    /** The shared pool as {@link JournalWriter#ioExecutor()} builds it, with one thread: every writer shares it. */
    private final ThreadPoolExecutor pool = DaemonPool.create(1, "test-journal-", new LinkedBlockingQueue<>());

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * With fsync, creating the journal (a session's build(), on a game thread) writes the header but forces nothing:
     * a force waits for the disk (7.7 to 8.1 ms median, up to 40 ms, measured for build() on this machine). The
     * writer's first batch forces the header with its lines. Structure, not time: which thread calls force().
     */
    @Test
    void withFsyncTheWriterForcesTheHeaderNotTheThreadCreatingTheJournal() throws Exception {
        List<String> forcedBy = new CopyOnWriteArrayList<>();
        JournalWriter.SinkWrapper recording = forcesInto(forcedBy);
        JournalWriter writer = JournalWriter.create(dir, "forced", "forced", true, recording, pool,
                Duration.ofSeconds(10), "header of forced");
        assertThat(forcedBy).as("create() forces nothing on the caller's thread").isEmpty();

        writer.append("end", true);
        writer.close();
        assertThat(writer.awaitClosed(Duration.ofSeconds(30))).isTrue();
        assertThat(forcedBy).as("forced by the writer").isNotEmpty().allMatch(name -> name.startsWith("test-journal-"));
        assertThat(java.nio.file.Files.readAllLines(writer.path())).containsExactly("header of forced", "end");
        assertThat(writer.failures()).isZero();
    }

    /** A sink that adds the name of each thread calling {@code force()} to {@code forcedBy}. */
    private static JournalWriter.SinkWrapper forcesInto(List<String> forcedBy) {
        return real -> new ForwardingSink(real) {
            @Override
            public void force() throws IOException {
                forcedBy.add(Thread.currentThread().getName());
                real.force();
            }
        };
    }

    /**
     * With fsync, a journal closed without a line after its header still has the header forced, by the writer.
     */
    @Test
    void withFsyncAHeaderAloneIsForcedByTheWriterAtClose() throws Exception {
        List<String> forcedBy = new CopyOnWriteArrayList<>();
        JournalWriter.SinkWrapper recording = forcesInto(forcedBy);
        JournalWriter writer = JournalWriter.create(dir, "alone", "alone", true, recording, pool,
                Duration.ofSeconds(10), "header of alone");
        writer.close();
        assertThat(writer.awaitClosed(Duration.ofSeconds(30))).isTrue();
        assertThat(forcedBy).hasSize(1).allMatch(name -> name.startsWith("test-journal-"));
    }

    /**
     * A journal that always has another line queued by the time its batch is written (a session polling faster
     * than its disk forces) must not keep the pool's thread from another journal: before, its writer looped as
     * long as it found lines, and the other journal's line waited for all of its 2,000.
     */
    @Test
    void aJournalThatAlwaysHasLinesDoesNotStarveAnotherOfThePoolsThreads() throws Exception {
        int busyLines = 2_000;
        List<String> written = new CopyOnWriteArrayList<>();
        AtomicReference<JournalWriter> busy = new AtomicReference<>();
        AtomicReference<JournalWriter> other = new AtomicReference<>();
        JournalWriter.SinkWrapper recording = real -> new ForwardingSink(real) {
            @Override
            public void write(ByteBuffer bytes) throws IOException {
                String line = StandardCharsets.UTF_8.decode(bytes.duplicate()).toString().strip();
                real.write(bytes);
                written.add(line);
                if (line.startsWith("busy ")) {
                    int n = Integer.parseInt(line.substring(5));
                    if (n == 1) {
                        other.get().append("other 1", false); // its writer queued behind this one
                    }
                    if (n < busyLines) {
                        busy.get().append("busy " + (n + 1), false); // the next line, while this one is written
                    } else {
                        busy.get().append("end", true);
                        busy.get().close();
                    }
                }
            }
        };
        Duration exitTimeout = Duration.ofSeconds(10);
        busy.set(JournalWriter.create(dir, "busy", "busy", false, recording, pool, exitTimeout, "header of busy"));
        other.set(JournalWriter.create(dir, "other", "other", false, recording, pool, exitTimeout, "header of other"));

        busy.get().append("busy 1", false);
        assertThat(busy.get().awaitClosed(Duration.ofSeconds(30))).isTrue();
        other.get().close();
        assertThat(other.get().awaitClosed(Duration.ofSeconds(30))).isTrue();

        assertThat(written).contains("other 1", "busy " + busyLines);
        assertThat(written.indexOf("other 1")).as("the other journal's line written among the busy one's")
                .isLessThan(written.indexOf("busy 10"));
        assertThat(busy.get().lines()).isEqualTo(busyLines + 2L);
        assertThat(busy.get().failures()).isZero();
    }
}
