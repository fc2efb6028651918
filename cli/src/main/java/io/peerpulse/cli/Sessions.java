package io.peerpulse.cli;

import io.peerpulse.export.files.ExportFiles;
import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.SessionReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading exported sessions, with errors that name the file and what was wrong. */
final class Sessions {

    private Sessions() {
    }

    /**
     * @param file a JSON export
     * @return the report
     * @throws Main.UsageException naming the file when it is missing, empty, unreadable or not a session export
     */
    static SessionReport read(Path file) {
        if (Files.isDirectory(file)) {
            throw new Main.UsageException("cannot read " + file + ": a directory, not a file");
        }
        if (!Files.exists(file)) {
            throw new Main.UsageException("cannot read " + file + ": " + missing(file));
        }
        if (isJournal(file)) {
            throw new Main.UsageException("cannot read " + file + ": a session journal, not an export: 'peerpulse recover "
                    + file + "' writes its exports");
        }
        try {
            if (Files.isRegularFile(file) && Files.size(file) == 0) { // a pipe has no size: read it
                throw new Main.UsageException("cannot read " + file + ": the file is empty");
            }
            SessionReport report;
            try {
                report = SessionReportJson.read(file);
            } catch (IOException | RuntimeException e) {
                // the jsonl exporter's file (a journal is named above): say what it is, not "trailing data"
                if (file.getFileName().toString().endsWith(".jsonl")) {
                    throw new Main.UsageException("cannot read " + file + ": a JSON Lines file (the jsonl exporter's, "
                            + "one line per session), not a session export: read it with pandas.read_json(path, "
                            + "lines=True, dtype={\"sessionId\": \"string\", \"playerId\": \"string\"}) or"
                            + " jsonlite::stream_in (export/jsonl/README.md)");
                }
                throw e;
            }
            if (report == null || report.sessionMetrics() == null) {
                throw new Main.UsageException("cannot read " + file + ": not a PeerPulse session export");
            }
            return report;
        } catch (IOException e) {
            String message = e.getMessage() == null ? "" : e.getMessage();
            // SessionReportJson names the file itself: name it once
            String prefix = "not a session report: " + file + ": ";
            if (message.startsWith(prefix)) {
                throw new Main.UsageException("cannot read " + file + ": not a PeerPulse session export: "
                        + message.substring(prefix.length()));
            }
            throw new Main.UsageException("cannot read " + file + ": " + ExportFiles.reason(e));
        } catch (Main.UsageException e) {
            throw e;
        } catch (RuntimeException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new Main.UsageException("cannot read " + file + ": not a PeerPulse session export ("
                    + message.lines().findFirst().orElse("") + ")");
        }
    }

    /**
     * Why a path {@link Files#exists} denies is not there: "no such file", or what a symbolic link there points
     * at ("a symbolic link to runs/x.json, which does not exist"; "a symbolic link loop").
     */
    static String missing(Path file) {
        if (!Files.isSymbolicLink(file)) {
            // a name of another encoding (Latin-1 from an old archive) reaches Java from the command line with
            // U+FFFD for its bytes, and names no file then, though ls shows it
            return file.toString().indexOf('\uFFFD') < 0 ? "no such file" : "no such file by that name: it holds"
                    + " U+FFFD, which stands for bytes that are not UTF-8 (a name of another encoding, such as"
                    + " Latin-1, as the shell gave it); Java cannot open such a name: rename the file to UTF-8"
                    + " (convmv -f latin1 -t utf8 --notest FILE) or name its folder";
        }
        Path target;
        try {
            target = Files.readSymbolicLink(file);
        } catch (IOException | UnsupportedOperationException e) {
            return "no such file";
        }
        // ELOOP's reason is in the C library's language (LANGUAGE=de: "Zu viele Ebenen aus symbolischen
        // Verknüpfungen"): the path is resolved here as the kernel does, one name at a time, each link met
        // (the file's, or a folder's on the way) replaced by its target; past 40 links (Linux's limit) it is a loop
        return linkLoop(file) ? "a symbolic link loop" : "a symbolic link to " + target + ", which does not exist";
    }

    /** @return whether resolving {@code file} meets more than 40 symbolic links, as ELOOP says, in any language */
    private static boolean linkLoop(Path file) {
        Path absolute = file.toAbsolutePath();
        Path resolved = absolute.getRoot(); // holds no link: each name is added once its own link was followed
        java.util.Deque<Path> names = new java.util.ArrayDeque<>();
        absolute.forEach(names::add);
        int links = 0;
        try {
            while (!names.isEmpty()) {
                String name = names.removeFirst().toString();
                if (name.equals("..")) {
                    resolved = resolved.getParent() == null ? resolved : resolved.getParent();
                    continue;
                }
                Path next = resolved.resolve(name);
                if (name.equals(".") || !Files.isSymbolicLink(next)) {
                    resolved = name.equals(".") ? resolved : next;
                    continue;
                }
                if (++links > 40) {
                    return true;
                }
                Path target = Files.readSymbolicLink(next);
                java.util.List<Path> inTarget = new java.util.ArrayList<>();
                target.forEach(inTarget::add);
                for (int i = inTarget.size() - 1; i >= 0; i--) {
                    names.addFirst(inTarget.get(i));
                }
                if (target.isAbsolute()) {
                    resolved = target.getRoot();
                }
            }
        } catch (IOException e) {
            // a link that cannot be read: it leads nowhere, no loop
        }
        return false;
    }

    /** @return whether {@code file} is named as a session journal is ({@code <stem>.journal.jsonl}) */
    static boolean isJournal(Path file) {
        return file.getFileName() != null && file.getFileName().toString().endsWith(".journal.jsonl");
    }

    /** The page beside an export: {@code s.json} gives {@code s.html}, any other name gets {@code .html} added. */
    static Path htmlBeside(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".json") ? sibling(file, ".html") : file.resolveSibling(name + ".html");
    }

    /** The file beside {@code file} with its extension replaced. */
    static Path sibling(Path file, String extension) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return file.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + extension);
    }
}
