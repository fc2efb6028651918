package io.peerpulse.telemetry;

import io.peerpulse.telemetry.shared.Durations;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.LongSupplier;

/**
 * The one WARNING of the JVM that polls start late: when a poll of any telemetry starts more than its
 * {@link TelemetryOptions#latePollThreshold()} behind its fixed-rate schedule, and no such warning was logged in
 * the last {@link #PERIOD_NANOS 60 s}, one line says how late, of which telemetry, and how many late polls the JVM
 * counted since the previous line, at most how far behind; the late polls in between are only counted. So 500
 * sessions on a machine that runs out of CPU give one line a minute, not 500. Each telemetry's own count is in its
 * {@link TelemetryCounters}.
 *
 * <p>The period is timed on the late telemetry's {@link TelemetryOptions#nanoClock()}. Telemetries on another
 * clock (a test's virtual time) have a period of their own, kept apart: a time of one clock says nothing of
 * another's. Every telemetry of default options shares one clock, {@code System::nanoTime}. Thread-safe.
 */
final class LatePolls {

    /** The least time between two warnings: 60 s. */
    static final long PERIOD_NANOS = 60_000_000_000L;

    private static final System.Logger LOG = System.getLogger(LatencyTelemetry.class.getName());
    private static final LatePolls JVM = new LatePolls();

    /** Per clock, under this object's monitor: when the last warning was, and what came since. */
    private final Map<LongSupplier, Period> periods = new WeakHashMap<>();

    private static final class Period {
        long warnedAtNanos;
        long lateSince;
        long maxSinceNanos;
    }

    private LatePolls() {
    }

    /** @return the JVM's one instance */
    static LatePolls jvm() {
        return JVM;
    }

    /**
     * Counts one late poll, and logs the warning when the period since the last one has passed.
     *
     * @param options   the late telemetry's options (its name, interval and clock)
     * @param nowNanos  its {@code nanoClock} when the poll started
     * @param lateNanos how far behind its schedule the poll started
     */
    void late(TelemetryOptions options, long nowNanos, long lateNanos) {
        long count;
        long max;
        synchronized (this) {
            Period period = periods.get(options.nanoClock());
            if (period == null) {
                period = new Period();
                periods.put(options.nanoClock(), period);
            } else if (nowNanos - period.warnedAtNanos < PERIOD_NANOS) {
                period.lateSince++;
                period.maxSinceNanos = Math.max(period.maxSinceNanos, lateNanos);
                return;
            }
            count = period.lateSince;
            max = period.maxSinceNanos;
            period.warnedAtNanos = nowNanos;
            period.lateSince = 0;
            period.maxSinceNanos = 0;
        }
        String name = options.name().map(n -> "'" + n + "'").orElse("without a name");
        LOG.log(Level.WARNING, () -> "Polls start late: a poll of telemetry " + name + " started "
                + Durations.format(lateNanos) + " behind its schedule (every " + Durations.format(options.pollInterval())
                + ", late beyond " + Durations.format(options.latePollThreshold()) + ")"
                + (count > 0 ? "; " + count + " more late polls in this JVM since the previous warning, up to "
                + Durations.format(max) + " behind" : "")
                + ". The machine or the polling thread does not keep up: samples come less often than asked. Each"
                + " telemetry counts its late polls (TelemetryCounters.latePollCount); this warning comes at most once"
                + " a minute for the whole JVM");
    }
}
