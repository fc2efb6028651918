package io.peerpulse.export.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * {@link ExportFiles#append}'s job apart from whole-file publishing: one line added to a file many sessions and
 * processes share, under a lock per file in this JVM and an exclusive file lock, cut back on failure.
 */
final class SharedAppend {

    /** How often an append finds the file again when it was rotated under it, before it fails. */
    private static final int ATTEMPTS = 20;

    private SharedAppend() {
    }

    /**
     * One lock per file being appended to in this JVM, keyed by the file's identity ({@link #identity}); the file
     * lock keeps other processes out. An entry lives while a thread uses it, so that a server appending to a new
     * file every day (or every session) does not keep one entry per file it ever wrote.
     */
    private static final java.util.concurrent.ConcurrentHashMap<Object, InJvm> APPENDING =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The lock of one file in this JVM and how many threads hold or wait for it; counted in {@link #APPENDING}'s
     * atomic updates. */
    private static final class InJvm {
        int users;
    }

    /** How {@link #append} writes bytes at a position; replaced by tests to inject failures. */
    @FunctionalInterface
    interface PositionalWriter {
        void write(FileChannel channel, java.nio.ByteBuffer bytes, long position) throws IOException;
    }

    /** {@link ExportFiles#append(Path, String)}, writing through {@code writer}. */
    static Path append(Path file, String record, PositionalWriter writer) throws IOException {
        Objects.requireNonNull(record, "record");
        if (record.indexOf('\n') >= 0 || record.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("record must be one line, holds a line break at "
                    + Math.max(record.indexOf('\n'), record.indexOf('\r')));
        }
        java.nio.ByteBuffer bytes;
        try {
            bytes = StandardCharsets.UTF_8.newEncoder().encode(java.nio.CharBuffer.wrap(record + "\n"));
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("record is not well-formed UTF-16 (a lone surrogate)", e);
        }
        Path target = file.toAbsolutePath().normalize();
        Path dir = target.getParent();
        if (dir == null) {
            throw new IOException("cannot append to " + target + ": no directory");
        }
        ExportFiles.ensureDirectory(dir);
        for (int attempt = 1; ; attempt++) {
            Object key = null;
            InJvm inJvm = null;
            try {
                key = identity(target);
                inJvm = APPENDING.compute(key, (k, held) -> {
                    InJvm lock = held != null ? held : new InJvm();
                    lock.users++;
                    return lock;
                });
                synchronized (inJvm) {
                    try (FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE,
                            StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                        if (attempt < ATTEMPTS && !key.equals(identity(target))) {
                            // the file was rotated (renamed, a new one made) between finding it and opening it:
                            // what was opened may be another writer's under another key, whose lock this JVM
                            // would refuse. Find the file again.
                            continue;
                        }
                        appendLocked(channel, bytes, writer);
                    }
                }
                return target;
            } catch (java.nio.file.NoSuchFileException rotated) {
                if (attempt >= ATTEMPTS) {
                    throw new IOException("cannot append to " + target + ": " + ExportFiles.reason(rotated), rotated);
                }
                // renamed away between being made and being read: find the file again
            } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
                throw new IOException("cannot append to " + target + ": " + ExportFiles.reason(e), e);
            } finally {
                if (key != null && inJvm != null) {
                    APPENDING.computeIfPresent(key, (k, held) -> --held.users == 0 ? null : held);
                }
            }
        }
    }

    /** Appends under an exclusive file lock, a line break first when the file does not end with one. */
    private static void appendLocked(FileChannel channel, java.nio.ByteBuffer bytes, PositionalWriter writer)
            throws IOException {
        try (java.nio.channels.FileLock lock = channel.lock()) {
            long before = channel.size();
            try {
                long end = before;
                java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
                if (end > 0 && channel.read(last, end - 1) == 1 && last.get(0) != '\n') {
                    writer.write(channel, java.nio.ByteBuffer.wrap(new byte[] {'\n'}), end);
                    end++;
                }
                writer.write(channel, bytes, end);
                channel.force(false);
            } catch (IOException | RuntimeException e) {
                try {
                    channel.truncate(before); // still locked: nobody appended after the partial record
                    channel.force(false);
                } catch (IOException | RuntimeException cut) {
                    e.addSuppressed(cut);
                }
                throw e;
            }
        }
    }

    /** @return how many files have a lock in this JVM now: for tests */
    static int lockCount() {
        return APPENDING.size();
    }

    /**
     * The identity of {@code file}, created when missing: the same for every path reaching it (a symbolic link
     * to its directory, a hard link), as the JVM's file locks are; its real path where the file system has no
     * file keys.
     */
    private static Object identity(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createFile(file);
            } catch (FileAlreadyExistsException createdMeanwhile) {
                // by another writer: the same file
            }
        }
        Object key = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS).fileKey();
        return key != null ? key : file.toRealPath(LinkOption.NOFOLLOW_LINKS);
    }

    static void write(FileChannel channel, java.nio.ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }
}
