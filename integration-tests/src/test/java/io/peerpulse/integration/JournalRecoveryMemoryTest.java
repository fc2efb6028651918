package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Recovery streams: a 64 MB journal (330,000 poll lines), four times the heap, is recovered in a child JVM
 * limited to {@code -Xmx16m} — memory bounded by the window and the session's aggregates, not the file —
 * and in the same heap a journal of the same size whose session aggregates cannot fit fails with the
 * {@code OutOfMemoryError} at once instead of logging it as a listener warning and going on (what issue 15
 * saw: 3,436 warnings, never ending). A file larger than the heap is what shows the streaming; a bigger
 * file would only take longer to write and read.
 *
 * <p>The journals are written here, into {@code target/journal-memory}, line by line as the session's
 * journal writes them (format 5: {@code seq}, {@code t}, {@code n}, exact RTT bits, {@code crc}).
 */
@Isolated
@Tag("integration")
class JournalRecoveryMemoryTest {

    private static final Pattern RESULT = Pattern.compile(Pattern.quote(JournalRecoverChild.RESULT)
            + "samples=(\\d+) lines=(\\d+) problems=(\\d+) complete=(\\w+) peakHeapMiB=(\\d+)");
    private static final long START = 1_767_225_600_000L;
    /** Only a guard against a hung child: no assertion is made on how long a recovery takes. */
    private static final long HANG_GUARD_MINUTES = 15;

    private final Path work = Path.of(System.getProperty("user.dir"), "target", "journal-memory");

    /**
     * Writes a journal of about {@code bytes} bytes: a header, an open, one measured poll a second (RTT
     * alternating between {@code lowMs} and {@code highMs} plus a small ramp), and the end line.
     *
     * @return the number of poll lines
     */
    static long writeJournal(Path journal, long bytes, int recentSamples, double lowMs, double highMs)
            throws IOException {
        long polls = 0;
        long seq = 0;
        long written = 0;
        try (BufferedWriter out = Files.newBufferedWriter(journal, StandardCharsets.UTF_8)) {
            String header = sealed("{\"type\":\"header\",\"seq\":0,\"format\":5,\"sessionId\":\"big-journal\","
                    + "\"playerId\":\"p1\",\"startEpochMs\":" + START + ",\"startNanoTime\":1000,"
                    + "\"systemClockOffsetMs\":0,\"pollIntervalNanos\":1000000000,\"readTimeoutNanos\":1000000000,"
                    + "\"maxSampleCount\":600,\"exporterTimeoutNanos\":10000000000,\"fairFromNanos\":150000000,"
                    + "\"poorFromNanos\":300000000,\"recentSampleCount\":" + recentSamples + ",\"toleratedBadPollCount\":3,"
                    + "\"gapAfterPollCount\":3,\"fallbackAfterNanos\":10000000000}");
            out.write(header);
            written += header.length();
            String open = sealed("{\"type\":\"open\",\"seq\":" + ++seq + ",\"epochMs\":" + START + ",\"nanoTime\":1000,"
                    + "\"kind\":\"first\",\"name\":\"unnamed\",\"refreshNanos\":0}");
            out.write(open);
            written += open.length();
            long t = START;
            while (written < bytes) {
                t += 1000;
                double rtt = (polls % 2 == 0 ? lowMs : highMs) + (polls % 1000) / 8.0;
                String line = sealed("{\"type\":\"poll\",\"seq\":" + ++seq + ",\"epochMs\":" + t + ",\"nanoTime\":"
                        + nanos(t) + ",\"outcome\":\"MEASURED\",\"timestampEpochMs\":" + t + ",\"rttMs\":" + rtt
                        + ",\"rttBits\":" + Double.doubleToRawLongBits(rtt) + "}");
                out.write(line);
                written += line.length();
                polls++;
            }
            out.write(sealed("{\"type\":\"end\",\"seq\":" + ++seq + ",\"epochMs\":" + (t + 1) + ",\"nanoTime\":" + nanos(t + 1)
                    + "}"));
        }
        return polls;
    }

