package io.peerpulse.export.json.internal;

import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.SessionExporter;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;

/**
 * One session's {@code json} exporter: at {@link #sessionEnded} writes the report to a new file; keeps
 * nothing in between.
 *
 * @since 0.1.0
 */
final class JsonExporter implements SessionExporter {

    private static final System.Logger LOG = System.getLogger(JsonExporter.class.getName());

    private final Path directory;

    JsonExporter(Path directory) {
        this.directory = directory;
    }

    @Override
    public void sessionEnded(SessionReport report) throws IOException {
        Path file = SessionReportJson.export(report, directory);
        LOG.log(Level.DEBUG, () -> "session '" + report.sessionMetrics().sessionId() + "' exported to " + file);
    }

    @Override
    public String toString() {
        return "JsonExporter[" + directory + "]";
    }
}
