package io.peerpulse.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.function.Function;

import io.peerpulse.export.files.ExportFiles;

/** Writing a command's output file: never over one of its inputs, never over a file without --force, whole or not at all. */
final class Outputs {

    /** The file in {@code --out} of {@code demo} and {@code recover} the jsonl exporter appends the session's line to. */
    static final String JSONL_FILE = "sessions.jsonl";

    private Outputs() {
    }

    /**
     * @throws Main.UsageException when {@code target} is one of {@code inputs} (the same file, by any path)
     */
    static void refuseOverwritingAnInput(Path target, String option, Collection<Path> inputs) {
        for (Path input : inputs) {
            if (same(target, input)) {
                throw new Main.UsageException(option + " " + target.toAbsolutePath()
                        + " is an input of this command; it would be overwritten: give another file");
            }
        }
    }

    private static boolean same(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (IOException e) {
            // fall back to comparing the paths
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /**
     * @throws Main.UsageException when {@code --out}, a file, names a folder: {@code suggested} is the file name
     *                             offered in it
     */
    static void refuseAFolder(Path out, String suggested) {
        if (Files.isDirectory(out)) {
            throw new Main.UsageException("--out " + out.toAbsolutePath() + " is a folder; give a file name in it, e.g. "
                    + out.toAbsolutePath().resolve(suggested));
        }
    }

    /**
     * Creates the directory a command writes into, with its parents.
     *
     * @throws Main.UsageException when {@code directory} exists and is not one (a file given for a folder: a bad
     *                             argument, as a folder given for {@link #refuseAFolder a file})
     * @throws Main.RunFailure     naming the option, the directory and the cause when it cannot be created or written
     */
    static void createDirectory(Path directory, String option) {
        if (Files.exists(directory) && !Files.isDirectory(directory)) {
            throw new Main.UsageException(option + " " + directory.toAbsolutePath() + (Files.isRegularFile(directory)
                    ? " is a file, not a folder" : " is not a folder") + ": give a folder to write into");
        }
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new Main.RunFailure(Errors.cannot("create the " + option + " directory", directory, e), e);
        }
        if (!Files.isWritable(directory)) {
            throw new Main.RunFailure("cannot write to the " + option + " directory " + directory.toAbsolutePath()
                    + ": " + whyNotWritable(directory));
        }
    }

    /**
     * Says on {@code err} each system property ({@code -Dpeerpulse.export.json.directory=runs}, given through
     * {@code JAVA_TOOL_OPTIONS}) that one of {@code settings} overrides, naming both: the command's option gives
     * the exporters' places as session settings, which win over system properties, so the property would
     * otherwise be ignored without a word. One that names the same place is not mentioned.
     *
     * @param settings the exporters' settings the command gives
     * @param option   for each key, the option that gave it, e.g. {@code --out} or {@code the default --out}
     */
    static void sayOverriddenProperties(Map<String, String> settings, Function<String, String> option, String command,
                                        PrintWriter err) {
        settings.forEach((key, value) -> {
            String property = System.getProperty(key);
            if (property != null && !samePlace(property, value)) {
                err.println(command + ": " + Errors.shown("the system property " + key + "=" + property
                        + " is ignored: " + option.apply(key) + " gives " + Path.of(value).toAbsolutePath()));
            }
        });
    }

    /** @return "--out" when the command was given it, else "the default --out", as a warning names it */
    static String outOption(picocli.CommandLine.Model.CommandSpec spec) {
        return spec.commandLine().getParseResult().hasMatchedOption("--out") ? "--out" : "the default --out";
    }

    private static boolean samePlace(String a, String b) {
        try {
            return Path.of(a).toAbsolutePath().normalize().equals(Path.of(b).toAbsolutePath().normalize());
        } catch (java.nio.file.InvalidPathException notAPath) {
            return a.equals(b);
        }
    }

    /**
     * Why a directory {@link Files#isWritable} refuses cannot be written: its file system is mounted read-only
     * (EROFS: a read-only bind mount, a container's read-only volume), which no chmod fixes, or else its mode.
     */
    static String whyNotWritable(Path directory) {
        try {
            return whyNotWritable(Files.getFileStore(directory));
        } catch (IOException e) {
            return "permission denied";
        }
    }

    static String whyNotWritable(java.nio.file.FileStore store) {
        return store.isReadOnly() ? "read-only file system" : "permission denied";
    }

    /**
     * Writes {@code text} as UTF-8 by the exporters' file rules ({@link ExportFiles}): whole or not at all,
     * with the platform's default permissions (the umask). Without {@code force} an existing file is never
     * replaced: the text goes to the next free name ({@code -1}, {@code -2}, …), said on {@code err}; with
     * it, the file is replaced atomically, keeping its permissions. A named pipe or a device is written into;
     * the process's standard output or error ({@link #standardStream}) is {@code console} or {@code err}; another
     * of its descriptors ({@code /dev/fd/5} of {@code 5>t.csv}) is written through, after what went through it
     * before (without the launcher's {@link StandardOutput#ADD_OPENS}: its file appended to), never replaced,
     * and never one open only for reading; its standard input is refused.
     *
     * @return the file written
     * @throws Main.RunFailure naming the target and the reason
     * @throws Main.UsageException when {@code target} names the process's standard input
     */
    static Path write(Path target, String text, boolean force, PrintWriter console, PrintWriter err, String command) {
        ByteBuffer encoded;
        try {
            // a lone surrogate cannot be encoded: refused here (CharacterCodingException), never replaced by '?'
            encoded = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(text));
        } catch (IOException e) {
            throw new Main.RunFailure(Errors.cannot("write", target, e), e);
        }
        int descriptor = descriptor(target);
        if (descriptor == 0) { // a regular file behind it would get a file beside (as root /dev/stdin-1) or over it
            throw new Main.UsageException("--out " + target + " is this command's standard input, not an output:"
                    + " give a file, or /dev/stdout");
        }
        if (descriptor == 1 || descriptor == 2) {
            // the command's own standard output or error: under the launcher java's descriptor 1 is standard error,
            // and a file behind it reopened would be written from its start (or, a regular file, renamed beside)
            PrintWriter to = descriptor == 1 ? console : err;
            to.print(text);
            to.flush();
            return target;
        }
        ExportFiles.Content content = out -> out.write(encoded.array(), encoded.arrayOffset() + encoded.position(),
                encoded.remaining());
        if (descriptor > 2) {
            // another descriptor (/dev/fd/5 of 5>t.csv): written through it, sharing the shell's file offset (a
            // reopened file would get one of its own, and the shell's next line land over the table)
            java.io.FileDescriptor inherited = null;
            try {
                inherited = StandardOutput.inherited(String.valueOf(descriptor));
            } catch (IllegalStateException e) { // e.g. 5<notes.txt: never written to
                throw new Main.RunFailure("cannot write " + target + ": " + e.getMessage());
            } catch (ReflectiveOperationException | RuntimeException e) {
                // without the launcher's --add-opens: reopened below, appending
            }
            if (inherited != null) {
                try {
                    content.writeTo(new java.io.FileOutputStream(inherited)); // not closed: the shell's descriptor
                } catch (IOException e) {
                    throw new Main.RunFailure(Errors.cannot("write", target, e), e);
                }
                return target;
            }
        }
        if (descriptor > 2 || Files.exists(target) && !Files.isRegularFile(target) && !Files.isDirectory(target)) {
            // a named pipe, a process substitution (--out >(gzip > t.gz)) or a device (/dev/null): no file to keep
            // or to replace (a new name beside it, or a rename over it, would leave the reader waiting or, as
            // root, put a regular file at /dev/null); written into, as the shell's > writes. Another descriptor
            // not reachable as such: its file reopened, so appended to, after what went through it before
            java.nio.file.OpenOption[] options = descriptor > 2
                    ? new java.nio.file.OpenOption[] {java.nio.file.StandardOpenOption.WRITE,
                        java.nio.file.StandardOpenOption.APPEND}
                    : new java.nio.file.OpenOption[] {java.nio.file.StandardOpenOption.WRITE};
            try (java.io.OutputStream stream = Files.newOutputStream(target, options)) {
                content.writeTo(stream);
            } catch (IOException e) {
                throw new Main.RunFailure(Errors.cannot("write", target, e), e);
            }
            return target.toAbsolutePath();
        }
        Path written;
        try {
            written = force ? ExportFiles.replace(target, content) : ExportFiles.writeNew(target, content);
        } catch (IOException e) {
            throw new Main.RunFailure(Errors.cannot("write", target, e), e);
        } catch (UncheckedIOException e) {
            throw new Main.RunFailure(Errors.cannot("write", target, e.getCause()), e);
        }
        if (!written.equals(target.toAbsolutePath())) {
            err.println(command + ": " + Errors.shown(target.toAbsolutePath() + " exists; wrote " + written)
                    + " instead (--force replaces it)");
        }
        return written;
    }

