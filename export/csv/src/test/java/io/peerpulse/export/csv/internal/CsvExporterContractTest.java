package io.peerpulse.export.csv.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.export.csv.Csv;
import io.peerpulse.export.csv.SessionReportCsv;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SessionExporterContract;
import io.peerpulse.telemetry.LatencyStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The testkit's exporter contract, applied to the {@code csv} exporter writing real files. */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class CsvExporterContractTest extends SessionExporterContract {

    @TempDir
    Path dir;

    @Override
    protected SessionExporterProvider createProvider() {
        return new CsvExporterProvider();
    }

    @Override
    protected ExportSettings exportSettings() {
        return ExportSettings.of(Map.of(SessionReportCsv.DIRECTORY_SETTING, dir.toString()), Map.of());
    }

    @Override
    protected void verifyExport(SessionReport report) throws Exception {
        List<List<String>> rows = Csv.parse(Files.readString(dir.resolve(report.sessionMetrics().sessionId() + ".csv")));
        LatencyStats latency = report.multiplayerMetrics().latency();
        assertThat(rows.get(0)).isEqualTo(SessionReportCsv.COLUMNS);
        assertThat(rows).hasSize(1 + (latency == null ? 0 : latency.sampleCount()));
    }
}
