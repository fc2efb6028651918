package io.peerpulse.export.csv.internal;

import io.peerpulse.export.csv.SessionReportCsv;
import io.peerpulse.export.files.ExportFiles;
import io.peerpulse.export.files.FileExporterProvider;

/**
 * The {@code csv} provider: at the end of a session writes {@link SessionReportCsv#write} to
 * {@code <dir>/<sessionId>.csv}, {@code <dir>} from setting {@value SessionReportCsv#DIRECTORY_SETTING}
 * (default {@value ExportFiles#DEFAULT_DIRECTORY}), with the file rules of {@link ExportFiles}.
 *
 * @since 0.1.0
 */
public final class CsvExporterProvider extends FileExporterProvider {

    /**
     * Called by {@link java.util.ServiceLoader}.
     *
     * @since 0.1.0
     */
    public CsvExporterProvider() {
        super("csv", SessionReportCsv.EXTENSION, SessionReportCsv::write);
    }
}
