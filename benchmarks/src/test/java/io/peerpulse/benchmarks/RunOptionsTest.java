package io.peerpulse.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmarks' command lines, right and wrong. */
class RunOptionsTest {

    private static final List<String> VALUES = List.of("--rounds", "--seed");
    private static final List<String> FLAGS = List.of("--direct");

    private static RunOptions parse(String... args) {
        return RunOptions.parse(args, VALUES, FLAGS);
    }

    @Test
    void valuesFlagsAndDefaults() {
        RunOptions options = parse("--direct", "--rounds", "60", "--seed", "-3");
        assertThat(options.integer("--rounds", 20, 1)).isEqualTo(60);
        assertThat(options.number("--seed", 1, Long.MIN_VALUE)).isEqualTo(-3);
        assertThat(options.flag("--direct")).isTrue();
        RunOptions none = parse();
        assertThat(none.integer("--rounds", 20, 1)).isEqualTo(20);
        assertThat(none.flag("--direct")).isFalse();
    }

    @Test
    void everyMistakeNamesTheOptionAndWhatIsWrong() {
        assertThatThrownBy(() -> parse("--round", "6")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown option --round; known: --rounds, --seed, --direct");
        assertThatThrownBy(() -> parse("--rounds")).hasMessage("--rounds needs a value");
        assertThatThrownBy(() -> parse("--rounds", "--direct")).hasMessage("--rounds needs a value");
        assertThatThrownBy(() -> parse("--rounds", "1", "--rounds", "2")).hasMessage("--rounds given twice");
        assertThatThrownBy(() -> parse("--direct", "--direct")).hasMessage("--direct given twice");
        assertThatThrownBy(() -> parse("--rounds", "six").integer("--rounds", 20, 1))
                .hasMessage("--rounds must be a whole number: six");
        assertThatThrownBy(() -> parse("--rounds", "0").integer("--rounds", 20, 1))
                .hasMessage("--rounds must be at least 1: 0");
        assertThatThrownBy(() -> parse("--rounds", "99999999999").integer("--rounds", 20, 1))
                .hasMessage("--rounds must be at most 2147483647: 99999999999");
    }
    /**
     * {@code benchmarks/run -quick} or {@code benchmarks/run quick}: the script passes docs/PERFORMANCE.md first,
     * and the word became the target path, so the whole half-hour run started and then wrote a new file
     * {@code ./-quick}. Refused before anything runs, as every other benchmark's command line refuses mistakes
     * (each case ends with a bad --pairs value, which the old parsing reported instead, so no run starts).
     */
    @Test
    void theReportsCommandLineRefusesAWordThatIsNoOptionAndAnOptionGivenTwice() {
        assertThatThrownBy(() -> PerformanceReport.main(new String[] {"docs/PERFORMANCE.md", "-quick", "--pairs", "x"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("unknown option -quick; known: --pairs, --quick");
        assertThatThrownBy(() -> PerformanceReport.main(new String[] {"docs/PERFORMANCE.md", "quick", "--pairs", "x"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("unknown option quick; known: --pairs, --quick");
        assertThatThrownBy(() -> PerformanceReport.main(new String[] {"docs/PERFORMANCE.md", "--pairs", "2", "--pairs",
                "x"})).isInstanceOf(IllegalArgumentException.class).hasMessage("--pairs given twice");
    }
}
