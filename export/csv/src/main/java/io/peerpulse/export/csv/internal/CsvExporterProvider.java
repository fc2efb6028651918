package io.peerpulse.export.csv.internal;

import io.peerpulse.export.csv.SessionReportCsv;
import io.peerpulse.session.spi.ExportFiles;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;

/**
 * The {@code csv} provider: a {@link CsvExporter} writing to the directory of setting
 * {@value SessionReportCsv#DIRECTORY_SETTING} (default {@value ExportFiles#DEFAULT_DIRECTORY}).
 *
 * @since 0.1.0
 */
public final class CsvExporterProvider implements SessionExporterProvider {

    /**
     * Called by {@link java.util.ServiceLoader}.
     *
     * @since 0.1.0
     */
    public CsvExporterProvider() {
    }

    @Override
    public String name() {
        return "csv";
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the directory setting is blank or not a path
     */
    @Override
    public SessionExporter create(ExportSettings settings) {
        return new CsvExporter(ExportFiles.directory(settings, SessionReportCsv.DIRECTORY_SETTING));
    }
}
