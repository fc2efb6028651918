package io.peerpulse.cli;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.UnmappableCharacterException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * The cause of an I/O failure in words, without the path (the caller names it once): the JDK's
 * exceptions carry only the path as their message ({@code AccessDeniedException: /x}) or a coder's
 * length ({@code MalformedInputException: Input length = 1}).
 */
final class Errors {

    private Errors() {
    }

    /** @return e.g. "permission denied", "no such file or directory", "not valid UTF-8" */
    static String reason(Throwable e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (e instanceof FileSystemLoopException) {
            return "a symbolic link loop";
        }
        if (e instanceof FileSystemException fs) {
            String reason = fs.getReason();
            return reason != null ? reason.toLowerCase(java.util.Locale.ROOT) : "file system error";
        }
        if (e instanceof MalformedInputException) {
            return "not valid UTF-8";
        }
        if (e instanceof UnmappableCharacterException) {
            return "holds a character that UTF-8 cannot encode (a lone surrogate)";
        }
        if (e instanceof CharacterCodingException) {
            return "not valid UTF-8";
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return message.lines().findFirst().orElse(message);
    }

    /** @return "cannot write PATH: REASON" with the path once */
    static String cannot(String verb, Path path, IOException e) {
        String reason = reason(e);
        String where = path.toAbsolutePath().toString();
        // an exception message that repeats the path (e.g. "…/x: No such file") names it once
        if (reason.startsWith(where + ": ")) {
            reason = reason.substring(where.length() + 2);
        } else if (reason.startsWith(path + ": ")) {
            reason = reason.substring(path.toString().length() + 2);
        }
        return "cannot " + verb + " " + where + ": " + reason;
    }

    /** The first line of a throwable for people: the innermost cause's class and message. */
    static String oneLine(Throwable e) {
        Throwable deepest = e;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        String reason = e instanceof IOException || deepest instanceof IOException ? reason(deepest) : null;
        String message = e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getMessage().lines().findFirst().orElse("");
        return reason == null || message.contains(reason) ? message : message + ": " + reason;
    }
}
