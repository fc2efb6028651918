package io.peerpulse.session.journal.internal;

import io.peerpulse.export.files.ExportFiles;
import org.jspecify.annotations.Nullable;

import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Appends the lines of one session's journal, each with one {@code write} on an unbuffered
 * {@link FileOutputStream}: once {@link #append} returns, the line is in the OS page cache and survives the
 * death of the JVM (not a power loss, unless {@code fsync} is on: then every line is also forced to the
 * device). Not through a {@link FileChannel}: the JDK closes one for good when a thread writing to it is
 * interrupted; writes and forces here ignore the interrupt and leave the thread's flag as it was. Never
 * throws after its header is written: a failed write is logged once, counted, and the next line is written
 * on a fresh line. Callers serialise calls (the session writes under its lock).
 */
public final class JournalWriter implements AutoCloseable {

    /**
     * Wraps the file's sink: tests inject I/O failures by giving one as the session's export attribute
     * ({@code GameSession.Builder.exportAttribute(JournalWriter.SinkWrapper.class, …)}).
     */
    public interface SinkWrapper extends UnaryOperator<Sink> {
    }

    /** Where the bytes go; wrapped by tests to inject I/O failures. */
    public interface Sink extends AutoCloseable {
        /** Writes all of {@code bytes}. */
        void write(ByteBuffer bytes) throws IOException;

        /** Forces what was written to the device. */
        void force() throws IOException;

        @Override
        void close() throws IOException;
    }

    private static final System.Logger LOG = System.getLogger(JournalWriter.class.getName());

    private final Path path;
    private final String sessionId;
    private final Sink sink;
    private final boolean fsync;
    /** Read by any thread ({@code GameSession.journalFailureCount()}); written under the session's lock. */
    private volatile long failures;
    private long lines;
    private boolean torn;
    private boolean closed;

    private JournalWriter(Path path, String sessionId, Sink sink, boolean fsync) {
        this.path = path;
        this.sessionId = sessionId;
        this.sink = sink;
        this.fsync = fsync;
    }

    /**
     * Creates a new journal file {@code <directory>/<stem>.journal.jsonl}, or {@code <stem>-N.journal.jsonl} by
     * {@link ExportFiles#claimName}'s rule when taken: never an existing file; and writes its header.
     *
     * @param directory created when missing
     * @param stem      the safe file stem of the session id
     * @param sessionId for log lines
     * @param fsync     whether every line is forced to the device
     * @param wrapper   wraps the sink (tests); identity otherwise
     * @param header    the first line, without a line break
     * @return the writer
     * @throws IOException naming the path when the directory or file cannot be created, or the header cannot
     *                     be written (the file is then deleted)
     */
    public static JournalWriter create(Path directory, String stem, String sessionId, boolean fsync,
                                       UnaryOperator<Sink> wrapper, String header) throws IOException {
        Path dir = directory.toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create journal directory " + dir + ": " + ExportFiles.reason(e), e);
        }
        Opened opened;
        try {
            opened = ExportFiles.claimName(dir, stem, "journal.jsonl", JournalWriter::open);
        } catch (IOException e) {
            throw new IOException("cannot create a journal in " + dir + ": " + ExportFiles.reason(e), e);
        }
        Sink sink = new StreamSink(opened.out());
        JournalWriter writer;
        try {
            sink = Objects.requireNonNull(wrapper.apply(sink), "the wrapped sink");
            writer = new JournalWriter(opened.path(), sessionId, sink, fsync);
            writer.write(header);
        } catch (IOException | RuntimeException e) {
            // Without its header nothing in the file can be recovered: fail the build, leave no file.
            IOException failed = new IOException("cannot write the header of journal " + opened.path() + ": "
                    + ExportFiles.reason(e), e);
            close(sink, failed);
            deleteQuietly(opened.path(), failed);
            throw failed;
        }
        syncDirectory(dir, fsync);
        return writer;
    }

    /** A journal file just created, open for appending. */
    private record Opened(Path path, FileOutputStream out) {
    }

    /** Claims {@code name} atomically ({@code CREATE_NEW}, never a link followed); {@code null} when taken. */
    private static @Nullable Opened open(Path name) throws IOException {
        try {
            Files.createFile(name);
        } catch (FileAlreadyExistsException taken) {
            return null;
        }
        try {
            return new Opened(name, new FileOutputStream(name.toFile(), true));
        } catch (IOException | RuntimeException e) {
            deleteQuietly(name, e);
            throw e;
        }
    }

    private static void close(Sink sink, Throwable failure) {
        try {
            sink.close();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static void deleteQuietly(Path file, Throwable failure) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static void syncDirectory(Path dir, boolean fsync) {
        if (!fsync) {
            return;
        }
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true); // the new name itself survives a power loss
        } catch (IOException | RuntimeException e) {
            // not supported on every platform
        }
    }

    /** @return the journal file */
    public Path path() {
        return path;
    }

    /** @return whether every line is forced to the device */
    public boolean fsync() {
        return fsync;
    }

    /** @return lines that could not be written */
    public long failures() {
        return failures;
    }

    /** @return lines written */
    public long lines() {
        return lines;
    }

    /**
     * Appends one line (the newline is added). Never throws: a failure is logged once and counted.
     *
     * @param line one JSON object without a line break
     */
    public void append(String line) {
        if (closed) {
            return;
        }
        try {
            write((torn ? "\n" : "") + line);
            torn = false;
        } catch (IOException | RuntimeException e) {
            torn = true; // a part of the line may be on disk: start the next one on a fresh line
            if (failures++ == 0) {
                LOG.log(Level.WARNING, "journal of session '" + sessionId + "' could not be written at " + path
                        + "; the session goes on, failed lines are counted", e);
            }
        }
    }

    /** Writes {@code line} and a line break, forced when {@code fsync} is on. */
    private void write(String line) throws IOException {
        sink.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
        if (fsync) {
            sink.force();
        }
        lines++;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            sink.close();
        } catch (IOException | RuntimeException e) {
            if (failures++ == 0) {
                LOG.log(Level.WARNING, "journal of session '" + sessionId + "' could not be closed at " + path, e);
            }
        }
    }

    /**
     * The real sink: one write call per line on an unbuffered stream in append mode. {@link FileOutputStream}
     * and {@link java.io.FileDescriptor#sync()} neither check nor clear the interrupt flag, nor close the file.
     */
    private static final class StreamSink implements Sink {
        private final FileOutputStream out;

        StreamSink(FileOutputStream out) {
            this.out = out;
        }

        @Override
        public void write(ByteBuffer bytes) throws IOException {
            if (bytes.hasArray()) { // the line's own array: no copy
                out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
                bytes.position(bytes.limit());
            } else {
                byte[] copy = new byte[bytes.remaining()];
                bytes.get(copy);
                out.write(copy);
            }
        }

        @Override
        public void force() throws IOException {
            out.getFD().sync();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
