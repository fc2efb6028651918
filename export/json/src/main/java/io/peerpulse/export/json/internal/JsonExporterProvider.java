package io.peerpulse.export.json.internal;

import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.export.files.ExportFiles;
import io.peerpulse.export.files.FileExporterProvider;

/**
 * The {@code json} provider: at the end of a session writes {@link SessionReportJson#write} to
 * {@code <dir>/<sessionId>.json}, {@code <dir>} from setting {@value SessionReportJson#DIRECTORY_SETTING}
 * (default {@value ExportFiles#DEFAULT_DIRECTORY}), with the file rules of {@link ExportFiles}.
 *
 * @since 0.1.0
 */
public final class JsonExporterProvider extends FileExporterProvider {

    /**
     * Called by {@link java.util.ServiceLoader}.
     *
     * @since 0.1.0
     */
    public JsonExporterProvider() {
        super("json", SessionReportJson.EXTENSION, SessionReportJson::write);
    }
}
