package io.peerpulse.export.files;

import io.peerpulse.session.spi.ExportSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportFilesTest {

    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");
    private static final List<String> HOSTILE_IDS = List.of("../x", "/abs", "", "a".repeat(10_000), "a\0b", "\0",
            "séance-😀-日本", "..", ".", "...", ".hidden", "a/b", "a\\b", "C:\\x", "../../../../etc/passwd",
            "x/../../y", "nul", "CON.json", "com1.a", "a\nb", " ", "~", "%2e%2e%2f", "\uD800");

    @TempDir
    Path dir;

    @Test
    void aFailuresReasonIsItsCauseInWordsWithoutAPathOrAClassName() {
        assertThat(ExportFiles.reason(new java.nio.file.AccessDeniedException("/x"))).isEqualTo("permission denied");
        assertThat(ExportFiles.reason(new java.nio.file.NoSuchFileException("/x"))).isEqualTo("no such file or directory");
        assertThat(ExportFiles.reason(new java.nio.file.FileSystemException("/x", null, "No space left on device")))
                .isEqualTo("no space left on device");
        assertThat(ExportFiles.reason(new IOException("No space left on device"))).isEqualTo("no space left on device");
        assertThat(ExportFiles.reason(new java.nio.charset.MalformedInputException(1))).isEqualTo("not valid UTF-8");
        assertThat(ExportFiles.reason(new java.nio.charset.UnmappableCharacterException(1)))
                .isEqualTo("holds a character that UTF-8 cannot encode (a lone surrogate)");
        assertThat(ExportFiles.reason(new java.nio.channels.OverlappingFileLockException()))
                .isEqualTo("locked by other code in this JVM");
        assertThat(ExportFiles.reason(new IOException())).isEqualTo("IOException");
        assertThat(ExportFiles.reason(new IOException("EOF in header\nmore"))).isEqualTo("EOF in header");
    }

    @Test
    void aSafeIdIsItsOwnStem() {
        assertThat(ExportFiles.fileStem("exp-42-pair-7")).isEqualTo("exp-42-pair-7");
        assertThat(ExportFiles.fileStem("Run_3.v2")).isEqualTo("Run_3.v2");
        assertThat(ExportFiles.fileStem("a".repeat(100))).isEqualTo("a".repeat(100));
    }

    @Test
    void unsafeCharactersBecomeUnderscoresAndAHashOfTheIdIsAdded() {
        assertThat(ExportFiles.fileStem("a/b")).matches("a_b-[0-9a-f]{8}");
        assertThat(ExportFiles.fileStem("../x")).matches("___x-[0-9a-f]{8}");
        assertThat(ExportFiles.fileStem("..")).matches("__-[0-9a-f]{8}");
        assertThat(ExportFiles.fileStem(".")).matches("_-[0-9a-f]{8}");
        assertThat(ExportFiles.fileStem("")).matches("_-[0-9a-f]{8}");
        assertThat(ExportFiles.fileStem("séance-😀")).as("one _ per code point").matches("s_ance-_-[0-9a-f]{8}");
        assertThat(ExportFiles.fileStem("nul")).matches("_nul-[0-9a-f]{8}");
        assertThat(ExportFiles.fileStem("a.b.")).isEqualTo("a.b.");
        // different ids that sanitise alike still get different stems
        assertThat(Set.of(ExportFiles.fileStem("a/b"), ExportFiles.fileStem("a\\b"), ExportFiles.fileStem("a_b"),
                ExportFiles.fileStem("a:b"))).hasSize(4);
    }

    @Test
    void aLongIdIsCutAndHashed() {
        String stem = ExportFiles.fileStem("a".repeat(10_000));
        assertThat(stem).hasSize(ExportFiles.MAX_STEM_LENGTH).matches("a{91}-[0-9a-f]{8}");
        assertThat(ExportFiles.fileStem("a".repeat(101))).isNotEqualTo(stem).hasSize(100);
    }

    @Test
    void hostileIdsStayInsideTheDirectory() throws IOException {
        Path inner = Files.createDirectories(dir.resolve("inner"));
        List<Path> written = new ArrayList<>();
        for (String id : HOSTILE_IDS) {
            String body = "export of id #" + written.size();
            Path file = ExportFiles.write(inner, id, "json", out -> out.write(body.getBytes(StandardCharsets.UTF_8)));
            assertThat(file.getParent()).as(id).isEqualTo(inner);
            assertThat(file.getFileName().toString()).as(id).matches(SAFE_NAME).hasSizeLessThanOrEqualTo(110);
            assertThat(file).as(id).hasContent(body);
            written.add(file);
        }
        assertThat(written).doesNotHaveDuplicates();
        try (Stream<Path> everything = Files.walk(dir)) {
            assertThat(everything.filter(Files::isRegularFile)).containsExactlyInAnyOrderElementsOf(written);
        }
    }

    @Test
    void aSecondExportOfTheSameIdGetsTheNextSuffixAndNothingIsOverwritten() throws IOException {
        Path first = ExportFiles.write(dir, "s1", "csv", out -> out.write('1'));
        Path second = ExportFiles.write(dir, "s1", "csv", out -> out.write('2'));
        Files.writeString(dir.resolve("s1-2.csv"), "someone else's");
        Path third = ExportFiles.write(dir, "s1", "csv", out -> out.write('3'));

        assertThat(first).isEqualTo(dir.resolve("s1.csv")).hasContent("1");
        assertThat(second).isEqualTo(dir.resolve("s1-1.csv")).hasContent("2");
        assertThat(dir.resolve("s1-2.csv")).hasContent("someone else's");
        assertThat(third).isEqualTo(dir.resolve("s1-3.csv")).hasContent("3");
        assertThat(names()).containsExactlyInAnyOrder("s1.csv", "s1-1.csv", "s1-2.csv", "s1-3.csv");
    }

    @Test
    void aSymbolicLinkUnderTheNameIsNeitherFollowedNorReplaced() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim.txt"), "keep");
        Files.createSymbolicLink(dir.resolve("s.json"), victim);

        Path file = ExportFiles.write(dir, "s", "json", out -> out.write('x'));

        assertThat(file).isEqualTo(dir.resolve("s-1.json")).hasContent("x");
        assertThat(victim).hasContent("keep");
        assertThat(Files.isSymbolicLink(dir.resolve("s.json"))).isTrue();
    }

    @Test
    void concurrentExportsOfOneIdEachGetTheirOwnWholeFile() throws Exception {
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Path>> futures = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                String body = ("writer " + i + "\n").repeat(10_000);
                Callable<Path> write = () -> {
                    go.await();
                    return ExportFiles.write(dir, "same", "json", out -> out.write(body.getBytes(StandardCharsets.UTF_8)));
                };
                futures.add(pool.submit(write));
            }
            go.countDown();
            Set<Path> files = new HashSet<>();
            for (Future<Path> future : futures) {
                Path file = future.get(30, TimeUnit.SECONDS);
                files.add(file);
                String content = Files.readString(file);
                String firstLine = content.substring(0, content.indexOf('\n') + 1);
                assertThat(content).isEqualTo(firstLine.repeat(10_000));
            }
            assertThat(files).hasSize(writers);
            assertThat(names()).hasSize(writers).allMatch(n -> n.matches("same(-[1-7])?\\.json"));
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Sessions ending at once into a directory that does not exist yet (a server's first match): each writer finds it
     * missing, and all but one find it made by another when they come to create it. None may fail for that.
     */
    @Test
    void writersCreatingOneMissingDirectoryAtOnceAllSucceed() throws Exception {
        int writers = 4;
        int rounds = 300;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<String> failures = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                Path fresh = dir.resolve("round-" + round);
                java.util.concurrent.CyclicBarrier lineUp = new java.util.concurrent.CyclicBarrier(writers);
                List<Future<Path>> futures = new ArrayList<>();
                for (int i = 0; i < writers; i++) {
                    String id = "s" + i;
                    futures.add(pool.submit(() -> {
                        lineUp.await(30, TimeUnit.SECONDS);
                        return ExportFiles.write(fresh, id, "json", out -> out.write('x'));
                    }));
                }
                for (Future<Path> future : futures) {
                    try {
                        assertThat(future.get(30, TimeUnit.SECONDS)).hasContent("x");
                    } catch (java.util.concurrent.ExecutionException e) {
                        failures.add("round " + round + ": " + e.getCause());
                    }
                }
            }
            assertThat(failures).as("writes that failed, of %d", writers * rounds).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aMissingDirectoryIsCreatedWithItsParents() throws IOException {
        Path nested = dir.resolve("a/b/c");
        Path file = ExportFiles.write(nested, "s", "json", out -> out.write('x'));
        assertThat(file).isEqualTo(nested.resolve("s.json")).hasContent("x");
    }

    @Test
    void aDirectoryThatCannotBeCreatedFailsNamingItsPath() throws IOException {
        Files.writeString(dir.resolve("file"), "not a directory");
        Path impossible = dir.resolve("file/sub");

        assertThatThrownBy(() -> ExportFiles.write(impossible, "s", "json", out -> out.write('x')))
                .isInstanceOf(IOException.class)
                .hasMessage("export directory " + impossible.toAbsolutePath()
                        + " does not exist and cannot be created: not a directory");
        assertThatThrownBy(() -> ExportFiles.write(dir.resolve("file"), "s", "json", out -> out.write('x')))
                .isInstanceOf(IOException.class)
                .hasMessage("export directory " + dir.resolve("file").toAbsolutePath() + " is not a directory");
        assertThat(names()).containsExactly("file");
    }

    @Test
    void aDirectoryOnAReadOnlyFileSystemFailsNamingItsPath() {
        // jrt:/ is read-only for every user, root included
        Path readOnly = FileSystems.getFileSystem(URI.create("jrt:/")).getPath("/modules/java.base");
        assertThat(readOnly).isDirectory();

        assertThatThrownBy(() -> ExportFiles.write(readOnly, "s", "json", out -> out.write('x')))
                .isInstanceOf(IOException.class)
                .hasMessage("export directory /modules/java.base is not writable: read-only file system");
    }

    @Test
    void aDirectoryWithoutWritePermissionFailsNamingItsPath() throws IOException {
        assumeThat(FileSystems.getDefault().supportedFileAttributeViews()).contains("posix");
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            boolean rootIgnoresPermissions;
            try {
                Files.delete(Files.createFile(locked.resolve("probe")));
                rootIgnoresPermissions = true;
            } catch (AccessDeniedException expected) {
                rootIgnoresPermissions = false;
            }
            assumeThat(rootIgnoresPermissions).as("running as root: permissions do not apply").isFalse();

            assertThatThrownBy(() -> ExportFiles.write(locked, "s", "json", out -> out.write('x')))
                    .isInstanceOf(IOException.class)
                    .hasMessage("export directory " + locked.toAbsolutePath() + " is not writable: permission denied");
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void whenTheContentFailsNoFileOrTemporaryFileSurvives() throws IOException {
        assertThatThrownBy(() -> ExportFiles.write(dir, "s", "json", out -> {
            out.write(new byte[100_000]); // past the buffer: bytes are in the temporary file
            throw new IOException("disk full");
        })).isInstanceOf(IOException.class).hasMessage("disk full");
        assertThatThrownBy(() -> ExportFiles.write(dir, "s", "json", out -> {
            throw new UncheckedIOException(new IOException("serialiser failed"));
        })).isInstanceOf(UncheckedIOException.class);

        assertThat(names()).isEmpty();
    }

    /**
     * Measured in a child JVM with {@code ulimit -n 1024}: 1,002 sessions with journals took the process to its limit;
     * then {@code build()} failed with "cannot create a journal in …: too many open files" and the first sessions'
     * exports at close with "export directory … is not writable: too many open files": the directory was fine, and
     * neither said which limit nor what to do.
     */
    @Test
    void theProcesssLimitOfOpenFilesIsNamedWithWhatToDo() {
        String limit = "too many open files: the process is at its limit of open files (ulimit -n); raise it (systemd"
                + " LimitNOFILE=, docker --ulimit nofile=) or keep fewer open (each session with a journal holds one)";
        assertThat(ExportFiles.reason(new java.nio.file.FileSystemException("/x", null, "Too many open files")))
                .isEqualTo(limit);
        assertThat(ExportFiles.reason(new java.io.FileNotFoundException("/x/s.journal.jsonl (Too many open files)")))
                .as("FileOutputStream's words").isEqualTo(limit);
        assertThat(ExportFiles.reason(new java.nio.file.FileSystemException("/x", null, "Too many open files in system")))
                .as("the kernel's limit (ENFILE): the C library's words").isEqualTo("too many open files in system");

        ExportFiles.TempOpener atLimit = temp -> {
            throw new java.nio.file.FileSystemException(temp.toString(), null, "Too many open files");
        };
        assertThatThrownBy(() -> ExportFiles.write(dir, "s", "json", out -> out.write('x'), atLimit,
                ExportFiles::linkOrMove))
                .isInstanceOf(IOException.class)
                .hasMessage("export directory " + dir.toAbsolutePath() + ": no file can be opened: " + limit);
    }

    @Test
    void aFullDiskFailsNamingTheDirectoryAndTheCause() throws IOException {
        // Linux's /dev/full refuses every write with ENOSPC, /dev/null every fsync with EINVAL
        assumeThat(Path.of("/dev/full")).exists();
        ExportFiles.TempOpener full = temp -> FileChannel.open(Path.of("/dev/full"), StandardOpenOption.WRITE);
        ExportFiles.TempOpener noFsync = temp -> FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
        String expected = "export directory " + dir.toAbsolutePath() + " is not writable: ";

        assertThatThrownBy(() -> ExportFiles.write(dir, "s", "json", out -> out.write('x'), full,
                ExportFiles::linkOrMove)).as("at the last flush")
                .isInstanceOf(IOException.class).hasMessage(expected + "no space left on device");
        assertThatThrownBy(() -> ExportFiles.write(dir, "s", "json", out -> out.write(new byte[100_000]), full,
                ExportFiles::linkOrMove)).as("while the content writes")
                .isInstanceOf(IOException.class).hasMessage(expected + "no space left on device");
        assertThatThrownBy(() -> ExportFiles.write(dir, "s", "json", out -> out.write('x'), noFsync,
                ExportFiles::linkOrMove)).as("at fsync")
                .isInstanceOf(IOException.class).hasMessage(expected + "invalid argument");
        assertThatThrownBy(() -> ExportFiles.write(dir, "s", "json", out -> out.write('x'),
                (temp, target) -> {
                    throw new java.nio.file.FileSystemException(target.toString(), null, "No space left on device");
                })).as("at publishing")
                .isInstanceOf(IOException.class).hasMessage(expected + "no space left on device");
        assertThat(names()).isEmpty();
    }

    @Test
    void whenPublishingFailsNoFileOrTemporaryFileSurvives() throws IOException {
        ExportFiles.Publisher failing = (temp, target) -> {
            assertThat(temp).exists().hasContent("x");
            throw new IOException("rename failed");
        };
        assertThatThrownBy(() -> ExportFiles.write(dir, "s", "json", out -> out.write('x'), failing))
                .isInstanceOf(IOException.class)
                .hasMessage("export directory " + dir.toAbsolutePath() + " is not writable: rename failed");
        assertThat(names()).isEmpty();
    }

    @Test
    void whenReplacingFailsTheErrorSaysWhatInWordsAndTheOldFileStays() throws IOException {
        Path file = Files.writeString(dir.resolve("summary.csv"), "old");
        ExportFiles.Publisher denied = (temp, target) -> {
            assertThat(temp).exists().hasContent("new");
            throw new AccessDeniedException(target.toString());
        };
        assertThatThrownBy(() -> ExportFiles.replace(file, out -> out.write("new".getBytes(StandardCharsets.UTF_8)),
                denied))
                .isInstanceOf(IOException.class)
                .hasMessage("cannot replace " + file.toAbsolutePath() + ": permission denied");
        assertThat(file).hasContent("old");
        assertThat(names()).containsExactly("summary.csv");
    }

    @Test
    void replaceReplacesTheFileAndKeepsItsPermissions() throws IOException {
        Path file = Files.writeString(dir.resolve("summary.csv"), "old");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertThat(ExportFiles.replace(file, out -> out.write("new".getBytes(StandardCharsets.UTF_8))))
                .isEqualTo(file.toAbsolutePath());
        assertThat(file).hasContent("new");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-r-----");
        assertThat(names()).containsExactly("summary.csv");
    }

    @Test
    void whenTheMoveOfTheFallbackFailsItsClaimAndTheTemporaryFileAreRemoved() throws IOException {
        ExportFiles.Publisher claimThenFail = (temp, target) -> {
            Files.delete(temp); // the move will find no source
            return ExportFiles.claimAndMove(temp, target);
        };
        assertThatThrownBy(() -> ExportFiles.write(dir, "s", "json", out -> out.write('x'), claimThenFail))
                .isInstanceOf(IOException.class);
        assertThat(names()).isEmpty();
    }

    @Test
    void theFallbackWithoutHardLinksClaimsTheNameAndMovesAtomicallyWithoutOverwriting() throws IOException {
        Path first = ExportFiles.write(dir, "s", "json", out -> out.write('1'), ExportFiles::claimAndMove);
        Path second = ExportFiles.write(dir, "s", "json", out -> out.write('2'), ExportFiles::claimAndMove);

        assertThat(first).isEqualTo(dir.resolve("s.json")).hasContent("1");
        assertThat(second).isEqualTo(dir.resolve("s-1.json")).hasContent("2");
        assertThat(names()).containsExactlyInAnyOrder("s.json", "s-1.json");
    }

    @Test
    void whenEveryNameIsTakenTheErrorSaysSo() throws IOException {
        ExportFiles.Publisher alwaysTaken = (temp, target) -> false;
        assertThatThrownBy(() -> ExportFiles.write(dir, "s", "json", out -> out.write('x'), alwaysTaken))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot name a new file s.json in " + dir.toAbsolutePath() + ": it, s-1 to -"
                        + ExportFiles.ORDERED_SUFFIXES + " and " + ExportFiles.RANDOM_TRIES + " random names were all taken");
        assertThat(names()).isEmpty();
    }

    @Test
    void namesDoNotRunOutAndANewOneCostsAFewAttemptsHoweverManyShareTheId() throws IOException {
        // 20,000 files of one id, as a server reusing a room name makes: the claims of the next name are counted
        java.util.Set<String> taken = new java.util.HashSet<>();
        int most = 0;
        for (int i = 0; i < 20_000; i++) {
            int[] attempts = new int[1];
            Path name = ExportFiles.claimName(dir, "room-7", "json", target -> {
                attempts[0]++;
                return taken.add(target.getFileName().toString()) ? target : null;
            });
            assertThat(name.getParent()).isEqualTo(dir.toAbsolutePath());
            most = Math.max(most, attempts[0]);
        }
        assertThat(taken).hasSize(20_000).contains("room-7.json", "room-7-1.json", "room-7-9.json");
        // the plain name and -1 to -9, then (with 20,000 of 10^12 random names taken) almost always one draw
        assertThat(most).isLessThanOrEqualTo(ExportFiles.ORDERED_SUFFIXES + 1 + 3);
        assertThat(taken).allSatisfy(n -> assertThat(n).matches("room-7(-[0-9]+)?\\.json"));
    }

    @Test
    void realFilesOfOneIdGetNewNamesAfterTheOrderedOnesAreTaken() throws IOException {
        for (int i = 0; i < 30; i++) {
            ExportFiles.write(dir, "s", "json", out -> out.write('x'));
        }
        assertThat(names()).hasSize(30).contains("s.json", "s-9.json").doesNotContain("s-10.json");
    }

    @Test
    void appendRefusesARecordThatIsNotOneWellFormedLine() throws IOException {
        for (String bad : new String[] {"a\nb", "a\rb", "lone \uD800"}) {
            assertThatThrownBy(() -> ExportFiles.append(dir.resolve("shared.jsonl"), bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("record");
        }
        assertThat(names()).isEmpty();
    }

    @Test
    void appendCreatesTheDirectoryAndFileAndOnlyEverAppends() throws IOException {
        Path file = dir.resolve("sub").resolve("shared.jsonl");
        ExportFiles.append(file, "{\"a\":1}");
        ExportFiles.append(file, "{\"a\":2}");
        assertThat(file).hasContent("{\"a\":1}\n{\"a\":2}\n");
    }

    @Test
    void appendsFromManyThreadsThroughTwoSpellingsOfOneFileAllArrive() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        int threads = 8;
        int appends = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < appends; i++) {
                        Path spelling = (thread + i) % 2 == 0 ? real : link;
                        ExportFiles.append(spelling.resolve("s.jsonl"), "{\"t\":" + thread + ",\"i\":" + i + "}");
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> lines = Files.readAllLines(real.resolve("s.jsonl"));
        assertThat(lines).hasSize(threads * appends).doesNotHaveDuplicates()
                .allMatch(line -> line.matches("\\{\"t\":[0-9],\"i\":[0-9]+}"));
    }

    /**
     * A shared file rotated while sessions append to it (logrotate's default: rename, then the next append makes a new
     * file), here every 5 appends: a writer that found the old file and opens the new one must not meet another writer's lock on the new
     * one ("locked by other code in this JVM"), and no record may be lost. Nor may a writer be starved: keyed by the
     * file alone, one that waited for the old file's lock found the new one and waited again at the back of its
     * queue, and on a loaded machine ran out of attempts (1 of 30 runs failed beside four busy loops; 0 of 60 with the
     * path's lock first).
     */
    @Test
    void appendsWhileTheFileIsRotatedAllArrive() throws Exception {
        Path file = dir.resolve("shared.jsonl");
        int threads = 4;
        int appends = 300;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        java.util.concurrent.CyclicBarrier lineUp = new java.util.concurrent.CyclicBarrier(threads + 1);
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger(threads);
        java.util.concurrent.atomic.AtomicInteger appended = new java.util.concurrent.atomic.AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    lineUp.await(30, TimeUnit.SECONDS);
                    try {
                        for (int i = 0; i < appends; i++) {
                            try {
                                ExportFiles.append(file, "{\"t\":" + thread + ",\"i\":" + i + "}");
                            } catch (IOException e) {
                                failures.add(e.getMessage());
                            }
                            appended.incrementAndGet();
                        }
                    } finally {
                        running.decrementAndGet();
                    }
                    return null;
                }));
            }
            futures.add(pool.submit(() -> {
                lineUp.await(30, TimeUnit.SECONDS);
                // rotated every few appends, while the others are under way
                for (int n = 0, seen = 0; running.get() > 0; n++) {
                    while (appended.get() < seen + 5 && running.get() > 0) {
                        Thread.onSpinWait();
                    }
                    seen = appended.get();
                    try {
                        Files.move(file, dir.resolve("rotated-" + n + ".jsonl"));
                    } catch (java.nio.file.NoSuchFileException notThere) {
                        // those appends went to a file opened before the last rotation
                    }
                }
                return null;
            }));
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).as("appends that failed, of %d", threads * appends).isEmpty();
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path each : files.filter(f -> f.getFileName().toString().endsWith(".jsonl")).toList()) {
                lines.addAll(Files.readAllLines(each));
            }
        }
        assertThat(lines).hasSize(threads * appends).doesNotHaveDuplicates();
    }

    @Test
    void appendsToManyFilesKeepNoLockOnceDone() throws Exception {
        // a server appending to a file of its own per day (or per session) for weeks: the JVM's locks per file
        // live while a thread appends, not for every file ever appended to
        int before = SharedAppend.lockCount();
        for (int i = 0; i < 200; i++) {
            ExportFiles.append(dir.resolve("day-" + i + ".jsonl"), "{\"i\":" + i + "}");
        }
        assertThat(SharedAppend.lockCount()).isEqualTo(before);
        Path file = dir.resolve("shared.jsonl");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        ExportFiles.append(file, "{}");
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(Files.readAllLines(file)).hasSize(100);
        assertThat(SharedAppend.lockCount()).isEqualTo(before);
        SharedAppend.PositionalWriter diskFull = (channel, bytes, position) -> {
            throw new IOException("No space left on device");
        };
        assertThatThrownBy(() -> SharedAppend.append(file, "{}", diskFull))
                .isInstanceOf(IOException.class); // a failed append lets its lock go too
        assertThat(SharedAppend.lockCount()).isEqualTo(before);
    }

    @Test
    void aFailedAppendLeavesTheFileAsItWas() throws IOException {
        Path file = dir.resolve("shared.jsonl");
        SharedAppend.PositionalWriter diskFullHalfway = (channel, bytes, position) -> {
            if (bytes.remaining() > 1) { // the record, not the line break ending a torn one
                bytes.limit(bytes.position() + bytes.remaining() / 2);
            }
            while (bytes.hasRemaining()) {
                position += channel.write(bytes, position);
            }
            if (bytes.limit() < bytes.capacity()) {
                throw new IOException("No space left on device");
            }
        };
        String record = "{\"big\":\"" + "x".repeat(9_000) + "\"}";
        for (String before : new String[] {"{\"a\":1}\n", "{\"a\":1}\n{\"torn\":"}) {
            Files.writeString(file, before);

            assertThatThrownBy(() -> SharedAppend.append(file, record, diskFullHalfway))
                    .isInstanceOf(IOException.class)
                    .hasMessage("cannot append to " + file.toAbsolutePath() + ": no space left on device");

            assertThat(file).as(before).hasContent(before);
        }
        ExportFiles.append(file, record);
        assertThat(Files.readAllLines(file)).containsExactly("{\"a\":1}", "{\"torn\":", record);
    }

    @Test
    void closingTheStreamOnlyFlushesIt() throws IOException {
        Path file = ExportFiles.write(dir, "s", "txt", out -> {
            out.write("abc".getBytes(StandardCharsets.UTF_8));
            out.close();
            out.close();
            assertThatThrownBy(() -> out.write('d')).isInstanceOf(IOException.class);
        });
        assertThat(file).hasContent("abc");
    }

    @Test
    void theExtensionIsChecked() {
        for (String bad : new String[] {"", "JSON", "../x", "a.b", "x".repeat(17)}) {
            assertThatThrownBy(() -> ExportFiles.write(dir, "s", bad, out -> { }))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("extension");
        }
    }

    @Test
    void theDirectorySettingDefaultsToPeerpulseSessions() {
        String key = "peerpulse.export.test-" + System.nanoTime() + ".directory";
        assertThat(ExportFiles.directory(ExportSettings.of(Map.of(), Map.of()), key))
                .isEqualTo(Path.of("peerpulse-sessions"));
        assertThat(ExportFiles.directory(ExportSettings.of(Map.of(key, "/data/out"), Map.of()), key))
                .isEqualTo(Path.of("/data/out"));
        ExportSettings blank = new ExportSettings() {
            @Override
            public java.util.Optional<String> get(String k) {
                return java.util.Optional.of(k.equals(key) ? " " : "a\0b");
            }

            @Override
            public <T> java.util.Optional<T> attribute(Class<T> type) {
                return java.util.Optional.empty();
            }
        };
        assertThatThrownBy(() -> ExportFiles.directory(blank, key))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(key + " must not be blank");
        assertThatThrownBy(() -> ExportFiles.directory(blank, "other"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("other is not a valid path");
        // "-Dkey=~/runs" in JAVA_TOOL_OPTIONS or a properties file: no shell expanded it, never a folder "~"
        assertThatThrownBy(() -> ExportFiles.directory(ExportSettings.of(Map.of(key, "~/runs"), Map.of()), key))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(key + " is '~/runs', which starts with '~':"
                        + " Java does not expand it (only a shell does, unquoted at the start of a word): give the"
                        + " full path, or ./~/runs for a folder really named so");
        assertThat(ExportFiles.directory(ExportSettings.of(Map.of(key, "./~/runs"), Map.of()), key))
                .isEqualTo(Path.of("./~/runs"));
    }

    /**
     * {@code -Dpeerpulse.journal.directory=C:\\j} copied from a Windows machine: on Linux a backslash is no separator,
     * and the journal went silently into a folder named {@code C:\\j} in the working directory. Refused naming the key.
     */
    @Test
    @org.junit.jupiter.api.condition.DisabledOnOs(org.junit.jupiter.api.condition.OS.WINDOWS)
    void aWindowsPathIsRefusedWhereItWouldNameOneFolder() {
        String key = "peerpulse.export.json.directory";
        for (String windows : new String[] {"C:\\runs", "d:/runs", "C:", "\\\\server\\share\\runs"}) {
            assertThatThrownBy(() -> ExportFiles.directory(ExportSettings.of(Map.of(key, windows), Map.of()), key))
                    .as(windows).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(key + " is '" + windows + "', a Windows path: here it would be one folder named so in the"
                            + " working directory; give a path of this system, or ./" + windows
                            + " for a folder really named so");
        }
        assertThat(ExportFiles.directory(ExportSettings.of(Map.of(key, "./C:\\runs"), Map.of()), key))
                .isEqualTo(Path.of("./C:\\runs"));
        assertThat(ExportFiles.directory(ExportSettings.of(Map.of(key, "runs:2"), Map.of()), key))
                .isEqualTo(Path.of("runs:2"));
    }

    /**
     * {@code key=runs } in a properties file (which keeps trailing white space) or {@code -Dkey=" runs"}: Java
     * would make a folder named with the space, and the exports would land beside the intended one, silently.
     */
    @Test
    void aPathWithWhiteSpaceAtAnEndIsRefusedNamingTheKeyAndTheValue() {
        String key = "peerpulse.export.test-" + System.nanoTime() + ".directory";
        for (String spaced : new String[] {"runs ", " runs", "runs\t", "/data/out\n"}) {
            assertThatThrownBy(() -> ExportFiles.directory(ExportSettings.of(Map.of(key, spaced), Map.of()), key))
                    .as(spaced).isInstanceOf(IllegalArgumentException.class).hasMessage(key + " is '" + spaced
                            + "', which starts or ends with white space that would be part of the name: remove it");
            assertThatThrownBy(() -> ExportFiles.path(ExportSettings.of(Map.of(key, spaced), Map.of()), key, "d"))
                    .as(spaced).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(key, "white space");
        }
        assertThat(ExportFiles.directory(ExportSettings.of(Map.of(key, "my runs"), Map.of()), key))
                .as("a space inside is a name's own").isEqualTo(Path.of("my runs"));
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }
}
