package io.peerpulse.export.html.internal;

import io.peerpulse.export.html.HtmlReport;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportFiles;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The {@code html} exporter: at the end of a session writes {@link HtmlReport}'s page to
 * {@code <dir>/<sessionId>.html}, {@code <dir>} from setting {@value #DIRECTORY_KEY}
 * (default {@code peerpulse-sessions}), with the file rules of {@link ExportFiles}.
 */
public final class HtmlExporterProvider implements SessionExporterProvider {

    /** The setting naming the directory of the pages. */
    public static final String DIRECTORY_KEY = "peerpulse.export.html.directory";

    /** Called by {@link java.util.ServiceLoader}. */
    public HtmlExporterProvider() {
    }

    @Override
    public String name() {
        return "html";
    }

    @Override
    public SessionExporter create(ExportSettings settings) {
        Path directory = ExportFiles.directory(settings, DIRECTORY_KEY);
        return report -> write(directory, report);
    }

    private static Path write(Path directory, SessionReport report) throws java.io.IOException {
        byte[] page = HtmlReport.render(report).getBytes(StandardCharsets.UTF_8);
        return ExportFiles.write(directory, report.sessionMetrics().sessionId(), "html", out -> out.write(page));
    }
}
