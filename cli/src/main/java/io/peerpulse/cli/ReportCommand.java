package io.peerpulse.cli;

import io.peerpulse.export.html.HtmlReport;
import io.peerpulse.session.SessionReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code peerpulse report FILE.json [--out FILE.html]}: one session's self-contained HTML page. */
@Command(name = "report", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Write a self-contained HTML page of one exported session: RTT over time (gaps as gaps, "
                + "rounds marked), a histogram and the summary table. The page fetches nothing.")
final class ReportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE.json", description = "A session exported by the json exporter.")
    Path input;

    @Option(names = "--out", paramLabel = "FILE.html",
            description = "Where to write the page (default: beside the input, .json replaced by .html); never the input itself.")
    Path out;

    @Option(names = "--force", description = "Replace the page when it exists (default: write the next free name, -1, -2, …).")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (out == null && Outputs.descriptor(input) >= 0) { // /dev/stdin, <(cat x.json): no folder to write beside
            throw new Main.UsageException(input + " is a stream, with no folder for its page beside it; give --out"
                    + " FILE.html");
        }
        Path target = out != null ? out : Sessions.htmlBeside(input);
        if (out != null) {
            Outputs.refuseAFolder(out, Sessions.htmlBeside(input).getFileName().toString());
        }
        Outputs.refuseOverwritingAnInput(target, out != null ? "--out" : "the page", List.of(input));
        SessionReport report = Sessions.read(input);
        PrintWriter console = spec.commandLine().getOut();
        Path written = Outputs.write(target, HtmlReport.render(report), force, console, spec.commandLine().getErr(), "report");
        Outputs.sayWritten(target, "wrote " + Errors.shown(written), console, spec.commandLine().getErr());
        return 0;
    }
}
