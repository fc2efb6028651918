package io.peerpulse.export.json;

import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.export.files.ExportFiles;
import jakarta.json.JsonException;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonLocation;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParsingException;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbConfig;
import jakarta.json.bind.JsonbException;
import jakarta.json.spi.JsonProvider;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.eclipse.yasson.YassonJsonb;
import org.eclipse.yasson.JsonBindingProvider;
import org.jspecify.annotations.Nullable;

/**
 * Writes a {@link SessionReport} as the {@code json} exporter does, and reads such files back.
 *
 * <pre>{@code
 * Path file = SessionReportJson.export(report, Path.of("out"));     // out/<sessionId>.json, never overwriting
 * SessionReport again = SessionReportJson.read(file);                // equals report
 * }</pre>
 *
 * <p><b>Format.</b> UTF-8, indented JSON; one object with the keys {@code sessionMetrics},
 * {@code validationData} and {@code multiplayerMetrics}, each the record of that name with one key per
 * record component, in lexicographic order. Absent values are written as {@code null}, never left out
 * (e.g. {@code "latency": null} before the first sample). Times are numbers: {@code …EpochMs} are epoch
 * milliseconds, other {@code …Ms} durations in milliseconds; every
 * {@code double} is written with the digits of {@link Double#toString(double)}, so that it reads back
 * as exactly the same value. Enums are their names. Nothing holds an IP address: the report has none.
 * {@code docs/session-report.schema.json} describes it all (JSON Schema draft 2020-12).
 *
 * <p><b>Reading</b> ignores keys it does not know (files of later versions) and gives {@code null} (or
 * 0 / {@code false}) to those a file lacks (earlier versions), as long as the report's required parts
 * are there; keys renamed since are read under their new names (a percentage renamed a ratio as its ratio), as
 * the module's README lists them. A report read back {@link Object#equals equals} the one written. Reading is strict about
 * what it does read: the input must be valid UTF-8 and exactly one JSON document (no trailing data, no
 * second document); a number must fit its record component exactly (an integer component takes an
 * integral number within its type's range, a {@code double} a finite number) and must not be negative
 * (durations, counts, times, RTTs), except {@code clock.startNanoTime}, {@code clock.endNanoTime},
 * {@code clock.systemClockOffsetMs}, each clock step's {@code stepMs} (negative: the wall clock stepped back) and
 * the probe's peer clock {@code offsetMs}; a boolean must be {@code true} or {@code false}, a string a JSON string
 * without a lone surrogate; {@code null} stands for no value, which a number or a boolean always has (a key left out
 * reads as 0 or {@code false}, as in files of earlier versions); a key may appear only once in an object, a key
 * the records do not know too (JSON leaves open which value of a key given twice counts, and readers differ:
 * Python's {@code json} takes the last, others refuse the object or report both: RFC 8259, section 4). What breaks
 * a rule is refused with its JSON path and value, e.g. {@code sessionMetrics.durationMs: 1.9 is not an integer},
 * {@code sessionMetrics.sessionId: the key appears twice (…)}.
 * The document is parsed as a stream, its sample arrays into primitive arrays
 * (16 bytes a sample; the three windows of an export, equal, share one list) and the rest into a small
 * tree, so a 1,000,000-sample export (about 400 MB) reads in well under 512 MB of heap. What no export holds is
 * refused as it is read, naming where, rather than held until the heap is full: a string longer than 65,536
 * characters, more than 5,000,000 values outside a report's shape (under unknown keys, or a component an object
 * leaves out where a record goes; a string counting one per 16 characters; a long session's rounds, changes and gaps
 * are not counted),
 * more than 1,000,000 samples in one array; nesting of 1,000 levels, more than the JSON parser reads, is refused
 * naming the path where it was reached.
 *
 * <p>Thread-safe; the JSON-B instance is made once, on first use.
 *
 * @since 0.1.0
 */
public final class SessionReportJson {

    /**
     * The {@code json} exporter's directory setting: {@value}. Default
     * {@link ExportFiles#DEFAULT_DIRECTORY}.
     *
     * @since 0.1.0
     */
    public static final String DIRECTORY_SETTING = "peerpulse.export.json.directory";

    /**
     * The extension of the files written: {@value}.
     *
     * @since 0.1.0
     */
    public static final String EXTENSION = "json";

    private SessionReportJson() {
    }

