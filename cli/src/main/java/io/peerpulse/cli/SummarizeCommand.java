package io.peerpulse.cli;

import io.peerpulse.export.files.ExportFiles;
import io.peerpulse.export.csv.SessionReportCsv;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.shared.Redaction;
import io.peerpulse.telemetry.SessionLatencyStats;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import io.peerpulse.session.QualitySummary;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code peerpulse summarize DIR|FILE.json... [--out FILE.csv] [--force]}: one CSV row per exported session,
 * for pandas or R. Files that cannot be read are named on standard error and left out.
 */
@Command(name = "summarize", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "One CSV row per session exported in the given folders and files (ids, duration, coverage, "
                + "sample count, min/median/mean/p95/p99/max, reconnection count, time in each connection quality, "
                + "score min/p5/median). Unreadable files are named and skipped.")
final class SummarizeCommand implements Callable<Integer> {

    static final String HEADER = "session_id,player_id,start_epoch_ms,duration_ms,coverage,sample_count,"
            + "min_ms,median_ms,mean_ms,p95_ms,p99_ms,max_ms,reconnection_count,good_ms,fair_ms,poor_ms,lost_ms,"
            + "score_min,score_p5,score_median,file";

    /** The time-in-quality and score columns, empty for a file without them. */
    static final int QUALITY_COLUMNS = 7;

    @Parameters(arity = "1..*", paramLabel = "DIR|FILE.json",
            description = "Folders of JSON session exports (their *.json files) and single exports, in any mix.")
    List<Path> inputs;

    @Option(names = "--out", paramLabel = "FILE.csv", description = "Write the table here instead of to standard output.")
    Path out;

