package io.peerpulse.export.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.peerpulse.export.json.internal.JsonExporterProvider;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.testkit.SessionExporterContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/session-report.schema.json (draft 2020-12) describes real exports, strictly. */
class SchemaTest {

    private static Schema schema;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadSchema() throws IOException {
        Path file = Path.of(System.getProperty("peerpulse.schema", "../../docs/session-report.schema.json"));
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(Files.readString(file), InputFormat.JSON);
    }

    @Test
    void realExportsOfAFullAndAnEmptySessionAreValid() throws Exception {
        var exporter = new JsonExporterProvider().create(
                ExportSettings.of(Map.of(SessionReportJson.DIRECTORY_SETTING, dir.toString()), Map.of()));
        exporter.sessionEnded(SessionExporterContract.fullReport("schema-full"));
        exporter.sessionEnded(SessionExporterContract.reportWithoutSamples("schema-empty"));

        for (String name : List.of("schema-full.json", "schema-empty.json")) {
            assertThat(validate(Files.readString(dir.resolve(name)))).as(name).isEmpty();
        }
    }

    @Test
    void theSchemaIsStrictEnoughToCatchADifferentShape() {
        SessionReport report = SessionExporterContract.fullReport("schema-strict");
        String json = SessionReportJson.toJson(report);

        assertThat(validate(json.replaceFirst("\"latency\": \\{", "\"latencyStats\": {")))
                .as("a renamed key").isNotEmpty();
        assertThat(validate(json.replaceFirst("\"reconnectionCount\":", "\"reconnections\":")))
                .as("a count under the name of a list").isNotEmpty();
        assertThat(validate(json.replaceFirst("\"firstSampleIndex\": 0,", "")))
                .as("a missing key").isNotEmpty();
        assertThat(validate(json.replaceFirst("\"rttMs\": ([0-9.]+)", "\"rttMs\": \"$1\"")))
                .as("a number as a string").isNotEmpty();
        assertThat(validate(json.replaceFirst("\"quality\": \"GOOD\"", "\"quality\": \"GREAT\"")))
                .as("an unknown quality").isNotEmpty();
        assertThat(validate(json.replaceFirst("\"localType\": \"relay\"", "\"localType\": \"10.0.0.1\"")))
                .as("an address as a path type").isNotEmpty();
    }

    private static List<Error> validate(String json) {
        return schema.validate(json, InputFormat.JSON);
    }
}
