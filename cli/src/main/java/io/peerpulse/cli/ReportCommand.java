package io.peerpulse.cli;

import io.peerpulse.export.html.HtmlReport;
import io.peerpulse.session.SessionReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code peerpulse report FILE.json [--out FILE.html]}: one session's self-contained HTML page. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write a self-contained HTML page of one exported session: RTT over time (gaps as gaps, "
                + "rounds marked), a histogram and the summary table. The page fetches nothing.")
final class ReportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE.json", description = "A session exported by the json exporter.")
    Path input;

    @Option(names = "--out", paramLabel = "FILE.html",
            description = "Where to write the page (default: beside the input, with .html).")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        SessionReport report = Sessions.read(input);
        Path target = out != null ? out : Sessions.sibling(input, ".html");
        try {
            Files.writeString(target, HtmlReport.render(report), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Main.UsageException("cannot write " + target.toAbsolutePath() + ": " + e.getMessage());
        }
        spec.commandLine().getOut().println("wrote " + target.toAbsolutePath());
        return 0;
    }
}