    @Option(names = "--force", description = "Replace --out when it exists (default: write the next free name, -1, -2, …).")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The session journals in {@code folder}, for the message when it holds no export; 0 when unreadable. */
    private static long journalCount(Path folder) {
        try (Stream<Path> listing = Files.list(folder)) {
            return listing.filter(Sessions::isJournal).count();
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public Integer call() {
        List<Path> files = new ArrayList<>();
        java.util.Set<Path> listed = new java.util.HashSet<>(); // found in a folder, not named by the user
        for (Path input : inputs) {
            if (Files.isDirectory(input)) {
                try (Stream<Path> listing = Files.list(input)) {
                    List<Path> found = listing.filter(p -> p.getFileName().toString().endsWith(".json")).sorted()
                            .toList();
                    files.addAll(found);
                    // as the files are looked up below: absolute and normalized (a folder named "runs/" too)
                    found.forEach(p -> listed.add(p.toAbsolutePath().normalize()));
                } catch (IOException e) {
                    throw new Main.UsageException("cannot read " + input + ": " + ExportFiles.reason(e));
                }
            } else if (Files.exists(input)) { // a file, or a pipe such as <(cat x.json)
                files.add(input);
            } else {
                // a link that leads nowhere, a name not in UTF-8: said as report and recover say it
                String why = Sessions.missing(input);
                throw new Main.UsageException("cannot read " + input + ": "
                        + ("no such file".equals(why) ? "no such file or directory" : why));
            }
        }
        files = files.stream().map(f -> f.toAbsolutePath().normalize()).distinct().toList(); // one row per file
        if (out != null) {
            Outputs.refuseAFolder(out, "sessions.csv");
            Outputs.refuseOverwritingAnInput(out, "--out", files);
        }
        PrintWriter err = spec.commandLine().getErr();
        StringWriter table = new StringWriter();
        PrintWriter rows = new PrintWriter(table);
        rows.print(HEADER + "\n");
        List<Path> bad = new ArrayList<>();
        int good = 0;
        for (Path file : files) {
            if (listed.contains(file) && !Files.exists(file)) { // a broken link, a link loop, a file gone since
                err.println("summarize: skipped " + Errors.shown(file + ": " + Sessions.missing(file)));
                bad.add(file);
                continue;
            }
            if (listed.contains(file) && !Files.isRegularFile(file) && !Files.isDirectory(file)) {
                // a named pipe in a folder would hold the command until something writes to it: read only when named
                // (a folder in a folder is named below as one)
                err.println("summarize: skipped " + Errors.shown(file) + ": not a regular file (a pipe or a device); name it"
                        + " on the command line to read it");
                bad.add(file);
                continue;
            }
            SessionReport report;
            try {
                report = Sessions.read(file);
            } catch (Main.UsageException e) {
                if (!Files.isRegularFile(file)) {
                    // a pipe was read once, to its end: opened again for the browser shape, it would wait for a
                    // writer for good. Its message stands
                    err.println("summarize: skipped " + Errors.shown(e.getMessage().replaceFirst("^cannot read ", ""))
                            + " (a pipe is read once: give an original browser export as a file)");
                    bad.add(file);
                    continue;
                }
                // the original browser feature's export shape (its `latency` object): a row of its own
                java.util.Optional<String> browserRow;
                try {
                    browserRow = BrowserExportRow.of(file);
                } catch (IllegalArgumentException broken) {
                    err.println("summarize: skipped " + Errors.shown(file + ": a browser export whose " + broken.getMessage()));
                    bad.add(file);
                    continue;
                }
                if (browserRow.isPresent()) {
                    rows.print(browserRow.get() + "\n");
                    good++;
                    continue;
                }
                err.println("summarize: skipped " + Errors.shown(e.getMessage().replaceFirst("^cannot read ", "")));
                bad.add(file);
                continue;
            }
            rows.print(row(report, file.getFileName().toString()) + "\n");
            good++;
        }
        rows.flush();
        if (good == 0) { // nothing to tabulate: unreadable input, and no file of a header alone
            String where = String.join(", ", inputs.stream().map(Path::toString).toList());
            long journals = inputs.stream().filter(Files::isDirectory).mapToLong(SummarizeCommand::journalCount).sum();
            throw new Main.UsageException((files.isEmpty() ? "no *.json file in " + where
                    : "no readable session export in " + where + " (" + bad.size() + " file(s) skipped)")
                    + (journals == 0 ? "" : "; it holds " + journals + " session journal(s) (*.journal.jsonl):"
                            + " 'peerpulse recover JOURNAL' writes a journal's exports"));
        }
        if (out != null) {
            Path written = Outputs.write(out, table.toString(), force, spec.commandLine().getOut(), err, "summarize");
            Outputs.sayWritten(out, "wrote " + good + " session(s) to " + Errors.shown(written),
                    spec.commandLine().getOut(), err);
        } else {
            spec.commandLine().getOut().print(table);
            spec.commandLine().getOut().flush();
        }
        if (!bad.isEmpty()) {
            err.println("summarize: " + bad.size() + " of " + files.size() + " file(s) skipped");
        }
        return 0;
    }

    /**
     * An id read from a file as a cell: ids as PeerPulse writes them hold no address (the builder refuses one); a
     * crafted or older file's, or a browser export's, may: shown by the privacy rule, as every text read from a file
     * is, then by the cell rule.
     */
    static String idCell(@org.jspecify.annotations.Nullable String id) {
        return SessionReportCsv.cell(Redaction.redactLines(id));
    }

    private static String row(SessionReport report, String file) {
        var metrics = report.sessionMetrics();
        LatencyStats latency = metrics.latency();
        List<String> cells = new ArrayList<>();
        cells.add(idCell(metrics.sessionId()));
        cells.add(idCell(metrics.playerId()));
        cells.add(String.valueOf(metrics.startEpochMs()));
        cells.add(String.valueOf(metrics.durationMs()));
        cells.add(SessionReportCsv.number(report.validationData().coverage().coveredRatio()));
        // every sample of the session, as the jsonl line and the page's "whole session": the window holds only
        // the last maxSampleCount (600 by default); a file of an earlier version without it gives the window's
        SessionLatencyStats session = report.validationData().sessionLatency();
        cells.add(session != null ? String.valueOf(session.sampleCount())
                : latency == null ? "0" : String.valueOf(latency.sampleCount()));
        double[] values = session != null ? new double[] {session.minMs(), session.medianMs(), session.meanMs(),
                session.p95Ms(), session.p99Ms(), session.maxMs()}
                : latency != null ? new double[] {latency.minMs(), latency.medianMs(), latency.meanMs(), latency.p95Ms(),
                latency.p99Ms(), latency.maxMs()} : new double[0];
        for (double value : values) {
            cells.add(SessionReportCsv.number(value));
        }
        while (cells.size() < 12) {
            cells.add(""); // no sample: empty, not 0, so pandas reads NaN
        }
        cells.add(String.valueOf(metrics.connection().reconnectionCount()));
        QualitySummary quality = report.multiplayerMetrics().qualitySummary();
        if (quality == null) {
            cells.addAll(Collections.nCopies(QUALITY_COLUMNS, "")); // a file of an earlier version
        } else {
            cells.add(String.valueOf(quality.goodMs()));
            cells.add(String.valueOf(quality.fairMs()));
            cells.add(String.valueOf(quality.poorMs()));
            cells.add(String.valueOf(quality.lostMs()));
            for (Double score : new Double[] {quality.minScore(), quality.p5Score(), quality.medianScore()}) {
                cells.add(score == null ? "" : SessionReportCsv.number(score));
            }
        }
        cells.add(SessionReportCsv.cell(file));
        return String.join(",", cells);
    }

}
