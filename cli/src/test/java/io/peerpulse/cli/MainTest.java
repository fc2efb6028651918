package io.peerpulse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private void assertOneLineError(int code, String... mentions) {
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").contains(mentions);
    }

    @Test
    void badValuesAreOneLineNamingWhatWasWrongWithExitCode2() {
        assertOneLineError(run("demo", "--rtt", "80x"), "--rtt", "80x");
        err.getBuffer().setLength(0);
        assertOneLineError(run("demo", "--loss", "150%"), "--loss", "150%");
        err.getBuffer().setLength(0);
        assertOneLineError(run("demo", "--duration", "0s"), "--duration");
        err.getBuffer().setLength(0);
        assertOneLineError(run("demo", "--rtt", "20ms", "--jitter", "50ms"), "--jitter");
        err.getBuffer().setLength(0);
        assertOneLineError(run("demo", "--frobnicate"), "--frobnicate");
        err.getBuffer().setLength(0);
        assertOneLineError(run("bogus"), "bogus");
        err.getBuffer().setLength(0);
        assertOneLineError(run("sumarize", "runs"), "'sumarize'", "did you mean 'summarize'?");
        err.getBuffer().setLength(0);
        assertOneLineError(run("demo", "--rttt", "40ms"), "--rttt", "did you mean '--rtt'?");
    }

    /** {@code help sumarize} said "Unknown subcommand" without the guess {@code sumarize} alone gets. */
    @Test
    void helpOfAMistypedCommandGetsTheSameGuessAsTheCommandItself() {
        for (String typo : new String[] {"sumarize", "repot"}) {
            err.getBuffer().setLength(0);
            run(typo);
            String guess = err.toString().replaceAll("(?s).*(; did you mean [^?]*\\?).*", "$1");
            assertThat(guess).as("the top level's guess for %s", typo).startsWith("; did you mean '");
            err.getBuffer().setLength(0);

            assertOneLineError(run("help", typo), "Unknown subcommand '" + typo + "'" + guess);
        }
        err.getBuffer().setLength(0);
        assertThat(run("help", "xyz")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("peerpulse: Unknown subcommand 'xyz' (see 'peerpulse --help')");
        err.getBuffer().setLength(0);
        assertThat(run("help", "summarize")).isZero();
        assertThat(out.toString()).contains("Usage: peerpulse summarize");
        assertThat(err.toString()).isEmpty();
    }

    /**
     * {@code summarize -x} or {@code report -runs.json} alone: picocli checks the missing file before the unknown
     * option and said only "Missing required parameter", never naming what was typed. The unknown option is named,
     * and a file of that name gets the way to give it.
     */
    @Test
    void anUnknownOptionInPlaceOfTheFileIsNamedAndAFileOfThatNameToldHowToGiveIt(@TempDir Path dir)
            throws Exception {
        assertOneLineError(run("summarize", "-x"), "Unknown option: '-x'");
        assertThat(err.toString()).doesNotContain("Missing required parameter");
        err.getBuffer().setLength(0);
        assertOneLineError(run("recover", "--jornal"), "Unknown option: '--jornal'");
        err.getBuffer().setLength(0);
        assertOneLineError(run("summarize", "--foce"), "Unknown option: '--foce'", "did you mean '--force'?");
        err.getBuffer().setLength(0);

        // a name starting with '-' is relative: made in the working directory, and removed
        String name = "-peerpulse-main-test-" + ProcessHandle.current().pid() + ".json";
        Path dashed = java.nio.file.Files.writeString(Path.of(name), "{}");
        try {
            for (String[] args : new String[][] {{"report", name}, {"summarize", name},
                    {"summarize", name, dir.toString()}}) {
                err.getBuffer().setLength(0);
                assertOneLineError(run(args), "Unknown option: '" + name + "'",
                        "a file named so: write ./" + name + " or put -- before it");
            }
        } finally {
            java.nio.file.Files.delete(dashed);
        }
    }

    /**
     * Every command's help lists {@code -V, --version}; {@code peerpulse summarize --version} printed nothing and
     * exited 0 (only the top command had the version). Each prints the command's version.
     */
    @Test
    void everyCommandPrintsTheVersionItsHelpOffers() {
        String version = new Main.Version().getVersion()[0];
        for (String command : new String[] {"demo", "summarize", "report", "recover"}) {
            for (String option : new String[] {"--version", "-V"}) {
                out.getBuffer().setLength(0);
                assertThat(run(command, option)).isZero();
                assertThat(out.toString()).as(command + " " + option).isEqualTo(version + System.lineSeparator());
            }
        }
    }

    /**
     * {@code peerpulse demo help} or {@code summarize help}, as {@code git help} or {@code go help} take it: the
     * demo said "Unmatched argument at index 1: 'help'", summarize "cannot read help: no such file or directory",
     * neither saying that help is {@code --help}.
     */
    @Test
    void helpAsAWordIsPointedToHelpAsAnOption() {
        for (String command : new String[] {"demo", "summarize", "report", "recover"}) {
            err.getBuffer().setLength(0);
            assertOneLineError(run(command, "help"), "help",
                    "peerpulse " + command + " --help");
        }
    }

    /** {@code ./peerpulse demo -Dpeerpulse.chromium=…}: the option is java's; the error says how to pass it. */
    @Test
    void aSystemPropertyGivenToTheCommandSaysHowToPassIt() {
        for (String[] args : new String[][] {{"-Dpeerpulse.chromium=/opt/chromium", "demo"},
                {"demo", "-Dpeerpulse.chromium=/opt/chromium", "--peer", "chromium"}}) {
            err.getBuffer().setLength(0);
            assertOneLineError(run(args), "'-Dpeerpulse.chromium=/opt/chromium'",
                    "a system property is java's option, not the command's: JAVA_TOOL_OPTIONS='-Dkey=value' ./peerpulse …");
        }
    }

    /** A full disk cuts standard output: the command says so and fails, never silently. */
    @Test
    void standardOutputThatCannotBeWrittenIsNamedAndFailsTheCommand() {
        StandardOutput.Writer full = new StandardOutput.Writer(new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("No space left on device");
            }
        });
        PrintWriter errors = new PrintWriter(err, true);

        int code = Main.exitCode(Main.run(new String[] {"--version"}, full, errors), full, errors);

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("peerpulse: cannot write standard output: no space left on device;"
                + " what it holds is incomplete" + System.lineSeparator());
        StringWriter fine = new StringWriter();
        StandardOutput.Writer written = new StandardOutput.Writer(new java.io.ByteArrayOutputStream());
        assertThat(Main.exitCode(Main.run(new String[] {"--version"}, written, errors), written,
                new PrintWriter(fine))).isZero();
        assertThat(fine.toString()).isEmpty();
    }

    /**
     * {@code ./peerpulse summarize runs | head -1}: the reader stopped on purpose. As {@code git log | head -1}
     * (ended by SIGPIPE): nothing on standard error and the shell's code for SIGPIPE, 141, not the failure
     * code 1 with "what it holds is incomplete" under the line the user asked for.
     */
    @Test
    void aPipeWhoseReaderStoppedEndsTheCommandQuietlyWithTheCodeOfSigpipe() {
        StandardOutput.Writer closed = new StandardOutput.Writer(new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("Broken pipe"); // FileOutputStream's message for EPIPE
            }
        });
        PrintWriter errors = new PrintWriter(err, true);

        int code = Main.exitCode(Main.run(new String[] {"--version"}, closed, errors), closed, errors);

        assertThat(code).isEqualTo(141);
        assertThat(err.toString()).isEmpty();
        closed.println("more");
        assertThat(Main.exitCode(2, closed, errors)).as("the command's own failure").isEqualTo(2);
    }

    /**
     * Refused settings create nothing; a file where the output directory should be is named as such, a bad argument
     * (exit 2) as a folder given to {@code summarize --out} is, not a failure while running (it was exit 1).
     */
    @Test
    void theDemoRefusesBeforeCreatingAnythingAndNamesAFileInTheWay(@TempDir Path dir) throws Exception {
        assertOneLineError(run("demo", "--peer", "chrome", "--out", dir.resolve("o").toString(), "--journal",
                dir.resolve("j").toString()), "--peer must be java or chromium, was chrome");
        assertThat(dir.resolve("o")).doesNotExist();
        assertThat(dir.resolve("j")).doesNotExist();
        err.getBuffer().setLength(0);
        Path file = java.nio.file.Files.writeString(dir.resolve("a-file"), "x");

        assertThat(run("demo", "--out", file.toString(), "--duration", "1s")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("demo: --out " + file + " is a file, not a folder: give a folder"
                + " to write into");
        err.getBuffer().setLength(0);
        assertThat(run("demo", "--out", dir.resolve("o").toString(), "--journal", file.toString(), "--duration", "1s"))
                .isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("demo: --journal " + file + " is a file, not a folder: give a"
                + " folder to write into");
        err.getBuffer().setLength(0);
        assertThat(run("summarize", "--out", dir.toString(), dir.toString())).as("the mirror mistake").isEqualTo(2);
    }

    /**
     * {@code --out=~/runs}: the shell expands {@code ~} only at the start of a word, so the command got it
     * literally and would make a folder named {@code ~} in the working directory. Refused, saying so.
     */
    @Test
    void aPathStartingWithATildeTheShellDidNotExpandIsRefusedSayingSo() {
        for (String[] args : new String[][] {{"summarize", "--out=~/table.csv", "runs"}, {"summarize", "~/runs"},
                {"report", "~/runs/x.json"}, {"recover", "j.journal.jsonl", "--out=~/runs"},
                {"demo", "--journal=~user/journals"}}) {
            err.getBuffer().setLength(0);
            assertOneLineError(run(args), "'~", "which the shell did not expand");
        }
        assertThat(err.toString()).contains("the home folder's full path");
        err.getBuffer().setLength(0);
        assertOneLineError(run("recover", "j.journal.jsonl", "--out=~/runs"), "write $HOME/runs or put a space");
        assertThat(Path.of("~")).doesNotExist();
        assertThat(Path.of("~user")).doesNotExist();
    }

    /**
     * {@code --out -}, as many tools take for standard output: it wrote a file named {@code -} in the working
     * directory (which {@code cat -} then does not read). Refused, with the ways to what was meant.
     */
    @Test
    void aDashIsRefusedAsAPathNotAFileNamedSo() {
        for (String[] args : new String[][] {{"summarize", "runs", "--out", "-"}, {"report", "x.json", "--out=-"},
                {"recover", "j.journal.jsonl", "--out", "-"}}) {
            err.getBuffer().setLength(0);
            assertOneLineError(run(args), "'-' is not standard output here", "/dev/stdout", "./-");
        }
        assertThat(Path.of("-")).doesNotExist();
    }

    /** {@code --out C:\\runs} on Linux would be one folder named so in the working directory: refused, saying so. */
    @Test
    @org.junit.jupiter.api.condition.DisabledOnOs(org.junit.jupiter.api.condition.OS.WINDOWS)
    void aWindowsPathIsRefusedSayingSo() {
        for (String[] args : new String[][] {{"summarize", "runs", "--out", "C:\\table.csv"},
                {"report", "C:\\runs\\x.json"}, {"recover", "j.journal.jsonl", "--out=D:/runs"},
                {"demo", "--journal", "\\\\server\\journals"}}) {
            err.getBuffer().setLength(0);
            assertOneLineError(run(args), "a Windows path", "give a path of this system");
        }
        assertThat(Path.of("C:\\table.csv")).doesNotExist();
    }

    /**
     * {@code --out=} (a variable that was empty) or a path with a space at an end (a copied line): refused as
     * arguments (exit 2) naming the option and the value, before anything starts; not the working directory
     * (the demo connected its peers and then failed with exit 1 naming an internal setting) nor a folder
     * named {@code "runs "}.
     */
    @Test
    void anEmptyPathOrOneWithASpaceAtAnEndIsRefusedNamingTheOption(@TempDir Path dir) throws Exception {
        Path json = java.nio.file.Files.writeString(dir.resolve("x.json"), "{}");
        for (String[] args : new String[][] {{"demo", "--out=", "--duration", "1s"}, {"demo", "--journal=",
                "--duration", "1s"}, {"summarize", "--out=", "runs"}, {"report", json.toString(), "--out="},
                {"recover", "j.journal.jsonl", "--out="}, {"recover", "j.journal.jsonl", "--exporters", "jsonl",
                "--jsonl-file="}, {"summarize", ""}}) {
            err.getBuffer().setLength(0);
            assertOneLineError(run(args), "an empty path");
            java.util.Arrays.stream(args).filter(a -> a.endsWith("=")).forEach(option ->
                    assertThat(err.toString()).contains("option '" + option.replace("=", "") + "'"));
        }
        Path spaced = dir.resolve("runs ");
        for (String[] args : new String[][] {{"demo", "--out", spaced.toString(), "--duration", "1s"},
                {"recover", "j.journal.jsonl", "--out", " " + dir.resolve("runs")}}) {
            err.getBuffer().setLength(0);
            assertOneLineError(run(args), "--out", "starts or ends with a space");
        }
        assertThat(spaced).doesNotExist();
    }

    /**
     * PeerPulse's log lines write durations as {@code 2 min} (telemetry-core's {@code Durations}); typed back as
     * {@code --duration 2min} it is the same duration as {@code 2m}, not an error.
     */
    @Test
    void aDurationInMinutesMayBeWrittenAsTheLogLinesWriteIt() {
        Values.DurationConverter converter = new Values.DurationConverter();
        for (String minutes : new String[] {"2min", "2 min", "2MIN", "2m"}) {
            assertThat(converter.convert(minutes)).as(minutes).isEqualTo(java.time.Duration.ofMinutes(2));
        }
        assertThatThrownByConversion(converter, "2mins");
    }

    private static void assertThatThrownByConversion(Values.DurationConverter converter, String value) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> converter.convert(value))
                .isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessage("'" + value + "' is not a duration like 80ms, 1.5s or 2m");
    }

    /** A command that fails the way webrtc-java does on a machine without libpulse0. */
    @CommandLine.Command(name = "boom")
    static final class Boom implements Runnable {
        @Override
        public void run() {
            throw new UnsatisfiedLinkError("/tmp/libwebrtc-java.so: libpulse.so.0: cannot open shared object file:"
                    + " No such file or directory");
        }
    }

    @Test
    void anErrorOfACommandIsOneLineAndExitCode1() {
        StringWriter errors = new StringWriter();
        int code = Main.run(new CommandLine(new Main()).addSubcommand(new Boom()), new String[] {"boom"},
                new PrintWriter(new StringWriter(), true), new PrintWriter(errors, true));
        assertThat(code).isEqualTo(1);
        assertThat(errors.toString()).isEqualTo("peerpulse: failed: UnsatisfiedLinkError: /tmp/libwebrtc-java.so:"
                + " libpulse.so.0: cannot open shared object file: No such file or directory; webrtc-java's native"
                + " library cannot load (it needs Debian's libpulse0, which ./peerpulse installs when run as root)"
                + " (--verbose for details)" + System.lineSeparator());

        StringWriter verbose = new StringWriter();
        Main.run(new CommandLine(new Main()).addSubcommand(new Boom()), new String[] {"boom", "--verbose"},
                new PrintWriter(new StringWriter(), true), new PrintWriter(verbose, true));
        assertThat(verbose.toString()).contains("io.peerpulse.cli.MainTest$Boom.run(MainTest.java:");
    }

    @Test
    void everyCommandHasHelp() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("demo");
        out.getBuffer().setLength(0);
        assertThat(run("demo", "--help")).isZero();
        assertThat(out.toString()).contains("--rtt", "--jitter", "--loss", "--duration", "--out");
    }

    @Test
    @Tag("integration")
    void theDemoRunsTwoRealPeersAndPrintsTheStatistics(@TempDir Path dir) {
        int code = run("demo", "--rtt", "40ms", "--duration", "4s", "--out", dir.toString());
        assertThat(code).as("stderr: %s", err).isZero();
        assertThat(out.toString()).contains("[  1s] last RTT", "[  4s] last RTT", "statistic", "median", "injected",
                "polls");
        // the verdict compares with what the relay recorded, and says both that and what was asked
        assertThat(out.toString()).contains("the relay actually imposed", "(asked 40.0 ms; the link was");
        // and allows what the peers' own stack took in the run, measured by raw echoes through the relay
        assertThat(out.toString()).containsPattern("the peers' own stack took \\(\\d+ raw echoes through the relay\\)");
    }

    /**
     * With --loss the verdict still allows what raw echoes took: on their unordered channel a lost echo is left
     * out, and no other waits for it (before, no echo was sent and a loaded machine got a false OUTSIDE).
     */
    @Test
    @Tag("integration")
    void theDemoWithLossAllowsWhatTheEchoesThatCameBackTook(@TempDir Path dir) {
        int code = run("demo", "--rtt", "40ms", "--loss", "10%", "--duration", "4s", "--out", dir.toString());
        assertThat(code).as("stderr: %s", err).isZero();
        assertThat(out.toString()).contains("the relay actually imposed", "(asked 40.0 ms; the link was")
                .containsPattern("the peers' own stack took \\(\\d+ raw echo(es)? through the relay\\)")
                .doesNotContain("with --loss");
    }
}