    /** Made on first use: building a Yasson instance takes a while. */
    private static final class Holder {
        static final JsonProvider JSON = JsonProvider.provider();
        /**
         * Parsson stops after 15,000,000 characters by default (its "document parsing count"), far less
         * than the exports a long session writes: lifted; the reader bounds what it holds instead (ReportStream,
         * Utf8Reader), not the document's length.
         * Parsson's nesting bound stays, set here so that ReportStream's message for it holds (1,000 levels: the
         * document's own object the first, 999 read); so does its number-length bound.
         */
        static final JsonParserFactory PARSERS = JSON.createParserFactory(
                Map.of("org.eclipse.parsson.maxParsingLimit", Integer.MAX_VALUE,
                        "org.eclipse.parsson.maxDepth", ReportStream.MAX_DEPTH));
        /** Records are bound by their components' types ({@link RecordsByComponents}), whatever compiled them. */
        static final Jsonb JSONB = new JsonBindingProvider().create()
                .withConfig(new JsonbConfig()
                        .withNullValues(true)   // "latency": null, not a missing key
                        .withFormatting(true)
                        .withEncoding("UTF-8")
                        .withDeserializers(new RecordsByComponents()))
                .build();
        /** Binds a tree whose sample arrays were streamed: a number stands for each ({@link StreamedSamples}). */
        static final Jsonb STREAMED = new JsonBindingProvider().create()
                .withConfig(new JsonbConfig().withDeserializers(new RecordsByComponents(new StreamedSamples())))
                .build();
    }

    /**
     * Writes {@code report} as JSON to {@code out}, in UTF-8.
     *
     * @param report the report
     * @param out    where to write; flushed, not closed
     * @throws IOException when writing fails, or the report holds a value JSON cannot hold (NaN, infinity)
     * @since 0.1.0
     */
    public static void write(SessionReport report, OutputStream out) throws IOException {
        write(report, out, null);
    }

