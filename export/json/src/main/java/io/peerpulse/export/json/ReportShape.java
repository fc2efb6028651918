package io.peerpulse.export.json;

import io.peerpulse.telemetry.shared.Redaction;
import io.peerpulse.telemetry.shared.Utf16;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks a parsed document against the shape of records (a {@code SessionReport}'s) before it is bound, so
 * that no number is wrapped, truncated or rounded on the way in. Walks the records' components
 * reflectively: an integer component takes only an integral number within its type's range, a
 * {@code double} only a finite number, and neither a negative one (durations, counts, epoch times,
 * RTTs, ratios) except the few signed clock readings; a boolean takes only {@code true} or {@code false}; a string
 * takes only a string, with no lone surrogate, an id
 * ({@code sessionId}, {@code playerId}) no control character. Keys the records
 * do not know are not looked at (files of later versions). Failures name the JSON path and the value.
 */
final class ReportShape {

    /**
     * Components that may be negative: monotonic clock readings, clock offsets (ours, the peer's) and steps of
     * the wall clock (a step back is negative).
     */
    private static final Set<String> SIGNED = Set.of("startNanoTime", "endNanoTime", "systemClockOffsetMs",
            "offsetMs", "stepMs");

    /**
     * Ids, which every PeerPulse version refused with a control character in them (a file that holds one was
     * made by hand, and its id would reach a terminal through {@code peerpulse summarize}).
     */
    private static final Set<String> IDS = Set.of("sessionId", "playerId");

    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final BigDecimal INT_MIN = BigDecimal.valueOf(Integer.MIN_VALUE);
    private static final BigDecimal INT_MAX = BigDecimal.valueOf(Integer.MAX_VALUE);

    /** Each record's components, read reflectively once (a long session's export has millions of samples). */
    private static final ClassValue<RecordComponent[]> COMPONENTS = new ClassValue<>() {
        @Override
        protected RecordComponent[] computeValue(Class<?> type) {
            return type.getRecordComponents();
        }
    };

    private ReportShape() {
    }

    /**
     * @param document the whole parsed document
     * @param type     the record it must fit
     * @throws IllegalArgumentException naming the JSON path and the value that does not fit
     */
    static void check(JsonValue document, Class<? extends Record> type) {
        if (document.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new IllegalArgumentException("the document is " + kind(document) + ", not an object");
        }
        walk(type, document, "", "", Map.of(), false);
    }

    /**
     * As {@link #check(JsonValue, Class)}, for a document whose large arrays were checked while they were
     * streamed ({@link ReportStream}): the walk throws the failure found in such an array when it reaches
     * the array's path, so that a document with several faults is refused for the same one as when it is
     * checked whole. As the document is bound next, {@code null} where a primitive goes, or in a list, is refused
     * too (binding could not call the record's constructor with it).
     *
     * @param document the document, the streamed arrays left out of it
     * @param type     the record it must fit
     * @param failures the first failure found in each streamed array, by the array's JSON path
     * @throws IllegalArgumentException naming the JSON path and the value that does not fit
     */
    static void check(JsonValue document, Class<? extends Record> type, Map<String, IllegalArgumentException> failures) {
        if (document.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new IllegalArgumentException("the document is " + kind(document) + ", not an object");
        }
        walk(type, document, "", "", failures, true);
    }

    /**
     * Checks one value against a type by the same rules, e.g. one element of an array being streamed.
     *
     * @param type  the type the value must fit (a record, a list, a number or a string type)
     * @param value the value
     * @param path  its JSON path, for the message
     * @param name  the name of the record component it is a value of (which decides whether it may be
     *              negative)
     * @throws IllegalArgumentException naming the JSON path and the value that does not fit
     */
    static void checkValue(Type type, JsonValue value, String path, String name) {
        walk(type, value, path, name, Map.of(), false);
    }

    /** The record's components, in declaration order. */
    static RecordComponent[] components(Class<?> record) {
        return COMPONENTS.get(record);
    }

    /** @param bound whether the value is bound next: then {@code null} where a primitive goes is refused here */
    private static void walk(Type type, JsonValue value, String path, String name,
            Map<String, IllegalArgumentException> failures, boolean bound) {
        if (value.getValueType() == JsonValue.ValueType.NULL) {
            if (bound && type instanceof Class<?> c && c.isPrimitive()) { // absent is 0, null no value at all
                throw mismatch(path, value, c == boolean.class ? "true or false" : "a number");
            }
            return; // a missing part: binding decides whether it may be absent
        }
        IllegalArgumentException streamed = failures.isEmpty() ? null : failures.get(path);
        if (streamed != null) {
            throw streamed;
        }
        if (type instanceof ParameterizedType list && list.getRawType() == java.util.List.class) {
            if (!(value instanceof JsonArray array)) {
                throw mismatch(path, value, "an array");
            }
            Type element = list.getActualTypeArguments()[0];
            for (int i = 0; i < array.size(); i++) {
                if (bound && array.get(i).getValueType() == JsonValue.ValueType.NULL) { // List.copyOf names nothing
                    throw mismatch(path + "[" + i + "]", array.get(i),
                            element instanceof Class<?> c && c.isRecord() ? "an object" : "a value");
                }
                walk(element, array.get(i), path + "[" + i + "]", name, failures, bound);
            }
            return;
        }
        if (!(type instanceof Class<?> c)) {
            return;
        }
        if (!c.isPrimitive() && c.isRecord()) { // isPrimitive first: cheap, and most values are numbers
            if (!(value instanceof JsonObject object)) {
                throw mismatch(path, value, "an object");
            }
            for (RecordComponent component : components(c)) {
                JsonValue part = object.get(component.getName());
                if (part != null) {
                    walk(component.getGenericType(), part,
                            path.isEmpty() ? component.getName() : path + "." + component.getName(),
                            component.getName(), failures, bound);
                }
            }
        } else if (c == long.class || c == Long.class) {
            integer(value, path, name, LONG_MIN, LONG_MAX);
        } else if (c == int.class || c == Integer.class) {
            integer(value, path, name, INT_MIN, INT_MAX);
        } else if (c == double.class || c == Double.class) {
            BigDecimal number = number(value, path);
            double d = number.doubleValue();
            if (!Double.isFinite(d)) {
                throw refused(path, number, "is not a finite double");
            }
            if (number.signum() < 0 && !SIGNED.contains(name)) {
                throw refused(path, number, "is negative");
            }
        } else if (c.isEnum()) { // Yasson's own refusal names neither the path nor the values it knows
            if (!(value instanceof JsonString string)) {
                throw mismatch(path, value, "a string");
            }
            List<String> names = Arrays.stream(c.getEnumConstants()).map(e -> ((Enum<?>) e).name()).toList();
            if (!names.contains(string.getString())) {
                // a crafted file's text: shown by the privacy rule (no address), then cut, never the other way
                // round (a cut address is still one: "… 10.0.0.5 54" once was)
                String text = java.util.Objects.requireNonNull(
                        Redaction.redact(Redaction.escapeControls(string.getString())));
                throw new IllegalArgumentException(path + ": \""
                        + (text.length() > 40 ? text.substring(0, 40) + "…" : text)
                        + "\" is none of " + String.join(", ", names) + " (a value of a later version?)");
            }
        } else if (c == boolean.class || c == Boolean.class) { // Yasson reads 1 as false, "true" as true
            if (value.getValueType() != JsonValue.ValueType.TRUE && value.getValueType() != JsonValue.ValueType.FALSE) {
                throw mismatch(path, value, "true or false");
            }
        } else if (c == String.class) { // Yasson reads 5 as "5", refuses an object without naming where
            if (!(value instanceof JsonString string)) {
                throw mismatch(path, value, "a string");
            }
            int at = Utf16.firstLoneSurrogate(string.getString());
            if (at >= 0) {
                throw new IllegalArgumentException(path + ": the string has a lone surrogate (\\u"
                        + Integer.toHexString(string.getString().charAt(at)) + ") at character " + at
                        + ": not valid Unicode");
            }
            if (IDS.contains(name)) {
                String text = string.getString();
                for (int i = 0; i < text.length(); i++) {
                    if (Character.isISOControl(text.charAt(i))) { // ESC would reach a terminal through summarize
                        throw new IllegalArgumentException(path + ": the id has a control character (U+"
                                + String.format("%04X", (int) text.charAt(i)) + ") at character " + i
                                + ", which no PeerPulse id has ever held");
                    }
                }
            }
        }
    }

    /**
     * The JSON path of the first object bound as {@code record} (by class name) whose key {@code component} is
     * missing or {@code null}: where a record's constructor refused a required part, which Yasson reports by the
     * class alone. A {@code component} that is none of the record's (the message of {@code List.copyOf(null)}'s
     * exception, which names no part) stands for its first list component that is missing or {@code null}.
     *
     * @param document  the document
     * @param type      the record the document is bound as
     * @param record    the class name of the record whose constructor refused
     * @param component the component it refused, or another text for a list it refused
     * @return the path, e.g. {@code sessionMetrics.sessionId}, or {@code null} when no such object is found
     */
    static @Nullable String missing(JsonValue document, Class<? extends Record> type, String record, String component) {
        String found = missing(document, (Type) type, record, component);
        return found == null ? null : found.substring(1);
    }

    /** The path below {@code value}, starting with {@code .} or {@code [}, or {@code null}. */
    private static @Nullable String missing(JsonValue value, Type type, String record, String component) {
        if (type instanceof ParameterizedType list && list.getRawType() == java.util.List.class
                && value instanceof JsonArray array) {
            for (int i = 0; i < array.size(); i++) {
                String found = missing(array.get(i), list.getActualTypeArguments()[0], record, component);
                if (found != null) {
                    return "[" + i + "]" + found;
                }
            }
            return null;
        }
        if (!(type instanceof Class<?> c) || c.isPrimitive() || !c.isRecord() || !(value instanceof JsonObject object)) {
            return null;
        }
        if (c.getName().equals(record)) {
            for (RecordComponent each : components(c)) {
                boolean named = each.getName().equals(component);
                boolean list = each.getType() == java.util.List.class
                        && Arrays.stream(components(c)).noneMatch(other -> other.getName().equals(component));
                JsonValue part = object.get(each.getName());
                if ((named || list) && (part == null || part.getValueType() == JsonValue.ValueType.NULL)) {
                    return "." + each.getName();
                }
            }
        }
        for (RecordComponent each : components(c)) {
            JsonValue part = object.get(each.getName());
            String found = part == null ? null : missing(part, each.getGenericType(), record, component);
            if (found != null) {
                return "." + each.getName() + found;
            }
        }
        return null;
    }

    private static void integer(JsonValue value, String path, String name, BigDecimal min, BigDecimal max) {
        BigDecimal number = number(value, path);
        // stripping trailing zeros only lowers the scale: a number of scale <= 0 is an integer as it stands
        if (number.signum() != 0 && number.scale() > 0 && number.stripTrailingZeros().scale() > 0) {
            throw refused(path, number, "is not an integer");
        }
        if (number.compareTo(min) < 0 || number.compareTo(max) > 0) {
            throw refused(path, number, "is out of range (" + min + " to " + max + ")");
        }
        if (number.signum() < 0 && !SIGNED.contains(name)) {
            throw refused(path, number, "is negative");
        }
    }

    private static BigDecimal number(JsonValue value, String path) {
        if (!(value instanceof JsonNumber number)) {
            throw mismatch(path, value, "a number");
        }
        return number.bigDecimalValue();
    }

    private static IllegalArgumentException refused(String path, BigDecimal number, String why) {
        String text = number.toString();
        return new IllegalArgumentException(path + ": " + (text.length() > 40 ? text.substring(0, 40) + "…" : text)
                + " " + why);
    }

    private static IllegalArgumentException mismatch(String path, JsonValue value, String expected) {
        return new IllegalArgumentException(path + ": expected " + expected + ", found " + kind(value));
    }

    private static String kind(JsonValue value) {
        return switch (value.getValueType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case TRUE, FALSE -> "a boolean";
            case NULL -> "null";
        };
    }
}
