package io.peerpulse.cli;

import io.peerpulse.export.files.ExportFiles;
import io.peerpulse.export.jsonl.SessionJsonLines;
import io.peerpulse.session.ClockInfo;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.journal.SessionJournal;
import io.peerpulse.session.spi.SessionExporterProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code peerpulse recover JOURNAL [--out DIR] [--exporters json,csv,html]}: a killed session's exports. */
@Command(name = "recover", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Rebuild a session's report from its crash-safe journal (<id>.journal.jsonl) and run the "
                + "exporters on it. Torn, damaged (checksum) and out-of-place lines are skipped and reported.")
final class RecoverCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "JOURNAL", description = "A session journal (.journal.jsonl).")
    Path input;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "peerpulse-out",
            description = "Where the file exporters write (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--exporters", paramLabel = "NAMES", split = ",", defaultValue = "json,csv,html",
            description = "Exporters to run, comma-separated (default: ${DEFAULT-VALUE}; also jsonl); 'none' for none.")
    List<String> exporters;

    @Option(names = "--jsonl-file", paramLabel = "FILE",
            description = "The file the jsonl exporter appends the session's line to (default: DIR/sessions.jsonl).")
    Path jsonlFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (Files.isDirectory(input)) {
            throw new Main.UsageException("cannot read " + input.toAbsolutePath() + ": a directory, not a file");
        }
        if (!Files.isRegularFile(input)) {
            throw new Main.UsageException("cannot read " + input.toAbsolutePath() + ": " + (Files.exists(input)
                    ? "not a regular file (a pipe or a device): recover reads the journal twice; copy it to a file first"
                    : Sessions.missing(input)));
        }
        List<String> names = exporters.equals(List.of("none")) ? List.of() : exporters;
        checkExporterNames(names);
        Map<String, String> settings = new LinkedHashMap<>();
        for (String kind : FILE_EXPORTERS) {
            if (names.contains(kind)) { // a setting no selected exporter reads is refused as a typo
                settings.put("peerpulse.export." + kind + ".directory", out.toString());
            }
        }
        if (jsonlFile != null && !names.contains("jsonl")) {
            throw new Main.UsageException("--jsonl-file is for the jsonl exporter, which --exporters does not name");
        }
        Path lines = names.contains("jsonl") ? (jsonlFile != null ? jsonlFile : out.resolve(Outputs.JSONL_FILE)) : null;
        if (lines != null) {
            settings.put(SessionJsonLines.FILE_SETTING, lines.toString());
        }
        boolean writesFiles = names.stream().anyMatch(FILE_EXPORTERS::contains);
        if (writesFiles) {
            Outputs.createDirectory(out, "--out");
        }
        String outOption = Outputs.outOption(spec);
        Outputs.sayOverriddenProperties(settings, key -> key.equals(SessionJsonLines.FILE_SETTING) && jsonlFile != null
                ? "--jsonl-file" : outOption, "recover", spec.commandLine().getErr());
        List<Path> before = listFiles(out);
        long linesBefore = lines == null ? 0 : Outputs.size(lines);
        SessionJournal.Recovery recovery;
        try {
            recovery = SessionJournal.recoverAndExport(input, settings, names);
        } catch (IOException e) {
            String name = input.getFileName() == null ? "" : input.getFileName().toString();
            throw new Main.UsageException(cannotRecover(input, e) + (name.endsWith(".json") || name.endsWith(".csv")
                    || name.endsWith(".html") ? "; " + name + " looks like an export: recover reads a session journal"
                    + " (<id>.journal.jsonl), report and summarize read exports" : ""));
        } catch (IllegalArgumentException e) {
            // a bad header is an IOException above: this is a setting, an exporter's or a system property's
            throw new Main.UsageException("cannot recover " + input.toAbsolutePath() + ": " + e.getMessage());
        }
        PrintWriter console = spec.commandLine().getOut();
        SessionReport report = recovery.report();
        console.printf(Locale.ROOT, "session %s: %d samples, %d lines, %s%n", report.sessionMetrics().sessionId(),
                recovery.sampleCount(), recovery.lineCount(),
                recovery.complete() ? "complete (the session was closed)" : "incomplete (no end line: its process "
                        + "died, or is still running and writing it; the report ends at the last journaled event)");
        ClockInfo clock = report.validationData().clock();
        if (clock.clockStepCount() > 0) {
            // a fact about the machine's clock, not damage: durations come from the monotonic clock
            console.printf(Locale.ROOT, "wall clock stepped %d time(s) during the session (%s); durations are monotonic%n",
                    clock.clockStepCount(), clock.clockSteps().stream().map(step -> (step.stepMs() > 0 ? "+" : "")
                            + step.stepMs() + " ms").collect(java.util.stream.Collectors.joining(", ")));
        }
        if (recovery.problems().isEmpty()) {
            console.println("problems: none");
        } else {
            recovery.problems().forEach(p -> console.println("problem: " + p));
            if (recovery.problemCount() > recovery.problems().size()) {
                console.printf(Locale.ROOT, "problems: %d more not listed%n", recovery.problemCount() - recovery.problems().size());
            }
            console.printf(Locale.ROOT, "problems: %d (%d lines skipped, %d damaged, %d duplicate, %d missing, %d out of order)%n",
                    recovery.problemCount(), recovery.skippedLineCount(), recovery.damagedLineCount(),
                    recovery.duplicateLineCount(), recovery.missingLineCount(), recovery.outOfOrderLineCount());
        }
        List<Path> written = new ArrayList<>(listFiles(out));
        written.removeAll(before);
        // another run's temporary file (".<stem>.<random>.tmp") is none of ours, and gone by now
        written.removeIf(p -> p.getFileName().toString().startsWith(".") && p.getFileName().toString().endsWith(".tmp"));
        written.removeIf(p -> p.equals(lines)); // said below: appended to, not written
        written.forEach(p -> console.println("wrote " + Errors.shown(p.toAbsolutePath())));
        boolean appended = lines != null && Outputs.sayAppended(console, lines, linesBefore);
        console.flush();
        String stem = ExportFiles.fileStem(report.sessionMetrics().sessionId());
        for (Path file : written) { // a name taken by an earlier export: the exporter took the next one
            String name = file.getFileName().toString();
            Path plain = file.resolveSibling(stem + name.substring(name.lastIndexOf('.')));
            if (!file.equals(plain) && before.contains(plain)) {
                spec.commandLine().getErr().println("recover: " + Errors.shown(plain.toAbsolutePath() + " exists; wrote "
                        + file.toAbsolutePath()) + " instead");
            }
        }
        List<String> missing = new ArrayList<>();
        for (String name : names) {
            if (FILE_EXPORTERS.contains(name)
                    && written.stream().noneMatch(p -> p.getFileName().toString().endsWith("." + name))) {
                missing.add(name);
            }
        }
        if (lines != null && !appended) {
            missing.add("jsonl");
        }
        if (!missing.isEmpty()) {
            throw new Main.RunFailure("the " + String.join(", ", missing) + " exporter" + (missing.size() > 1 ? "s" : "")
                    + " wrote no file in " + out.toAbsolutePath() + (lines != null && !appended ? " or line in "
                    + lines.toAbsolutePath() : "") + " (the warning above says why)");
        }
        return 0;
    }

    /** @return "cannot recover PATH: REASON", the path once, for a recovery that failed with {@code e} */
    static String cannotRecover(Path input, IOException e) {
        if (e instanceof FileSystemException) {
            // the JDK's: its message is the path alone, the cause ("permission denied") apart
            return Errors.cannot("recover", input, e);
        }
        String message = e.getMessage() == null ? "" : e.getMessage();
        return "cannot recover " + input.toAbsolutePath() + ": "
                + (message.contains(input.toString()) ? message.replace("journal " + input + " ", "the journal ")
                .replace(input + ": ", "") : ExportFiles.reason(e));
    }

    /** Exporters that write a file per session into their directory setting; checked after the run. */
    private static final List<String> FILE_EXPORTERS = List.of("json", "csv", "html");

    private static void checkExporterNames(List<String> names) {
        Set<String> known = new TreeSet<>();
        List<String> notLoaded = new ArrayList<>();
        ServiceLoader.load(SessionExporterProvider.class).stream().forEach(p -> {
            // a broken plugin, whose name is not known: said when a name is not found, as it may be its name
            SessionExporterProvider provider;
            try {
                provider = p.get();
            } catch (java.util.ServiceConfigurationError e) {
                notLoaded.add(e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause() + ")"));
                return;
            }
            try {
                known.add(provider.name());
            } catch (RuntimeException e) {
                notLoaded.add(provider.getClass().getName() + " failed in name() (" + e + ")");
            }
        });
        for (String name : names) {
            if (!known.contains(name)) {
                throw new Main.UsageException("--exporters: unknown exporter '" + name + "' (known: "
                        + String.join(", ", known) + ", or 'none')" + (notLoaded.isEmpty() ? "" : "; "
                        + notLoaded.size() + (notLoaded.size() == 1 ? " provider" : " providers")
                        + " could not be loaded: " + String.join("; ", notLoaded)));
            }
        }
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
