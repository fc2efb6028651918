package io.peerpulse.benchmarks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts the WARNINGs logged through {@code java.util.logging} (the JDK's backend of {@code System.Logger}) while
 * installed on the root logger, in all and by <em>kind</em> ({@link #kindOf}): the logger's simple name and the
 * message's first clause with what differs between occurrences of one fault stripped — quoted names (session
 * ids, telemetry names) become {@code …}, numbers {@code N}, a class keeps its simple name (which source or
 * exporter it was is part of the kind). So 500 telemetries timing out give one kind counted 500 times.
 */
final class WarningKinds extends Handler {

    private static final Pattern SOURCE = Pattern.compile("RTT source (?:[\\w$]+\\.)*([\\w$]+)");
    private static final Pattern QUOTED = Pattern.compile("'[^']*'");
    private static final Pattern QUALIFIED = Pattern.compile("\\b(?:[a-z_][\\w]*\\.)+([A-Z][\\w$]*)");
    private static final Pattern LAMBDA = Pattern.compile("\\$\\$Lambda\\$[\\w$/.]*");
    private static final Pattern NUMBER = Pattern.compile("(?<![\\w$])-?\\d[\\d,]*(?:\\.\\d+)?");
    private static final Pattern REPEATED = Pattern.compile("N ms(?:, N ms)+");
    /** A kind's text at most: the clause that names the fault, not the advice after it. */
    private static final int MAX_KIND_CHARS = 150;

    private final AtomicInteger all = new AtomicInteger();
    private final AtomicInteger blocking = new AtomicInteger();
    private final AtomicInteger late = new AtomicInteger();
    private final TreeSet<String> blockingSources = new TreeSet<>();
    private final Map<String, LongAdder> kinds = new ConcurrentHashMap<>();

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() < Level.WARNING.intValue()) {
            return;
        }
        all.incrementAndGet();
        String message = String.valueOf(record.getMessage());
        kinds.computeIfAbsent(kindOf(record.getLoggerName(), message), k -> new LongAdder()).increment();
        if (message.startsWith("Polls start late")) {
            late.incrementAndGet();
        }
        if (message.contains("blocked the")) {
            blocking.incrementAndGet();
            Matcher source = SOURCE.matcher(message);
            synchronized (blockingSources) {
                blockingSources.add(source.find() ? source.group(1) : "?");
            }
        }
    }

    /**
     * The kind of a WARNING, e.g. {@code LatencyTelemetry: RTT source WebRtcRttSource of telemetry …: did not
     * answer a read within readTimeout (N ms)}.
     *
     * @param logger  the logger's name, or {@code null}
     * @param message the record's message (unformatted)
     * @return the logger's simple name, a colon and the message's first clause (up to a {@code ;} or a
     *         {@code . }) with quoted names, numbers and packages stripped
     */
    static String kindOf(String logger, String message) {
        String text = message == null ? "null" : message.strip();
        for (String end : new String[] {";", ". "}) { // the first clause, not the advice after it
            int clause = text.indexOf(end);
            if (clause >= 0) {
                text = text.substring(0, clause);
            }
        }
        int line = text.indexOf('\n');
        if (line >= 0) {
            text = text.substring(0, line);
        }
        text = LAMBDA.matcher(text).replaceAll("\\$\\$Lambda");
        text = QUOTED.matcher(text).replaceAll("…");
        text = QUALIFIED.matcher(text).replaceAll("$1");
        text = NUMBER.matcher(text).replaceAll("N");
        text = REPEATED.matcher(text).replaceAll("N ms, …");
        if (text.length() > MAX_KIND_CHARS) {
            text = text.substring(0, MAX_KIND_CHARS) + "…";
        }
        String name = logger == null || logger.isEmpty() ? "(root)" : logger.substring(logger.lastIndexOf('.') + 1);
        return name + ": " + text;
    }

    /**
     * The counts, keyed as {@link PairsScaleRun} reports them: {@code warnings.all}, {@code .blocking},
     * {@code .late}, {@code .sources} (the sources the blocking ones named) and {@code warnings.kind.<i>}, one per
     * kind, most frequent first, each {@code "<count> <kind>"}.
     *
     * @return the counts as text
     */
    Map<String, String> results() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("warnings.all", String.valueOf(all.get()));
        out.put("warnings.blocking", String.valueOf(blocking.get()));
        out.put("warnings.late", String.valueOf(late.get()));
        synchronized (blockingSources) {
            out.put("warnings.sources", String.join(", ", blockingSources));
        }
        List<Map.Entry<String, Long>> sorted = new ArrayList<>();
        kinds.forEach((kind, count) -> sorted.add(Map.entry(kind, count.sum())));
        sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        for (int i = 0; i < sorted.size(); i++) {
            out.put("warnings.kind." + (i + 1), sorted.get(i).getValue() + " " + sorted.get(i).getKey());
        }
        return out;
    }

    /**
     * The kinds of a run's results, most frequent first, as markdown, e.g. {@code 312 × `LatencyTelemetry: …`}.
     *
     * @param results as {@link #results()} gave them
     * @param most    at most this many kinds; the rest summed up
     * @return the list, or {@code none}
     */
    static String describe(Map<String, String> results, int most) {
        List<String> kinds = results.entrySet().stream().filter(e -> e.getKey().startsWith("warnings.kind."))
                .sorted(Comparator.comparingInt(e -> Integer.parseInt(e.getKey().substring("warnings.kind.".length()))))
                .map(Map.Entry::getValue).toList();
        if (kinds.isEmpty()) {
            return "none";
        }
        StringBuilder s = new StringBuilder();
        long rest = 0;
        for (int i = 0; i < kinds.size(); i++) {
            String entry = kinds.get(i);
            int space = entry.indexOf(' ');
            if (i < most) {
                s.append(i == 0 ? "" : ", ").append(entry, 0, space).append(" × `")
                        .append(entry.substring(space + 1).replace('`', '\'')).append('`');
            } else {
                rest += Long.parseLong(entry.substring(0, space));
            }
        }
        if (rest > 0) {
            s.append(", ").append(rest).append(" of ").append(kinds.size() - most).append(" other kinds");
        }
        return s.toString();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