    /**
     * Says where {@link #write} wrote: on {@code console}, or on {@code err} when it wrote to standard output (not
     * after the data there), and not at all when that failed ({@link Main#exitCode} tells: a reader that stopped
     * reading, {@code | head -1}, is quiet).
     */
    static void sayWritten(Path target, String line, PrintWriter console, PrintWriter err) {
        if (standardStream(target) != 1) {
            console.println(line);
        } else if (!console.checkError()) {
            err.println(line);
        }
    }

    /**
     * @return 1 when {@code target} names this process's descriptor 1 ({@code /dev/stdout}, {@code /dev/fd/1},
     *         {@code /proc/self/fd/1}, or a symbolic link leading to one of them), 2 for descriptor 2, else 0
     */
    static int standardStream(Path target) {
        int descriptor = descriptor(target);
        return descriptor == 1 || descriptor == 2 ? descriptor : 0;
    }

    /**
     * @return the number of this process's descriptor that {@code path} names ({@code /dev/stdin},
     *         {@code /dev/fd/N}, {@code /proc/self/fd/N}, or a symbolic link leading to one of them), else -1
     */
    static int descriptor(Path path) {
        Path at = path.toAbsolutePath().normalize();
        for (int hop = 0; hop < 40; hop++) { // as many links as Linux follows
            Path parent = at.getParent();
            String name = String.valueOf(at.getFileName());
            if (parent != null && name.matches("[0-9]{1,9}") && descriptorFolder(parent)) {
                return Integer.parseInt(name);
            }
            if (parent == null || !Files.isSymbolicLink(at)) {
                return -1;
            }
            try {
                at = parent.resolve(Files.readSymbolicLink(at)).normalize();
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
        return -1;
    }

    /** Whether {@code dir} is this process's folder of descriptors: {@code /proc/self/fd}, or {@code /dev/fd}. */
    private static boolean descriptorFolder(Path dir) {
        try {
            Path real = dir.toRealPath(); // /dev/fd and /proc/self/fd: /proc/<this pid>/fd on Linux
            for (String folder : new String[] {"/proc/self/fd", "/dev/fd"}) {
                if (Files.isDirectory(Path.of(folder)) && real.equals(Path.of(folder).toRealPath())) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no such folder here (Windows): no descriptor
        }
        return false;
    }

    /** @return the file's size, 0 when it does not exist (yet) or cannot be read */
    static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException missing) {
            return 0;
        }
    }

    /**
     * Says that the session's line was appended to {@code file} (the jsonl exporter's), when it grew.
     *
     * @return whether it grew past {@code sizeBefore}
     */
    static boolean sayAppended(PrintWriter console, Path file, long sizeBefore) {
        boolean grew = size(file) > sizeBefore;
        if (grew) {
            console.println("appended the session's line to " + Errors.shown(file.toAbsolutePath()));
        }
        return grew;
    }
}
