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
     * The locks of this JVM's appends: one per path as given (normalised), taken first, then one per file, keyed by
     * the file's identity ({@link #identity}); the file lock keeps other processes out. The path's lock lines up every
     * append to one path, so that a rotation (a rename, the next append making a new file) can only make the append
     * holding it find the file again, never send a waiting one to the back of another file's queue: keyed by the file
     * alone, an append that found the old file waited for its lock, found the new one, and waited again, and on a
     * loaded machine with the file rotated every few appends ran out of attempts and locked a file another thread of
     * this JVM held ("locked by other code in this JVM", its line lost). The file's lock serialises the other spellings
     * of one file (a symbolic link to its directory, a hard link). An entry lives while a thread uses it, so that a
     * server appending to a new file every day (or every session) does not keep one entry per file it ever wrote.
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
        InJvm byPath = take(target);
        try {
            synchronized (byPath) {
                return appendByFile(target, bytes, writer);
            }
        } finally {
            give(target);
        }
    }

    /** Appends under the file's lock in this JVM, finding the file again when it was rotated under it. */
    private static Path appendByFile(Path target, java.nio.ByteBuffer bytes, PositionalWriter writer)
            throws IOException {
        for (int attempt = 1; ; attempt++) {
            Object key = null;
            try {
                key = identity(target);
                synchronized (take(key)) {
                    try (FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE,
                            StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                        // rotated (renamed, a new one made) between finding it and opening it: what was opened may
                        // be another writer's under another key, whose lock this JVM would refuse
                        if (key.equals(identity(target))) {
                            appendLocked(channel, bytes, writer);
                            return target;
                        }
                    }
                }
            } catch (java.nio.file.NoSuchFileException rotated) {
                // renamed away between being made and being read: find the file again, as below
                if (attempt >= ATTEMPTS) {
                    throw new IOException("cannot append to " + target + ": " + ExportFiles.reason(rotated), rotated);
                }
            } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
                throw new IOException("cannot append to " + target + ": " + ExportFiles.reason(e), e);
            } finally {
                if (key != null) {
                    give(key);
                }
            }
            if (attempt >= ATTEMPTS) {
                throw new IOException("cannot append to " + target + ": it was rotated under this append " + ATTEMPTS
                        + " times in a row");
            }
        }
    }

    /** @return the lock of {@code key} in this JVM, counted as used until {@link #give} */
    private static InJvm take(Object key) {
        return APPENDING.compute(key, (k, held) -> {
            InJvm lock = held != null ? held : new InJvm();
            lock.users++;
            return lock;
        });
    }

    private static void give(Object key) {
        APPENDING.computeIfPresent(key, (k, held) -> --held.users == 0 ? null : held);
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
