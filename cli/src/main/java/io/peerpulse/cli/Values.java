package io.peerpulse.cli;

import io.peerpulse.export.files.ExportFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Converters for the values people type: {@code 80ms}, {@code 1.5s}, {@code 2m}, {@code 2.5%}, paths. */
final class Values {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|min|m|h)");
    private static final Pattern PERCENT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*%?");

    private Values() {
    }

    /** A duration with a unit: ms, s, m (or min, as PeerPulse's log lines write it) or h. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new TypeConversionException("'" + value + "' is not a duration like 80ms, 1.5s or 2m");
            }
            double amount = Double.parseDouble(m.group(1));
            double nanos = amount * switch (m.group(2)) {
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m", "min" -> 60e9;
                default -> 3600e9;
            };
            if (nanos > Duration.ofDays(1).toNanos()) {
                throw new TypeConversionException("'" + value + "' is longer than a day");
            }
            return Duration.ofNanos(Math.round(nanos));
        }
    }

    /** A percentage from 0 to 100, with or without the % sign; converted to a fraction. */
    static final class PercentConverter implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            Matcher m = PERCENT.matcher(value.trim());
            if (!m.matches()) {
                throw new TypeConversionException("'" + value + "' is not a percentage like 0%, 2.5% or 10");
            }
            double percent = Double.parseDouble(m.group(1));
            if (percent > 100) {
                throw new TypeConversionException("'" + value + "' is more than 100%");
            }
            return percent / 100;
        }
    }

    /**
     * A path, refusing one that starts with {@code ~}: the shell expands it only at the start of a word
     * ({@code --out ~/runs}, not {@code --out=~/runs}), and taken literally it would name a folder {@code ~}
     * in the working directory. Refused too: an empty one ({@code --out=$UNSET}), which Java takes for the
     * working directory, one with white space at an end, which would name a folder {@code "runs "}, and a Windows
     * path elsewhere ({@code C:\\runs}), which would name one folder so; and {@code -}, which many tools take for
     * standard output, and which would name a file {@code -}.
     */
    static final class PathConverter implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            if (value.isBlank()) {
                throw new TypeConversionException("'" + value + "' is an empty path; give a folder or file name"
                        + " (. for the working directory)");
            }
            if (!value.strip().equals(value)) {
                throw new TypeConversionException("'" + value + "' starts or ends with a space, which would be part"
                        + " of the name; remove it");
            }
            if (value.startsWith("~")) {
                boolean own = value.equals("~") || value.startsWith("~/");
                throw new TypeConversionException("'" + value + "' starts with '~', which the shell did not expand"
                        + " (it does not in quotes or after --option=): write "
                        + (own ? "$HOME/" + value.substring(Math.min(2, value.length())) : "the home folder's full path")
                        + " or put a space after the option name; ./" + value + " for a folder really named so");
            }
            if (value.equals("-")) { // --out -: many tools' standard output, here it would be a file named "-"
                throw new TypeConversionException("'-' is not standard output here but a file or folder named so:"
                        + " leave --out out, or give /dev/stdout (/dev/stdin for an input); ./- for one really named so");
            }
            if (ExportFiles.isForeignWindowsPath(value)) { // C:\runs, d:/runs, \\server\share off Windows
                throw new TypeConversionException("'" + value + "' is a Windows path: here it would be one file or folder"
                        + " named so in the working directory; give a path of this system, or ./" + value
                        + " for one really named so");
            }
            return Path.of(value);
        }
    }

    /** A duration for people, to the millisecond: {@code 80ms}, {@code 1.9s}, {@code 30s}. */
    static String duration(Duration duration) {
        long ms = duration.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms < 1000 ? ms + "ms"
                : java.math.BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + "s";
    }

    /** Milliseconds for people: {@code 80.0} or {@code 0.25}. */
    static String ms(double value) {
        return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%.1f", value);
    }
}
