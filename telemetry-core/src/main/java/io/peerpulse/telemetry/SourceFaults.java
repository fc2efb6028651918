package io.peerpulse.telemetry;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.shared.FaultLog;
import io.peerpulse.telemetry.spi.RttSource;

import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * The fault reporting of one {@link RttPoller}: WARNINGs (on the telemetry's logger) naming the source's class
 * and the telemetry, through a {@link FaultLog} made at the first fault, so that a healthy telemetry carries none.
 * A fault kind is the source's class and the fault: rate-limited for the whole JVM on the telemetry's
 * {@code nanoClock}, so that 500 telemetries whose reads time out on a starved machine give one line and a summary
 * a minute. Thread-safe.
 */
final class SourceFaults {

    private static final System.Logger LOG = System.getLogger(LatencyTelemetry.class.getName());

    private final TelemetryOptions options;
    /** Made at the first fault, under this object's monitor. */
    private volatile @Nullable FaultLog log;

    SourceFaults(TelemetryOptions options) {
        this.options = options;
    }

    /**
     * Reports one occurrence of {@code fault} of {@code polled}.
     *
     * @param detail the first occurrence's message after the subject, made only when logged
     */
    void report(RttSource polled, Fault fault, Supplier<String> detail) {
        log().report(plugin(polled), fault.words, detail, null);
    }

    /** A read that failed ({@code what} is not {@link Fault#BLOCKED}): the poll counts as failed. */
    void readFailed(RttSource polled, Fault what, Throwable error) {
        report(polled, what, () -> what.words + switch (what) {
            case TIMED_OUT -> " (" + io.peerpulse.telemetry.shared.Durations.format(options.readTimeout()) + ")";
            case NULL_STAGE -> "";
            default -> ": " + describe(error);
        } + "; the poll counts as failed");
    }

    /** A read answered with {@code null}: the poll counts as failed. */
    void nullReading(RttSource polled) {
        report(polled, Fault.NULL_READING, () -> Fault.NULL_READING.words
                + "; answer stale() or unavailable(reason) instead; the poll counts as failed");
    }

    private FaultLog log() {
        FaultLog current = log;
        if (current == null) {
            synchronized (this) {
                current = log;
                if (current == null) {
                    current = new FaultLog(LOG, options.nanoClock(), "telemetry "
                            + options.name().map(n -> "'" + n + "'").orElse("without a name"), "telemetries");
                    log = current;
                }
            }
        }
        return current;
    }

    /** The plugin, for a log line and the fault's kind: the source's class (never its toString: it may hold an address). */
    private static String plugin(RttSource polled) {
        return "RTT source " + polled.getClass().getName();
    }

    /** The exception's class and where it was thrown; not its message, which may hold an address. */
    private static String describe(Throwable error) {
        Throwable cause = error instanceof CompletionException || error instanceof ExecutionException
                ? Objects.requireNonNullElse(error.getCause(), error) : error;
        StackTraceElement[] trace = cause.getStackTrace();
        return cause.getClass().getName() + (trace.length > 0 ? " at " + trace[0] : "");
    }

    /** The faults of a source that are logged; {@link #words} also keys their rate limit. */
    enum Fault {
        BLOCKED("blocked the polling thread"),
        THREW("threw in read()"),
        NULL_STAGE("returned null from read()"),
        FAILED("completed a read exceptionally"),
        NULL_READING("answered a read with null"),
        TIMED_OUT("did not answer a read within readTimeout");

        final String words;

        Fault(String words) {
            this.words = words;
        }
    }
}
