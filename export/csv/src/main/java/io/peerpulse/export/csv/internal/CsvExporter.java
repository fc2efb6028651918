package io.peerpulse.export.csv.internal;

import io.peerpulse.export.csv.SessionReportCsv;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.SessionExporter;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;

/**
 * One session's {@code csv} exporter: at {@link #sessionEnded} writes the rows to a new file; keeps
 * nothing in between.
 *
 * @since 0.1.0
 */
final class CsvExporter implements SessionExporter {

    private static final System.Logger LOG = System.getLogger(CsvExporter.class.getName());

    private final Path directory;

    CsvExporter(Path directory) {
        this.directory = directory;
    }

    @Override
    public void sessionEnded(SessionReport report) throws IOException {
        Path file = SessionReportCsv.export(report, directory);
        LOG.log(Level.DEBUG, () -> "session '" + report.sessionMetrics().sessionId() + "' exported to " + file);
    }

    @Override
    public String toString() {
        return "CsvExporter[" + directory + "]";
    }
}