    /** The monotonic time of a wall-clock time of this journal (they advance together from the start). */
    private static long nanos(long epochMs) {
        return 1000 + (epochMs - START) * 1_000_000L;
    }

    /** A journal line (format 5) with its checksum member and line end: CRC32C of the line without it. */
    private static String sealed(String line) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(line.getBytes(StandardCharsets.UTF_8));
        return line.substring(0, line.length() - 1) + ",\"crc\":\"" + String.format("%08x", crc.getValue())
                + "\"}\n";
    }

    /** Runs {@link JournalRecoverChild} on {@code journal} with {@code -Xmx}; output to a file. */
    private Child recoverInChild(Path journal, String xmx) throws Exception {
        Path log = work.resolve(journal.getFileName() + ".log");
        Process child = new ProcessBuilder(ChildJvm.command(JournalRecoverChild.class,
                List.of("-Xmx" + xmx, "-XX:ErrorFile=" + work.resolve("hs_err_pid%p.log")), journal.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long begin = System.nanoTime();
        boolean exited = child.waitFor(HANG_GUARD_MINUTES, TimeUnit.MINUTES);
        long tookMs = (System.nanoTime() - begin) / 1_000_000;
        if (!exited) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        return new Child(exited, exited ? child.exitValue() : -1, Files.readString(log), tookMs);
    }

    private record Child(boolean exited, int exitCode, String output, long tookMs) {
    }

    /** The child JVMs' heap: a quarter of the journals' size. */
    private static final String HEAP = "16m";
    private static final long JOURNAL_BYTES = 64L * 1000 * 1000;

    @Test
    void aJournalOf64MbIsRecoveredInAJvmOf16Mb() throws Exception {
        Files.createDirectories(work);
        Path journal = work.resolve("big.journal.jsonl");
        long polls = writeJournal(journal, JOURNAL_BYTES, 5, 20, 30);
        assertThat(Files.size(journal)).isGreaterThan(JOURNAL_BYTES);

        Child child = recoverInChild(journal, HEAP);

        assertThat(child.exited()).as(child.output()).isTrue();
        assertThat(child.exitCode()).as(child.output()).isZero();
        Matcher m = RESULT.matcher(child.output());
        assertThat(m.find()).as(child.output()).isTrue();
        assertThat(Long.parseLong(m.group(1))).isEqualTo(polls);
        assertThat(Long.parseLong(m.group(2))).isEqualTo(polls + 3);
        assertThat(Long.parseLong(m.group(3))).isZero();
        assertThat(m.group(4)).isEqualTo("true");
        System.out.printf("recovered a %d-byte journal (%d polls) under -Xmx%s in %d ms, peak heap %s MiB%n",
                Files.size(journal), polls, HEAP, child.tookMs(), m.group(5));
        Files.delete(journal);
    }

    @Test
    void aRecoveryOutOfMemoryFailsWithTheErrorInsteadOfLoggingWarningsForever() throws Exception {
        Files.createDirectories(work);
        Path journal = work.resolve("oom.journal.jsonl");
        // one sample judges the quality, alternating GOOD and POOR: every poll is a quality change, which
        // the session keeps; 330,000 of them cannot fit in 16 MB
        writeJournal(journal, JOURNAL_BYTES, 1, 20, 400);

        Child child = recoverInChild(journal, HEAP);

        assertThat(child.exited()).as("it ends by itself: %s", child.output()).isTrue();
        assertThat(child.exitCode()).as(child.output()).isNotZero();
        assertThat(child.output()).contains("java.lang.OutOfMemoryError").doesNotContain(JournalRecoverChild.RESULT);
        assertThat(child.output().lines().filter(l -> l.contains("WARNING"))).as(child.output()).isEmpty();
        System.out.printf("a recovery out of memory ended with exit code %d after %d ms%n", child.exitCode(),
                child.tookMs());
        Files.delete(journal);
    }
}
