package io.peerpulse.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where the command's own output goes. webrtc-java's native code writes to the process's file descriptor
 * 1 behind the JVM's back ("VM attach current thread failed" at exit) and cannot be silenced from Java;
 * so the {@code ./peerpulse} launcher points descriptor 1 at standard error and hands the real standard
 * output over as another descriptor, named by the environment variable {@value #ENV}. Only what the
 * command prints itself reaches standard output.
 *
 * <p>The command writes to that inherited descriptor itself, never to a reopened {@code /dev/fd/N}: opening
 * {@code /dev/fd/N} (or {@code /proc/self/fd/N}) on Linux makes a new open file description with an offset
 * of its own, so in {@code { echo a; ./peerpulse summarize d; echo b; } > f} the shell's {@code b} would
 * land over the start of the command's output. Java has no public way to name a descriptor above 2, so
 * the descriptor object is made by setting {@code java.io.FileDescriptor}'s field {@code fd}, which the
 * launcher opens to this module with {@value #ADD_OPENS}.
 */
final class StandardOutput {

    /** The environment variable naming the descriptor of the real standard output, e.g. {@code 3}. */
    static final String ENV = "PEERPULSE_STDOUT_FD";

    /** The JVM option the launcher passes so that {@link #open()} may name the descriptor. */
    static final String ADD_OPENS = "--add-opens java.base/java.io=io.peerpulse.cli";

    private StandardOutput() {
    }

    /**
     * @return the real standard output: the inherited descriptor named by {@value #ENV}, else
     *         {@code System.out} (with one line on standard error saying why, when {@value #ENV} is set)
     */
    static Writer open() {
        String fd = System.getenv(ENV);
        if (fd != null) {
            try {
                return new Writer(new FileOutputStream(inherited(fd)));
            } catch (ReflectiveOperationException | RuntimeException e) {
                System.err.println("peerpulse: cannot write to descriptor " + ENV + "=" + fd + " (" + e
                        + "); writing to descriptor 1");
            }
        }
        return new Writer(System.out);
    }

    /**
     * Standard output as a {@link PrintWriter} (UTF-8, flushed at each line) that keeps the first write
     * failure: a {@code PrintWriter} swallows it, and a full disk must be named (a pipe whose reader stopped: {@link Main#exitCode}).
     */
    static final class Writer extends PrintWriter {
        private final Recorder recorder;

        Writer(OutputStream stream) {
            this(new Recorder(stream));
        }

        private Writer(Recorder recorder) {
            super(new OutputStreamWriter(recorder, StandardCharsets.UTF_8), true);
            this.recorder = recorder;
        }

        /** @return the first failure to write, once {@link #checkError()} says there was one; else empty */
        Optional<IOException> failure() {
            return checkError() ? Optional.ofNullable(recorder.first) : Optional.empty();
        }
    }

    /** Passes every write on and keeps the first {@link IOException} before rethrowing it. */
    private static final class Recorder extends FilterOutputStream {
        volatile @Nullable IOException first;

        Recorder(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                throw kept(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw kept(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw kept(e);
            }
        }

        private IOException kept(IOException e) {
            if (first == null) {
                first = e;
            }
            return e;
        }
    }

    /**
     * The open descriptor {@code number} that this process inherited, as a {@link FileDescriptor}.
     *
     * @throws IllegalStateException when it is not open, or not open for writing
     * @throws ReflectiveOperationException or {@link RuntimeException} without {@value #ADD_OPENS}
     */
    static FileDescriptor inherited(String number) throws ReflectiveOperationException {
        if (!number.matches("[0-9]{1,4}")) {
            throw new IllegalArgumentException("not a descriptor number");
        }
        if (!Files.exists(Path.of("/proc/self/fd", number), LinkOption.NOFOLLOW_LINKS)
                && !Files.exists(Path.of("/dev/fd", number), LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalStateException("descriptor " + number + " is not open");
        }
        if (!openForWriting(Path.of("/proc/self/fdinfo", number))) {
            // e.g. the variable inherited by a process that was not handed the descriptor, which the JVM
            // then opened for itself (a jar): never write there
            throw new IllegalStateException("descriptor " + number + " is not open for writing");
        }
        FileDescriptor descriptor = new FileDescriptor();
        Field field = FileDescriptor.class.getDeclaredField("fd");
        field.setAccessible(true); // InaccessibleObjectException without the launcher's --add-opens
        field.setInt(descriptor, Integer.parseInt(number));
        return descriptor;
    }

    /** From Linux's {@code /proc/self/fdinfo/N}; {@code true} where there is none to tell (not Linux). */
    private static boolean openForWriting(Path fdinfo) {
        try {
            for (String line : Files.readAllLines(fdinfo, StandardCharsets.US_ASCII)) {
                if (line.startsWith("flags:")) {
                    int accessMode = Integer.parseInt(line.substring("flags:".length()).trim(), 8) & 3;
                    return accessMode == 1 || accessMode == 2; // O_WRONLY or O_RDWR
                }
            }
            return true;
        } catch (IOException | NumberFormatException e) {
            return true;
        }
    }
}
