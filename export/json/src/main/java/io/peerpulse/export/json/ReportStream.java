package io.peerpulse.export.json;

import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.shared.Redaction;
import io.peerpulse.telemetry.shared.SampleArrays;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads a report document from a parser without holding its samples as JSON: every array of
 * {@link RttSample}s (a {@code LatencyStats}'s {@code samples}, a million elements in a long session, three
 * times over) is streamed into two primitive arrays, each element checked by {@link ReportShape}'s rules as
 * it passes; the rest of the document, small, is built as the tree {@link SessionReportJson} has always
 * built, with an empty array where streamed samples were. The tree is then checked by
 * {@link ReportShape#check(JsonValue, Class, Map)}, which throws the first failure of a streamed array when
 * it reaches that array, so a document is refused for the same fault, with the same message, as when it
 * is checked whole.
 *
 * <p>Only elements of the exporter's own shape are streamed: an object of exactly the keys
 * {@code rttMs} and {@code timestampEpochMs}, both numbers, the timestamp an integer literal (the values
 * then bind as JSON-B binds them). When an array holds any other element ({@code null}, another key, a
 * timestamp written {@code 1.7E12}), that array is kept as JSON from there on, and the whole document is
 * bound as before ({@link #streamedOnly()} is false): such a file reads exactly as it always did.
 *
 * <p><b>Why one class.</b> About 420 lines of code, one job: one pass over one parser. The record walk, the sample
 * arrays streamed into primitive arrays, the tree of what lies outside the report's shape, and the refusals met on
 * the way (sizes and counts, a key given twice, nesting past the parser's limit) all advance the same parser and
 * share its position, the current JSON path and the running counts; split, each part would hand the others the
 * parser mid-value. The checks of values by the records' rules are {@link ReportShape}'s, the binding
 * {@link RecordsByComponents}'.
 */
final class ReportStream {

    /** Each record's components by name: their places in {@link ReportShape#components}, read once. */
    private static final ClassValue<Map<String, Integer>> BY_NAME = new ClassValue<>() {
        @Override
        protected Map<String, Integer> computeValue(Class<?> type) {
            Map<String, Integer> byName = new HashMap<>();
            RecordComponent[] components = ReportShape.components(type);
            for (int i = 0; i < components.length; i++) {
                byName.put(components[i].getName(), i);
            }
            return byName;
        }
    };

    private final JsonParser parser;
    private final JsonProvider json;
    /** Streamed sample arrays by JSON path, in the order met; equal arrays share one list. */
    private final Map<String, List<RttSample>> streamed = new LinkedHashMap<>();
    /** The first failure found in a streamed array, by the array's JSON path. */
    private final Map<String, IllegalArgumentException> failures = new HashMap<>();
    private boolean keptAsJson;
    /** What the tree holds so far, in values ({@link #MAX_TREE_VALUES}). */
    private long treeValues;
    /** The JSON path counted last: where a string the reader refused is, or just before. */
    private String where = "";

    /**
     * The most values the tree may hold outside the report's shape (under a key the report has not, or of a kind the
     * shape has not there, e.g. an array where a number goes), each component an object leaves out where a record
     * goes counting one too: {@value}, a string or key counting one more per 16 characters. A document holding more
     * (a crafted array of 10^8 numbers under an unknown key, or of empty objects where rounds go) is refused as it is
     * read, naming where, rather than built until the heap is full. What has the shape is not counted: a session
     * keeps every round, quality change and gap, so a long one's export holds millions of such values (a 26-hour
     * session with a round every second, about 5.3 million), bounded by memory as the session itself is.
     */
    static final long MAX_TREE_VALUES = 5_000_000;


    private ReportStream(JsonParser parser, JsonProvider json) {
        this.parser = parser;
        this.json = json;
    }

    /**
     * Reads the value whose first event the parser has just returned, as a document of {@code type}.
     *
     * @param parser the parser, at the value's first event
     * @param json   the provider whose builders make the tree
     * @param type   the record the document should fit
     * @return what was read
     */
    static ReportStream read(JsonParser parser, JsonProvider json, Class<? extends Record> type) {
        ReportStream stream = new ReportStream(parser, json);
        try {
            stream.document = stream.value(type, "");
        } catch (jakarta.json.JsonException e) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof Utf8Reader.StringTooLong tooLong) { // the reader's refusal, with the key read last
                    // a path holds the file's keys: named by the privacy rule, as any text from a file is
                    throw new IllegalArgumentException((stream.where.isEmpty() ? "" : "at or after "
                            + Redaction.redact(stream.where) + ": ") + tooLong.getMessage(), e);
                }
            }
            throw e;
        }
        return stream;
    }

    private JsonValue document = JsonValue.NULL;

    /** @return the document without its streamed samples (an empty array stands where each was) */
    JsonValue document() {
        return document;
    }

    /**
     * Renames the keys of an earlier version in the document ({@link EarlierNames}); the streamed arrays, of
     * today's shape, keep their paths.
     */
    void upgradeEarlierNames() {
        document = EarlierNames.upgrade(document, json);
    }

    /** @return the first failure found in each streamed array, by the array's JSON path */
    Map<String, IllegalArgumentException> failures() {
        return failures;
    }

    /** @return the streamed sample arrays by JSON path */
    Map<String, List<RttSample>> samples() {
        return streamed;
    }

    /** @return whether every array of samples was streamed, none kept as JSON */
    boolean streamedOnly() {
        return !keptAsJson;
    }

    /**
     * The document with {@code replacement(path, samples)} in place of each streamed array's empty one.
     *
     * @param replacement what stands for the samples at a path
     * @return the new document
     */
    JsonValue documentWith(Replacement replacement) {
        JsonValue result = document;
        for (Map.Entry<String, List<RttSample>> entry : streamed.entrySet()) {
            result = replace(result, segments(entry.getKey()), 0, replacement.at(entry.getKey(), entry.getValue()));
        }
        return result;
    }

    /** What stands for a streamed array in the document bound. */
    @FunctionalInterface
    interface Replacement {
        /**
         * @param path    the array's JSON path
         * @param samples its samples
         * @return the JSON value to put there
         */
        JsonValue at(String path, List<RttSample> samples);
    }

    /** The samples as the JSON array they were read from (values, not texts: they bind to the same). */
    JsonArray asJson(List<RttSample> samples) {
        JsonArrayBuilder array = json.createArrayBuilder();
        for (RttSample s : samples) {
            array.add(json.createObjectBuilder().add("rttMs", s.rttMs()).add("timestampEpochMs", s.timestampEpochMs()));
        }
        return array.build();
    }

    private JsonValue value(@Nullable Type type, String path) {
        JsonParser.Event event = parser.currentEvent();
        if (event == JsonParser.Event.START_OBJECT && type instanceof Class<?> c && c.isRecord()) {
            Map<String, Integer> components = BY_NAME.get(c);
            RecordComponent[] byPlace = ReportShape.components(c);
            JsonObjectBuilder object = json.createObjectBuilder();
            long seen = 0; // the components met, by place (a record has fewer than 64: no set made)
            Set<String> others = null; // the other keys met, made for the first
            while (parser.next() != JsonParser.Event.END_OBJECT) {
                String key = parser.getString();
                String at = path.isEmpty() ? key : path + "." + key;
                Integer place = components.get(key);
                if (place != null && place < Long.SIZE) {
                    if ((seen & 1L << place) != 0) {
                        throw twice(at);
                    }
                    seen |= 1L << place;
                } else if (!(others == null ? others = new HashSet<>() : others).add(key)) {
                    throw twice(at);
                }
                if (place == null) {
                    count(key, at); // not the report's shape: counted, with its value
                } else {
                    where = at;
                }
                parser.next();
                object.add(key, place == null ? tree(at) : value(byPlace[place].getGenericType(), at));
            }
            JsonObject built = object.build();
            for (String name : components.keySet()) {
                if (!built.containsKey(name)) {
                    count(null, path); // a component left out: an export writes each (null too), a crafted {} none
                }
            }
            return built;
        }
        if (event == JsonParser.Event.START_ARRAY && type instanceof ParameterizedType list
                && list.getRawType() == List.class) {
            Type element = list.getActualTypeArguments()[0];
            if (element == RttSample.class) {
                return samples(path);
            }
            JsonArrayBuilder array = json.createArrayBuilder();
            for (int i = 0; parser.next() != JsonParser.Event.END_ARRAY; i++) {
                array.add(value(element, path + "[" + i + "]"));
            }
            return array.build();
        }
        if (event != JsonParser.Event.START_OBJECT && event != JsonParser.Event.START_ARRAY && !isRecord(type)
                && !(type instanceof ParameterizedType)) {
            where = path;
            return parser.getValue(); // a value where the shape has one: the shape bounds how many, the reader a string
        }
        return tree(path); // a kind of value the shape does not have here: counted
    }

    private static boolean isRecord(@Nullable Type type) {
        return type == null || type instanceof Class<?> c && c.isRecord();
    }

    /**
     * The value at the parser's current event, as {@link JsonParser#getValue()} builds it, counted value by value
     * against {@link #MAX_TREE_VALUES} as it is built.
     */
    private JsonValue tree(String path) {
        JsonParser.Event event = parser.currentEvent();
        if (event == JsonParser.Event.START_OBJECT) {
            JsonObjectBuilder object = json.createObjectBuilder();
            Set<String> keys = null;
            while (parser.next() != JsonParser.Event.END_OBJECT) {
                String key = parser.getString();
                String at = path + "." + key;
                if (!(keys == null ? keys = new HashSet<>() : keys).add(key)) {
                    throw twice(at);
                }
                count(key, at);
                nextValue(at);
                object.add(key, tree(at));
            }
            count(null, path);
            return object.build();
        }
        if (event == JsonParser.Event.START_ARRAY) {
            JsonArrayBuilder array = json.createArrayBuilder();
            for (int i = 0; ; i++) {
                String at = path + "[" + i + "]";
                if (nextValue(at) == JsonParser.Event.END_ARRAY) {
                    break;
                }
                array.add(tree(at));
            }
            count(null, path);
            return array.build();
        }
        JsonValue value = parser.getValue();
        count(value instanceof jakarta.json.JsonString text ? text.getString() : null, path);
        return value;
    }

    /** Counts a value of the tree, or a key ({@code text}: one more per 16 characters); refuses one too many. */
    private void count(@Nullable String text, String path) {
        where = path;
        treeValues += 1 + (text == null ? 0 : text.length() / 16);
        if (treeValues > MAX_TREE_VALUES) {
            throw new IllegalArgumentException((path.isEmpty() ? "the document" : Redaction.redact(path))
                    + ": more than " + MAX_TREE_VALUES + " JSON values outside a session report's shape (a string counting one per"
                    + " 16 characters), which no session's export holds: refused here rather than read until the"
                    + " memory is full");
        }
    }

    /**
     * The refusal of a key given twice in one object, at {@code path}: JSON leaves open which value counts (Python's
     * {@code json} and Parsson take the last; other readers refuse the object or report both: RFC 8259, section 4),
     * so a file with one reads differently in different programs.
     */
    private static IllegalArgumentException twice(String path) {
        return new IllegalArgumentException(Redaction.redact(path) + ": the key appears twice (JSON readers differ on"
                + " which of the two counts)");
    }

    /**
     * The parser's next event, where it is the value at {@code path} (or the end of the object or array holding it):
     * nesting past the parser's limit ({@link #MAX_DEPTH}), which Parsson refuses with a bare
     * {@code RuntimeException} naming no place, is refused naming {@code path}.
     */
    private JsonParser.Event nextValue(String path) {
        try {
            return parser.next();
        } catch (RuntimeException e) {
            if (e.getClass() != RuntimeException.class) { // a syntax error (JsonParsingException), a read failure
                throw e;
            }
            String named = java.util.Objects.requireNonNull(Redaction.redact(path));
            if (named.length() > 100) { // a thousand levels: the start says where the nesting is, cut before a level
                int cut = Math.max(named.lastIndexOf('[', 100), named.lastIndexOf('.', 100));
                cut = cut > 0 ? cut : Character.isHighSurrogate(named.charAt(99)) ? 99 : 100;
                named = named.substring(0, cut) + "…";
            }
            IllegalArgumentException tooDeep = new IllegalArgumentException(named + ": nested " + MAX_DEPTH
                    + " levels deep, deeper than the JSON parser reads (" + (MAX_DEPTH - 1) + " levels)");
            tooDeep.addSuppressed(e); // not the cause: its message would be added to the line
            throw tooDeep;
        }
    }

    /**
     * How deep the parser refuses to nest, the document's own object the first level: {@value}, Parsson's default
     * {@code org.eclipse.parsson.maxDepth}, which {@link SessionReportJson} sets. Only the part of a document outside
     * a report's shape can come near it (a full export nests 6 levels), so only {@link #tree} names where it was
     * reached.
     */
    static final int MAX_DEPTH = 1000;

    /**
     * Streams an array of samples: into primitive arrays while every element has the exporter's shape; kept
     * as JSON from the first element that has not. Checking stops at the first failure, which is kept.
     */
    private JsonValue samples(String path) {
        long[] timestamps = new long[1024];
        double[] rtts = new double[1024];
        int count = 0;
        JsonArrayBuilder kept = null;
        IllegalArgumentException failure = null;
        for (int i = 0; parser.next() != JsonParser.Event.END_ARRAY; i++) {
            JsonValue element = element(path, i);
            if (failure == null && i == TelemetryOptions.MAX_SAMPLE_COUNT_LIMIT) {
                // no window holds more: a crafted file of 10^7 samples is refused, not read until the heap is full
                failure = new IllegalArgumentException(path + ": more than " + TelemetryOptions.MAX_SAMPLE_COUNT_LIMIT
                        + " samples, more than any session's window holds (maxSampleCount is at most "
                        + TelemetryOptions.MAX_SAMPLE_COUNT_LIMIT + ")");
                kept = null;
            }
            if (failure != null) {
                continue; // the rest is read, for the syntax, not kept
            }
            if (kept != null) {
                kept.add(element == EXPORTERS_SHAPE ? pair() : element);
                continue;
            }
            if (element != EXPORTERS_SHAPE) {
                kept = json.createArrayBuilder();
                for (int k = 0; k < count; k++) {
                    kept.add(json.createObjectBuilder().add("rttMs", rtts[k]).add("timestampEpochMs", timestamps[k]));
                }
                kept.add(element);
                continue;
            }
            failure = checkPair(path, i);
            if (failure != null) {
                continue;
            }
            if (count == timestamps.length) {
                timestamps = Arrays.copyOf(timestamps, count * 2);
                rtts = Arrays.copyOf(rtts, count * 2);
            }
            timestamps[count] = checkedTimestamp;
            rtts[count] = checkedRtt + 0.0; // -0.0 is 0.0, as RttSample has it
            count++;
        }
        if (failure != null) {
            failures.put(path, failure);
            return JsonValue.EMPTY_JSON_ARRAY;
        }
        if (kept != null) {
            keptAsJson = true;
            return kept.build();
        }
        streamed.put(path, shared(Arrays.copyOf(timestamps, count), Arrays.copyOf(rtts, count)));
        return JsonValue.EMPTY_JSON_ARRAY;
    }

    /** Stands for an element of the exporter's shape, whose two numbers are in {@link #rtt} and {@link #timestamp}. */
    private static final JsonValue EXPORTERS_SHAPE = JsonProvider.provider().createObjectBuilder()
            .add("exportersShape", true).build(); // compared by identity: no parsed element is this instance
    private JsonNumber rtt = JSON_ZERO;
    private JsonNumber timestamp = JSON_ZERO;
    /** The values of {@link #rtt} and {@link #timestamp} once {@link #checkPair} passed them. */
    private double checkedRtt;
    private long checkedTimestamp;
    private static final JsonNumber JSON_ZERO = JsonProvider.provider().createValue(0);

    /**
     * Reads one element of a samples array, at its first event: {@link #EXPORTERS_SHAPE} when it is an object of
     * exactly the keys {@code rttMs} and {@code timestampEpochMs}, both numbers, the timestamp an integer
     * literal (read without building an object: a million of them pass); any other element as the JSON value
     * it is. A key given twice is refused. The element's path
     * ({@code arrayPath[index]}) is only spelt out for what is kept as JSON, never for an element of the exporter's
     * shape: a million of them pass.
     */
    private JsonValue element(String arrayPath, int index) {
        if (parser.currentEvent() != JsonParser.Event.START_OBJECT) {
            return tree(arrayPath + "[" + index + "]");
        }
        JsonNumber rttMs = null;
        JsonNumber timestampEpochMs = null;
        JsonObjectBuilder other = null;
        boolean rttSeen = false;
        boolean timestampSeen = false;
        Set<String> others = null; // keys of another shape: made only for them
        while (parser.next() != JsonParser.Event.END_OBJECT) {
            String key = parser.getString();
            boolean isRtt = key.equals("rttMs");
            boolean isTimestamp = !isRtt && key.equals("timestampEpochMs");
            if (isRtt ? rttSeen : isTimestamp ? timestampSeen
                    : !(others == null ? others = new HashSet<>() : others).add(key)) {
                throw twice(arrayPath + "[" + index + "]." + key);
            }
            rttSeen |= isRtt;
            timestampSeen |= isTimestamp;
            parser.next();
            JsonValue value = parser.currentEvent() == JsonParser.Event.VALUE_NUMBER ? parser.getValue()
                    : tree(arrayPath + "[" + index + "]." + key); // not the exporter's shape: kept, so counted
            if (other == null && value instanceof JsonNumber number) {
                if (isRtt) {
                    rttMs = number;
                    continue;
                }
                if (isTimestamp) {
                    timestampEpochMs = number;
                    continue;
                }
            }
            if (other == null) {
                other = json.createObjectBuilder();
                if (rttMs != null) {
                    other.add("rttMs", rttMs);
                }
                if (timestampEpochMs != null) {
                    other.add("timestampEpochMs", timestampEpochMs);
                }
            }
            other.add(key, value);
        }
        if (other == null && rttMs != null && timestampEpochMs != null && timestampEpochMs.isIntegral()) {
            rtt = rttMs;
            timestamp = timestampEpochMs;
            return EXPORTERS_SHAPE;
        }
        if (other == null) {
            other = json.createObjectBuilder();
            if (rttMs != null) {
                other.add("rttMs", rttMs);
            }
            if (timestampEpochMs != null) {
                other.add("timestampEpochMs", timestampEpochMs);
            }
        }
        return other.build();
    }

    /** The element of the exporter's shape just read, as a JSON object. */
    private JsonObject pair() {
        return json.createObjectBuilder().add("rttMs", rtt).add("timestampEpochMs", timestamp).build();
    }

    /**
     * Checks the element of the exporter's shape just read by {@link ReportShape}'s rules, its components in
     * the record's order as a whole document's check takes them; the element's path is only spelt out for a
     * failure's message. On success {@link #checkedRtt} and {@link #checkedTimestamp} hold the two values.
     *
     * @return the failure, or {@code null}
     */
    private @Nullable IllegalArgumentException checkPair(String path, int index) {
        // what the rules pass, decided on the values themselves: a finite positive double (the rules' BigDecimal and
        // its double, made again for each element, cost more than reading it), an integral timestamp
        // (element() saw to that) that fits a long and is not negative
        checkedRtt = rtt.doubleValue();
        checkedTimestamp = -1;
        try {
            checkedTimestamp = timestamp.longValueExact();
        } catch (ArithmeticException outOfRange) {
            // the rules below name it
        }
        if (Double.isFinite(checkedRtt) && checkedRtt > 0 && checkedTimestamp >= 0) {
            return null;
        }
        for (RecordComponent component : ReportShape.components(RttSample.class)) {
            JsonNumber value = component.getName().equals("rttMs") ? rtt : timestamp;
            try {
                ReportShape.checkValue(component.getGenericType(), value, "", component.getName());
            } catch (IllegalArgumentException unnamed) {
                try {
                    ReportShape.checkValue(component.getGenericType(), value,
                            path + "[" + index + "]." + component.getName(), component.getName());
                } catch (IllegalArgumentException e) {
                    return e;
                }
                throw new IllegalStateException("the rules named no failure the second time", unnamed);
            }
        }
        return null;
    }

    /** One list for equal arrays: an export holds its window three times. */
    private List<RttSample> shared(long[] timestamps, double[] rtts) {
        List<RttSample> list = SampleArrays.wrap(timestamps, rtts);
        for (List<RttSample> earlier : streamed.values()) {
            if (earlier.equals(list)) {
                return earlier;
            }
        }
        return list;
    }

    // ---- putting a value at a JSON path of an immutable tree ------------------------------------------

    /** A path such as {@code a.b[2].c} as its keys and indexes ({@code Integer}). */
    private static List<Object> segments(String path) {
        List<Object> segments = new ArrayList<>();
        int i = 0;
        while (i < path.length()) {
            char c = path.charAt(i);
            if (c == '.') {
                i++;
            } else if (c == '[') {
                int end = path.indexOf(']', i);
                segments.add(Integer.parseInt(path.substring(i + 1, end)));
                i = end + 1;
            } else {
                int end = i;
                while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
                    end++;
                }
                segments.add(path.substring(i, end));
                i = end;
            }
        }
        return segments;
    }

    private JsonValue replace(JsonValue at, List<Object> segments, int depth, JsonValue replacement) {
        if (depth == segments.size()) {
            return replacement;
        }
        Object segment = segments.get(depth);
        if (segment instanceof String key) {
            JsonObject object = at.asJsonObject();
            JsonValue inner = java.util.Objects.requireNonNull(object.get(key), "a streamed path is in the tree");
            return json.createObjectBuilder(object).add(key, replace(inner, segments, depth + 1, replacement)).build();
        }
        JsonArray array = at.asJsonArray();
        int index = (Integer) segment;
        JsonArrayBuilder copy = json.createArrayBuilder();
        for (int i = 0; i < array.size(); i++) {
            copy.add(i == index ? replace(array.get(i), segments, depth + 1, replacement) : array.get(i));
        }
        return copy.build();
    }
}
