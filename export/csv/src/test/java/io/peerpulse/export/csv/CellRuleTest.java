package io.peerpulse.export.csv;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SessionExporterContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Every text cell stays data in a spreadsheet, and reads back as written apart from the stated apostrophe. */
@ExtendWith(LogCapture.class) // the contract's full report comes from a session given source faults, which it logs
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

    /**
     * OWASP's CSV injection page lists a leading line feed beside tab and CR, and ASVS 5.0 (V1.2.10) a leading NUL:
     * the rule prefixed neither ({@code summarize} writes ids read from files, and file names, which may hold them).
     */
    @Test
    void lineFeedAndNulLeadsAreNeutralisedAsOwaspAndAsvsList() {
        assertThat(SessionReportCsv.cell("\n=1+1")).isEqualTo("\"'\n=1+1\"");
        assertThat(SessionReportCsv.cell("\0=1+1")).isEqualTo("'\0=1+1");
        for (char lead : new char[] {'=', '+', '-', '@', '\t', '\r', '\n', '\0'}) {
            assertThat(Csv.parse(SessionReportCsv.cell(lead + "cmd") + "\r\n").get(0).get(0)).as("lead U+%04X", (int) lead)
                    .isEqualTo("'" + lead + "cmd");
        }
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

    @Test
    void theReadmesRecipeGivesEveryIdBackExactly() throws IOException {
        // the pandas recipe of README.md, as written there: a raw Python string, the same syntax for java.util.regex
        Matcher recipe = Pattern.compile("str\\.replace\\(r\"([^\"]+)\", \"\", regex=True\\)")
                .matcher(Files.readString(Path.of("README.md")));
        assertThat(recipe.find()).as("the recipe in README.md").isTrue();
        Pattern undo = Pattern.compile(recipe.group(1));
        List<String> ids = List.of("plain", "=x", "'x", "'=x", "''=x", "-1", "'abc", "", "'-1", "'", "''", "+x",
                "'+x", "@x", "'@x", "-x", "'-x", "\tx", "'\tx", "\rx", "'\rx", "'\r", "x'", "' x", "=1+1", "'=1+1", "\nx", "'\nx", "\0x", "'\0x");
        for (String id : ids) {
            String cell = SessionReportCsv.cell(id);
            String read = Csv.parse(cell + "," + cell + "\r\n").get(0).get(0); // as pandas reads the field
            assertThat(undo.matcher(read).replaceFirst("")).as("id [%s], cell [%s]", id, cell).isEqualTo(id);
        }
        assertThat(SessionReportCsv.cell("'=1+1")).isNotEqualTo(SessionReportCsv.cell("=1+1"));
    }
}
