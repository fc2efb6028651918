package io.peerpulse.cli;

import io.peerpulse.export.files.ExportFiles;
import io.peerpulse.telemetry.shared.Redaction;
import java.io.IOException;
import java.nio.file.Path;

/** An I/O failure as words for one line on standard error: the path once, then the cause. */
final class Errors {

    private Errors() {
    }

    /** @return "cannot write PATH: REASON" with the path once */
    static String cannot(String verb, Path path, IOException e) {
        String reason = ExportFiles.reason(e);
        String where = path.toAbsolutePath().toString();
        // an exception message that repeats the path (e.g. "…/x: No such file") names it once
        if (reason.startsWith(where + ": ")) {
            reason = reason.substring(where.length() + 2);
        } else if (reason.startsWith(path + ": ")) {
            reason = reason.substring(path.toString().length() + 2);
        }
        return "cannot " + verb + " " + where + ": " + reason;
    }

    /**
     * Text as a line of the command's output shows it: a file's name or text read from a file, whose control and
     * bidirectional control characters would otherwise forge a line, run a terminal escape or reorder the line
     * ({@link Redaction#escapeControls}; what is escaped already stays as it is).
     */
    static String shown(Object text) {
        return Redaction.escapeControls(String.valueOf(text));
    }

    /** The first line of a throwable for people: the innermost cause's class and message. */
    static String oneLine(Throwable e) {
        Throwable deepest = e;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        String reason = e instanceof IOException || deepest instanceof IOException ? ExportFiles.reason(deepest) : null;
        String message = e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getMessage().lines().findFirst().orElse("");
        return reason == null || message.contains(reason) ? message : message + ": " + reason;
    }
}
