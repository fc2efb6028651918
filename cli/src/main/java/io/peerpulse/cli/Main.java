package io.peerpulse.cli;

import io.peerpulse.export.files.ExportFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code peerpulse}: the entry point. Exit codes: 0 when the command did everything it was asked (every
 * file written); 2 for bad arguments and unreadable input; 1 for a failure while running (e.g. an output
 * that cannot be written, an exporter that wrote nothing). Failures are one line on standard error naming
 * the cause; {@code --verbose} adds the stack trace. Every command has {@code --help}.
 *
 * @since 0.1.0
 */
@Command(name = "peerpulse", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Peer-to-peer RTT telemetry for multiplayer game sessions over WebRTC.",
        subcommands = {DemoCommand.class, SummarizeCommand.class, ReportCommand.class, RecoverCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "On a failure, print the stack trace and the libraries' log records in full.")
    boolean verbose;

    /** How a system property ({@code -Dpeerpulse.…}) reaches the command's JVM through the launcher. */
    static final String SYSTEM_PROPERTY_HINT = "JAVA_TOOL_OPTIONS='-Dkey=value' ./peerpulse …";

    /** Called by picocli. */
    public Main() {
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        StandardOutput.Writer out = StandardOutput.open();
        // UTF-8 as standard output is (StandardOutput), not file.encoding: a lab's -Dfile.encoding=ISO-8859-1 in
        // JAVA_TOOL_OPTIONS made every non-ASCII path in a message '?' (the launcher's locale is UTF-8)
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err,
                java.nio.charset.StandardCharsets.UTF_8), true);
        Logs.configure(verbose(args));
        System.exit(exitCode(run(args, out, err), out, err));
    }

    /** @return whether {@code --verbose} is among the arguments (read before picocli parses them) */
    private static boolean verbose(String[] args) {
        return java.util.Arrays.asList(args).contains("--verbose");
    }

    /** The exit code when standard output is a pipe whose reader stopped: the shell's for SIGPIPE, 128 + 13. */
    static final int BROKEN_PIPE = 141;

    /**
     * The exit code once the command returned {@code code}: 1 instead of 0 when standard output could not be
     * written (a full disk, a closed descriptor), said in one line on standard error, since the output is then
     * cut; {@value #BROKEN_PIPE}, saying nothing, when it is a pipe whose reader stopped ({@code | head -1}).
     */
    static int exitCode(int code, StandardOutput.Writer out, PrintWriter err) {
        out.flush();
        Optional<IOException> failure = out.failure();
        if (failure.isEmpty()) {
            return code;
        }
        if (brokenPipe(failure.get())) { // EPIPE: the reader stopped (`| head -1`)
            // as a command ended by SIGPIPE (`git log | head -1`), which the JVM ignores: no message, 128 + 13
            return code == 0 ? BROKEN_PIPE : code; // a failure of the command's own keeps its code
        }
        err.println("peerpulse: cannot write standard output: " + ExportFiles.reason(failure.get())
                + "; what it holds is incomplete");
        err.flush();
        return code == 0 ? CommandLine.ExitCode.SOFTWARE : code;
    }

    /**
     * @return whether {@code failure} is EPIPE: its message is the C library's for it, "Broken pipe" in English
     *         and another in the user's language ({@code LANGUAGE=de}: "Datenübergabe unterbrochen (broken pipe)"),
     *         learnt by writing into a pipe of this process whose reader is closed
     */
    static boolean brokenPipe(IOException failure) {
        String message = failure.getMessage();
        return message != null && (message.equals("Broken pipe") || message.equals(LocalBrokenPipe.MESSAGE));
    }

    /** EPIPE's message in the language the C library speaks to this process, or {@code null} when none came. */
    private static final class LocalBrokenPipe {
        static final @Nullable String MESSAGE = provoke();

        private static @Nullable String provoke() {
            try {
                java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
                pipe.source().close();
                try (java.nio.channels.Pipe.SinkChannel sink = pipe.sink()) {
                    sink.write(java.nio.ByteBuffer.allocate(1)); // the JVM ignores SIGPIPE: EPIPE comes back
                }
            } catch (IOException epipe) {
                return epipe.getMessage();
            }
            return null;
        }
    }

    /**
     * Runs the command line.
     *
     * @param args the arguments
     * @param out  standard output
     * @param err  standard error
     * @return the exit code: 0 done, 1 failed, 2 bad arguments or unreadable input
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(new CommandLine(new Main()), args, out, err);
    }

    /** {@link #run(String[], PrintWriter, PrintWriter)} on a given command line (tests add commands to it). */
    static int run(CommandLine commandLine, String[] args, PrintWriter out, PrintWriter err) {
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.registerConverter(java.nio.file.Path.class, new Values.PathConverter()); // every command's
        commandLine.setParameterExceptionHandler((thrown, arguments) -> {
            CommandLine command = thrown.getCommandLine();
            // `summarize -x`: picocli checks the missing file before the unknown option, and its message would
            // not name what was typed; the unknown option is the cause
            CommandLine.ParameterException ex = thrown instanceof CommandLine.MissingParameterException
                    && !command.getUnmatchedArguments().isEmpty()
                    ? new CommandLine.UnmatchedArgumentException(command, command.getUnmatchedArguments()) : thrown;
            // `help sumarize`: picocli's help command names an unknown command without a guess; the guess is the
            // one `peerpulse sumarize` gets, picocli's for the same word unmatched there
            boolean unknownToHelp = !(ex instanceof CommandLine.UnmatchedArgumentException) && ex.getValue() != null
                    && command.getParseResult() != null && command.getParseResult().hasSubcommand()
                    && command.getParseResult().subcommand().commandSpec().userObject()
                            instanceof CommandLine.HelpCommand;
            List<String> suggestions = ex instanceof CommandLine.UnmatchedArgumentException unmatched
                    ? unmatched.getSuggestions() : unknownToHelp
                    ? new CommandLine.UnmatchedArgumentException(command, List.of(ex.getValue())).getSuggestions()
                    : List.of();
            boolean systemProperty = ex instanceof CommandLine.UnmatchedArgumentException unmatched
                    && unmatched.getUnmatched().stream().anyMatch(a -> a.startsWith("-D"));
            List<String> unknown = ex instanceof CommandLine.UnmatchedArgumentException unmatched
                    ? unmatched.getUnmatched() : List.of();
            String message = unknownToHelp && ex.getMessage().endsWith(".")
                    ? ex.getMessage().substring(0, ex.getMessage().length() - 1) : ex.getMessage();
            command.getErr().println(command.getCommandName() + ": " + Errors.shown(message) + dashedFiles(unknown)
                    + (suggestions.isEmpty() ? "" : "; did you mean '" + String.join("' or '", suggestions) + "'?")
                    + (systemProperty ? "; a system property is java's option, not the command's: "
                            + SYSTEM_PROPERTY_HINT : "")
                    + " (see '" + command.getCommandSpec().qualifiedName() + " --help')");
            return CommandLine.ExitCode.USAGE;
        });
        commandLine.setExecutionExceptionHandler((ex, command, parseResult) -> {
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
            PrintWriter errors = command.getErr();
            if (ex instanceof UsageException usage) {
                // `summarize help`, as `git help` takes it: "cannot read help: no such file" alone leaves it there
                boolean helpWord = java.util.Arrays.asList(args).contains("help")
                        && !java.nio.file.Files.exists(java.nio.file.Path.of("help"));
                errors.println(command.getCommandName() + ": " + Errors.shown(usage.getMessage()) + (helpWord
                        ? " (see '" + command.getCommandSpec().qualifiedName() + " --help')" : ""));
            } else if (ex instanceof RunFailure failure) {
                errors.println(command.getCommandName() + ": " + Errors.shown(failure.getMessage()));
            } else {
                errors.println(command.getCommandName() + ": failed: " + Errors.shown(Errors.oneLine(ex))
                        + (verbose ? "" : " (--verbose for details)"));
            }
            if (verbose) {
                ex.printStackTrace(errors);
            }
            errors.flush();
            return ex instanceof UsageException ? CommandLine.ExitCode.USAGE : CommandLine.ExitCode.SOFTWARE;
        });
        try {
            return commandLine.execute(args);
        } catch (Error error) { // picocli hands only an Exception to the handler above; an Error passes it by
            boolean verbose = verbose(args);
            err.println("peerpulse: failed: " + error.getClass().getSimpleName()
                    + (error.getMessage() == null ? "" : ": " + error.getMessage().lines().findFirst().orElse(""))
                    + (error instanceof UnsatisfiedLinkError
                            ? "; webrtc-java's native library cannot load (it needs Debian's libpulse0, which"
                              + " ./peerpulse installs when run as root)" : "")
                    + (verbose ? "" : " (--verbose for details)"));
            if (verbose) {
                error.printStackTrace(err);
            }
            err.flush();
            return CommandLine.ExitCode.SOFTWARE;
        }
    }

    /**
     * @return for an unknown option that is the name of an existing file ({@code -runs.json}), how to give it; else
     *         ""
     */
    private static String dashedFiles(List<String> unknown) {
        for (String argument : unknown) {
            try {
                if (argument.startsWith("-") && java.nio.file.Files.exists(java.nio.file.Path.of(argument))) {
                    return "; a file named so: write ./" + Errors.shown(argument) + " or put -- before it";
                }
            } catch (java.nio.file.InvalidPathException notAPath) {
                // not a file name
            }
        }
        return "";
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A problem with what the user gave (a file, a value): one line, exit code 2. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** A failure while running (an output not written): one line, exit code 1. */
    static final class RunFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RunFailure(String message) {
            super(message);
        }

        RunFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The version of the package, or "development". */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"peerpulse " + (version == null ? "0.1.0-SNAPSHOT" : version)};
        }
    }
}