    /** As {@link #write(SessionReport, OutputStream)}; a failure names {@code directory} when given (export). */
    static void write(SessionReport report, OutputStream out, @Nullable Path directory) throws IOException {
        Objects.requireNonNull(report, "report");
        Objects.requireNonNull(out, "out");
        String what = "cannot write session report of '" + report.sessionMetrics().sessionId() + "'"
                + (directory == null ? "" : " to export directory " + directory.toAbsolutePath());
        try {
            Holder.JSONB.toJson(report, new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    out.flush(); // Yasson closes its generator and so the stream; the caller owns it
                }
            });
            out.flush();
        } catch (JsonbException | JsonException e) {
            // Parsson wraps the stream's IOException in an unchecked JsonException (e.g. when closing its generator)
            throw asIoException(what, e);
        } catch (IOException e) {
            throw new IOException(what + ": " + e.getMessage(), e);
        }
    }

    /**
     * The report as a JSON string, as {@link #write(SessionReport, OutputStream)} writes it.
     *
     * @param report the report
     * @return the JSON
     * @throws IllegalArgumentException when the report holds a value JSON cannot hold (NaN, infinity)
     * @since 0.1.0
     */
    public static String toJson(SessionReport report) {
        Objects.requireNonNull(report, "report");
        try {
            return Holder.JSONB.toJson(report);
        } catch (JsonbException e) {
            throw new IllegalArgumentException("cannot write session report of '"
                    + report.sessionMetrics().sessionId() + "': " + message(e), e);
        }
    }

    /**
     * Writes {@code report} to a new file {@code <directory>/<sessionId>.json} by the rules of
     * {@link ExportFiles#write}, as the {@code json} exporter does.
     *
     * @param report    the report
     * @param directory where to write; created when missing
     * @return the file written, e.g. {@code <directory>/<sessionId>-1.json} when the plain name was taken
     * @throws IOException naming the directory when it cannot be created or written to
     * @since 0.1.0
     */
    public static Path export(SessionReport report, Path directory) throws IOException {
        Objects.requireNonNull(report, "report");
        Objects.requireNonNull(directory, "directory");
        return ExportFiles.write(directory, report.sessionMetrics().sessionId(), EXTENSION,
                out -> write(report, out, directory));
    }

    /**
     * Checks a parsed JSON document against a record type by the reading rules of this class, for a reader of
     * another shape that wants the same rules (e.g. {@code peerpulse summarize} reading the original browser
     * feature's export): an {@code int} or {@code long} component takes only an integral number in its range,
     * a {@code double} only a finite one, neither a negative one, a {@code boolean} only {@code true} or
     * {@code false}, and a string only a JSON string, with no lone surrogate. Keys the
     * records do not know and {@code null} values are not looked at.
     *
     * @param document the parsed document, an object
     * @param type     the record type it must fit (its components, recursively, lists included)
     * @throws IllegalArgumentException naming the JSON path and the value that breaks a rule
     * @since 0.1.0
     */
    public static void checkShape(JsonValue document, Class<? extends Record> type) {
        ReportShape.check(Objects.requireNonNull(document, "document"), Objects.requireNonNull(type, "type"));
    }

    /**
     * Reads a report from a file written by the {@code json} exporter (or {@link #write}).
     *
     * @param file the file
     * @return the report
     * @throws IOException naming the file when it cannot be read or holds no valid report
     * @since 0.1.0
     */
    public static SessionReport read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads a report from a stream holding one JSON document in UTF-8.
     *
     * @param in the stream; read to its end (nothing may follow the document), not closed
     * @return the report
     * @throws IOException when it cannot be read or holds no valid report
     * @since 0.1.0
     */
    public static SessionReport read(InputStream in) throws IOException {
        Objects.requireNonNull(in, "in");
        return read(in, "stream");
    }

    /**
     * Reads a report from a JSON string.
     *
     * @param json the JSON
     * @return the report
     * @throws IllegalArgumentException when it holds no valid report
     * @since 0.1.0
     */
    public static SessionReport fromJson(String json) {
        Objects.requireNonNull(json, "json");
        try {
            return bind(new StringReader(json));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a session report: " + message(e), e);
        }
    }

    private static SessionReport read(InputStream in, String source) throws IOException {
        Utf8Reader reader = new Utf8Reader(in);
        try {
            return bind(reader);
        } catch (RuntimeException e) {
            Utf8Reader.MalformedUtf8 malformed = find(e, Utf8Reader.MalformedUtf8.class);
            if (malformed != null) {
                throw new IOException("not a session report: " + source + ": " + malformed.getMessage(), e);
            }
            Utf8Reader.StringTooLong tooLong = find(e, Utf8Reader.StringTooLong.class);
            if (tooLong != null) { // ReportStream names the key where it could
                throw new IOException("not a session report: " + source + ": " + (e instanceof IllegalArgumentException
                        ? e.getMessage() : tooLong.getMessage()), e);
            }
            IOException io = find(e, IOException.class);
            if (io != null) {
                throw new IOException("cannot read " + source + ": " + io.getMessage(), e);
            }
            JsonParsingException parsing = find(e, JsonParsingException.class);
            if (parsing != null && reader.ended() && endOfInput(parsing)) {
                // Parsson's line, column and offset at the end of the input are wrong (past the end): ours instead
                throw new IOException("not a session report: " + source + ": " + (reader.bytesRead() == 0
                        ? "the document is empty" : "the document ends early, after " + reader.bytesRead()
                        + " bytes (a file cut off?)"), e);
            }
            throw new IOException("not a session report: " + source + ": " + message(e), e);
        }
    }

    /**
     * Parses the document (refusing trailing data and a second document) into a tree, streaming its sample
     * arrays into primitive arrays on the way ({@link ReportStream}); checks every number and string against
     * the records' components ({@link ReportShape}, the streamed elements as they pass); then binds the
     * tree, the streamed samples put in by {@link StreamedSamples}. A long session's export is so read
     * without its samples as JSON: 1,000,000 samples take 16 MB, not gigabytes of tree.
     * Parsing completely first also matters because Yasson skips unknown keys with Parsson's
     * skipObject/skipArray, which never returns on a document truncated inside the skipped part (found
     * by SessionReportJsonFuzzTest: a torn file made read() spin forever).
     */
    private static SessionReport bind(Reader json) {
        ReportStream stream;
        try (JsonParser parser = Holder.PARSERS.createParser(json)) {
            if (!parser.hasNext()) {
                throw new IllegalArgumentException("the document is empty");
            }
            parser.next();
            stream = ReportStream.read(parser, Holder.JSON, SessionReport.class);
            JsonLocation end = parser.getLocation();
            boolean more;
            try {
                more = parser.hasNext();
            } catch (JsonParsingException e) {
                more = true;
            }
            if (more) {
                throw new IllegalArgumentException("trailing data after the document (it ends at line "
                        + end.getLineNumber() + ", column " + end.getColumnNumber() + ")");
            }
        }
        stream.upgradeEarlierNames();
        ReportShape.check(stream.document(), SessionReport.class, stream.failures());
        try {
            if (!stream.streamedOnly()) { // an array held another shape: the whole document is bound as JSON
                JsonValue whole = stream.documentWith((path, samples) -> stream.asJson(samples));
                try (JsonParser tree = Holder.PARSERS.createParser(whole.asJsonObject())) {
                    return check(((YassonJsonb) Holder.JSONB).fromJson(tree, SessionReport.class));
                }
            }
            List<List<RttSample>> lists = new ArrayList<>(stream.samples().values());
            JsonValue bound = stream.documentWith((path, samples) -> Holder.JSON.createValue(lists.indexOf(samples)));
            try (JsonParser tree = Holder.PARSERS.createParser(bound.asJsonObject())) {
                return check(StreamedSamples.binding(lists,
                        () -> ((YassonJsonb) Holder.STREAMED).fromJson(tree, SessionReport.class)));
            }
        } catch (JsonbException e) {
            throw missingPart(stream.document(), e);
        }
    }

    /**
     * A record's constructor refused a required part ({@code Objects.requireNonNull(part, "name")}), which
     * Yasson reports by the record's class alone: the failure names the part's JSON path instead
     * ({@code sessionMetrics.sessionId is missing}). Any other failure is returned as it is.
     */
    private static RuntimeException missingPart(JsonValue document, JsonbException e) {
        NullPointerException refused = find(e, NullPointerException.class);
        if (refused == null || refused.getMessage() == null) {
            return e;
        }
        for (StackTraceElement frame : refused.getStackTrace()) {
            if (frame.getMethodName().equals("<init>")) { // the constructor that called requireNonNull
                String path = ReportShape.missing(document, SessionReport.class, frame.getClassName(),
                        refused.getMessage());
                if (path == null) {
                    return e;
                }
                if (path.endsWith("." + refused.getMessage()) || path.equals(refused.getMessage())) {
                    return new IllegalArgumentException(path + " is missing", refused);
                }
                // List.copyOf(null)'s message names no part ("Cannot invoke … because "coll" is null"): kept aside
                IllegalArgumentException missing = new IllegalArgumentException(path + " is missing");
                missing.addSuppressed(refused);
                return missing;
            }
        }
        return e;
    }

    /** Whether Parsson failed because the input ended (its two messages for it), not at a bad character. */
    private static boolean endOfInput(JsonParsingException e) {
        String message = String.valueOf(e.getMessage());
        java.util.regex.Matcher m = UNEXPECTED_CHAR.matcher(message);
        return message.startsWith("Invalid token=EOF") || m.lookingAt() && Integer.valueOf(-1).equals(number(m.group(1)));
    }

    private static <T extends Throwable> @Nullable T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static SessionReport check(SessionReport report) {
        if (report == null) {
            throw new IllegalArgumentException("the document is null");
        }
        return report;
    }

    /** An I/O failure keeps the stream's {@link IOException} as its cause; another (NaN, infinity) Yasson's. */
    private static IOException asIoException(String what, RuntimeException e) {
        IOException io = find(e, IOException.class);
        return io != null ? new IOException(what + ": " + io.getMessage(), io)
                : new IOException(what + ": " + message(e), e);
    }

    /** The innermost message: Yasson wraps the cause that says what was wrong. */
    private static String message(Throwable e) {
        String unexpected = unexpectedCharacter(e);
        if (unexpected != null) {
            return unexpected;
        }
        Throwable deepest = e;
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
            if (deepest.getMessage() != null && !text.toString().contains(deepest.getMessage())) {
                text.append(": ").append(deepest.getMessage());
            }
        }
        return text.toString();
    }

    /**
     * Parsson's message for a bad character: its code point, -1 at the end of the input, then where. Parsson writes
     * the number with MessageFormat in the JVM's locale: {@code 65,279} or {@code 65.279}, {@code ٧٨} under ar-EG,
     * U+061C (a direction mark) then {@code -١} for -1 there ({@link #number}).
     */
    private static final java.util.regex.Pattern UNEXPECTED_CHAR =
            java.util.regex.Pattern.compile("Unexpected char (\\S+) at \\(");

    /**
     * An integer as MessageFormat writes it in any locale: its digits in any script (a grouping separator and a
     * direction mark skipped), negative with '-' or U+2212; {@code null} without a digit or beyond 7 digits.
     */
    private static @Nullable Integer number(String text) {
        int value = 0;
        int digits = 0;
        boolean negative = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int digit = Character.digit(c, 10);
            if (digit >= 0) {
                if (++digits > 7) {
                    return null;
                }
                value = value * 10 + digit;
            } else if (c == '-' || c == '\u2212') {
                negative = true;
            }
        }
        return digits == 0 ? null : negative ? -value : value;
    }

    /**
     * Parsson's "Unexpected char 78 at (line no=3, column no=23, offset=91)" (65,279 for a byte order mark) for
     * people: "unexpected character 'N' at line 3, column 23" ({@code NaN}, which Python's {@code json.dump}
     * writes), or {@code U+FEFF} for a character that is not printable ASCII; {@code null} for any other failure.
     */
    private static @Nullable String unexpectedCharacter(Throwable e) {
        JsonParsingException parsing = find(e, JsonParsingException.class);
        JsonLocation at = parsing == null ? null : parsing.getLocation();
        java.util.regex.Matcher m = UNEXPECTED_CHAR.matcher(parsing == null ? "" : String.valueOf(parsing.getMessage()));
        if (at == null || !m.lookingAt()) {
            return null;
        }
        Integer number = number(m.group(1));
        int code = number == null ? -1 : number;
        if (!Character.isValidCodePoint(code)) {
            return null;
        }
        String shown = code > 0x20 && code < 0x7F ? "'" + (char) code + "'" : String.format("U+%04X", code);
        return "unexpected character " + shown + " at line " + at.getLineNumber() + ", column " + at.getColumnNumber();
    }
}
