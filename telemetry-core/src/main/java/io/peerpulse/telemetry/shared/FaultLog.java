package io.peerpulse.telemetry.shared;

import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Loud but rate-limited WARNINGs about a misbehaving plugin, for one owner (one telemetry, one
 * session's exporter): the first occurrence of each fault is logged at once with its detail, later
 * ones are counted and summed up in one line at most every {@link #SUMMARY_INTERVAL}, when the next
 * occurrence comes. Counters elsewhere stay the source of truth; this only makes sure nobody misses a
 * fault. Time comes from the caller's clock, so virtual time drives the summaries.
 *
 * @since 0.1.0
 */
public final class FaultLog {

    /** The least time between two summaries of one fault: {@value #SUMMARY_SECONDS} s. */
    public static final Duration SUMMARY_INTERVAL = Duration.ofSeconds(60);
    private static final long SUMMARY_SECONDS = 60;

    private final System.Logger log;
    private final LongSupplier millis;
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();

    /**
     * @param log    where to log
     * @param millis the owner's clock in epoch milliseconds (e.g. the telemetry clock)
     */
    public FaultLog(System.Logger log, LongSupplier millis) {
        this.log = Objects.requireNonNull(log, "log");
        this.millis = Objects.requireNonNull(millis, "millis");
    }

    /**
     * Reports one occurrence of a fault.
     *
     * @param subject the plugin and its owner, e.g. {@code RTT source com.acme.Src of session 's1'}
     * @param fault   the fault in a few words, e.g. {@code threw in read()}; with the subject the key
     * @param detail  the first occurrence's message after the subject, made only when logged
     * @param cause   what was thrown, or {@code null}
     * @return whether a line was logged
     */
    public boolean report(String subject, String fault, Supplier<String> detail, @Nullable Throwable cause) {
        long now = millis.getAsLong();
        Fault state = faults.computeIfAbsent(subject + '\u0000' + fault, k -> new Fault());
        String message;
        synchronized (state) {
            state.total++;
            if (state.total == 1) {
                state.lastLoggedMs = now;
                message = subject + " " + detail.get();
            } else {
                state.sinceLast++;
                if (now - state.lastLoggedMs < SUMMARY_INTERVAL.toMillis()) {
                    return false;
                }
                message = subject + ": " + fault + " " + state.sinceLast + " more time" + (state.sinceLast == 1 ? "" : "s")
                        + " in the last " + Duration.ofMillis(now - state.lastLoggedMs).toSeconds() + " s ("
                        + state.total + " in all; the counters hold every one)";
                state.sinceLast = 0;
                state.lastLoggedMs = now;
                cause = null; // the first line carried the stack trace
            }
        }
        if (cause != null) {
            log.log(Level.WARNING, message, cause);
        } else {
            log.log(Level.WARNING, message);
        }
        return true;
    }

    /**
     * @param subject as given to {@link #report}
     * @param fault   as given to {@link #report}
     * @return how many times that fault was reported
     */
    public long count(String subject, String fault) {
        Fault state = faults.get(subject + '\u0000' + fault);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            return state.total;
        }
    }

    private static final class Fault {
        long total;
        long sinceLast;
        long lastLoggedMs;
    }
}
