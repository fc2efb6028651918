package io.peerpulse.session;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Finds durations below zero anywhere in a report: every {@code …Ms} component but epoch times and offsets. */
final class Durations {

    /** Components ending in Ms that may be negative: wall-clock steps and clock offsets. */
    private static final Set<String> SIGNED = Set.of("stepMs", "systemClockOffsetMs", "offsetMs");

    private Durations() {
    }

    /** @return one "path: value" per negative duration, empty when none */
    static List<String> negative(Object report) {
        List<String> found = new ArrayList<>();
        walk(report, "report", found);
        return found;
    }

    private static void walk(Object value, String path, List<String> found) {
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), path + "[" + i + "]", found);
            }
            return;
        }
        if (value == null || !value.getClass().isRecord()) {
            return;
        }
        for (RecordComponent component : value.getClass().getRecordComponents()) {
            Object child;
            try {
                child = component.getAccessor().invoke(value);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            String name = component.getName();
            String at = path + "." + name;
            if (child instanceof Number number && name.endsWith("Ms") && !name.endsWith("EpochMs")
                    && !SIGNED.contains(name) && number.doubleValue() < 0) {
                found.add(at + ": " + number);
            }
            walk(child, at, found);
        }
    }
}
