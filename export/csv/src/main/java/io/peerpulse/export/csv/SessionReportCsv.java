package io.peerpulse.export.csv;

import org.jspecify.annotations.Nullable;

import io.peerpulse.session.ClockInfo;
import io.peerpulse.session.RoundMetrics;
import io.peerpulse.session.SessionReport;
import io.peerpulse.export.files.ExportFiles;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.LatencySummary;
import io.peerpulse.telemetry.RttSample;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Writes a session's RTT samples as tidy CSV, one row per sample, as the {@code csv} exporter does.
 *
 * <pre>
 * session_id,player_id,round,timestamp_epoch_ms,rtt_ms,elapsed_ms
 * exp-42-pair-7,p1,,1767225600000,40.0,0
 * exp-42-pair-7,p1,1,1767225601000,47.25,1000
 * </pre>
 *
 * <p><b>Columns</b> ({@link #COLUMNS}): {@code session_id}, {@code player_id} (empty when none),
 * {@code round} (the number of the round open when the sample was recorded; empty when none was),
 * {@code timestamp_epoch_ms} (epoch milliseconds, an integer: a wall-clock label, which jumps or goes back where
 * the clock stepped), {@code rtt_ms} (a plain decimal, never an exponent, that reads back as exactly the recorded
 * {@code double}) and {@code elapsed_ms} (the sample's place on the session's monotonic clock, ms since its start,
 * an integer: {@link io.peerpulse.session.ClockInfo#sampleElapsedMs(long, long)}, which a step of the wall clock
 * does not move; empty for a report of an earlier version that listed steps without their first samples). Snake-case names, so that
 * {@code pandas.read_csv} and R's {@code read.csv} give usable column names; e.g.
 * {@code pd.to_datetime(df.timestamp_epoch_ms, unit="ms")}. An empty {@code round} reads as NaN / NA.
 *
 * <p><b>Rows</b>: the samples of the report's latency window ({@code multiplayerMetrics.latency.samples},
 * the telemetry's last {@code maxSampleCount} samples, default 600), oldest first; a report without samples
 * gives the header alone. Rounds come from {@link RoundMetrics#containsSample(long)}: a sample belongs to
 * the round that was open when it was recorded, exactly, whatever timestamp it carries.
 *
 * <p><b>Format</b>: RFC 4180 — UTF-8 without byte order mark, a header row, CRLF line ends; text cells
 * (the ids) are written by {@link #cell(String)}, the rule of every CSV PeerPulse writes.
 *
 * @since 0.1.0
 */
public final class SessionReportCsv {

    /**
     * The {@code csv} exporter's directory setting: {@value}. Default
     * {@link ExportFiles#DEFAULT_DIRECTORY}.
     *
     * @since 0.1.0
     */
    public static final String DIRECTORY_SETTING = "peerpulse.export.csv.directory";

    /**
     * The extension of the files written: {@value}.
     *
     * @since 0.1.0
     */
    public static final String EXTENSION = "csv";

    /**
     * The header row's column names, in order.
     *
     * @since 0.1.0
     */
    public static final List<String> COLUMNS = List.of("session_id", "player_id", "round", "timestamp_epoch_ms", "rtt_ms",
            "elapsed_ms");

    private static final String CRLF = "\r\n";

    private SessionReportCsv() {
    }

    /**
     * Writes the header and one row per sample of {@code report} to {@code out}, in UTF-8.
     *
     * @param report the report
     * @param out    where to write; flushed, not closed
     * @throws IOException when writing fails
     * @since 0.1.0
     */
    public static void write(SessionReport report, OutputStream out) throws IOException {
        Objects.requireNonNull(report, "report");
        Writer writer = new BufferedWriter(new OutputStreamWriter(Objects.requireNonNull(out, "out"),
                StandardCharsets.UTF_8));
        writer.write(String.join(",", COLUMNS));
        writer.write(CRLF);
        LatencyStats latency = report.multiplayerMetrics().latency();
        if (latency != null) {
            String ids = cell(report.sessionMetrics().sessionId()) + ","
                    + cell(report.sessionMetrics().playerId()) + ",";
            List<RoundSamples> rounds = new ArrayList<>();
            for (RoundMetrics round : report.multiplayerMetrics().rounds()) {
                Long first = round.firstSampleIndex();
                LatencySummary stats = round.latency();
                if (first != null && stats != null) {
                    rounds.add(new RoundSamples(round.roundNumber(), first, first + stats.sampleCount()));
                }
            }
            rounds.sort(Comparator.comparingLong(RoundSamples::first));
            int next = 0; // rounds' sample ranges do not overlap and samples come in order: one pass
            long index = latency.totalSampleCount() - latency.sampleCount();
            ClockInfo clock = report.validationData().clock();
            // each row is made in one builder, its numbers appended as digits: no string or BigDecimal per number
            StringBuilder row = new StringBuilder(ids.length() + 64);
            char[] chars = new char[row.capacity()];
            for (RttSample sample : latency.samples()) {
                while (next < rounds.size() && rounds.get(next).end() <= index) {
                    next++; // that round's samples all came before this one
                }
                row.setLength(0);
                row.append(ids);
                if (next < rounds.size() && rounds.get(next).first() <= index) {
                    row.append(rounds.get(next).roundNumber());
                }
                row.append(',').append(sample.timestampEpochMs()).append(',');
                plainDecimal(row, sample.rttMs());
                row.append(',');
                OptionalLong elapsed = clock.sampleElapsedMs(index, sample.timestampEpochMs());
                if (elapsed.isPresent()) {
                    row.append(elapsed.getAsLong());
                }
                row.append(CRLF);
                if (chars.length < row.length()) {
                    chars = new char[row.length() * 2];
                }
                row.getChars(0, row.length(), chars, 0);
                writer.write(chars, 0, row.length());
                index++;
            }
        }
        writer.flush();
    }

    /**
     * Appends {@code value} as {@code BigDecimal.valueOf(value).toPlainString()} writes it: the digits of
     * {@link Double#toString(double)}, which are those when they hold no exponent and no sign (an RTT of 0.001 to
     * 10^7 ms); else (an exponent, a sign, not a number) that very call.
     */
    private static void plainDecimal(StringBuilder row, double value) {
        int start = row.length();
        row.append(value);
        boolean plain = Character.isDigit(row.charAt(start));
        for (int i = start; i < row.length() && plain; i++) {
            plain = row.charAt(i) != 'E';
        }
        if (!plain) {
            row.setLength(start);
            row.append(BigDecimal.valueOf(value).toPlainString());
        }
    }

    /**
     * A number as a cell of every CSV PeerPulse writes, as the {@code rtt_ms} cells are: a plain decimal that
     * reads back as exactly the same {@code double}, never an exponent ({@code 0.00050}, not {@code 5.0E-4};
     * {@code 10000000}, not {@code 1.0E7}), which a spreadsheet whose decimal separator is {@code ,} reads as
     * text; an empty cell when it is not finite (pandas and R read it as missing).
     *
     * @param value the number
     * @return the cell
     * @since 0.1.0
     */
    public static String number(double value) {
        if (!Double.isFinite(value)) {
            return "";
        }
        StringBuilder cell = new StringBuilder(24);
        plainDecimal(cell, value);
        return cell.toString();
    }

    /** A round's samples: session-wide indexes {@code first} (inclusive) to {@code end} (exclusive). */
    private record RoundSamples(int roundNumber, long first, long end) {
    }

    /**
     * Writes the rows of {@code report} to a new file {@code <directory>/<sessionId>.csv} by the rules of
     * {@link ExportFiles#write}, as the {@code csv} exporter does.
     *
     * @param report    the report
     * @param directory where to write; created when missing
     * @return the file written, e.g. {@code <directory>/<sessionId>-1.csv} when the plain name was taken
     * @throws IOException naming the directory when it cannot be created or written to
     * @since 0.1.0
     */
    public static Path export(SessionReport report, Path directory) throws IOException {
        Objects.requireNonNull(report, "report");
        return ExportFiles.write(directory, report.sessionMetrics().sessionId(), EXTENSION, out -> write(report, out));
    }

    /**
     * One text cell, as every CSV PeerPulse writes it ({@code summarize} too).
     * <ul>
     *   <li><b>Cells that stay data.</b> A cell that a spreadsheet would run as a formula — starting with
     *       {@code =}, {@code +}, {@code -}, {@code @}, a tab, a carriage return, a line feed or NUL, and not a plain
     *       decimal number such as {@code -5} or {@code +0.25} — gets a leading apostrophe {@code '} (OWASP's rule
     *       for CSV injection, the module's README lists its sources): {@code =HYPERLINK(…)} is written
     *       {@code '=HYPERLINK(…)}. So does a cell starting with
     *       {@code '}, so that the rule can be undone exactly: removing one leading {@code '} that precedes one of
     *       those characters or {@code '} gives the original (the module's README has it for pandas and R).</li>
     *   <li><b>Quoting</b> (RFC 4180): a cell holding a comma, double quote, CR or LF, or starting or ending
     *       with a space, is quoted with {@code "}, inner quotes doubled.</li>
     * </ul>
     *
     * @param value the text, {@code null} for an empty cell
     * @return the cell
     * @since 0.1.0
     */
    public static String cell(@Nullable String value) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        char first = value.charAt(0);
        // a leading ' is escaped too: else "'=x" and "=x" would give one cell
        String text = first == '\'' || (FORMULA_LEAD.indexOf(first) >= 0 && !PLAIN_NUMBER.matcher(value).matches())
                ? "'" + value : value;
        boolean quote = first == ' ' || value.charAt(value.length() - 1) == ' ';
        for (int i = 0; i < text.length() && !quote; i++) {
            char c = text.charAt(i);
            quote = c == ',' || c == '"' || c == '\r' || c == '\n';
        }
        return quote ? '"' + text.replace("\"", "\"\"") + '"' : text;
    }

    /** The first characters that make a cell a formula: OWASP's CSV injection page and ASVS 5.0 V1.2.10 together. */
    private static final String FORMULA_LEAD = "=+-@\t\r\n\0";

    private static final java.util.regex.Pattern PLAIN_NUMBER = java.util.regex.Pattern.compile("[-+]?\\d+(\\.\\d+)?");
}
