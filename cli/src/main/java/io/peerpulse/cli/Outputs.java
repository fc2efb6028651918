package io.peerpulse.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;

/** Writing a command's output file: never over one of its inputs, whole or not at all. */
final class Outputs {

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
     * Writes {@code text} as UTF-8 to a temporary file beside {@code target}, then renames it over the
     * target: a failure leaves no half-written file.
     *
     * @throws Main.RunFailure naming the target and the reason
     */
    static void write(Path target, String text) {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = null;
        try {
            if (!Files.isDirectory(dir)) {
                throw new Main.RunFailure("cannot write " + target.toAbsolutePath() + ": no such directory " + dir);
            }
            // a lone surrogate cannot be encoded: refused here (CharacterCodingException), never replaced by '?'
            ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(text));
            temp = Files.createTempFile(dir, "." + target.getFileName(), ".partial");
            try (var out = Files.newOutputStream(temp)) {
                out.write(encoded.array(), encoded.arrayOffset() + encoded.position(), encoded.remaining());
            }
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new java.nio.file.FileSystemException(target.toString(), null, "is a directory");
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            temp = null;
        } catch (IOException e) {
            throw new Main.RunFailure(Errors.cannot("write", target, e), e);
        } catch (UncheckedIOException e) {
            throw new Main.RunFailure(Errors.cannot("write", target, e.getCause()), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the failure reported above is what matters
                }
            }
        }
    }
}
