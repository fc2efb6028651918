package io.peerpulse.cli;

import io.peerpulse.session.SessionJournal;
import io.peerpulse.session.SessionReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code peerpulse recover JOURNAL [--out DIR] [--exporters json,csv,html]}: a killed session's exports. */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = "Rebuild a session's report from its crash-safe journal (<id>.journal.jsonl) and run the "
                + "exporters on it. A torn last line is skipped and reported.")
final class RecoverCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "JOURNAL", description = "A session journal (.journal.jsonl).")
    Path input;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "peerpulse-out",
            description = "Where the file exporters write (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--exporters", paramLabel = "NAMES", split = ",", defaultValue = "json,csv,html",
            description = "Exporters to run, comma-separated (default: ${DEFAULT-VALUE}); 'none' for none.")
    List<String> exporters;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(input)) {
            throw new Main.UsageException("cannot read " + input.toAbsolutePath() + ": not a file");
        }
        List<String> names = exporters.equals(List.of("none")) ? List.of() : exporters;
        Map<String, String> settings = new LinkedHashMap<>();
        for (String kind : List.of("json", "csv", "html")) {
            settings.put("peerpulse.export." + kind + ".directory", out.toString());
        }
        List<Path> before = listFiles(out);
        SessionJournal.Recovery recovery;
        try {
            recovery = SessionJournal.recoverAndExport(input, settings, names);
        } catch (IOException e) {
            throw new Main.UsageException("cannot recover " + input.toAbsolutePath() + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--exporters: " + e.getMessage());
        }
        PrintWriter console = spec.commandLine().getOut();
        SessionReport report = recovery.report();
        console.printf("session %s: %d samples, %d lines, %s%n", report.sessionMetrics().sessionId(),
                recovery.sampleCount(), recovery.lineCount(),
                recovery.complete() ? "complete (the session was closed)" : "incomplete (the process died; "
                        + "the report ends at the last journaled event)");
        if (recovery.problems().isEmpty()) {
            console.println("problems: none");
        } else {
            recovery.problems().forEach(p -> console.println("problem: " + p));
            if (recovery.problemCount() > recovery.problems().size()) {
                console.printf("problems: %d more not listed%n", recovery.problemCount() - recovery.problems().size());
            }
            console.printf("problems: %d (%d lines skipped, %d duplicate, %d missing, %d out of order, %d with an "
                            + "impossible time)%n", recovery.problemCount(), recovery.skippedLineCount(),
                    recovery.duplicateLineCount(), recovery.missingLineCount(), recovery.outOfOrderLineCount(),
                    recovery.impossibleTimeCount());
        }
        List<Path> written = new ArrayList<>(listFiles(out));
        written.removeAll(before);
        written.forEach(p -> console.println("wrote " + p.toAbsolutePath()));
        return 0;
    }

    private static List<Path> listFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
