package io.peerpulse.export.json.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SessionExporterContract;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The testkit's exporter contract, applied to the {@code json} exporter writing real files. */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class JsonExporterContractTest extends SessionExporterContract {

    @TempDir
    Path dir;

    @Override
    protected SessionExporterProvider createProvider() {
        return new JsonExporterProvider();
    }

    @Override
    protected ExportSettings exportSettings() {
        return ExportSettings.of(Map.of(SessionReportJson.DIRECTORY_SETTING, dir.toString()), Map.of());
    }

    @Override
    protected void verifyExport(SessionReport report) throws Exception {
        Path file = dir.resolve(report.sessionMetrics().sessionId() + ".json");
        assertThat(file).isRegularFile();
        assertThat(SessionReportJson.read(file)).isEqualTo(report);
    }
}
