package io.peerpulse.testkit;

import org.jspecify.annotations.Nullable;

import io.peerpulse.session.SessionReport;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Session reports for tests, and copies of reports and their records with some values changed, made so
 * that a record that gains a component breaks no test: reports come from a {@link io.peerpulse.session.GameSession}
 * run in virtual time ({@link #full(String)}, {@link #withoutSamples(String)}); copies and hand-made records
 * go through the records' canonical constructors found reflectively ({@link RecordComponent}), so no test
 * lists a record's components in order. Values a session cannot produce (a NaN, a negative clock offset,
 * statistics that disagree with their samples) are set by component name; the records' own validation
 * still runs.
 *
 * <pre>{@code
 * SessionReport nan = SampleReports.with(SampleReports.full("s"), "validationData.sessionLatency.meanMs", Double.NaN);
 * SessionReport other = SampleReports.withEvery(report, "sessionId", "other-id");
 * ProbeStats probe = SampleReports.record(ProbeStats.class, "sentCount", 31L, "offsetMs", -0.5, ...);
 * }</pre>
 *
 * @since 0.1.0
 */
public final class SampleReports {

    /** A record class's components and canonical constructor, looked up once per class. */
    private record Shape(RecordComponent[] components, Map<String, Integer> index, Constructor<?> constructor) {

        static Shape of(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < components.length; i++) {
                index.put(components[i].getName(), i);
            }
            Class<?>[] parameters = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
            try {
                return new Shape(components, Map.copyOf(index), type.getDeclaredConstructor(parameters));
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("no canonical constructor in " + type.getName(), e);
            }
        }
    }

    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            return Shape.of(type);
        }
    };

    private SampleReports() {
    }

    /**
     * A report of a full session in virtual time: samples over two connections, a gap, rounds, a rejected
     * value, changes of quality and path (the same as {@link SessionExporterContract#fullReport(String)}).
     *
     * @param sessionId the session's id
     * @return the report
     * @since 0.1.0
     */
    public static SessionReport full(String sessionId) {
        return SessionExporterContract.fullReport(sessionId);
    }

    /**
     * A report of a session that closed without ever measuring (the same as
     * {@link SessionExporterContract#reportWithoutSamples(String)}).
     *
     * @param sessionId the session's id
     * @return the report
     * @since 0.1.0
     */
    public static SessionReport withoutSamples(String sessionId) {
        return SessionExporterContract.reportWithoutSamples(sessionId);
    }

    /**
     * A copy of a record with values replaced along paths of component names, e.g.
     * {@code "validationData.coverage.gaps"}; every record on a path is rebuilt through its canonical
     * constructor, the others are shared.
     *
     * @param <R>                the record's type
     * @param root               the record to copy
     * @param path               component names joined by {@code .}
     * @param value              the new value ({@code null} allowed where the component allows it)
     * @param morePathsAndValues further pairs of path and value, applied in order
     * @return the copy
     * @throws IllegalArgumentException when a path names no component, passes through {@code null} or a
     *                                  value that is not a record, a value has the wrong type, or the
     *                                  record's constructor refuses the value
     * @since 0.1.0
     */
    public static <R extends Record> R with(R root, String path, Object value, Object... morePathsAndValues) {
        Objects.requireNonNull(root, "root");
        if (morePathsAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("paths and values come in pairs: " + morePathsAndValues.length
                    + " more arguments");
        }
        R copy = replace(root, path, path.split("\\.", -1), 0, value);
        for (int i = 0; i < morePathsAndValues.length; i += 2) {
            if (!(morePathsAndValues[i] instanceof String next)) {
                throw new IllegalArgumentException("argument " + (i + 4) + " is not a path: "
                        + morePathsAndValues[i]);
            }
            copy = replace(copy, next, next.split("\\.", -1), 0, morePathsAndValues[i + 1]);
        }
        return copy;
    }

    /**
     * A copy of a report with every component of that name replaced, in every record of the report
     * (lists are not entered): e.g. {@code "sessionId"} in all three parts.
     *
     * @param report    the report
     * @param component a component name
     * @param value     its new value
     * @return the copy
     * @throws IllegalArgumentException when no record of the report has that component
     * @since 0.1.0
     */
    public static SessionReport withEvery(SessionReport report, String component, Object value) {
        Objects.requireNonNull(report, "report");
        boolean[] found = {false};
        SessionReport copy = replaceEvery(report, component, value, found);
        if (!found[0]) {
            throw new IllegalArgumentException("no record of the report has a component '" + component + "'");
        }
        return copy;
    }

    /**
     * A record made from named component values; every component not named is {@code 0}, {@code false} or
     * {@code null}.
     *
     * @param <R>            the record's type
     * @param type           the record class
     * @param namesAndValues pairs of component name and value
     * @return the record
     * @throws IllegalArgumentException when a name is not a component, a value has the wrong type, or the
     *                                  record's constructor refuses the values
     * @since 0.1.0
     */
    public static <R extends Record> R record(Class<R> type, Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values come in pairs: " + namesAndValues.length
                    + " arguments");
        }
        Shape shape = SHAPES.get(type);
        Object[] values = new Object[shape.components().length];
        boolean[] given = new boolean[values.length];
        for (int i = 0; i < namesAndValues.length; i += 2) {
            Integer at = shape.index().get(String.valueOf(namesAndValues[i]));
            if (at == null) {
                throw new IllegalArgumentException(type.getSimpleName() + " has no component '" + namesAndValues[i]
                        + "'");
            }
            values[at] = namesAndValues[i + 1];
            given[at] = true;
        }
        for (int i = 0; i < values.length; i++) {
            if (!given[i]) {
                values[i] = zero(shape.components()[i].getType());
            }
        }
        return construct(type, values);
    }

    private static <R extends Record> R replace(R record, String path, String[] names, int at, Object value) {
        RecordComponent[] components = SHAPES.get(record.getClass()).components();
        Object[] values = values(record);
        for (int i = 0; i < components.length; i++) {
            if (!components[i].getName().equals(names[at])) {
                continue;
            }
            if (at == names.length - 1) {
                values[i] = value;
            } else if (values[i] instanceof Record inner) {
                values[i] = replace(inner, path, names, at + 1, value);
            } else {
                throw new IllegalArgumentException(path + ": " + names[at] + " is " + values[i]
                        + ", not a record");
            }
            @SuppressWarnings("unchecked")
            Class<R> type = (Class<R>) record.getClass();
            return construct(type, values);
        }
        throw new IllegalArgumentException(path + ": " + record.getClass().getSimpleName() + " has no component '"
                + names[at] + "'");
    }

    private static <R extends Record> R replaceEvery(R record, String component, Object value, boolean[] found) {
        RecordComponent[] components = SHAPES.get(record.getClass()).components();
        Object[] values = values(record);
        for (int i = 0; i < components.length; i++) {
            if (components[i].getName().equals(component)) {
                values[i] = value;
                found[0] = true;
            } else if (values[i] instanceof Record inner) {
                values[i] = replaceEvery(inner, component, value, found);
            }
        }
        @SuppressWarnings("unchecked")
        Class<R> type = (Class<R>) record.getClass();
        return construct(type, values);
    }

    private static Object[] values(Record record) {
        RecordComponent[] components = SHAPES.get(record.getClass()).components();
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            try {
                values[i] = components[i].getAccessor().invoke(record);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot read " + components[i], e);
            } catch (InvocationTargetException e) {
                throw rethrow(e);
            }
        }
        return values;
    }

    private static <R> R construct(Class<R> type, Object[] values) {
        try {
            return type.cast(SHAPES.get(type).constructor().newInstance(values));
        } catch (InstantiationException | IllegalAccessException e) {
            throw new IllegalStateException("cannot construct " + type.getName(), e);
        } catch (InvocationTargetException e) {
            throw rethrow(e);
        } catch (IllegalArgumentException e) {
            String given = Arrays.toString(values);
            throw new IllegalArgumentException("a value does not fit " + type.getSimpleName() + ": "
                    + (given.length() > 500 ? given.substring(0, 500) + "…" : given), e);
        }
    }

    private static RuntimeException rethrow(InvocationTargetException e) {
        if (e.getCause() instanceof RuntimeException runtime) {
            return runtime;
        }
        if (e.getCause() instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(e.getCause());
    }

    private static @Nullable Object zero(Class<?> type) {
        if (!type.isPrimitive()) {
            return null;
        }
        if (type == boolean.class) {
            return false;
        }
        if (type == char.class) {
            return '\0';
        }
        if (type == double.class || type == float.class) {
            return type == double.class ? (Object) 0.0 : (Object) 0.0f;
        }
        return type == long.class ? (Object) 0L : type == int.class ? (Object) 0 : type == short.class
                ? (Object) (short) 0 : (Object) (byte) 0;
    }
}
