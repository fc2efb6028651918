package io.peerpulse.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.ScalarResult;

/**
 * The tables {@code benchmarks/run} writes into docs/PERFORMANCE.md have one format whatever the locale of the
 * machine that runs it: a German one ({@code LANG=de_DE.UTF-8}, Java's default locale) wrote {@code 1.234,5} for
 * 1,234.5, and an Arabic or Persian one wrote the digits of its own script.
 */
class LocaleIndependentTablesTest {

    private interface Task {
        void run() throws Exception;
    }

    private static String in(String languageTag, Task task) throws Exception {
        Locale original = Locale.getDefault();
        PrintStream out = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            Locale.setDefault(Locale.forLanguageTag(languageTag));
            System.setOut(capture);
            task.run();
        } finally {
            System.setOut(out);
            Locale.setDefault(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aJmhCellIsWrittenTheSameInEveryLocale() throws Exception {
        ScalarResult time = new ScalarResult("time", 1234.56, "ns/op", AggregationPolicy.AVG);
        ScalarResult alloc = new ScalarResult("gc.alloc.rate.norm", 4096, "B/op", AggregationPolicy.AVG);
        for (String tag : new String[] {"en-US", "de-DE", "tr-TR", "ar-EG", "fa-IR", "th-TH-u-nu-thai"}) {
            String[] cell = new String[1];
            in(tag, () -> cell[0] = PerformanceReport.cell(time, alloc));
            assertThat(cell[0]).as(tag).isEqualTo("1,234.6 ± 0.0 ns, 4,096 B");
        }
    }

    @Test
    void theMemoryTableHasAsciiDigitsInAnArabicLocale() throws Exception {
        String table = in("ar-EG", () -> MemoryFootprint.main(new String[] {"60"}));
        assertThat(table).containsPattern("(?m)^\\| 60 \\| [1-9][0-9]* \\|$");
    }

    @Test
    void theScaleTableHasDecimalPointsInAGermanLocale() throws Exception {
        String table = in("de-DE", () -> ScaleRun.main(new String[] {"10", "--seconds", "1", "--warmup", "0"}));
        assertThat(table).containsPattern("(?m)^\\| 10 \\| [0-9]+\\.[0-9]{2} \\| [0-9]+\\.[0-9]{2} \\| [0-9]+\\.[0-9]{3} \\|"
                + " [0-9]+\\.[0-9]{3} \\| [0-9]+\\.[0-9]{3} \\| -?[0-9]+ \\|$");
    }
}
