package io.peerpulse.export.html.internal;

import io.peerpulse.export.html.HtmlReport;
import io.peerpulse.export.files.ExportFiles;
import io.peerpulse.export.files.FileExporterProvider;
import java.nio.charset.StandardCharsets;

/**
 * The {@code html} exporter: at the end of a session writes {@link HtmlReport}'s page to
 * {@code <dir>/<sessionId>.html}, {@code <dir>} from setting {@value #DIRECTORY_KEY}
 * (default {@value ExportFiles#DEFAULT_DIRECTORY}), with the file rules of {@link ExportFiles}.
 *
 * @since 0.1.0
 */
public final class HtmlExporterProvider extends FileExporterProvider {

    /**
     * The setting naming the directory of the pages; {@link #directorySetting()} of this provider.
     *
     * @since 0.1.0
     */
    public static final String DIRECTORY_KEY = "peerpulse.export.html.directory";

    /**
     * Called by {@link java.util.ServiceLoader}.
     *
     * @since 0.1.0
     */
    public HtmlExporterProvider() {
        super("html", "html", (report, out) -> out.write(HtmlReport.render(report).getBytes(StandardCharsets.UTF_8)));
    }
}
