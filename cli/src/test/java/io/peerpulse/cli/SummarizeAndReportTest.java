package io.peerpulse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.SessionLatencyStats;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SessionExporterContract;
import io.peerpulse.testkit.SampleReports;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class SummarizeAndReportTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private Path export(String name, String sessionId, boolean withSamples) throws Exception {
        Path file = dir.resolve(name);
        try (OutputStream stream = Files.newOutputStream(file)) {
            SessionReportJson.write(withSamples ? SessionExporterContract.fullReport(sessionId)
                    : SessionExporterContract.reportWithoutSamples(sessionId), stream);
        }
        return file;
    }

    @Test
    void summarizeTabulatesTheGoodFilesAndNamesTheBadOnes() throws Exception {
        export("a.json", "session-a", true);
        export("b.json", "session,b", false);
        Files.writeString(dir.resolve("empty.json"), "");
        Files.writeString(dir.resolve("corrupt.json"), "{\"sessionMetrics\": [1, 2");
        Files.writeString(dir.resolve("notes.txt"), "not a session");
        Path csv = dir.resolve("summary.csv");

        assertThat(run("summarize", dir.toString(), "--out", csv.toString())).as("stderr %s", err).isZero();
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo(SummarizeCommand.HEADER);
        assertThat(lines.get(1)).startsWith("session-a,").endsWith(",a.json");
        String[] a = lines.get(1).split(",", -1);
        SessionReport exported = Sessions.read(dir.resolve("a.json"));
        assertThat(a[13]).as("good_ms").isEqualTo(String.valueOf(exported.multiplayerMetrics().qualitySummary().goodMs()));
        assertThat(a[19]).as("score_median").isNotEmpty();
        assertThat(lines.get(2)).startsWith("\"session,b\",").contains(",0,,,,,,,").endsWith(",b.json");
        assertThat(err.toString()).contains("empty.json", "corrupt.json", "2 of 4 file(s) skipped")
                .doesNotContain("a.json:");
    }

    /**
     * An export written before the probe exported the peer's refused, unmatched and dropped messages (no such keys in
     * {@code validationData.probe}) is summarized and reported like any other, the four read as 0.
     */
    @Test
    void anExportWithoutTheProbesRefusedAndDroppedMessagesIsSummarizedAndReported() throws Exception {
        ProbeStats probe = SampleReports.record(ProbeStats.class, "sentCount", 31L, "answeredCount", 30L,
                "lostCount", 1L, "lossRatio", 1.0 / 31, "peerPingsDroppedCount", 2L);
        SessionReport probed = SampleReports.with(SessionExporterContract.fullReport("session-old"),
                "validationData.latencySource", "probe", "validationData.probe", probe);
        String json = SessionReportJson.toJson(probed);
        for (String key : List.of("malformedCount", "unknownVersionCount", "unmatchedCount", "inboundDroppedCount")) {
            json = json.replaceAll(",\\s*\"" + key + "\":\\s*0(?=[,}\\s])", "");
        }
        assertThat(json).doesNotContain("unmatchedCount", "inboundDroppedCount").contains("\"peerPingsDroppedCount\"");
        Path old = Files.writeString(dir.resolve("old.json"), json);

        assertThat(run("summarize", dir.toString())).as("stderr %s", err).isZero();
        assertThat(out.toString()).contains("session-old");
        assertThat(run("report", old.toString())).as("stderr %s", err).isZero();
        assertThat(Files.readString(dir.resolve("old.html")))
                .contains("<tr><td>pongs to no ping (unmatched)</td><td>0</td></tr>")
                .contains("<tr><td>peer pings dropped</td><td>2</td></tr>");
        assertThat(Sessions.read(old)).isEqualTo(probed);
    }

    /**
     * {@code --out runs/} where a file is expected (demo's {@code --out} is a folder): refused naming the folder,
     * never a file {@code runs-1} written beside it.
     */
    @Test
    void aFolderGivenAsTheOutputFileIsRefusedNotWrittenBesideIt() throws Exception {
        Path input = export("a.json", "session-a", true);
        Path folder = Files.createDirectory(dir.resolve("pages"));
        for (String command : List.of("report", "summarize")) {
            for (boolean force : List.of(false, true)) {
                err.getBuffer().setLength(0);
                String[] args = force ? new String[] {command, input.toString(), "--out", folder.toString(), "--force"}
                        : new String[] {command, input.toString(), "--out", folder.toString()};

                assertThat(run(args)).as("%s --force %s: %s", command, force, err).isEqualTo(2);
                assertThat(err.toString().strip()).isEqualTo(command + ": --out " + folder
                        + " is a folder; give a file name in it, e.g. " + folder.resolve(command.equals("report")
                        ? "a.html" : "sessions.csv"));
            }
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("a.json", "pages");
        }
        assertThat(folder).isEmptyDirectory();
    }

    /**
     * Numbers are cells by the CSV exporter's rule ({@code SessionReportCsv.number}): a sub-millisecond RTT is
     * {@code 0.00050}, never {@code 5.0E-4}, which a spreadsheet under a German locale reads as text.
     */
    @Test
    void summarizeWritesNumbersAsPlainDecimalsNeverWithAnExponent() throws Exception {
        SessionLatencyStats tiny = SampleReports.record(SessionLatencyStats.class, "sampleCount", 3L, "minMs", 0.0005,
                "maxMs", 0.00075, "meanMs", 0.000625, "medianMs", 0.0006, "p95Ms", 0.0007, "p99Ms", 0.00075);
        SessionReport report = SampleReports.with(SessionExporterContract.fullReport("session-tiny"),
                "validationData.sessionLatency", tiny);
        Files.writeString(dir.resolve("tiny.json"), SessionReportJson.toJson(report));

        assertThat(run("summarize", dir.toString())).as("stderr %s", err).isZero();
        String row = out.toString().lines().toList().get(1);
        assertThat(row).doesNotContain("E-").contains(",3,0.00050,0.00060,0.000625,0.00070,0.00075,0.00075,");
    }

    @Test
    void summarizeWritesFormulaLikeIdsAsDataCells() throws Exception {
        export("f.json", "=HYPERLINK(\"http://evil.example/?x\",\"open me\")", true);
        export("g.json", "+cmd|' /C calc'!A0", false);
        assertThat(run("summarize", dir.toString())).as("stderr %s", err).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).startsWith("\"'=HYPERLINK(\"\"http://evil.example/?x\"\",\"\"open me\"\")\",");
        assertThat(lines.get(2)).startsWith("'+cmd|' /C calc'!A0,");
    }

    @Test
    void filesAreNeverReplacedWithoutForceAndHonourTheUmask() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path json = export("s.json", "session-s", true);
        Path html = dir.resolve("s.html");
        Files.writeString(html, "mine");
        Files.setPosixFilePermissions(html, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        assertThat(run("report", json.toString())).as("stderr %s", err).isZero();
        assertThat(html).hasContent("mine"); // never replaced without --force
        Path next = dir.resolve("s-1.html");
        assertThat(out.toString()).contains("wrote " + next.toAbsolutePath());
        assertThat(err.toString()).contains(html.toAbsolutePath() + " exists; wrote " + next.toAbsolutePath()
                + " instead (--force replaces it)");
        // a new file gets the umask's mode (the JVM runs with the build's umask, 022 here, as the exporters do)
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(next)))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(json)));

        assertThat(run("report", json.toString(), "--force")).as("stderr %s", err).isZero();
        assertThat(Files.readString(html)).endsWith("</html>\n");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(html)))
                .as("a replaced file keeps its mode").isEqualTo("rw-------");
    }

    @Test
    void summarizeTakesSeveralFoldersAndFilesAndNeverReplacesItsOutWithoutForce() throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        Files.copy(export("x.json", "session-x", true), a.resolve("x.json"));
        Files.copy(export("y.json", "session-y", false), b.resolve("y.json"));
        Path z = export("z.json", "session-z", true);
        Path csv = dir.resolve("out").resolve("summary.csv");
        Files.createDirectories(csv.getParent());
        Files.writeString(csv, "keep");

        assertThat(run("summarize", a.toString(), b.toString(), z.toString(), a.resolve("x.json").toString(),
                "--out", csv.toString())).as("stderr %s", err).isZero();
        assertThat(csv).hasContent("keep");
        Path written = csv.resolveSibling("summary-1.csv");
        assertThat(Files.readAllLines(written)).hasSize(4) // the header and three sessions: x is read once
                .anySatisfy(l -> assertThat(l).startsWith("session-x,"))
                .anySatisfy(l -> assertThat(l).startsWith("session-y,"))
                .anySatisfy(l -> assertThat(l).startsWith("session-z,"));
        assertThat(run("summarize", a.toString(), "--out", csv.toString(), "--force")).isZero();
        assertThat(Files.readAllLines(csv)).hasSize(2);
    }

    /** The experiment's one-line-per-session file and a journal are no exports: say what they are and what reads them. */
    @Test
    void aJsonLinesFileOrAJournalGivenAsAnExportIsNamedForWhatItIs() throws Exception {
        Path lines = Files.writeString(dir.resolve("sessions.jsonl"),
                "{\"sessionId\":\"a\",\"sampleCount\":3}\n{\"sessionId\":\"b\",\"sampleCount\":4}\n");
        assertThat(run("summarize", lines.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("summarize: skipped " + lines + ": a JSON Lines file")
                .contains("jsonl exporter").doesNotContain("trailing data")
                .contains("dtype={\"sessionId\": \"string\", \"playerId\": \"string\"}"); // ids stay text
        err.getBuffer().setLength(0);
        Path journal = Files.writeString(dir.resolve("exp-42.journal.jsonl"),
                "{\"type\":\"header\",\"seq\":0,\"format\":5}\n{\"type\":\"end\",\"seq\":1}\n");
        assertThat(run("report", journal.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("a session journal").contains("peerpulse recover " + journal)
                .doesNotContain("trailing data");
    }

    /**
     * A hostile or broken file among good ones (nested past Parsson's 1,000 levels, a number whose exponent
     * overflows) is skipped and named for what is wrong with it: the browser-shape fallback read it a second
     * time and let Parsson's bare RuntimeException end the whole command (exit 1, no table), or called an
     * export with a NumberFormatException "a browser export whose Exponent overflow."
     */
    @Test
    void aDeeplyNestedOrOverflowingFileIsSkippedNotTheEndOfTheTable() throws Exception {
        export("a.json", "session-a", true);
        Files.writeString(dir.resolve("deep.json"), "[".repeat(2_000) + "]".repeat(2_000));
        Files.writeString(dir.resolve("overflow.json"), Files.readString(export("o.json", "session-o", true))
                .replaceFirst("\"durationMs\" ?: ?\\d+", "\"durationMs\": 1e2147483648"));
        Files.delete(dir.resolve("o.json"));

        assertThat(run("summarize", dir.toString())).as("stderr %s", err).isZero();
        assertThat(out.toString()).contains("session-a,");
        assertThat(err.toString()).contains("skipped " + dir.resolve("deep.json").toAbsolutePath() + ": ")
                .contains("nested").contains("skipped " + dir.resolve("overflow.json").toAbsolutePath() + ": ")
                .contains("2 of 3 file(s) skipped").doesNotContain("browser export", "failed");
    }

    /**
     * A key given twice (a script's or a hand edit's slip) gave a file two readings: summarize listed the second
     * session id, a reader reporting both or refusing the object another. The file is skipped, named with the key's JSON path.
     */
    @Test
    void anExportWithAKeyGivenTwiceIsSkippedNamingTheKey() throws Exception {
        export("a.json", "session-a", true);
        Path twice = dir.resolve("twice.json");
        Files.writeString(twice, Files.readString(export("t.json", "x", true))
                .replaceFirst("\"sessionId\": \"x\"", "\"sessionId\": \"x\", \"sessionId\": \"y\""));
        Files.delete(dir.resolve("t.json"));

        assertThat(run("summarize", dir.toString())).as("stderr %s", err).isZero();
        assertThat(out.toString()).contains("session-a,").doesNotContain("\ny,").doesNotContain("\nx,");
        assertThat(err.toString()).contains("skipped " + twice.toAbsolutePath() + ": not a PeerPulse session export: "
                + "multiplayerMetrics.sessionId: the key appears twice").contains("1 of 2 file(s) skipped");
    }

    @Test
    void summarizeOfNothingReadableOrNoDirectoryIsAUsageErrorAndWritesNothing() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThat(run("summarize", empty.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("summarize: no *.json file in " + empty);
        err.getBuffer().setLength(0);
        Files.writeString(dir.resolve("corrupt.json"), "nope");
        Path csv = dir.resolve("table.csv");
        assertThat(run("summarize", dir.toString(), "--out", csv.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("summarize: no readable session export in " + dir + " (1 file(s) skipped)");
        assertThat(csv).doesNotExist();
        assertThat(out.toString()).isEmpty();
        err.getBuffer().setLength(0);
        assertThat(run("summarize", dir.resolve("missing").toString())).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("missing", "no such file or directory");
    }

    /**
     * {@code --out} a named pipe, a process substitution ({@code --out >(gzip > t.csv.gz)}) or a device
     * ({@code /dev/null}): there is no file to keep. The table went to a new file {@code pipe-1.csv} beside the
     * pipe (as root {@code /dev/null-1}, a regular file in {@code /dev}), the reader waiting forever; with
     * {@code --force} the pipe (or, as root, {@code /dev/null} itself) was replaced by a regular file. Now it is
     * written into the pipe, as the shell's {@code >} would.
     */
    @Test
    void aNamedPipeGivenAsOutIsWrittenIntoNeitherRenamedNorReplaced() throws Exception {
        export("a.json", "session-a", true);
        for (boolean force : new boolean[] {false, true}) {
            Path fifo = dir.resolve("pipe-" + force + ".csv");
            assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
            CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    return Files.readString(fifo);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            int code = force ? run("summarize", dir.resolve("a.json").toString(), "--out", fifo.toString(), "--force")
                    : run("summarize", dir.resolve("a.json").toString(), "--out", fifo.toString());
            try {
                assertThat(code).as("stderr %s", err).isZero();
                assertThat(reader.get(30, TimeUnit.SECONDS)).startsWith(SummarizeCommand.HEADER + "\n")
                        .contains("session-a,");
            } finally {
                if (!reader.isDone() && Files.exists(fifo) && !Files.isRegularFile(fifo)) {
                    Files.write(fifo, new byte[0]); // the old code wrote elsewhere: a writer lets the reader go
                }
            }
            assertThat(Files.isRegularFile(fifo)).as("still a pipe").isFalse();
            assertThat(dir.resolve("pipe-" + force + "-1.csv")).doesNotExist();
            assertThat(out.toString()).contains("wrote 1 session(s) to " + fifo);
            assertThat(err.toString()).isEmpty();
        }
    }

    /**
     * A folder from elsewhere (a colleague's, an unpacked archive) may hold a named pipe called {@code *.json}:
     * opening it waited for a writer forever, so {@code summarize} of the folder never ended. In a folder only
     * regular files are read (a link to one too); the others are named as skipped. A pipe named on the command
     * line itself is still read (the test above).
     */
    @Test
    void aNamedPipeInAFolderIsSkippedNotWaitedFor() throws Exception {
        export("a.json", "session-a", true);
        Path fifo = dir.resolve("b.json");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        CompletableFuture<Integer> summarize = CompletableFuture.supplyAsync(() -> run("summarize", dir.toString()));
        try {
            assertThat(summarize.get(30, TimeUnit.SECONDS)).as("stderr %s", err).isZero();
        } finally {
            if (!summarize.isDone()) { // the old code waits in open(): a writer lets it go on
                Files.write(fifo, new byte[0]);
            }
        }
        assertThat(out.toString()).contains("session-a,");
        assertThat(err.toString()).contains("skipped " + fifo.toAbsolutePath() + ": not a regular file")
                .contains("1 of 2 file(s) skipped");
    }

    /**
     * {@code summarize runs/}, the folder named relatively as people type it: the files found are looked up
     * as absolute paths, so the set of those found in folders must hold them so too, or the pipe is read
     * (and waited on) as if named on the command line.
     */
    @Test
    void aNamedPipeInAFolderGivenAsARelativePathIsSkippedToo() throws Exception {
        export("a.json", "session-a", true);
        Path fifo = dir.resolve("b.json");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Path relative = Path.of("").toAbsolutePath().relativize(dir);
        assertThat(relative.isAbsolute()).isFalse();
        CompletableFuture<Integer> summarize = CompletableFuture.supplyAsync(() -> run("summarize",
                relative.toString()));
        try {
            assertThat(summarize.get(30, TimeUnit.SECONDS)).as("stderr %s", err).isZero();
        } finally {
            if (!summarize.isDone()) { // waiting in open(): a writer lets it go on
                Files.write(fifo, new byte[0]);
            }
        }
        assertThat(out.toString()).contains("session-a,");
        assertThat(err.toString()).contains("skipped " + fifo.toAbsolutePath() + ": not a regular file")
                .contains("1 of 2 file(s) skipped");
    }

    /** {@code summarize <(cat x.json)} and {@code report <(cat x.json)}: a pipe has no size and is no regular file. */
    @Test
    void aNamedPipeIsReadAsAFile() throws Exception {
        byte[] json = Files.readAllBytes(export("s.json", "session-p", true));
        for (String command : List.of("summarize", "report")) {
            Path fifo = dir.resolve(command + ".fifo");
            assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    Files.write(fifo, json); // blocks until the command opens the pipe
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            String[] args = command.equals("report")
                    ? new String[] {command, fifo.toString(), "--out", dir.resolve("p.html").toString()}
                    : new String[] {command, fifo.toString()};

            assertThat(run(args)).as("%s: %s", command, err).isZero();
            writer.get(30, TimeUnit.SECONDS);
        }
        assertThat(out.toString()).contains("session-p,", "p.html");
    }

    /**
     * A named pipe that holds no session export: summarize read it to its end, then opened it again to try the
     * original browser export's shape, and waited there for a writer for good. It is skipped, said once.
     */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aNamedPipeThatIsNoExportIsSkippedNotWaitedOnForGood() throws Exception {
        Path fifo = dir.resolve("other.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        // threads of their own: the common pool may have one thread (2 cores), which the writer's open would hold
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "pipe-test");
            thread.setDaemon(true);
            return thread;
        });
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                Files.writeString(fifo, "{\"x\": 1}"); // blocks until the command opens the pipe
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, threads);
        CompletableFuture<Integer> summarized = CompletableFuture.supplyAsync(() -> run("summarize", fifo.toString()),
                threads);
        threads.shutdown();
        int code;
        try {
            code = summarized.get(30, TimeUnit.SECONDS);
        } finally {
            if (!summarized.isDone()) {
                // a writer, so that the waiting open returns: read and write (O_RDWR) opens a pipe without waiting
                try (var unblock = java.nio.channels.FileChannel.open(fifo, java.nio.file.StandardOpenOption.READ,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    summarized.get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException stuck) {
                    // the failure above stands
                }
            }
        }
        writer.get(30, TimeUnit.SECONDS);
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("other.fifo", "a pipe is read once");
    }

    /**
     * A file name is text from elsewhere (an unpacked archive, a colleague's folder): a line break in it forged a
     * line of its own on standard error, an ESC ran a terminal escape (ESC [2J clears the screen), a bidirectional
     * control reordered the line. Each command shows such a name with those characters escaped in its messages, on
     * standard error and standard output alike, one line per message.
     */
    @Test
    void controlCharactersInFileNamesAreShownEscapedByEveryCommand() throws Exception {
        String hostile = "a\n[fake] line\r\u001b[2J\u202eevil";
        Path broken = dir.resolve(hostile + ".json");
        Files.writeString(broken, "{}");
        export(hostile + "-good.json", "session-g", true);
        String shown = "a\\u000A[fake] line\\u000D\\u001B[2J\\u202Eevil";

        run("summarize", dir.toString());
        run("report", broken.toString());
        run("recover", broken.toString(), "--out", dir.resolve("out").toString());
        run("report", dir.resolve(hostile + "-good.json").toString());
        run("summarize", dir.toString(), "--out", dir.resolve(hostile + ".csv").toString());

        // the table's file cell is data, the name as it is (a quoted CSV cell): only the messages are checked
        String wrote = String.join("", out.toString().lines().filter(line -> line.startsWith("wrote ")).toList());
        for (String text : List.of(err.toString().replace(System.lineSeparator(), ""), wrote)) {
            assertThat(text).as(text).doesNotContain("\n", "\r", "\u001b", "\u202e");
        }
        assertThat(err.toString()).contains("summarize: skipped " + dir + "/" + shown + ".json:",
                "report: cannot read " + broken.toString().replace(hostile, shown) + ":",
                "recover: cannot recover " + broken.toString().replace(hostile, shown) + ":");
        assertThat(err.toString().lines()).allSatisfy(line -> assertThat(line).matches("(summarize|report|recover): .*"));
        assertThat(out.toString()).contains("wrote " + dir.resolve(shown + "-good.html"),
                "to " + dir.resolve(shown + ".csv"));
    }

    /**
     * A symbolic link that leads nowhere (its target moved, or two links naming each other) was named "not a regular
     * file (a pipe or a device); name it on the command line to read it" in a folder, and "no such file" when named:
     * both send people looking for the wrong thing. Each command names the link and where it leads.
     */
    @Test
    void brokenAndLoopingSymbolicLinksAreNamedSo() throws Exception {
        export("a.json", "session-a", true);
        Path dangling = Files.createSymbolicLink(dir.resolve("moved.json"), Path.of("elsewhere/moved.json"));
        Path loop = Files.createSymbolicLink(dir.resolve("loop1.json"), Path.of("loop2.json"));
        Files.createSymbolicLink(dir.resolve("loop2.json"), Path.of("loop1.json"));

        assertThat(run("summarize", dir.toString())).as("stderr %s", err).isZero();
        assertThat(err.toString()).contains(
                "summarize: skipped " + dangling + ": a symbolic link to elsewhere/moved.json, which does not exist",
                "summarize: skipped " + loop + ": a symbolic link loop", "3 of 4 file(s) skipped");
        err.getBuffer().setLength(0);
        assertThat(run("report", loop.toString())).isEqualTo(2);
        assertThat(run("recover", dangling.toString())).isEqualTo(2);
        assertThat(run("summarize", dangling.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("report: cannot read " + loop + ": a symbolic link loop",
                "recover: cannot read " + dangling + ": a symbolic link to elsewhere/moved.json, which does not exist",
                "summarize: cannot read " + dangling + ": a symbolic link to elsewhere/moved.json, which does not exist");
    }

    /**
     * Where the C library speaks German ({@code LANGUAGE=de}), ELOOP's reason is "Zu viele Ebenen aus symbolischen
     * Verknüpfungen", not "Too many levels of symbolic links": a loop was named "a symbolic link to loop2.json,
     * which does not exist", though loop2.json is there. A loop is named so in any language.
     */
    @Test
    void aSymbolicLinkLoopIsNamedSoWhateverTheLanguageOfTheSystemsMessages() throws Exception {
        Path loop = Files.createSymbolicLink(dir.resolve("loop1.json"), Path.of("loop2.json"));
        Files.createSymbolicLink(dir.resolve("loop2.json"), Path.of("loop1.json"));
        Path stderr = dir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(ChildJava.java(), "-cp", ChildJava.classPath(),
                "io.peerpulse.cli.Main", "report", loop.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
        builder.environment().remove(StandardOutput.ENV);
        builder.environment().put("LC_ALL", "C.UTF-8");
        builder.environment().put("LANGUAGE", "de");
        Process child = builder.start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child exited").isTrue();

        assertThat(child.exitValue()).isEqualTo(2);
        assertThat(Files.readString(stderr, StandardCharsets.UTF_8))
                .contains("report: cannot read " + loop + ": a symbolic link loop");
    }

    /**
     * A link into a folder that is itself a loop of links ({@code x.json -> d1/y.json}, {@code d1 -> d2},
     * {@code d2 -> d1}): in English "a symbolic link loop" (the kernel's ELOOP), but where the C library speaks German
     * the walk along the chain stopped at {@code d1/y.json}, which no lstat can reach, and said "a symbolic link to
     * d1/y.json, which does not exist". The same in any language.
     */
    @Test
    void aSymbolicLinkIntoAFolderLoopIsNamedALoopWhateverTheLanguageOfTheSystemsMessages() throws Exception {
        Files.createSymbolicLink(dir.resolve("d1"), Path.of("d2"));
        Files.createSymbolicLink(dir.resolve("d2"), Path.of("d1"));
        Path link = Files.createSymbolicLink(dir.resolve("x.json"), Path.of("d1", "y.json"));
        for (String language : new String[] {"de", "en"}) {
            Path stderr = dir.resolve("stderr-" + language + ".txt");
            ProcessBuilder builder = new ProcessBuilder(ChildJava.java(), "-cp", ChildJava.classPath(),
                    "io.peerpulse.cli.Main", "report", link.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
            builder.environment().remove(StandardOutput.ENV);
            builder.environment().put("LC_ALL", "C.UTF-8");
            builder.environment().put("LANGUAGE", language);
            Process child = builder.start();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child exited").isTrue();

            assertThat(child.exitValue()).as(language).isEqualTo(2);
            assertThat(Files.readString(stderr, StandardCharsets.UTF_8)).as(language)
                    .contains("report: cannot read " + link + ": a symbolic link loop");
        }
    }

    /**
     * A lab's {@code JAVA_TOOL_OPTIONS=-Dfile.encoding=ISO-8859-1} (or {@code US-ASCII}), under the UTF-8 locale the
     * launcher gives java: standard output is UTF-8 whatever it says, but standard error was written in that
     * charset, naming {@code Кирилл/é.json} as {@code ??????/?.json} (or a Latin-1 byte for the é). It is UTF-8 too.
     */
    @Test
    void standardErrorNamesANonAsciiPathInUtf8WhateverFileEncodingSays() throws Exception {
        Path missing = dir.resolve("Кирилл").resolve("Versuch-é.json");
        for (String encoding : new String[] {"ISO-8859-1", "US-ASCII"}) {
            Path stderr = dir.resolve("stderr-" + encoding + ".txt");
            ProcessBuilder builder = new ProcessBuilder(ChildJava.java(), "-Dfile.encoding=" + encoding, "-cp",
                    ChildJava.classPath(), "io.peerpulse.cli.Main", "report", missing.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
            builder.environment().remove(StandardOutput.ENV);
            builder.environment().put("LC_ALL", "C.UTF-8");
            Process child = builder.start();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child exited").isTrue();

            assertThat(child.exitValue()).as(encoding).isEqualTo(2);
            assertThat(new String(Files.readAllBytes(stderr), StandardCharsets.UTF_8)).as(encoding)
                    .contains("report: cannot read " + missing + ": no such file");
        }
    }

    /**
     * {@code report caf<0xE9>.json}, a Latin-1 name from an old archive: the JVM decodes the argument as UTF-8, with
     * U+FFFD for the byte, and "no such file" contradicted {@code ls}. (Files found in a folder keep their bytes and
     * are read.) What the JVM gives for such an argument is stood for by the name it decodes to.
     */
    @Test
    void aNameThatIsNotUtf8IsExplained() {
        Path decoded = dir.resolve("caf\uFFFD.json");
        for (String command : List.of("report", "summarize")) {
            err.getBuffer().setLength(0);
            assertThat(run(command, decoded.toString())).isEqualTo(2);
            assertThat(err.toString()).contains(command + ": cannot read " + decoded + ": no such file by that name: it"
                    + " holds U+FFFD, which stands for bytes that are not UTF-8", "rename the file to UTF-8");
        }
    }

    @Test
    void idsHoldingAnAddressInACraftedExportAreShownRedacted() throws Exception {
        // the builder refuses such ids, so only a crafted (or hand-edited) file holds one: no address leaves with it
        SessionReport crafted = SampleReports.withEvery(SampleReports.withEvery(SessionExporterContract.fullReport("x"),
                "sessionId", "192.168.1.23"), "playerId", "candidate:1 1 udp 2122260223 10.0.0.5 54321 typ host");
        Path json = dir.resolve("crafted.json");
        try (OutputStream stream = Files.newOutputStream(json)) {
            SessionReportJson.write(crafted, stream);
        }
        assertThat(run("summarize", json.toString())).as("stderr %s", err).isZero();
        assertThat(run("report", json.toString())).as("stderr %s", err).isZero();
        String page = Files.readString(dir.resolve("crafted.html"));
        for (String shown : List.of(out.toString(), err.toString(), page)) {
            assertThat(shown).doesNotContain("192.168.1.23").doesNotContain("10.0.0.5");
        }
        assertThat(out.toString()).contains("<redacted>,<redacted: ICE candidate>,");
        assertThat(page).contains("Session &lt;redacted&gt;");
    }

    @Test
    void reportWritesTheHtmlPage() throws Exception {
        Path json = export("s.json", "session-r", true);
        assertThat(run("report", json.toString())).as("stderr %s", err).isZero();
        Path html = dir.resolve("s.html");
        assertThat(Files.readString(html)).contains("<svg", "<circle", "session-r");
        assertThat(out.toString()).contains(html.toAbsolutePath().toString());
    }

    /**
     * {@code report /dev/stdin < s.json}: the page "beside" it was {@code /dev/stdin.html}, written into {@code /dev}
     * as root (else "export directory /dev is not writable"); {@code report <(cat s.json)} read the export, then
     * failed with "cannot write /dev/fd/63.html: export directory /dev/fd is not writable". A stream has no folder:
     * refused before anything is read, asking for --out.
     */
    @Test
    void reportOfAStreamWithoutOutIsAskedForOut() throws Exception {
        Path json = export("s.json", "session-r", true);
        Path link = Files.createSymbolicLink(dir.resolve("in.json"), Path.of("/proc/self/fd/0"));
        // in a child JVM: this one's standard input is the test runner's
        for (String input : List.of("/dev/fd/0", link.toString())) {
            Path stderr = dir.resolve("stderr.txt");
            ProcessBuilder builder = new ProcessBuilder(ChildJava.java(), "-cp", ChildJava.classPath(),
                    "io.peerpulse.cli.Main", "report", input).redirectInput(json.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
            builder.environment().remove(StandardOutput.ENV);
            Process child = builder.start();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child exited").isTrue();

            String said = Files.readString(stderr, StandardCharsets.UTF_8);
            assertThat(child.exitValue()).as(said).isEqualTo(2);
            assertThat(said.strip()).as(input).doesNotContain("\n")
                    .contains("report: " + input + " is a stream, with no folder for its page beside it; give --out");
        }
        assertThat(dir.resolve("in.html")).doesNotExist();
    }

    /**
     * {@code summarize runs --out /dev/stdin < notes.txt} (a slip for /dev/stdout): standard input a regular file,
     * the rule 'never replace a file' wrote {@code /dev/stdin-1} (as root, into {@code /dev}), and with
     * {@code --force} renamed a regular file over the {@code /dev/stdin} link (measured: the container's
     * {@code /dev/stdin} became a file). Standard input is no output: refused, nothing written. A link to it
     * stands in for {@code /dev/stdin} here, so that the old code does its damage in the temporary folder.
     */
    @Test
    void outNamingStandardInputIsRefused() throws Exception {
        Path json = export("s.json", "session-i", true);
        Path input = dir.resolve("notes.txt");
        Files.writeString(input, "keep\n");
        Path link = Files.createSymbolicLink(dir.resolve("in.csv"), Path.of("/proc/self/fd/0"));
        for (List<String> force : List.of(List.<String>of(), List.of("--force"))) {
            Path stderr = dir.resolve("stderr.txt");
            List<String> command = new java.util.ArrayList<>(List.of(ChildJava.java(), "-cp", ChildJava.classPath(),
                    "io.peerpulse.cli.Main", "summarize", json.toString(), "--out", link.toString()));
            command.addAll(force);
            ProcessBuilder builder = new ProcessBuilder(command).redirectInput(input.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
            builder.environment().remove(StandardOutput.ENV);
            Process child = builder.start();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child exited").isTrue();

            String said = Files.readString(stderr, StandardCharsets.UTF_8);
            assertThat(child.exitValue()).as(said).isEqualTo(2);
            assertThat(said.strip()).as(force.toString()).doesNotContain("\n")
                    .contains("summarize: --out " + link + " is this command's standard input, not an output");
            assertThat(link).as("still the link").isSymbolicLink();
            assertThat(dir.resolve("in-1.csv")).doesNotExist();
            assertThat(input).hasContent("keep");
        }
    }

    /**
     * {@code summarize runs --out /dev/fd/5 5>>t.csv}, as the shell's {@code > /dev/fd/5} writes: with the
     * descriptor a regular file, the command said "cannot write /dev/fd/5: export directory /dev/fd is not
     * writable: no such file or directory" (exit 1), with or without {@code --force}. It writes into the
     * descriptor's file, after what it already holds (the shell's {@code >>}, or lines written through the
     * same descriptor before), never replacing it.
     */
    @Test
    void outNamingAnotherDescriptorAppendsToItsFile() throws Exception {
        Path json = export("s.json", "session-d", true);
        Path table = dir.resolve("t.csv");
        for (String force : List.of("", "--force")) {
            Files.writeString(table, "before\n");
            Path stderr = dir.resolve("stderr.txt");
            ProcessBuilder builder = new ProcessBuilder("bash", "-c",
                    "exec \"$0\" -cp \"$1\" io.peerpulse.cli.Main summarize \"$2\" --out /dev/fd/5 $4 5>>\"$3\"",
                    ChildJava.java(), ChildJava.classPath(), json.toString(), table.toString(), force)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
            builder.environment().remove(StandardOutput.ENV);
            Process child = builder.start();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child exited").isTrue();

            String said = Files.readString(stderr, StandardCharsets.UTF_8);
            assertThat(child.exitValue()).as(said).isZero();
            assertThat(Files.readString(table, StandardCharsets.UTF_8)).as(force)
                    .startsWith("before\n" + SummarizeCommand.HEADER + "\n").contains("\nsession-d,");
        }
    }

    /**
     * Under the launcher (which opens java.io to the command), {@code { summarize runs --out /dev/fd/5; echo b >&5; }
     * 5>t.csv} keeps the shell's line after the table: reopened, the file got an offset of its own, and the shell's
     * {@code b} landed over the table's start ("b\nssion_id,…"). And {@code 5<notes.txt}, a descriptor open for
     * reading, is never written to: reopened, it was the input file that got the table.
     */
    @Test
    void outNamingAnotherDescriptorWritesThroughItInOrderWithTheShell() throws Exception {
        Path json = export("s.json", "session-g", true);
        Path table = dir.resolve("t.csv");
        String java = "\"$0\" --add-opens java.base/java.io=ALL-UNNAMED -cp \"$1\" io.peerpulse.cli.Main summarize \"$2\""
                + " --out /dev/fd/5";
        Path stderr = dir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", "{ echo a >&5; " + java + "; echo b >&5; } 5>\"$3\"",
                ChildJava.java(), ChildJava.classPath(), json.toString(), table.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
        builder.environment().remove(StandardOutput.ENV);
        Process child = builder.start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child exited").isTrue();
        assertThat(child.exitValue()).as(Files.readString(stderr, StandardCharsets.UTF_8)).isZero();
        assertThat(Files.readString(table, StandardCharsets.UTF_8))
                .startsWith("a\n" + SummarizeCommand.HEADER + "\n").contains("\nsession-g,").endsWith("\nb\n");

        Path input = dir.resolve("notes.txt");
        Files.writeString(input, "keep\n");
        builder = new ProcessBuilder("bash", "-c", "exec " + java + " 5<\"$3\"",
                ChildJava.java(), ChildJava.classPath(), json.toString(), input.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
        builder.environment().remove(StandardOutput.ENV);
        child = builder.start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child exited").isTrue();
        String said = Files.readString(stderr, StandardCharsets.UTF_8);
        assertThat(child.exitValue()).as(said).isEqualTo(1);
        assertThat(said).contains("cannot write /dev/fd/5: descriptor 5 is not open for writing");
        assertThat(input).hasContent("keep");
    }

    @Test
    void reportOfAnUnreadableFileIsOneLineWithExitCode2() throws Exception {
        Path corrupt = dir.resolve("corrupt.json");
        Files.writeString(corrupt, "{]");
        assertThat(run("report", corrupt.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("corrupt.json");
        err.getBuffer().setLength(0);
        assertThat(run("report", dir.resolve("missing.json").toString())).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("missing.json", "no such file");
    }
}
