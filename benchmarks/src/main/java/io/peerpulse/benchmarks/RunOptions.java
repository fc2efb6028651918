package io.peerpulse.benchmarks;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line of a benchmark run: {@code --name value} options, each a whole number with a least
 * value, and flags without a value. Every mistake is an {@link IllegalArgumentException} naming the
 * option and what was wrong with it.
 */
final class RunOptions {

    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    private RunOptions() {
    }

    /**
     * @param args       the command line
     * @param valueNames the options that take a value, e.g. {@code "--rounds"}
     * @param flagNames  the options without one, e.g. {@code "--direct"}
     * @return the options given
     * @throws IllegalArgumentException for an unknown option, one given twice, or one missing its value
     */
    static RunOptions parse(String[] args, List<String> valueNames, List<String> flagNames) {
        RunOptions options = new RunOptions();
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (flagNames.contains(option)) {
                if (!options.flags.add(option)) {
                    throw new IllegalArgumentException(option + " given twice");
                }
            } else if (valueNames.contains(option)) {
                if (i + 1 == args.length || args[i + 1].startsWith("--")) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                if (options.values.put(option, args[++i]) != null) {
                    throw new IllegalArgumentException(option + " given twice");
                }
            } else {
                throw new IllegalArgumentException("unknown option " + option + "; known: "
                        + String.join(", ", valueNames) + (flagNames.isEmpty() ? "" : ", " + String.join(", ", flagNames)));
            }
        }
        return options;
    }

    /**
     * @param name     the option
     * @param fallback its value when not given
     * @param least    the least value allowed
     * @return the value
     * @throws IllegalArgumentException when it is not a whole number, or less than {@code least}
     */
    long number(String name, long fallback, long least) {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number: " + text, e);
        }
        if (value < least) {
            throw new IllegalArgumentException(name + " must be at least " + least + ": " + value);
        }
        return value;
    }

    /** {@link #number} for an {@code int} option. */
    int integer(String name, int fallback, int least) {
        long value = number(name, fallback, least);
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must be at most " + Integer.MAX_VALUE + ": " + value);
        }
        return (int) value;
    }

    /**
     * @param name     the option
     * @param fallback its value when not given
     * @return its value as given
     */
    String text(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    /**
     * @param name the flag
     * @return whether it was given
     */
    boolean flag(String name) {
        return flags.contains(name);
    }
}
