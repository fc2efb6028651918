package io.peerpulse.telemetry.shared;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * Durations for people, in log lines and test failures: {@code 10 ms}, {@code 0.25 ms}, {@code 1.5 s},
 * {@code 2 min}, {@code 24 h} — never {@code PT0.01S}.
 *
 * @since 0.1.0
 */
public final class Durations {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;
    private static final long MIN = 60 * S;
    private static final long H = 60 * MIN;

    private Durations() {
    }

    /**
     * @param duration a duration
     * @return it for people, e.g. {@code 10 ms}
     */
    public static String format(Duration duration) {
        long nanos;
        try {
            nanos = duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return duration.toHours() + " h";
        }
        return format(nanos);
    }

    /**
     * Below 1 ms with up to three decimals ({@code 0.25 ms}); below 10 s in whole milliseconds
     * ({@code 510 ms}); below 2 min in seconds ({@code 12.5 s}); then whole minutes or hours when whole,
     * else seconds.
     *
     * @param nanos a duration in nanoseconds
     * @return it for people
     */
    public static String format(long nanos) {
        if (nanos < 0) {
            return "-" + format(nanos == Long.MIN_VALUE ? Long.MAX_VALUE : -nanos);
        }
        if (nanos < MS) {
            return decimal(nanos, MS, 3) + " ms";
        }
        if (nanos < 10 * S) {
            return Math.round((double) nanos / MS) + " ms";
        }
        if (nanos >= H && nanos % H == 0) {
            return nanos / H + " h";
        }
        if (nanos >= 2 * MIN && nanos % MIN == 0) {
            return nanos / MIN + " min";
        }
        return decimal(nanos, S, 1) + " s";
    }

    private static String decimal(long nanos, long unit, int decimals) {
        return BigDecimal.valueOf(nanos).divide(BigDecimal.valueOf(unit), decimals, RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString();
    }
}
