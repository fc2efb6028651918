package io.peerpulse.export.json.internal;

import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.spi.ExportFiles;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;

/**
 * The {@code json} provider: a {@link JsonExporter} writing to the directory of setting
 * {@value SessionReportJson#DIRECTORY_SETTING} (default {@value ExportFiles#DEFAULT_DIRECTORY}).
 *
 * @since 0.1.0
 */
public final class JsonExporterProvider implements SessionExporterProvider {

    /**
     * Called by {@link java.util.ServiceLoader}.
     *
     * @since 0.1.0
     */
    public JsonExporterProvider() {
    }

    @Override
    public String name() {
        return "json";
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the directory setting is blank or not a path
     */
    @Override
    public SessionExporter create(ExportSettings settings) {
        return new JsonExporter(ExportFiles.directory(settings, SessionReportJson.DIRECTORY_SETTING));
    }
}
