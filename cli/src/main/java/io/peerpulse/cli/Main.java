package io.peerpulse.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code peerpulse}: the entry point. Bad arguments print one line naming what was wrong and exit
 * with code 2; every command has {@code --help}.
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

    /** Called by picocli. */
    public Main() {
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
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
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler((ex, arguments) -> {
            CommandLine command = ex.getCommandLine();
            command.getErr().println(command.getCommandName() + ": " + ex.getMessage()
                    + " (see '" + command.getCommandSpec().qualifiedName() + " --help')");
            return CommandLine.ExitCode.USAGE;
        });
        commandLine.setExecutionExceptionHandler((ex, command, parseResult) -> {
            if (ex instanceof UsageException usage) {
                command.getErr().println(command.getCommandName() + ": " + usage.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
            command.getErr().println(command.getCommandName() + ": " + ex);
            return CommandLine.ExitCode.SOFTWARE;
        });
        return commandLine.execute(args);
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

    /** The version of the package, or "development". */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"peerpulse " + (version == null ? "0.1.0-SNAPSHOT" : version)};
        }
    }
}
