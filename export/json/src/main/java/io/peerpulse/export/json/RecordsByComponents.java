package io.peerpulse.export.json;

import jakarta.json.JsonValue;
import jakarta.json.bind.JsonbException;
import jakarta.json.bind.serializer.DeserializationContext;
import jakarta.json.bind.serializer.JsonbDeserializer;
import jakarta.json.stream.JsonParser;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Binds every record by the types its components declare, where Yasson binds a record by the parameter types
 * of its canonical constructor. On JDK 17 those lose their type arguments ({@code List}, not
 * {@code List<RttSample>}) when the class file marks the parameters <i>mandated</i>, as javac 21 and later do
 * for a compact constructor's even with {@code --release 17} (JDK-8292275): Yasson then read a report's lists
 * as lists of maps, and refused the streamed samples ("Unable to deserialize property 'samples' … Received
 * event: VALUE_NUMBER Allowed: [START_ARRAY]"), so that no export could be read. A component's type comes from
 * the record's own attribute, the same whatever compiled it and whatever JVM runs it.
 *
 * <p>As Yasson: a key the record does not know is skipped, a key the document lacks gives {@code null}
 * (0, {@code false} for a primitive), a failure is "Unable to deserialize property '…' because of: …", and
 * what the canonical constructor throws is the cause of the failure.
 */
final class RecordsByComponents implements JsonbDeserializer<Record> {

    /** Binds the components of these types; Yasson does not look for a list's deserializer when asked to bind one. */
    private final Map<Type, JsonbDeserializer<?>> own = new HashMap<>();

    /** A record's components and canonical constructor, read reflectively once. */
    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            return new Shape(type);
        }
    };

    private static final class Shape {
        final Type[] types;
        /** Per component: the scalar read straight from the parser ({@code LONG} …), else {@code BOUND}. */
        final byte[] kinds;
        final Object[] absent;
        final Map<String, Integer> index = new HashMap<>();
        final Constructor<?> canonical;

        Shape(Class<?> record) {
            RecordComponent[] components = record.getRecordComponents();
            Class<?>[] raw = new Class<?>[components.length];
            types = new Type[components.length];
            kinds = new byte[components.length];
            absent = new Object[components.length];
            for (int i = 0; i < components.length; i++) {
                raw[i] = components[i].getType();
                types[i] = components[i].getGenericType();
                kinds[i] = kind(raw[i]);
                absent[i] = raw[i].isPrimitive() ? Array.get(Array.newInstance(raw[i], 1), 0) : null;
                index.put(components[i].getName(), i);
            }
            try {
                canonical = record.getDeclaredConstructor(raw);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("a record without its canonical constructor: " + record, e);
            }
        }
    }

    /** Component kinds: bound by Yasson's context, or read as Yasson reads a number, boolean or string. */
    private static final byte BOUND = 0, LONG = 1, INT = 2, DOUBLE = 3, BOOLEAN = 4, STRING = 5;

    private static byte kind(Class<?> raw) {
        return raw == long.class || raw == Long.class ? LONG : raw == int.class || raw == Integer.class ? INT
                : raw == double.class || raw == Double.class ? DOUBLE : raw == boolean.class || raw == Boolean.class
                ? BOOLEAN : raw == String.class ? STRING : BOUND;
    }

    /**
     * A scalar as Yasson's own deserializers read it, without asking the context for one at every value (which looks
     * the type's deserializer up each time: a tenth of the time of a report read whole); {@code this} when the value
     * is of another kind, which Yasson then binds (and refuses) as before.
     */
    private Object scalar(byte kind, JsonParser.Event value, JsonParser parser) {
        if (value == JsonParser.Event.VALUE_NUMBER) {
            switch (kind) {
                case LONG: return parser.getLong(); // integral and in range: ReportShape checked it
                case INT: return parser.getInt();
                case DOUBLE: return Double.parseDouble(parser.getString());
                default: return this;
            }
        }
        if (kind == BOOLEAN && (value == JsonParser.Event.VALUE_TRUE || value == JsonParser.Event.VALUE_FALSE)) {
            return value == JsonParser.Event.VALUE_TRUE;
        }
        return kind == STRING && value == JsonParser.Event.VALUE_STRING ? parser.getString() : this;
    }

    /**
     * @param own deserializers of component types, each of the type its class gives {@link JsonbDeserializer}
     */
    RecordsByComponents(JsonbDeserializer<?>... own) {
        for (JsonbDeserializer<?> deserializer : own) {
            for (Type implemented : deserializer.getClass().getGenericInterfaces()) {
                if (implemented instanceof ParameterizedType p && p.getRawType() == JsonbDeserializer.class) {
                    this.own.put(p.getActualTypeArguments()[0], deserializer);
                }
            }
        }
    }

    /**
     * The record the object at the parser holds.
     *
     * @param parser  after the object's start (or at another value, which only {@code null} may be)
     * @param context binds the components' values
     * @param type    the record's class
     * @return the record, or {@code null} for a JSON {@code null}
     */
    @Override
    public @Nullable Record deserialize(JsonParser parser, DeserializationContext context, Type type) {
        if (!parser.hasNext()) { // a single value, not an object
            if (parser.getValue() == JsonValue.NULL) {
                return null;
            }
            throw new JsonbException("Incorrect position for processing type: " + type + ". Received: "
                    + parser.getValue() + ", not an object");
        }
        Class<?> record = (Class<?>) type; // the records of a report are not generic
        Shape shape = SHAPES.get(record);
        Object[] values = shape.absent.clone();
        for (JsonParser.Event event = parser.next(); event != JsonParser.Event.END_OBJECT; event = parser.next()) {
            if (event != JsonParser.Event.KEY_NAME) { // an array where the record goes
                throw new JsonbException("Incorrect position for processing type: " + type + ". Received event: "
                        + event + ", not an object's");
            }
            String key = parser.getString();
            JsonParser.Event value = parser.next();
            Integer i = shape.index.get(key);
            if (i == null) {
                if (value == JsonParser.Event.START_OBJECT) {
                    parser.skipObject();
                } else if (value == JsonParser.Event.START_ARRAY) {
                    parser.skipArray();
                }
            } else if (value == JsonParser.Event.VALUE_NULL) {
                values[i] = null; // a primitive's refused by the constructor call, as Yasson's was
            } else {
                try {
                    Object scalar = shape.kinds[i] == BOUND ? this : scalar(shape.kinds[i], value, parser);
                    JsonbDeserializer<?> deserializer = scalar != this || own.isEmpty() ? null : own.get(shape.types[i]);
                    values[i] = scalar != this ? scalar : deserializer != null
                            ? deserializer.deserialize(parser, context, shape.types[i])
                            : context.deserialize(shape.types[i], parser);
                } catch (JsonbException e) {
                    throw new JsonbException("Unable to deserialize property '" + key + "' because of: "
                            + e.getMessage(), e);
                }
            }
        }
        try {
            return (Record) shape.canonical.newInstance(values);
        } catch (InvocationTargetException e) {
            throw new JsonbException("Exception occurred during call to the canonical constructor of " + record,
                    e.getCause());
        } catch (ReflectiveOperationException | IllegalArgumentException e) {
            throw new JsonbException("Exception occurred during call to the canonical constructor of " + record, e);
        }
    }
}
