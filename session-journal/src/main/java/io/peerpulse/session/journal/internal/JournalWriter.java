package io.peerpulse.session.journal.internal;

import io.peerpulse.export.files.ExportFiles;
import io.peerpulse.telemetry.shared.DaemonPool;
import io.peerpulse.telemetry.shared.FaultLog;
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
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Appends the lines of one session's journal, off the caller's thread: {@link #append} (called under the session
 * core's lock, in apply order) only queues the encoded line; the journal's writer, a task on {@link #ioExecutor}
 * (one at a time per journal, so in the order queued), writes each line with one {@code write} on an
 * unbuffered {@link FileOutputStream} and, when {@code fsync} is on, forces the batch it wrote to the device
 * (group fsync). So a disk that is slow or stuck never holds the game loop or the polling: only this writer
 * waits. Once a line is written it is in the OS page cache and survives the death of the JVM (not a power
 * loss, unless {@code fsync} is on and its batch was forced).
 *
 * <p><b>Bound.</b> Lines queued and not yet written take at most {@value #MAX_BEHIND_BYTES} bytes; a line that
 * would exceed it is dropped and counted as a failure (its seq is spent: a gap on recovery), and the first drop
 * is logged (by a task on the writer's executor, never on the caller's thread); the session's last line
 * ({@code end}) is always queued. For every line whose seq was spent without
 * a line (dropped, or its write failed), the writer writes an empty line before the next one, so that the file's
 * line count covers the seqs spent and a recovery reads the lines after a long gap (it skips empty lines).
 *
 * <p><b>Exit.</b> The writer's threads are daemon threads, which the JVM does not wait for: while this journal is
 * open, {@link JournalExitHook} has the JVM's exit wait for the lines queued ({@link #awaitQueuedWritten}), at most
 * {@code exitTimeout}.
 *
 * <p><b>Why one class.</b> Its one job is getting a session's lines onto the disk in apply order without holding
 * the caller. The bound, the batches, the empty lines for spent seqs, the fsync of each batch, the failure count and
 * the close all read and change the same queue state under one lock ({@code queueLock}); split, that lock and its
 * invariants (every seq spent is a line or an empty line, in order) would be spread over several classes.
 *
 * <p>Not through a {@link FileChannel}: the JDK closes one for good when a thread writing to it is interrupted;
 * writes and forces here ignore the interrupt. Never throws after its header is written: a failed write is
 * logged once, counted, and the next line is written on a fresh line.
 */
public final class JournalWriter implements AutoCloseable {

    /**
     * Wraps the file's sink: tests inject I/O failures by giving one as the session's export attribute
     * ({@code GameSession.Builder.exportAttribute(JournalWriter.SinkWrapper.class, …)}).
     */
    public interface SinkWrapper extends UnaryOperator<Sink> {
    }

    /**
     * Where the journal's writer runs, given as the session's export attribute by tests (e.g. {@code Runnable::run}:
     * the caller writes, as a journal did before its writer); default {@link #ioExecutor()}.
     */
    public interface IoExecutor extends Executor {
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

    /** Bytes of lines queued and not yet written beyond which further lines are dropped (and counted). */
    public static final int MAX_BEHIND_BYTES = 1 << 20;

    private static final System.Logger LOG = System.getLogger(JournalWriter.class.getName());
    private static final byte[] EMPTY_LINES = new byte[8_192];

    static {
        Arrays.fill(EMPTY_LINES, (byte) '\n');
    }

    private final Path path;
    private final String sessionId;
    private final Sink sink;
    private final boolean fsync;
    /**
     * With fsync, the directory whose new entry (this file) the writer's first batch forces, and whether the header
     * is still to be forced: by the writer, not by {@link #create}'s caller (a game thread building its session), as
     * every later line is. Written before the writer first runs, then only by it.
     */
    private @Nullable Path directoryToSync;
    private boolean headerUnforced;
    private final Executor executor;
    private final Duration exitTimeout;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    private final CountDownLatch closedLatch = new CountDownLatch(1);

    private final Object queueLock = new Object();
    /** Lines queued, oldest first; guarded by {@link #queueLock}, as the fields up to {@link #draining}. */
    private ArrayDeque<Queued> queue = new ArrayDeque<>();
    /** Bytes of the lines queued and of the batch being written. */
    private long behindBytes;
    /** Lines ever queued. */
    private long queuedCount;
    /** Lines dropped since the last line queued. */
    private long droppedSinceQueued;
    private boolean dropLogged;
    private boolean closing;
    private boolean draining;
    /** Why the last write, force or close failed: for the exit hook. */
    private volatile String lastFailure = "";
    /** Lines queued that the writer wrote or failed to write and, with fsync, whose batch it forced. */
    private long settled;

    /** Written by the writer only (one task at a time), read by any thread. */
    private volatile long lines;
    /** Lines queued that the writer wrote or failed to write; the writer's, read by any thread. */
    private volatile long handled;
    /** The writer's: seqs spent since the last line written (dropped or failed), so many empty lines owed. */
    private long unwritten;

    /** A line queued, with the seqs spent without a line just before it (dropped lines). */
    private record Queued(byte[] bytes, long droppedBefore) {
    }

    private JournalWriter(Path path, String sessionId, Sink sink, boolean fsync, Executor executor,
                          Duration exitTimeout) {
        this.path = path;
        this.sessionId = sessionId;
        this.sink = sink;
        this.fsync = fsync;
        this.executor = executor;
        this.exitTimeout = exitTimeout;
    }

    /**
     * Creates a new journal file {@code <directory>/<stem>.journal.jsonl}, or {@code <stem>-N.journal.jsonl} by
     * {@link ExportFiles#claimName}'s rule when taken: never an existing file; and writes its header.
     *
     * @param directory created when missing
     * @param stem      the safe file stem of the session id
     * @param sessionId for log lines
     * @param fsync     whether each batch of lines written is forced to the device
     * @param wrapper   wraps the sink (tests); identity otherwise
     * @param executor  where the writer runs ({@link #ioExecutor()} but in tests)
     * @param exitTimeout how long a JVM exiting with this journal open waits for its queued lines (the session's
     *                  exporter timeout)
     * @param header    the first line, without a line break: written before this returns (with {@code fsync}, forced
     *                  with the file's new name by the writer's first batch, not on the caller's thread)
     * @return the writer
     * @throws IOException naming the path when the directory or file cannot be created, or the header cannot
     *                     be written (the file is then deleted)
     */
    public static JournalWriter create(Path directory, String stem, String sessionId, boolean fsync,
                                       UnaryOperator<Sink> wrapper, Executor executor, Duration exitTimeout,
                                       String header)
            throws IOException {
        Path dir = directory.toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) { // createDirectories: the path is there, not a folder
            throw new IOException("cannot create journal directory " + dir + ": it exists and is not a directory", e);
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
            writer = new JournalWriter(opened.path(), sessionId, sink, fsync, executor, exitTimeout);
            writer.write(header.getBytes(StandardCharsets.UTF_8), true);
        } catch (IOException | RuntimeException e) {
            // Without its header nothing in the file can be recovered: fail the build, leave no file.
            IOException failed = new IOException("cannot write the header of journal " + opened.path() + ": "
                    + ExportFiles.reason(e), e);
            close(sink, failed);
            deleteQuietly(opened.path(), failed);
            throw failed;
        }
        if (fsync) { // forced by the writer's first batch (see drain): a force waits for the disk
            writer.headerUnforced = true;
            writer.directoryToSync = dir;
        }
        JournalExitHook.opened(writer);
        return writer;
    }

    /** @return how long a JVM exiting with this journal open waits for its queued lines */
    Duration exitTimeout() {
        return exitTimeout;
    }

    /**
     * Waits until the lines queued now are written (and forced, with fsync), at most until {@code deadline}; says
     * how many were not. Only the queue's lock is taken, never the session's: a game thread holding that one while
     * it calls {@code System.exit} does not hold this wait.
     */
    void awaitQueuedWritten(long deadline) {
        long target;
        long notSettled;
        long failedBefore = failures.get();
        synchronized (queueLock) {
            target = queuedCount;
            try {
                for (long left = deadline - System.nanoTime(); settled < target && left > 0;
                     left = deadline - System.nanoTime()) {
                    TimeUnit.NANOSECONDS.timedWait(queueLock, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // stop waiting: the JVM is halting
            }
            notSettled = target - settled;
        }
        if (notSettled > 0) {
            long notWritten = Math.max(0, target - handled);
            // System.err, not the logger: the JDK's logging resets its handlers in a shutdown hook of its own,
            // which has run by now as a rule, and the line would be lost
            System.err.println("[PeerPulse] journal of session '" + sessionId + "' at " + path + ": " + notWritten
                    + " lines not written" + (fsync && notWritten < notSettled ? " and " + (notSettled - notWritten)
                    + " not forced to the device" : "") + " when the JVM exited with the session not closed (the"
                    + " exit waits at most the exporter timeout " + exitTimeout + "; a write does not return, or the"
                    + " disk does not keep up): they are lost");
        }
        long failed = failures.get();
        if (failed > failedBefore) { // logged only once for the journal, and the JDK's logging may be reset by now
            System.err.println("[PeerPulse] journal of session '" + sessionId + "' at " + path + ": writes failed"
                    + " while the JVM exited with the session not closed" + (lastFailure.isEmpty() ? "" : " ("
                    + lastFailure + ")") + ": " + failed + " lines could not be written in all; they are lost");
        }
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

    private static void syncDirectory(Path dir) {
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

    /** @return whether each batch of lines written is forced to the device */
    public boolean fsync() {
        return fsync;
    }

    /** @return lines that could not be written: dropped, failed, or in a batch whose force failed (once) */
    public long failures() {
        return failures.get();
    }

    /** @return lines written (the header included) */
    public long lines() {
        return lines;
    }

    /**
     * The executor of every journal's writer by default: at most {@value #MAX_WRITER_THREADS_MIN} or
     * 4 × availableProcessors daemon threads ({@code peerpulse-journal-N}, made as journals need them, ended after
     * 30 s idle). A writer holds a thread for one batch of lines at a time, then goes behind the other journals'
     * writers when it has more; when a stuck disk holds every thread,
     * the other journals' lines wait, and beyond {@value #MAX_BEHIND_BYTES} bytes are dropped and counted.
     *
     * @return the executor
     */
    public static Executor ioExecutor() {
        return IoPool.INSTANCE;
    }

    /** The least bound of {@link #ioExecutor()}'s threads. */
    static final int MAX_WRITER_THREADS_MIN = 8;

    private static final class IoPool {
        static final Executor INSTANCE = DaemonPool.create(
                Math.max(MAX_WRITER_THREADS_MIN, 4 * Runtime.getRuntime().availableProcessors()),
                "peerpulse-journal-", new LinkedBlockingQueue<>())::execute;
    }

    /**
     * Queues one line (the newline is added) for the writer; returns at once. Never throws: a line beyond the
     * bound is dropped, counted, and the first drop logged.
     *
     * @param line one JSON object without a line break
     * @param last whether it is the session's last line ({@code end}): queued whatever the bound
     */
    public void append(String line, boolean last) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        boolean start;
        boolean logDrop = false;
        synchronized (queueLock) {
            if (closing) {
                return;
            }
            if (!last && behindBytes > 0 && behindBytes + bytes.length > MAX_BEHIND_BYTES) {
                droppedSinceQueued++;
                failures.incrementAndGet();
                logDrop = !dropLogged;
                dropLogged = true;
                start = false;
            } else {
                queue.add(new Queued(bytes, droppedSinceQueued));
                queuedCount++;
                droppedSinceQueued = 0;
                behindBytes += bytes.length;
                start = !draining;
                draining = true;
            }
        }
        if (logDrop) { // not on this thread, under the core's lock: a log on the same stuck disk would hold it
            Runnable warn = () -> LOG.log(Level.WARNING, "journal of session '" + sessionId + "' at " + path
                    + ": its writer is " + MAX_BEHIND_BYTES + " bytes behind (the disk does not keep up, or a write"
                    + " does not return); lines are dropped and counted (GameSession.journalFailureCount()) until it"
                    + " catches up; the session and its live report go on");
            try {
                executor.execute(warn);
            } catch (RuntimeException rejected) {
                warn.run();
            }
        }
        if (start) {
            startWriter();
        }
    }

    private void startWriter() {
        try {
            executor.execute(this::drain);
        } catch (RuntimeException e) { // rejected: write here rather than never
            drain();
        }
    }

    /**
     * The writer: writes the lines queued (one batch), then closes the sink when closing and done, or, when more
     * lines came meanwhile, goes to the back of the executor's queue for the next batch, so that a journal that
     * always has lines (a fast session on a slow disk) never keeps a thread of the bounded pool from the others.
     */
    private void drain() {
        ArrayDeque<Queued> batch;
        synchronized (queueLock) {
            if (queue.isEmpty() && !closing) {
                draining = false;
                return;
            }
            batch = queue;
            queue = new ArrayDeque<>();
        }
        long bytes = 0;
        Queued line = null;
        boolean done = false;
        try {
            long written = 0;
            for (line = batch.poll(); line != null; line = batch.poll()) {
                bytes += line.bytes().length;
                written += writeLine(line) ? 1 : 0;
                handled++;
            }
            if (fsync && (written > 0 || headerUnforced)) {
                headerUnforced = false;
                try {
                    sink.force();
                } catch (IOException | RuntimeException e) {
                    failed("could not be forced to the device", e);
                }
            }
            Path directory = directoryToSync;
            if (directory != null) {
                directoryToSync = null;
                syncDirectory(directory);
            }
            done = true;
        } finally {
            boolean closeNow;
            boolean again;
            synchronized (queueLock) {
                if (!done) { // a fatal error (not a write failure): its line and the rest of the batch are lost
                    for (Queued lost = line; lost != null; lost = batch.poll()) {
                        if (lost != line) {
                            bytes += lost.bytes().length;
                        }
                        unwritten += lost.droppedBefore() + 1; // their seqs spent: as many empty lines owed
                        failures.incrementAndGet();
                        handled++;
                    }
                }
                behindBytes -= bytes;
                settled = handled; // every line of the batch (with fsync, forced): for the exit hook
                queueLock.notifyAll();
                closeNow = done && closing && queue.isEmpty();
                again = !closeNow && (!queue.isEmpty() || closing) && closedLatch.getCount() > 0;
                draining = again || closeNow;
            }
            if (closeNow) {
                closeSink();
            } else if (again) { // the next batch, behind the other journals' writers; after a fatal error too
                startWriter();
            }
        }
    }

    /**
     * Writes one queued line, with one write as a rule: after an empty line for each seq spent since the last
     * line written (dropped, or whose write failed); whether it was written.
     */
    private boolean writeLine(Queued line) {
        long empty = line.droppedBefore() + unwritten;
        try {
            byte[] bytes = line.bytes();
            for (; empty > EMPTY_LINES.length; empty -= EMPTY_LINES.length) {
                sink.write(ByteBuffer.wrap(EMPTY_LINES));
            }
            if (empty > 0) {
                byte[] joined = new byte[(int) empty + bytes.length];
                System.arraycopy(bytes, 0, joined, (int) empty, bytes.length);
                Arrays.fill(joined, 0, (int) empty, (byte) '\n');
                bytes = joined;
            }
            write(bytes, false);
            unwritten = 0;
            return true;
        } catch (IOException | RuntimeException e) {
            // a part of it may be on disk: the next line starts on a fresh line, after one for each seq spent
            unwritten = empty + 1;
            failed("could not be written", e);
            return false;
        }
    }

    private void failed(String what, Exception e) {
        lastFailure = ExportFiles.reason(e);
        failures.incrementAndGet();
        if (failureLogged.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "journal of session '" + sessionId + "' " + what + " at " + path + ": "
                    + ExportFiles.reason(e) + "; the session goes on, failed lines are counted", e);
        }
    }

    /** Writes {@code bytes}, with a line break when {@code newline}. */
    private void write(byte[] bytes, boolean newline) throws IOException {
        if (newline) {
            bytes = Arrays.copyOf(bytes, bytes.length + 1);
            bytes[bytes.length - 1] = '\n';
        }
        sink.write(ByteBuffer.wrap(bytes));
        lines++;
    }

    private void closeSink() {
        try {
            sink.close();
        } catch (IOException | RuntimeException e) {
            failed("could not be closed", e);
        } finally {
            JournalExitHook.closed(this); // before the latch: a close() that returns leaves no hook behind
            closedLatch.countDown();
        }
    }

    /**
     * Takes no more lines; the writer writes those queued, then closes the file. Returns at once (it is called
     * under the session core's lock): {@link #awaitClosed} waits.
     */
    @Override
    public void close() {
        boolean start;
        synchronized (queueLock) {
            if (closing) {
                return;
            }
            closing = true;
            start = !draining;
            draining = true;
        }
        if (start) {
            startWriter();
        }
    }

    /**
     * Waits until the writer wrote every line queued and closed the file, at most {@code timeout}, uninterruptibly
     * (an interrupt is kept for the caller); when it did not, logs how many lines were not written.
     *
     * @param timeout how long to wait
     * @return whether the journal is written and closed
     */
    public boolean awaitClosed(Duration timeout) {
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (closedLatch.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                        return true;
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        long waiting;
        synchronized (queueLock) {
            waiting = queuedCount - handled;
        }
        // a log handler that throws: the session's close() still returns normally, as for its other warnings
        FaultLog.quietly(() -> LOG.log(Level.WARNING, "journal of session '" + sessionId + "' at " + path + ": "
                    + waiting + " lines not written when close() stopped waiting (" + timeout + " left of the exporter timeout it"
                    + " shares with the exporters; a write does not return, or the disk does not keep up); close()"
                    + " returns without them: the journal's writer writes them when the disk answers, unless the"
                    + " process ends first"));
        return false;
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
