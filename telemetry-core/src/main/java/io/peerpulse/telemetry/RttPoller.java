package io.peerpulse.telemetry;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.shared.Redaction;
import io.peerpulse.telemetry.SourceFaults.Fault;
import io.peerpulse.telemetry.internal.PollGrid;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * Polls one {@link RttSource} on {@link TelemetryOptions#scheduler()} and hands how each poll ended, a
 * {@link PollEvent}, to one sink; it keeps no samples and no counters. Whoever owns the state applies the
 * events, e.g. to a {@link LatencyRecord}: {@link LatencyTelemetry} is such a poller with a record.
 *
 * <p><b>Never blocking.</b> A poll calls {@link RttSource#read()}, which returns at once, and is
 * done; the answer is handed on by whichever thread completes the stage. At most one read of the current
 * run ({@link #start()} to {@link #stop()}) is in flight: a poll that falls due meanwhile ends
 * {@link PollOutcome#SKIPPED}; a read of a stopped run is abandoned and holds no poll of a later run. A read
 * not answered within {@code readTimeout} (timed on the scheduler) ends {@link PollOutcome#FAILED} and its late
 * answer is ignored. Nothing a source does (throwing, failing, answering {@code null} or nonsense, blocking) stops
 * the periodic poll; a fatal JVM error ({@code OutOfMemoryError}) is handed to the thread's uncaught-exception
 * handler, and polling goes on.
 *
 * <p><b>Isolation.</b> Everything a source does on the polling thread — {@code read()} and attaching to the
 * stage it returns — is timed with {@link TelemetryOptions#nanoClock()}. A source that gives evidence of
 * blocking that thread, by the rule stated at {@link TelemetryOptions#blockingReadThreshold()} (a few slow
 * calls among its recent ones, not one slow call on a loaded machine), breaks the {@link RttSource} contract.
 * On the shared scheduler this poller then reads its sources on the JVM's isolated-read pool from the next poll
 * on, for the rest of its life; with a scheduler of the caller's own the source is only warned about. A read
 * waiting for a pool thread counts against its {@code readTimeout}.
 *
 * <p><b>Diagnostics.</b> A source that blocks, throws, returns {@code null}, fails a read, answers
 * {@code null} or does not answer within {@code readTimeout} is logged at WARNING (on the logger named
 * after {@link LatencyTelemetry}), naming the source's class and {@link TelemetryOptions#name()}, rate-limited
 * per fault kind (the source's class and the fault) for the whole JVM: the first occurrence in the JVM, then a
 * summary of all telemetries' at most every minute of the {@link TelemetryOptions#nanoClock() nanoClock}
 * (telemetry-core's README: the WARNING rule).
 *
 * <p><b>The events.</b> Each poll ends with one event, handed to the sink on the thread that ended it
 * (see {@link TelemetryListener}), never while this poller holds a lock. Its {@code timestampEpochMs} is
 * {@link TelemetryOptions#clock()} read once when the poll ends, which also stamps a sample whose reading
 * carried no time of its own. It carries {@code previousPath}/{@code path} only when the reading named
 * another path than the last one read, or named the first path read since {@link #switchSource} (then from none
 * when it is the last one read: a source's first path, which its owner may not hold, after other views moved it). A poll of a run that {@link #stop()} ended is not handed on; a
 * hand-over already under way when {@code stop()} is called may finish.
 *
 * @since 0.1.0
 */
public final class RttPoller implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RttPoller.class.getName());
    /** A reading without its own timestamp: the poll's end time stamps the sample. */
    private static final long NO_TIMESTAMP = Long.MIN_VALUE;

    private final TelemetryOptions options;
    private final ScheduledExecutorService scheduler;
    private final RunSink sink;
    private final long pollIntervalNanos;
    private final long readTimeoutNanos;
    private final long latePollThresholdNanos;
    private final SourceFaults faults;
    private final ReadDispatch reads;

    /*
     * Concurrency, mechanism by mechanism:
     * - `lifecycle` (a monitor) serialises start() and stop(): it guards `pollTask` and `lastPath` and orders the
     *   writes of `currentRun`. A poll's end checks its run and names its path change under it, so that once stop()
     *   returned no read of the stopped run moves `lastPath` (a next start() may have set it: assumePath).
     * - `currentRun` (volatile) is the run whose polls are handed on, null when stopped: every poll and
     *   answer checks it, so that a stopped run's answer is not delivered.
     * - `inFlight` (an AtomicReference) holds the one read in flight; a poll that cannot claim it is skipped.
     *   A read of a run that stop() ended gives the slot up to the next claim, so that a next run never waits for it.
     * - `source` is volatile: read on any polling thread. `pathAnew` (an AtomicBoolean), set by switchSource(), is
     *   taken by the first read after it that names a path.
     * - each Read's `done` (an AtomicBoolean) lets exactly one of answer, failure and timeout end it.
     */
    private final Object lifecycle = new Object();
    private @Nullable Future<?> pollTask;
    private volatile @Nullable Run currentRun;
    private final AtomicReference<Read> inFlight = new AtomicReference<>();
    private @Nullable NetworkPath lastPath;
    private final AtomicBoolean pathAnew = new AtomicBoolean();
    private volatile RttSource source;

    /**
     * A poller; it polls only after {@link #start()}.
     *
     * @param source  the source to poll
     * @param options the options ({@code maxSampleCount} is not used: a poller keeps no samples)
     * @param sink    told of every poll, once; see {@link TelemetryListener} for its threads
     * @since 0.1.0
     */
    public RttPoller(RttSource source, TelemetryOptions options, TelemetryListener sink) {
        this(source, options, forward(Objects.requireNonNull(sink, "sink")));
    }

    /**
     * A poller whose sink is also told whether the event's run is still the current one, for an owner that must
     * not apply an event of a run it stopped, even when it has started again meanwhile ({@link LatencyTelemetry}).
     */
    static RttPoller withRunSink(RttSource source, TelemetryOptions options, RunSink sink) {
        return new RttPoller(source, options, sink);
    }

    private RttPoller(RttSource source, TelemetryOptions options, RunSink sink) {
        this.source = Objects.requireNonNull(source, "source");
        this.options = Objects.requireNonNull(options, "options");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.scheduler = options.scheduler();
        this.pollIntervalNanos = options.pollInterval().toNanos();
        this.readTimeoutNanos = options.readTimeout().toNanos();
        this.latePollThresholdNanos = options.latePollThreshold().toNanos();
        this.faults = new SourceFaults(options);
        this.reads = new ReadDispatch(options, faults);
    }

    /**
     * Starts polling every {@code pollInterval}, the first poll after {@code firstPollDelay}: by default at
     * the next tick of a random slot of the JVM's poll grid (see {@link TelemetryOptions}). Does nothing
     * when running.
     *
     * @throws IllegalStateException when the scheduler rejects the task (e.g. it was shut down)
     * @since 0.1.0
     */
    public void start() {
        synchronized (lifecycle) {
            if (pollTask != null) {
                return;
            }
            long firstDelay = firstPollDelayNanos();
            Run run = new Run(options.nanoClock().getAsLong() + firstDelay);
            currentRun = run;
            try {
                pollTask = scheduler.scheduleAtFixedRate(() -> poll(run), firstDelay, pollIntervalNanos,
                        TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                currentRun = null;
                throw new IllegalStateException("the scheduler rejected the poll task: " + scheduler, e);
            }
        }
    }

    private static RunSink forward(TelemetryListener listener) {
        return new RunSink() {
            @Override
            public void pollEnded(PollEvent event, BooleanSupplier runCurrent) {
                listener.pollEnded(event);
            }

            @Override
            public String toString() {
                return listener.toString();
            }
        };
    }

    /**
     * Told of every poll handed on, with whether the poll's run is still the current one: {@code false} once
     * {@link #stop()} ended it, also after a later {@link #start()}. A hand-over under way when {@code stop()} is
     * called may reach the sink; an owner whose {@code stop()} and {@code start()} hold a lock of its own, and which
     * asks under that lock, never applies an event of a stopped run.
     */
    interface RunSink {
        void pollEnded(PollEvent event, BooleanSupplier runCurrent);
    }

    /** The delay set, else the time to the next tick of a random slot of the JVM's poll grid. */
    private long firstPollDelayNanos() {
        return options.firstPollDelay().map(Duration::toNanos).orElseGet(() -> PollGrid.jvm()
                .delayToNextTick(options.nanoClock().getAsLong(), pollIntervalNanos, PollGrid.randomSlot()));
    }

    /**
     * Stops polling. Does nothing when stopped. A read still in flight is abandoned: its answer is not
     * handed on, and a later {@link #start()} does not wait for it (its first poll reads at once, never
     * {@link PollOutcome#SKIPPED} for it). A hand-over to the sink already under way may still finish.
     *
     * @since 0.1.0
     */
    public void stop() {
        synchronized (lifecycle) {
            if (pollTask == null) {
                return;
            }
            pollTask.cancel(false);
            pollTask = null;
            currentRun = null;
        }
    }

    /**
     * Same as {@link #stop()}.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        stop();
    }

    /**
     * @return whether the poller is polling
     * @since 0.1.0
     */
    public boolean isRunning() {
        return currentRun != null;
    }

    /**
     * Polls {@code next} from the next poll on. A read of the previous source still in flight is handed on
     * when it is answered in time. The first path read after it is handed on even when it is the last one read.
     *
     * @param next the new source
     * @since 0.1.0
     */
    public void switchSource(RttSource next) {
        this.source = Objects.requireNonNull(next, "next");
        pathAnew.set(true);
    }

    /**
     * @return the source polled now
     * @since 0.1.0
     */
    public RttSource source() {
        return source;
    }

    /**
     * @return the options
     * @since 0.1.0
     */
    public TelemetryOptions options() {
        return options;
    }

    /**
     * Whether a source blocked the polling thread (by the rule of {@link TelemetryOptions#blockingReadThreshold()}),
     * so that this poller's reads run on the isolated-read pool.
     *
     * @return {@code true} once isolated
     * @since 0.1.0
     */
    public boolean isIsolated() {
        return reads.isolated();
    }

    /**
     * Takes {@code path} as the last path read, so that the next event names a change from it: for an owner
     * whose state's path differs from what this poller last handed on (an event it dropped).
     */
    void assumePath(@Nullable NetworkPath path) {
        synchronized (lifecycle) {
            lastPath = path;
        }
    }

    // ---- polling -------------------------------------------------------------------------------

    private void poll(Run run) {
        Read read = null;
        try {
            if (currentRun != run) {
                return; // a run that stop() ended; the scheduler may still run a last time
            }
            double lateMs = lateness(run);
            read = new Read(run, lateMs);
            if (!claim(read)) {
                read = null;
                end(run, lateMs, PollOutcome.SKIPPED, 0, NO_TIMESTAMP, null);
                return;
            }
            if (reads.onPool()) {
                // The timeout starts now: waiting for a pool thread counts against it.
                read.timeout = scheduler.schedule(read::timeout, readTimeoutNanos, TimeUnit.NANOSECONDS);
                reads.readIsolated(read);
                return;
            }
            reads.read(read);
            if (!read.done.get()) {
                // Only a read still pending needs a timeout; if it completed meanwhile, cancel it again.
                read.timeout = scheduler.schedule(read::timeout, readTimeoutNanos, TimeUnit.NANOSECONDS);
                if (read.done.get()) {
                    read.timeout.cancel(false);
                }
            }
        } catch (Throwable t) {
            // The source threw (even an Error: a plugin missing a class), or the scheduler refused the
            // timeout: the poll failed and polling goes on. A fatal JVM error is handed on, not rethrown: out of
            // this periodic task it would reach nobody else (the scheduler keeps it in the task's future) and end
            // this telemetry's polling for good, with no word.
            if (read != null) {
                try {
                    read.finish(null, t, Fault.THREW);
                } catch (VirtualMachineError listeners) {
                    // a sink's fatal error on this failed poll's event, handed to the uncaught-exception handler by
                    // finish already: rethrown from here it would end the periodic poll, as above
                }
            } else {
                LOG.log(Level.WARNING, "telemetry poll failed outside of a read", Redaction.redactThrown(t));
            }
            if (t instanceof VirtualMachineError fatal) {
                uncaught(fatal);
            }
        }
    }

    /**
     * Claims the one slot for {@code read}: when it is free, or held by a read of a run that {@link #stop()} ended
     * (abandoned: its answer is dropped whenever it comes, so a restarted poller never waits for it).
     *
     * @return {@code false} when a read of the current run is in flight: the poll is skipped
     */
    private boolean claim(Read read) {
        while (true) {
            Read held = inFlight.get();
            if (held != null && !held.runEnded()) {
                return false;
            }
            if (inFlight.compareAndSet(held, read)) {
                return true;
            }
        }
    }

    private void accept(Read read, @Nullable RttReading reading, @Nullable Throwable error, @Nullable Fault fault) {
        if (error != null) {
            Fault what = fault != null ? fault : Fault.FAILED;
            if (currentRun == read.run) {
                faults.readFailed(read.source, what, error);
            }
            end(read.run, read.lateMs, PollOutcome.FAILED, 0, NO_TIMESTAMP, null);
            return;
        }
        if (reading == null) {
            if (currentRun == read.run) {
                faults.nullReading(read.source);
            }
            end(read.run, read.lateMs, PollOutcome.FAILED, 0, NO_TIMESTAMP, null);
            return;
        }
        if (reading instanceof RttReading.Measured m) {
            double rtt = m.rttMs();
            if (!(rtt >= 0 && rtt <= LatencyTelemetry.MAX_PLAUSIBLE_RTT_MS)) {
                LOG.log(Level.DEBUG, () -> "implausible RTT rejected: " + rtt + " ms");
                end(read.run, read.lateMs, PollOutcome.REJECTED, 0, NO_TIMESTAMP, null);
                return;
            }
            long own = m.timestampEpochMs().isPresent() ? m.timestampEpochMs().getAsLong() : NO_TIMESTAMP;
            end(read.run, read.lateMs, PollOutcome.MEASURED, rtt, own, m.path().orElse(null));
        } else if (reading instanceof RttReading.Stale s) {
            end(read.run, read.lateMs, PollOutcome.STALE, 0, NO_TIMESTAMP, s.path().orElse(null));
        } else {
            end(read.run, read.lateMs, PollOutcome.UNAVAILABLE, 0, NO_TIMESTAMP, null);
        }
    }

    /**
     * Hands how a poll of {@code run} ended to the sink, unless the run was stopped. The clock is read once:
     * the poll's end time, which also stamps a sample without its own.
     *
     * @param lateMs   how late the poll started, 0 on time
     * @param readPath the path the reading named, or {@code null}; only the thread ending the read in flight
     *                 passes one
     */
    private void end(Run run, double lateMs, PollOutcome outcome, double rttMs, long ownTimestamp,
                     @Nullable NetworkPath readPath) {
        if (currentRun != run) {
            return;
        }
        long now = options.clock().millis();
        NetworkPath previous;
        NetworkPath changed;
        synchronized (lifecycle) {
            if (currentRun != run) {
                return; // stopped meanwhile: its path is no longer this poller's to move (see assumePath)
            }
            previous = lastPath;
            boolean anew = readPath != null && pathAnew.compareAndSet(true, false);
            changed = readPath != null && (anew || !readPath.equals(previous)) ? readPath : null;
            if (changed != null) {
                lastPath = changed;
            }
        }
        if (changed != null && changed.equals(previous)) {
            previous = null; // named anew after switchSource: the new source's first path
        }
        RttSample sample = outcome == PollOutcome.MEASURED
                ? new RttSample(ownTimestamp == NO_TIMESTAMP ? now : ownTimestamp, rttMs) : null;
        PollEvent event = new PollEvent(outcome, now, sample, changed == null ? null : previous, changed, lateMs);
        try {
            sink.pollEnded(event, run);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable t) {
            // the sink is the application's: its text may quote a peer
            LOG.log(Level.WARNING, "the sink of an RttPoller failed: " + Redaction.redact(String.valueOf(sink)),
                    Redaction.redactThrown(t));
        }
    }

    /**
     * Hands a fatal error to the current thread's uncaught-exception handler before it is rethrown (or, in the
     * periodic poll itself, instead): polls and answers run as scheduled tasks and {@code CompletableFuture}
     * callbacks, which would otherwise keep the error in a future nobody reads.
     */
    private static VirtualMachineError uncaught(VirtualMachineError fatal) {
        Thread thread = Thread.currentThread();
        try {
            thread.getUncaughtExceptionHandler().uncaughtException(thread, fatal);
        } catch (RuntimeException ignored) {
            // a broken handler must not hide the error: it is rethrown all the same
        }
        return fatal;
    }

    /**
     * How far behind its fixed-rate schedule this poll of {@code run} starts, in ms to 1 µs, when beyond the late
     * threshold (then also told to the JVM's warning, {@link LatePolls}); else 0. The scheduler runs a late poll's
     * successors at once to catch up, so the k-th poll is due at the first due time plus k intervals.
     */
    private double lateness(Run run) {
        long now = options.nanoClock().getAsLong();
        long lateNanos = now - (run.firstDueNanos + run.polls++ * pollIntervalNanos);
        if (lateNanos <= latePollThresholdNanos) {
            return 0;
        }
        LatePolls.jvm().late(options, now, lateNanos);
        return Math.round(lateNanos / 1_000.0) / 1_000.0;
    }

    /**
     * One start()…stop() period: answers of an earlier run are not handed on; as a {@link BooleanSupplier}, whether
     * it is still the current run. It also keeps the run's schedule: polls run one at a time (the scheduler never
     * overlaps a periodic task's runs), so {@code polls} needs no lock.
     */
    private final class Run implements BooleanSupplier {
        final long firstDueNanos;
        long polls;

        Run(long firstDueNanos) {
            this.firstDueNanos = firstDueNanos;
        }

        @Override
        public boolean getAsBoolean() {
            return currentRun == this;
        }
    }

    /** One read: answered, failed or timed out, whichever comes first, exactly once; see {@link ReadDispatch}. */
    final class Read implements BiConsumer<RttReading, Throwable> {
        final Run run;
        final RttSource source = RttPoller.this.source;
        final AtomicBoolean done = new AtomicBoolean();
        volatile @Nullable Future<?> timeout;
        /** The thread attaching this handler to the source's stage, while it does; see {@link ReadDispatch}. */
        volatile @Nullable Thread attaching;
        /** How long this handler ran on {@link #attaching} (a stage already complete): not the source's time. */
        long ownNanos;
        /** How late the poll started, ms; 0 on time. */
        final double lateMs;

        Read(Run run, double lateMs) {
            this.run = run;
            this.lateMs = lateMs;
        }

        @Override
        public void accept(@Nullable RttReading reading, @Nullable Throwable error) {
            if (attaching != Thread.currentThread()) {
                finish(reading, error, null);
                return;
            }
            long started = options.nanoClock().getAsLong();
            try {
                finish(reading, error, null);
            } finally {
                ownNanos += options.nanoClock().getAsLong() - started;
            }
        }

        /** @return whether the run this read belongs to was stopped */
        boolean runEnded() {
            return currentRun != run;
        }

        void timeout() {
            finish(null, new TimeoutException("no answer within readTimeout "
                    + io.peerpulse.telemetry.shared.Durations.format(options.readTimeout())),
                    Fault.TIMED_OUT);
        }

        void finish(@Nullable RttReading reading, @Nullable Throwable error, @Nullable Fault fault) {
            if (!done.compareAndSet(false, true)) {
                return; // already answered or timed out: a late answer is ignored
            }
            Future<?> pending = timeout;
            if (pending != null) {
                pending.cancel(false);
            }
            try {
                RttPoller.this.accept(this, reading, error, fault);
            } catch (VirtualMachineError fatal) {
                throw uncaught(fatal);
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "handing on an RTT reading failed", Redaction.redactThrown(t));
            } finally {
                // Only now may the next read start: events are handed on in the order they were read.
                inFlight.compareAndSet(this, null);
            }
        }
    }
}
