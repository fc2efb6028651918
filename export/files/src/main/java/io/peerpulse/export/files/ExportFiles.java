package io.peerpulse.export.files;

import io.peerpulse.session.spi.ExportSettings;
import org.jspecify.annotations.Nullable;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The file rules every exporter that writes one file per session follows, in one place: a safe file
 * name made from the session id, never overwriting a file, and a file that appears whole or not at
 * all. {@link FileExporterProvider} uses it for the {@code json}, {@code csv} and {@code html} exporters; a
 * plugin that writes files may extend that provider or use this class directly.
 *
 * <pre>{@code
 * Path dir = ExportFiles.directory(settings, "peerpulse.export.json.directory");
 * Path written = ExportFiles.write(dir, report.sessionMetrics().sessionId(), "json",
 *         out -> out.write(bytes));   // e.g. <dir>/exp-42-pair-7.json, or …-1.json if that exists
 * }</pre>
 *
 * <p><b>File names</b> ({@link #fileStem(String)}). Each character (code point) of the session id
 * outside {@code [A-Za-z0-9._-]} becomes {@code _}; leading dots become {@code _} (no hidden file, never
 * {@code .} or {@code ..}); an empty id becomes {@code _}; a stem whose part before the first dot is a
 * Windows device name ({@code CON}, {@code NUL}, {@code COM1}, …) gets a leading {@code _}. When any of
 * that changed the id, or the id is longer than {@value #MAX_STEM_LENGTH} characters, the stem is cut to
 * {@value #MAX_STEM_LENGTH} − 9 characters and {@code -} plus the first 8 hex digits of the SHA-256 of
 * the id (UTF-8) are appended, so that different ids almost never share a stem. A stem therefore holds
 * only {@code [A-Za-z0-9._-]}, never starts with a dot, and has at most {@value #MAX_STEM_LENGTH}
 * characters; with a suffix and an extension a name stays far below the 255 bytes file systems allow.
 * A name can contain no separator, so a file never lands outside its directory.
 *
 * <p><b>Never overwrite; names that do not run out</b> ({@link #claimName}, also the session journal's rule).
 * The file is {@code <stem>.<extension>}; when that name is taken, {@code <stem>-1.<extension>} to
 * {@code <stem>-}{@value #ORDERED_SUFFIXES}{@code .<extension>}; when those are taken too (a server reusing
 * room names as session ids), {@code <stem>-<n>.<extension>} with {@code n} a random number from 100 to
 * 999,999,999,999, drawn again when taken (at most {@value #RANDOM_TRIES} draws). So a new name costs at most
 * a few attempts however many files share the id. Taking a name is atomic (a hard link, which the file system refuses when the name exists), so exporters writing the
 * same id at once, in one JVM or several, each get their own name and none overwrites another's file,
 * nor any file that was there before — a symbolic link included, which is never followed.
 *
 * <p><b>Whole or not at all, and durable.</b> The content goes to a hidden temporary file in the same
 * directory ({@code .<stem>.<random>.tmp}, created with {@code CREATE_NEW}), is flushed and
 * {@code fsync}ed ({@link FileChannel#force(boolean)}), and is then published under its final name
 * atomically: hard-linked to it (then the temporary name is removed), or, on a file system without hard
 * links, by claiming the name with an empty file ({@code CREATE_NEW}) and replacing it with
 * {@link StandardCopyOption#ATOMIC_MOVE} — there, for that instant, a reader may see an empty file under
 * the name. Last, the directory is {@code fsync}ed where the platform allows it (POSIX). So once
 * {@link #write} has returned, the file and its name survive a crash or power loss on a file system that
 * honours {@code fsync}; until then, no file of that name exists. When writing or publishing fails, the
 * temporary file is deleted before the exception is thrown; only a crash, a killed JVM, or a JVM that exits while
 * the file is written (an exporter on a daemon thread when {@code System.exit} is called: an exit unwinds no
 * thread) can leave one, with part of the content and never under the final name, and such {@code .*.tmp} files
 * may be deleted at any time (where there are no hard links, an exit in the instant between the claim and the
 * move leaves the claim's empty file under the name).
 *
 * <p><b>Directory.</b> A missing directory is created, with its missing parents (with the default
 * permissions of the platform). One that cannot be created, is not a directory, or cannot be written to
 * fails with an {@link IOException} whose message names its absolute path and why.
 *
 * <p><b>Why one class.</b> About 430 lines of code, one job: the file rules every file exporter, the journal and
 * the command line share. Each public method is one rule of that one contract (a safe name, a name claimed without
 * overwriting, a write that appears whole, a safe append, a path setting read, an I/O cause in words), and they
 * share the private steps under them (the temporary file, the forces, the directory checks, the messages), which
 * a split would have to export to each other. What is not a file rule has stayed out (the formats are in their
 * exporters, the journal's lines in its writer). The I/O cause in words stays too: it is needed when the process is
 * at its limit of open files, where a class not yet loaded from a folder of classes cannot be loaded any more.
 *
 * @since 0.1.0
 */
public final class ExportFiles {

    /**
     * Directory used when an exporter's directory setting is absent: {@value}, relative to the working
     * directory of the JVM.
     *
     * @since 0.1.0
     */
    public static final String DEFAULT_DIRECTORY = "peerpulse-sessions";

    /**
     * Longest file stem made from a session id, in characters (all ASCII, so also in bytes).
     *
     * @since 0.1.0
     */
    public static final int MAX_STEM_LENGTH = 100;

    /**
     * Suffixes {@code -1}, {@code -2}, … tried in order after the plain name, before random ones.
     *
     * @since 0.1.0
     */
    public static final int ORDERED_SUFFIXES = 9;

    /**
     * Random suffixes drawn when the ordered ones are taken, before giving up with an {@link IOException}.
     *
     * @since 0.1.0
     */
    public static final int RANDOM_TRIES = 20;

    /**
     * Tries to take one file name atomically, e.g. by creating the file with {@code CREATE_NEW}.
     *
     * @param <T> what taking the name gives
     * @since 0.1.0
     */
    @FunctionalInterface
    public interface NameClaim<T> {
        /**
         * @param target the name to take, in the directory
         * @return what taking it gave; {@code null} when the name is taken already
         * @throws IOException when trying failed otherwise
         */
        @Nullable T tryClaim(Path target) throws IOException;
    }

    private static final System.Logger LOG = System.getLogger(ExportFiles.class.getName());
    private static final int HASH_LENGTH = 8;
    private static final Pattern EXTENSION = Pattern.compile("[a-z0-9]{1,16}");
    private static final Set<String> DEVICE_NAMES = Set.of("CON", "PRN", "AUX", "NUL",
            "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
            "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How a finished temporary file is published under a name; replaced by tests to inject failures. */
    @FunctionalInterface
    interface Publisher {
        /**
         * Publishes {@code temp} as {@code target}.
         *
         * @return {@code false} when {@code target} exists (nothing changed), {@code true} when published;
         *         {@code temp} may still exist afterwards (the caller deletes it)
         */
        boolean publish(Path temp, Path target) throws IOException;
    }

    /** How the temporary file is opened for writing; replaced by tests to inject failures of the disk. */
    @FunctionalInterface
    interface TempOpener {
        FileChannel open(Path temp) throws IOException;
    }

    private ExportFiles() {
    }

    /**
     * Writes one file's content; called once by {@link ExportFiles#write}.
     *
     * @since 0.1.0
     */
    @FunctionalInterface
    public interface Content {

        /**
         * Writes the content to {@code out}. Closing {@code out} only flushes it; writing after that fails.
         *
         * @param out the temporary file's buffered stream
         * @throws IOException when the content cannot be written; the export then fails, nothing is left
         * @since 0.1.0
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * The export directory of an exporter's setting: the value of {@code key} (a session setting, else the
     * system property), else {@link #DEFAULT_DIRECTORY}. Nothing is checked or created on disk here; a
     * relative path is resolved against the working directory when a file is written.
     *
     * @param settings the exporter's settings
     * @param key      the setting, e.g. {@code peerpulse.export.json.directory}
     * @return the directory
     * @throws IllegalArgumentException naming {@code key} when the value is blank, not a valid path, starts or
     *                                  ends with white space, starts with {@code ~} (which Java does not
     *                                  expand: it would be a folder named so), or is a Windows path on another
     *                                  system ({@code C:\\runs}: it would be a folder named so)
     * @since 0.1.0
     */
    public static Path directory(ExportSettings settings, String key) {
        return path(settings, key, DEFAULT_DIRECTORY);
    }

    /**
     * The path of an exporter's setting: the value of {@code key} (a session setting, else the system property),
     * else {@code defaultValue}. Nothing is checked on disk here.
     *
     * @param settings     the exporter's settings
     * @param key          the setting, e.g. {@code peerpulse.export.jsonl.file}
     * @param defaultValue the path when the setting is absent
     * @return the path
     * @throws IllegalArgumentException naming {@code key} when the value is blank, not a valid path, starts or
     *                                  ends with white space, starts with {@code ~} (which Java does not
     *                                  expand: it would be a folder named so), or is a Windows path on another
     *                                  system ({@code C:\\runs}: it would be a folder named so)
     * @since 0.1.0
     */
    public static Path path(ExportSettings settings, String key, String defaultValue) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(key, "key");
        String value = settings.get(key).orElse(defaultValue);
        if (value.isBlank()) {
            throw new IllegalArgumentException(key + " must not be blank");
        }
        if (!value.strip().equals(value)) { // "key=runs " in a properties file, which keeps trailing white space
            throw new IllegalArgumentException(key + " is '" + value + "', which starts or ends with white space that"
                    + " would be part of the name: remove it");
        }
        if (value.startsWith("~")) { // e.g. JAVA_TOOL_OPTIONS="-Dpeerpulse.journal.directory=~/j": no shell expands it
            throw new IllegalArgumentException(key + " is '" + value + "', which starts with '~': Java does not expand"
                    + " it (only a shell does, unquoted at the start of a word): give the full path, or ./" + value
                    + " for a folder really named so");
        }
        if (isForeignWindowsPath(value)) { // e.g. -Dpeerpulse.journal.directory=C:\j copied from a Windows machine
            throw new IllegalArgumentException(key + " is '" + value + "', a Windows path: here it would be one folder"
                    + " named so in the working directory; give a path of this system, or ./" + value
                    + " for a folder really named so");
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(key + " is not a valid path: " + e.getMessage(), e);
        }
    }

    /**
     * Whether {@code value} is a Windows path ({@code C:\runs}, {@code d:/runs}, {@code C:}, {@code \\server\share})
     * on a system that is not Windows, where it would name one folder in the working directory: refused by
     * {@link #path} and by the command line's path options.
     *
     * @param value a path as given
     * @return whether it is a Windows path here, on another system
     * @since 0.1.0
     */
    public static boolean isForeignWindowsPath(String value) {
        return java.io.File.separatorChar == '/' && (value.matches("(?s)[A-Za-z]:([\\\\/].*)?")
                || value.startsWith("\\\\"));
    }

    /**
     * The file stem of a session id, by the rule in the class description: only {@code [A-Za-z0-9._-]},
     * no leading dot, at most {@value #MAX_STEM_LENGTH} characters, the id itself when it already is so.
     *
     * @param sessionId any string, even empty or hostile
     * @return the stem, never empty
     * @since 0.1.0
     */
    public static String fileStem(String sessionId) {
        Objects.requireNonNull(sessionId, "sessionId");
        StringBuilder stem = new StringBuilder(Math.min(sessionId.length(), MAX_STEM_LENGTH + 1));
        boolean changed = false;
        boolean leading = true;
        for (int i = 0; i < sessionId.length() && stem.length() <= MAX_STEM_LENGTH; ) {
            int c = sessionId.codePointAt(i);
            i += Character.charCount(c);
            boolean safe = c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || (c == '.' && !leading));
            stem.append(safe ? (char) c : '_');
            changed |= !safe;
            leading &= c == '.';
        }
        if (stem.length() == 0) {
            stem.append('_');
            changed = true;
        }
        int dot = stem.indexOf(".");
        if (DEVICE_NAMES.contains((dot < 0 ? stem.toString() : stem.substring(0, dot)).toUpperCase(Locale.ROOT))) {
            stem.insert(0, '_');
            changed = true;
        }
        if (changed || stem.length() > MAX_STEM_LENGTH) {
            stem.setLength(Math.min(stem.length(), MAX_STEM_LENGTH - HASH_LENGTH - 1));
            stem.append('-').append(hash(sessionId));
        }
        return stem.toString();
    }

    /**
     * Writes a new file {@code <directory>/<stem>.<extension>} (or {@code <stem>-N.<extension>} when taken)
     * by the rules in the class description: created whole or not at all, {@code fsync}ed, never
     * overwriting anything, the directory created when missing.
     *
     * @param directory where to write; created with its parents when missing
     * @param sessionId the session id the name is made from ({@link #fileStem(String)})
     * @param extension lower-case letters and digits, e.g. {@code json}
     * @param content   writes the file's bytes
     * @return the absolute path of the written file
     * @throws IOException              naming the directory's absolute path when it cannot be created or
     *                                  written to, when every name tried is taken ({@link #claimName}), or
     *                                  what {@code content} threw; nothing is left behind then
     * @throws IllegalArgumentException when {@code extension} is not lower-case letters and digits
     * @since 0.1.0
     */
    public static Path write(Path directory, String sessionId, String extension, Content content) throws IOException {
        return write(directory, sessionId, extension, content, ExportFiles::linkOrMove);
    }

    static Path write(Path directory, String sessionId, String extension, Content content, Publisher publisher)
            throws IOException {
        return write(directory, sessionId, extension, content, ExportFiles::openTemp, publisher);
    }

    static Path write(Path directory, String sessionId, String extension, Content content, TempOpener opener,
            Publisher publisher) throws IOException {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(content, "content");
        checkExtension(extension);
        Path dir = directory.toAbsolutePath();
        ensureDirectory(dir);
        return publishNew(dir, fileStem(sessionId), extension, content, opener, publisher);
    }

    /**
     * Writes a new file named as {@code target}, for a name a user chose (e.g. a command line's {@code --out}):
     * whole or not at all and {@code fsync}ed as {@link #write}, never overwriting — when the name is taken,
     * the next one by {@link #claimName}'s rule ({@code summary-1.csv}, …). The name is used as given, the
     * part after its last dot as the extension; the file gets the platform's default permissions (the umask).
     *
     * @param target  the file wished for; its directory must exist
     * @param content writes the file's bytes
     * @return the absolute path of the file written: {@code target}, or another name when it was taken
     * @throws IOException naming the path when the directory is missing or cannot be written to, or what
     *                     {@code content} threw; nothing is left behind then
     * @since 0.1.0
     */
    public static Path writeNew(Path target, Content content) throws IOException {
        Path file = target.toAbsolutePath();
        Path dir = file.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("no such directory " + dir);
        }
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return publishNew(dir, dot > 0 ? name.substring(0, dot) : name, dot > 0 ? name.substring(dot + 1) : "",
                Objects.requireNonNull(content, "content"), ExportFiles::openTemp, ExportFiles::linkOrMove);
    }

    /**
     * Writes {@code target} whole or not at all, replacing an existing file atomically (for a command's
     * {@code --force}); a replaced file keeps its POSIX permissions, a new one gets the platform's default
     * (the umask). Never follows a symbolic link: one at {@code target} is replaced by the file.
     *
     * @param target  the file; its directory must exist
     * @param content writes the file's bytes
     * @return the absolute path of the file written
     * @throws IOException naming the path when it cannot be written, or what {@code content} threw; the old file
     *                     is then left as it was
     * @since 0.1.0
     */
    public static Path replace(Path target, Content content) throws IOException {
        return replace(target, content, (temp, file) -> {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        });
    }

    /** {@link #replace(Path, Content)} with its final move given (tests inject its failures). */
    static Path replace(Path target, Content content, Publisher mover) throws IOException {
        Path file = target.toAbsolutePath();
        Path dir = file.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("no such directory " + dir);
        }
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " is a directory");
        }
        Path temp = createTemp(dir, fileStem(file.getFileName().toString()));
        try {
            writeContent(dir, temp, Objects.requireNonNull(content, "content"), ExportFiles::openTemp);
            try {
                if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Files.setPosixFilePermissions(temp,
                                Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS));
                    } catch (UnsupportedOperationException notPosix) {
                        // elsewhere the new file has the default permissions
                    }
                }
                mover.publish(temp, file);
            } catch (IOException e) { // the JDK's message is the path alone: say what failed, in words
                throw new IOException("cannot replace " + file + ": " + reason(e), e);
            }
            syncDirectory(dir);
            return file;
        } finally {
            deleteTemp(temp);
        }
    }

    /**
     * Appends one record — one line — to a file shared by many sessions, e.g. an experiment's single
     * JSON-lines file: safe across threads (one lock per file in this JVM, however the file's path is spelled)
     * and processes (an exclusive file lock while appending), also while the file is rotated under it (renamed,
     * the next append making a new one: an append goes to the file it found, or finds the new one), and durable
     * ({@code fsync} before returning). The file and its directory are created when missing (the file with the
     * umask's mode); an existing file is only appended to, never rewritten. When the file does not end with a
     * line break (a writer killed in the middle of a record), a line break is written first, so the torn record
     * stays one bad line and this one stays whole. When the append fails (a full disk), the file is cut back to its
     * length before it, so no partial record stays.
     *
     * @param file   the shared file
     * @param record one line of UTF-8 text, without line breaks; the line break is added
     * @return the absolute path of the file
     * @throws IllegalArgumentException when {@code record} holds a line break or a lone surrogate
     * @throws IOException              naming the file when it cannot be created, locked or written
     * @since 0.1.0
     */
    public static Path append(Path file, String record) throws IOException {
        return SharedAppend.append(file, record, SharedAppend::write);
    }

    /** Writes the content to a temporary file, then publishes it under the first free name of {@code stem}. */
    private static Path publishNew(Path dir, String stem, String extension, Content content, TempOpener opener,
            Publisher publisher) throws IOException {
        Path temp = createTemp(dir, fileStem(stem));
        try {
            writeContent(dir, temp, content, opener);
            Path target = claimName(dir, stem, extension, name -> {
                try {
                    return publisher.publish(temp, name) ? name : null;
                } catch (IOException e) {
                    throw notWritable(dir, e);
                }
            });
            syncDirectory(dir);
            return target;
        } finally {
            deleteTemp(temp);
        }
    }

    /**
     * Takes a new name {@code <stem>.<extension>} in {@code directory} by the rule of the class description:
     * the plain name, then {@code -1} to {@code -}{@value #ORDERED_SUFFIXES}, then random suffixes.
     *
     * @param directory an existing directory
     * @param stem      a safe stem ({@link #fileStem(String)})
     * @param extension what follows the stem and a dot, e.g. {@code json} or {@code journal.jsonl}; empty for
     *                  none (and no dot)
     * @param claim     takes one name atomically, {@code null} when it is taken
     * @param <T>       what taking a name gives
     * @return what taking the first free name gave
     * @throws IOException what {@code claim} threw, or when every name tried was taken, naming the directory
     * @since 0.1.0
     */
    public static <T> T claimName(Path directory, String stem, String extension, NameClaim<T> claim)
            throws IOException {
        Path dir = directory.toAbsolutePath();
        for (int n = 0; n <= ORDERED_SUFFIXES + RANDOM_TRIES; n++) {
            long suffix = n <= ORDERED_SUFFIXES ? n : ThreadLocalRandom.current().nextLong(100, 1_000_000_000_000L);
            Path target = dir.resolve(stem + (suffix == 0 ? "" : "-" + suffix) + (extension.isEmpty() ? "" : "." + extension));
            if (!dir.equals(target.getParent())) {
                throw new IllegalStateException("file name escapes " + dir + ": " + target); // never: see fileStem
            }
            T taken = claim.tryClaim(target);
            if (taken != null) {
                return taken;
            }
        }
        throw new IOException("cannot name a new file " + stem + "." + extension + " in " + dir + ": it, "
                + stem + "-1 to -" + ORDERED_SUFFIXES + " and " + RANDOM_TRIES + " random names were all taken");
    }

    static void checkExtension(String extension) {
        if (extension == null || !EXTENSION.matcher(extension).matches()) {
            throw new IllegalArgumentException("extension must be 1 to 16 lower-case letters or digits, was "
                    + (extension == null ? null : "'" + extension + "'"));
        }
    }

    /** Hard-links {@code target} to {@code temp}; where links are unsupported, claims the name and moves. */
    static boolean linkOrMove(Path temp, Path target) throws IOException {
        try {
            Files.createLink(target, temp);
            return true;
        } catch (FileAlreadyExistsException taken) {
            return false;
        } catch (IOException | UnsupportedOperationException noLinks) {
            try {
                return claimAndMove(temp, target);
            } catch (IOException | RuntimeException e) {
                e.addSuppressed(noLinks);
                throw e;
            }
        }
    }

    /** Claims {@code target} with an empty file ({@code CREATE_NEW}), then replaces it by {@code temp} atomically. */
    static boolean claimAndMove(Path temp, Path target) throws IOException {
        try {
            Files.createFile(target);
        } catch (FileAlreadyExistsException taken) {
            return false;
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(target); // our empty claim: nobody else can have written it
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    static void ensureDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isDirectory(dir)) {
                return; // made meanwhile by another writer (sessions ending at once into a new directory)
            }
            throw new IOException("export directory " + dir + " is not a directory");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IOException("export directory " + dir + " does not exist and cannot be created: "
                    + reason(e), e);
        }
    }

    private static Path createTemp(Path dir, String stem) throws IOException {
        for (int attempt = 0; ; attempt++) {
            byte[] random = new byte[8];
            RANDOM.nextBytes(random);
            Path temp = dir.resolve("." + stem + "." + HexFormat.of().formatHex(random) + ".tmp");
            try {
                Files.newByteChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return temp;
            } catch (FileAlreadyExistsException taken) {
                if (attempt == 10) {
                    throw new IOException("cannot create a temporary file in export directory " + dir, taken);
                }
            } catch (IOException | UnsupportedOperationException e) {
                throw notWritable(dir, e);
            }
        }
    }

    private static IOException notWritable(Path dir, Throwable e) {
        String reason = reason(e);
        return new IOException("export directory " + dir + (reason.equals(OPEN_FILES_LIMIT)
                ? ": no file can be opened: " : " is not writable: ") + reason, e);
    }

    private static FileChannel openTemp(Path temp) throws IOException {
        return FileChannel.open(temp, StandardOpenOption.WRITE);
    }

    /** Writes {@code temp}; a failure of the disk names {@code dir}, what {@code content} throws itself passes. */
    private static void writeContent(Path dir, Path temp, Content content, TempOpener opener) throws IOException {
        FileChannel opened;
        try {
            opened = opener.open(temp);
        } catch (IOException e) {
            throw notWritable(dir, e);
        }
        try (FileChannel channel = opened) {
            OutputStream file = new FilterOutputStream(Channels.newOutputStream(channel)) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException { // the buffer's only call
                    try {
                        out.write(b, off, len);
                    } catch (IOException e) {
                        throw notWritable(dir, e);
                    }
                }
            };
            BufferedOutputStream buffered = new BufferedOutputStream(file, 64 * 1024);
            content.writeTo(new FilterOutputStream(buffered) {
                private boolean closed;

                @Override
                public void write(int b) throws IOException {
                    check();
                    buffered.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    check();
                    buffered.write(b, off, len);
                }

                @Override
                public void flush() throws IOException {
                    check();
                    buffered.flush();
                }

                @Override
                public void close() throws IOException {
                    if (!closed) {
                        buffered.flush();
                        closed = true;
                    }
                }

                private void check() throws IOException {
                    if (closed) {
                        throw new IOException("stream closed");
                    }
                }
            });
            buffered.flush();
            try {
                channel.force(true);
                channel.close(); // may report what was not stored (NFS); closing again is a no-op
            } catch (IOException e) {
                throw notWritable(dir, e);
            }
        }
    }

    /** Makes the new name durable; not possible everywhere (e.g. Windows cannot open a directory), so best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(Level.DEBUG, () -> "cannot fsync directory " + dir + ": " + reason(e));
        }
    }

    private static void deleteTemp(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, () -> "cannot delete temporary export file " + temp + ": " + reason(e));
        }
    }

    private static String hash(String sessionId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sessionId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, HASH_LENGTH / 2);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** The failures whose type says it all, in the order they are tried (a subtype before its supertype). */
    private static final List<Map.Entry<Class<? extends Throwable>, String>> KNOWN_REASONS = List.of(
            Map.entry(AccessDeniedException.class, "permission denied"),
            Map.entry(NoSuchFileException.class, "no such file or directory"),
            Map.entry(NotDirectoryException.class, "not a directory"),
            Map.entry(FileAlreadyExistsException.class, "already exists"),
            Map.entry(java.nio.file.DirectoryNotEmptyException.class, "directory not empty"),
            Map.entry(java.nio.file.FileSystemLoopException.class, "a symbolic link loop"),
            Map.entry(ReadOnlyFileSystemException.class, "read-only file system"),
            Map.entry(java.nio.channels.OverlappingFileLockException.class, "locked by other code in this JVM"),
            Map.entry(java.nio.charset.UnmappableCharacterException.class,
                    "holds a character that UTF-8 cannot encode (a lone surrogate)"),
            Map.entry(java.nio.charset.CharacterCodingException.class, "not valid UTF-8"));

    /**
     * EMFILE: the process, not the directory, is at its limit; what to do, since the C library's words ("Too many
     * open files") name neither the limit nor what holds the files.
     */
    private static final String OPEN_FILES_LIMIT = "too many open files: the process is at its limit of open files"
            + " (ulimit -n); raise it (systemd LimitNOFILE=, docker --ulimit nofile=) or keep fewer open (each session"
            + " with a journal holds one)";

    /**
     * Whether {@code line}, a failure's words, are those a new descriptor fails with at once: EMFILE in the language
     * the C library speaks to this process ({@code LANGUAGE=de}: "Zu viele offene Dateien"), which cannot be learnt
     * beforehand, since only a process at its limit gets it. Opening a pipe now fails with the same words only when
     * no descriptor can be had (or the kernel's table is full, which a machine of today does not reach).
     */
    private static boolean noDescriptorEither(String line) {
        try {
            java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
            pipe.sink().close();
            pipe.source().close();
            return false;
        } catch (IOException e) {
            String words = e.getMessage();
            return words != null && !words.isBlank() && (line.equals(words) || line.endsWith("(" + words + ")"));
        }
    }

    /**
     * The cause of an I/O failure in words, without the path (the caller names it once): "permission denied",
     * "no such file or directory", "not valid UTF-8", the C library's words for a failed system call ("no space
     * left on device"), for the process's limit of open files (in any language) also what to do; the JDK's exceptions carry only the path ({@code AccessDeniedException: /x}) or a
     * coder's length ({@code MalformedInputException: Input length = 1}).
     *
     * @param e the failure
     * @return its cause in words, lower case
     * @since 0.1.0
     */
    public static String reason(Throwable e) {
        for (Map.Entry<Class<? extends Throwable>, String> known : KNOWN_REASONS) {
            if (known.getKey().isInstance(e)) {
                return known.getValue();
            }
        }
        String message = e instanceof FileSystemException fs ? fs.getReason() : e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        String line = message.lines().findFirst().orElse(message);
        if (line.endsWith("Too many open files") || line.endsWith("(Too many open files)") // not "... in system"
                || noDescriptorEither(line)) {
            return OPEN_FILES_LIMIT;
        }
        return line.length() > 1 && Character.isUpperCase(line.charAt(0)) && Character.isLowerCase(line.charAt(1))
                ? Character.toLowerCase(line.charAt(0)) + line.substring(1) : line;
    }
}
