package io.peerpulse.export.html;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.export.html.internal.HtmlExporterProvider;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SessionExporterContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The html exporter keeps the exporter contract, and each export is a page in its directory. */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class HtmlExporterContractTest extends SessionExporterContract {

    @TempDir
    Path directory;

    @Override
    protected SessionExporterProvider createProvider() {
        return new HtmlExporterProvider();
    }

    @Override
    protected ExportSettings exportSettings() {
        return ExportSettings.of(Map.of(HtmlExporterProvider.DIRECTORY_KEY, directory.toString()), Map.of());
    }

    @Override
    protected void verifyExport(SessionReport report) throws Exception {
        String stem = io.peerpulse.export.files.ExportFiles.fileStem(report.sessionMetrics().sessionId());
        try (var files = Files.list(directory)) {
            Path page = files.filter(p -> p.getFileName().toString().startsWith(stem)
                    && p.getFileName().toString().endsWith(".html")).findFirst().orElseThrow();
            assertThat(Files.readString(page, StandardCharsets.UTF_8)).isEqualTo(HtmlReport.render(report));
        }
    }
}
