package io.peerpulse.telemetry.shared;

import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Loud but rate-limited WARNINGs about misbehaving plugins, rate-limited <b>per fault kind for the whole JVM</b>,
 * not per owner: a fault that many owners (telemetries, sessions' exporters) hit at once because the machine is
 * starved gives a few lines, not one per owner.
 *
 * <p><b>The rule.</b> A kind is the logger, the plugin (e.g. {@code RTT source com.acme.Src}, {@code exporter
 * 'json'}: its class or name, never an owner's) and the fault in a few words (e.g. {@code threw in read()}). The
 * first occurrence of a kind in the JVM is logged at once with its detail, naming the plugin and the owner; later
 * ones of that kind, from any owner, are only counted, and the next occurrence at least {@link #SUMMARY_INTERVAL}
 * after the kind's last line logs one summary: how many since that line, from how many owners, the latest owner,
 * and how many in all. Occurrences after the last summary are not logged until the next one comes; each owner's
 * {@link #count} holds every one, as do the owner's own counters where it keeps one for the fault (a telemetry's
 * failed polls, a report's {@code stuckExporterCount}), which stay the source of truth. So a plugin
 * author sees the first line of each fault of their plugin in the JVM, with its detail and stack trace, and then
 * at most one line a minute per fault.
 *
 * <p><b>Per clock.</b> The interval is timed on the owner's monotonic clock, and the JVM-wide state is kept per
 * clock (by the clock's {@code equals}): a time of one clock says nothing of another's. Every telemetry and
 * session of default options shares one clock ({@code System::nanoTime}). A test on a clock of its own (a
 * {@code VirtualScheduler}'s, or {@code nanoClock(() -> System.nanoTime())}) has a JVM of its own, so another
 * test's plugins in the same JVM never silence the first line it asserts, and virtual time drives its summaries.
 * Thread-safe.
 *
 * @since 0.1.0
 */
public final class FaultLog {

    private static final long SUMMARY_SECONDS = 60;
    /** The least time between two lines of one fault kind: {@value #SUMMARY_SECONDS} s. */
    public static final Duration SUMMARY_INTERVAL = Duration.ofSeconds(SUMMARY_SECONDS);
    private static final long SUMMARY_NANOS = SUMMARY_INTERVAL.toNanos();

    /** The JVM's fault kinds per clock, under this map's monitor; a clock no one holds any more is let go. */
    private static final Map<LongSupplier, Scope> SCOPES = new WeakHashMap<>();

    private final System.Logger log;
    private final LongSupplier nanoClock;
    /**
     * The key of {@link #SCOPES} for this owner's clock, held so that the JVM-wide state lives while an owner on a
     * clock equal to it does: the key may be another owner's instance, equal to {@link #nanoClock}.
     */
    private final LongSupplier scopeKey;
    private final String owner;
    private final String owners;
    /** The JVM's kinds on this owner's clock. */
    private final Map<String, Kind> kinds;
    /** This owner's count per plugin and fault. */
    private final Map<String, Count> counts = new ConcurrentHashMap<>();

    /**
     * Runs a logging call whose failure must not skip what comes after it (a session's close() ending the session
     * and closing its sources, a queue releasing its waiters): what a broken logger throws — a custom handler's
     * fault, the JDK's formatter failing to initialise a class — is ignored. Other {@code Error}s pass.
     *
     * @param logging the logging call
     */
    public static void quietly(Runnable logging) {
        try {
            logging.run();
        } catch (RuntimeException | LinkageError broken) {
            // the logger's own fault: nothing more to tell, and the caller goes on
        }
    }

    /**
     * The faults of one owner.
     *
     * @param log       where to log
     * @param nanoClock the owner's monotonic clock in nanoseconds (e.g. {@code TelemetryOptions.nanoClock()}): it
     *                  times the interval and scopes the JVM-wide state
     * @param owner     the owner as a line names it, e.g. {@code telemetry 's1'}, {@code session 's1'}
     * @param owners    such owners in the plural, for the summaries, e.g. {@code telemetries}
     */
    public FaultLog(System.Logger log, LongSupplier nanoClock, String owner, String owners) {
        this.log = Objects.requireNonNull(log, "log");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.owners = Objects.requireNonNull(owners, "owners");
        synchronized (SCOPES) {
            Scope found = SCOPES.get(nanoClock);
            LongSupplier key = found == null ? null : found.key.get();
            Scope scope;
            if (found != null && key != null) {
                scope = found;
            } else { // none yet, or its key was collected just now: a fresh one, keyed by this clock
                scope = new Scope(nanoClock);
                SCOPES.put(nanoClock, scope);
                key = nanoClock;
            }
            this.scopeKey = key;
            this.kinds = scope.kinds;
        }
    }

    /**
     * Reports one occurrence of a fault of this owner; logs it by the rule of the class description.
     *
     * @param plugin the plugin, without the owner, e.g. {@code RTT source com.acme.Src}; with the fault the kind
     * @param fault  the fault in a few words, e.g. {@code threw in read()}
     * @param detail the first line's message after the subject ({@code <plugin> of <owner>}), made only when logged
     * @param cause  what was thrown, or {@code null}; only the first line carries it, as
     *               {@link Redaction#redactThrown}
     * @return whether a line was logged
     */
    public boolean report(String plugin, String fault, Supplier<String> detail, @Nullable Throwable cause) {
        long now = nanoClock.getAsLong();
        String key = plugin + '\u0000' + fault;
        Kind kind = kinds.computeIfAbsent(log.getName() + '\u0000' + key, k -> new Kind());
        Count mine = counts.computeIfAbsent(key, k -> new Count(kind));
        String message;
        synchronized (kind) {
            mine.total++;
            kind.total++;
            if (kind.total == 1) {
                message = plugin + " of " + owner + " " + detail.get();
            } else {
                kind.sinceLast++;
                if (mine.period != kind.period) {
                    mine.period = kind.period;
                    kind.ownersSinceLast++;
                }
                if (now - kind.lastLineNanos < SUMMARY_NANOS) {
                    return false;
                }
                message = plugin + ": " + fault + " " + kind.sinceLast + " more time" + (kind.sinceLast == 1 ? "" : "s")
                        + " in the last " + Duration.ofNanos(now - kind.lastLineNanos).toSeconds() + " s, in "
                        + kind.ownersSinceLast + " of the JVM's " + owners + ", latest in " + owner + " ("
                        + kind.total + " in all)";
                kind.sinceLast = 0;
                kind.ownersSinceLast = 0;
                cause = null; // the first line carried the stack trace
            }
            kind.lastLineNanos = now;
            kind.period++;
        }
        if (cause != null) {
            log.log(Level.WARNING, message, Redaction.redactThrown(cause)); // a plugin's message may quote its peer
        } else {
            log.log(Level.WARNING, message);
        }
        return true;
    }

    /**
     * @param plugin as given to {@link #report}
     * @param fault  as given to {@link #report}
     * @return how many times this owner reported that fault of that plugin, logged or not
     */
    public long count(String plugin, String fault) {
        Count mine = counts.get(plugin + '\u0000' + fault);
        if (mine == null) {
            return 0;
        }
        synchronized (mine.kind) {
            return mine.total;
        }
    }

    /** The JVM's kinds on one clock; it refers to its clock only weakly, so that the map can let it go. */
    private static final class Scope {
        final WeakReference<LongSupplier> key;
        final Map<String, Kind> kinds = new ConcurrentHashMap<>();

        Scope(LongSupplier key) {
            this.key = new WeakReference<>(key);
        }
    }

    /** One kind on one clock, under its own monitor. */
    private static final class Kind {
        long total;
        long sinceLast;
        long ownersSinceLast;
        long lastLineNanos;
        /** Counts the lines: an owner is counted once among {@link #ownersSinceLast} per period between lines. */
        long period;
    }

    /** One owner's occurrences of one kind, under the kind's monitor. */
    private static final class Count {
        final Kind kind;
        long total;
        /** The kind's period in which this owner was last counted among its owners; -1 never. */
        long period = -1;

        Count(Kind kind) {
            this.kind = kind;
        }
    }
}
