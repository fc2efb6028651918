package io.peerpulse.export.jsonl.internal;

import io.peerpulse.export.files.ExportFiles;
import io.peerpulse.export.jsonl.SessionJsonLines;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The {@code jsonl} provider: at the end of each session appends {@link SessionJsonLines#line} to the file of
 * setting {@value SessionJsonLines#FILE_SETTING} with {@link ExportFiles#append}.
 *
 * @since 0.1.0
 */
public final class JsonLinesExporterProvider implements SessionExporterProvider {

    private static final System.Logger LOG = System.getLogger(JsonLinesExporterProvider.class.getName());

    /**
     * Called by {@link java.util.ServiceLoader}.
     *
     * @since 0.1.0
     */
    public JsonLinesExporterProvider() {
    }

    private static final String APPENDED_TO = ": the line is appended, under a lock, only to a regular file named"
            + " by its own path; give that file";

    @Override
    public String name() {
        return "jsonl";
    }

    @Override
    public Set<String> settingKeys() {
        return Set.of(SessionJsonLines.FILE_SETTING);
    }

    /**
     * @throws IllegalArgumentException naming {@value SessionJsonLines#FILE_SETTING} when it is blank, not a path,
     *                                  names a directory, a symbolic link ({@code /dev/stdout} too), a pipe, a
     *                                  device or a file in a "folder" that is a file, or starts with {@code ~} (which
     *                                  Java does not expand)
     */
    @Override
    public SessionExporter create(ExportSettings settings) {
        // blank, not a path, or an unexpanded ~: refused as every file exporter refuses its setting
        Path file = ExportFiles.path(settings, SessionJsonLines.FILE_SETTING, SessionJsonLines.DEFAULT_FILE);
        if (file.getFileName() == null || java.nio.file.Files.isDirectory(file)) {
            throw new IllegalArgumentException(SessionJsonLines.FILE_SETTING + " must name a file, was '" + file + "'");
        }
        // ExportFiles.append opens the file without following a link and locks it: a link (/dev/stdout, a link to
        // the experiment's file), a pipe or a device fails only when the session ends, its line lost; refused here
        if (java.nio.file.Files.isSymbolicLink(file)) {
            String target;
            try {
                target = String.valueOf(java.nio.file.Files.readSymbolicLink(file));
            } catch (IOException | RuntimeException unreadable) {
                target = "?";
            }
            throw new IllegalArgumentException(SessionJsonLines.FILE_SETTING + " is '" + file + "', a symbolic link"
                    + " (to " + target + ")" + APPENDED_TO);
        }
        if (java.nio.file.Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                && !java.nio.file.Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException(SessionJsonLines.FILE_SETTING + " is '" + file + "', not a regular file"
                    + " (a pipe or a device)" + APPENDED_TO);
        }
        // the nearest folder that exists must be one: found at build(), not when the session's line is appended
        for (Path folder = file.toAbsolutePath().getParent(); folder != null; folder = folder.getParent()) {
            if (java.nio.file.Files.exists(folder)) {
                if (!java.nio.file.Files.isDirectory(folder)) {
                    throw new IllegalArgumentException(SessionJsonLines.FILE_SETTING + " is '" + file + "', whose folder "
                            + folder + " is a file, not a directory");
                }
                break;
            }
        }
        return new SessionExporter() {
            @Override
            public void sessionEnded(SessionReport report) throws IOException {
                Path written = ExportFiles.append(file, SessionJsonLines.line(report));
                LOG.log(System.Logger.Level.DEBUG, () -> "appended session '" + report.sessionMetrics().sessionId()
                        + "' to " + written);
            }

            @Override
            public String toString() {
                return "jsonl exporter to " + file.toAbsolutePath();
            }
        };
    }
}
