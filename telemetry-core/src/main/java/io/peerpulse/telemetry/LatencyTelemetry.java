package io.peerpulse.telemetry;

import io.peerpulse.telemetry.SourceFaults.Fault;
import io.peerpulse.telemetry.internal.PollGrid;
import io.peerpulse.telemetry.internal.PollRecording;
import io.peerpulse.telemetry.internal.RttWindow;
import io.peerpulse.telemetry.internal.SessionHistogram;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.StampedLock;
import java.util.function.BiConsumer;

/**
 * Polls one {@link RttSource} on a scheduler and keeps the RTT samples it measures, with exact
 * statistics over a window of the last {@code maxSamples} and aggregates over the whole session.
 *
 * <p><b>Never blocking.</b> A poll calls {@link RttSource#read()}, which returns at once, and is
 * done; the answer is recorded by whichever thread completes the stage. At most one read is in
 * flight: a poll that falls due meanwhile counts {@code skipped}. A read not answered within
 * {@code readTimeout} counts {@code failed} and its late answer is ignored. Nothing a source does
 * (throwing, failing, answering {@code null} or nonsense) stops the periodic poll.
 *
 * <p><b>Isolation.</b> A {@code read()} that keeps the polling thread longer than
 * {@link TelemetryOptions#blockingReadThreshold()} (timed with the monotonic clock on the polling thread)
 * breaks the {@link RttSource} contract. On the shared scheduler this telemetry then reads its sources on
 * the JVM's isolated-read pool (at most {@code max(4, 2 × cores)} daemon threads) from the next poll on, for
 * the rest of its life, so that the other telemetries keep their schedule; with a scheduler of the caller's
 * own the source is only warned about. Polls, timeouts and counters
 * stay on the scheduler; a read waiting for a pool thread counts against its {@code readTimeout}.
 *
 * <p><b>Diagnostics.</b> A source that blocks, throws, returns {@code null}, fails a read, answers
 * {@code null} or does not answer within {@code readTimeout} is logged at WARNING, naming the source's class
 * and the telemetry's {@link TelemetryOptions#name() name}: the first time each fault happens, then a summary
 * at most every minute of the telemetry clock. The counters count every one.
 *
 * <p><b>Every poll counted once.</b> See {@link TelemetryCounters}. A read still in flight when
 * {@link #stop()} is called is abandoned: its answer is neither recorded nor counted.
 *
 * <p><b>Thread safety.</b> Every method may be called from any thread. {@link #getStats()},
 * {@link #getSamples()}, {@link #getCounters()} and {@link #getSessionStats()} return consistent
 * snapshots; {@link #getSummary()} and {@link #getLastSample()} do not lock at all (optimistic
 * reads), so a game loop may call them every frame. Recording a sample allocates nothing.
 *
 * @since 0.1.0
 */
public final class LatencyTelemetry implements AutoCloseable {

    /** Largest plausible RTT; larger values are counted {@code rejected}. */
    public static final double MAX_PLAUSIBLE_RTT_MS = 60_000;

    private static final System.Logger LOG = System.getLogger(LatencyTelemetry.class.getName());
    /** A reading without its own timestamp: the poll's end time stamps the sample. */
    private static final long NO_TIMESTAMP = Long.MIN_VALUE;

    static {
        PollRecording.install(LatencyTelemetry::replay);
    }

    private final TelemetryOptions options;
    private final ScheduledExecutorService scheduler;
    private final long pollIntervalNanos;
    private final long readTimeoutNanos;
    private final SourceFaults faults;
    private final ReadDispatch reads;

    private volatile RttSource source;

    private final Object lifecycle = new Object();
    /** Guarded by {@link #lifecycle}. */
    private Future<?> pollTask;
    /** The current run; {@code null} when stopped. Written under the write lock, so no answer lands after stop(). */
    private volatile Run currentRun;
    private final AtomicReference<Read> inFlight = new AtomicReference<>();
    private final List<TelemetryListener> listeners = new CopyOnWriteArrayList<>();
    /**
     * Polls recorded and not yet reported to the listeners; guarded by itself. {@link #stop()} waits for it to
     * reach what the stopping thread itself is reporting, so that every poll a stopped telemetry recorded has
     * reached its listeners when {@code stop()} returns.
     */
    private final int[] reporting = new int[1];
    /** How many polls this thread is reporting right now: a listener may call {@link #stop()}. */
    private static final ThreadLocal<int[]> REPORTING_HERE = ThreadLocal.withInitial(() -> new int[1]);

    /** Guards everything below. */
    private final StampedLock lock = new StampedLock();
    private final RttWindow window;
    private final SessionHistogram session = new SessionHistogram();
    private long lastTimestamp;
    private double lastRttMs;
    private NetworkPath path;
    private long pathChanges;
    private long measured;
    private long stale;
    private long unavailable;
    private long failed;
    private long rejected;
    private long skipped;

    /**
     * A telemetry with {@link TelemetryOptions#defaults()}.
     *
     * @param source the source to poll
     */
    public LatencyTelemetry(RttSource source) {
        this(source, TelemetryOptions.defaults());
    }

    /**
     * A telemetry; it polls only after {@link #start()}.
     *
     * @param source  the source to poll
     * @param options the options
     */
    public LatencyTelemetry(RttSource source, TelemetryOptions options) {
        this.source = Objects.requireNonNull(source, "source");
        this.options = Objects.requireNonNull(options, "options");
        this.scheduler = options.scheduler();
        this.pollIntervalNanos = options.pollInterval().toNanos();
        this.readTimeoutNanos = options.readTimeout().toNanos();
        this.faults = new SourceFaults(options);
        this.reads = new ReadDispatch(options, faults);
        this.window = new RttWindow(options.maxSamples());
    }

    /**
     * Starts polling every {@code pollInterval}, the first poll after {@code firstPollDelay}: by default at
     * the next tick of a random slot of the JVM's poll grid, whose phase is random (see
     * {@link TelemetryOptions}). Does nothing when running.
     *
     * @throws IllegalStateException when the scheduler rejects the task (e.g. it was shut down)
     */
    public void start() {
        synchronized (lifecycle) {
            if (pollTask != null) {
                return;
            }
            Run run = new Run();
            long stamp = lock.writeLock();
            currentRun = run;
            lock.unlockWrite(stamp);
            try {
                pollTask = scheduler.scheduleAtFixedRate(() -> poll(run), firstPollDelayNanos(), pollIntervalNanos,
                        TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                stamp = lock.writeLock();
                currentRun = null;
                lock.unlockWrite(stamp);
                throw new IllegalStateException("the scheduler rejected the poll task: " + scheduler, e);
            }
        }
    }

    /** The delay set, else the time to the next tick of a random slot of the JVM's poll grid. */
    private long firstPollDelayNanos() {
        return options.firstPollDelay().map(Duration::toNanos).orElseGet(() -> PollGrid.jvm()
                .delayToNextTick(options.nanoClock().getAsLong(), pollIntervalNanos, PollGrid.randomSlot()));
    }

    /**
     * Stops polling; samples, statistics and counters are kept. Does nothing when stopped. Nothing is
     * recorded after it returns; a poll recorded just before may still be on its way to the listeners:
     * {@link #awaitListeners()} waits for it.
     */
    public void stop() {
        synchronized (lifecycle) {
            if (pollTask == null) {
                return;
            }
            pollTask.cancel(false);
            pollTask = null;
            long stamp = lock.writeLock();
            currentRun = null;
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Waits until every poll recorded so far has been reported to the listeners; polls this thread is
     * reporting itself (a listener calling this) are not waited for. After {@link #stop()} it makes the
     * statistics and what the listeners were told agree: a session calls it before building its final report.
     * Never call it while holding a lock that a listener takes.
     *
     * @since 0.1.0
     */
    public void awaitListeners() {
        int mine = REPORTING_HERE.get()[0];
        boolean interrupted = false;
        synchronized (reporting) {
            while (reporting[0] > mine) {
                try {
                    reporting.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void reported(int[] here) {
        here[0]--;
        synchronized (reporting) {
            if (--reporting[0] == 0) {
                reporting.notifyAll();
            }
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** @return whether the telemetry is polling */
    public boolean isRunning() {
        return currentRun != null;
    }

    /**
     * Polls {@code next} from the next poll on, keeping every sample. A read of the previous source
     * still in flight is recorded when it is answered in time.
     *
     * @param next the new source
     */
    public void switchSource(RttSource next) {
        this.source = Objects.requireNonNull(next, "next");
    }

    /**
     * Adds a listener told of every poll from now on; see {@link TelemetryListener} for its threads.
     *
     * @param listener the listener
     */
    public void addListener(TelemetryListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Removes a listener.
     *
     * @param listener the listener
     * @return whether it was registered
     */
    public boolean removeListener(TelemetryListener listener) {
        return listeners.remove(listener);
    }

    /** @return the source polled now */
    public RttSource source() {
        return source;
    }

    /** @return the options */
    public TelemetryOptions options() {
        return options;
    }

    /**
     * Whether a {@code read()} blocked the polling thread, so that this telemetry's reads run on the
     * isolated-read pool.
     *
     * @return {@code true} once isolated
     * @since 0.1.0
     */
    public boolean isIsolated() {
        return reads.isolated();
    }

    /**
     * The statistics of the window with its samples: a consistent snapshot. The samples are copied
     * once, as primitive arrays; their {@link RttSample} records are made as they are read.
     *
     * @return the statistics, empty when no sample was recorded
     */
    public Optional<LatencyStats> getStats() {
        List<RttSample> samples;
        LatencySummary summary;
        long stamp = lock.readLock();
        try {
            if (window.count() == 0) {
                return Optional.empty();
            }
            samples = window.snapshot();
            summary = summarize();
        } finally {
            lock.unlockRead(stamp);
        }
        return Optional.of(new LatencyStats(summary.sampleCount(), summary.minMs(), summary.maxMs(),
                summary.meanMs(), summary.medianMs(), summary.p95Ms(), summary.p99Ms(), summary.stdDevMs(),
                summary.jitterMs(), summary.totalSampleCount(), samples));
    }

    /**
     * The statistics of the window without its samples. Does not lock: a game loop may call it
     * every frame.
     *
     * @return the summary, empty when no sample was recorded
     */
    public Optional<LatencySummary> getSummary() {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            try {
                LatencySummary summary = window.count() == 0 ? null : summarize();
                if (lock.validate(stamp)) {
                    return Optional.ofNullable(summary);
                }
            } catch (RuntimeException torn) {
                // a torn optimistic read; fall through to the read lock
            }
        }
        stamp = lock.readLock();
        try {
            return window.count() == 0 ? Optional.empty() : Optional.of(summarize());
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * The newest sample. Does not lock.
     *
     * @return the newest sample, empty when no sample was recorded
     */
    public Optional<RttSample> getLastSample() {
        long stamp = lock.tryOptimisticRead();
        long total = window.total();
        long timestamp = lastTimestamp;
        double rtt = lastRttMs;
        if (!lock.validate(stamp)) {
            stamp = lock.readLock();
            try {
                total = window.total();
                timestamp = lastTimestamp;
                rtt = lastRttMs;
            } finally {
                lock.unlockRead(stamp);
            }
        }
        return total == 0 ? Optional.empty() : Optional.of(new RttSample(timestamp, rtt));
    }

    /**
     * The samples of the window.
     *
     * @return an independent, unmodifiable copy, oldest first
     */
    public List<RttSample> getSamples() {
        long stamp = lock.readLock();
        try {
            return window.snapshot();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * Aggregates over every sample since the telemetry was created, evicted ones included.
     *
     * @return the aggregates, empty when no sample was recorded
     */
    public Optional<SessionLatencyStats> getSessionStats() {
        long stamp = lock.readLock();
        try {
            if (session.count() == 0) {
                return Optional.empty();
            }
            return Optional.of(new SessionLatencyStats(session.count(), session.min(), session.max(),
                    session.mean(), session.quantile(0.5), session.quantile(0.95), session.quantile(0.99)));
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * The network path of the latest reading that named one (a measured or stale reading); kept
     * while the connection is unavailable.
     *
     * @return the path, empty when no reading named one
     */
    public Optional<NetworkPath> getPath() {
        long stamp = lock.readLock();
        try {
            return Optional.ofNullable(path);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** @return how many times the path named by readings changed, the first path not counted */
    public long getPathChanges() {
        long stamp = lock.readLock();
        try {
            return pathChanges;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** @return how every poll so far ended, a consistent snapshot */
    public TelemetryCounters getCounters() {
        long stamp = lock.readLock();
        try {
            return new TelemetryCounters(measured + stale + unavailable + failed + rejected + skipped,
                    measured, stale, unavailable, failed, rejected, skipped);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private LatencySummary summarize() {
        return LatencySummary.of(window);
    }

    // ---- polling -------------------------------------------------------------------------------

    private void poll(Run run) {
        Read read = null;
        try {
            if (currentRun != run) {
                return; // a run that stop() ended; the scheduler may still run a last time
            }
            read = new Read(run);
            if (!inFlight.compareAndSet(null, read)) {
                read = null;
                end(run, PollOutcome.SKIPPED, 0, NO_TIMESTAMP, null);
                return;
            }
            if (reads.isolated()) {
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
            // timeout: the poll failed and polling goes on. A fatal JVM error is counted, then rethrown.
            if (read != null) {
                read.finish(null, t, Fault.THREW);
            } else {
                LOG.log(Level.WARNING, "telemetry poll failed outside of a read", t);
            }
            if (t instanceof VirtualMachineError fatal) {
                throw uncaught(fatal);
            }
        }
    }

    private void accept(Read read, RttReading reading, Throwable error, Fault fault) {
        if (error != null) {
            Fault what = fault != null ? fault : Fault.FAILED;
            if (currentRun == read.run) {
                faults.readFailed(read.source, what, error);
            }
            end(read.run, PollOutcome.FAILED, 0, NO_TIMESTAMP, null);
            return;
        }
        if (reading == null) {
            if (currentRun == read.run) {
                faults.nullReading(read.source);
            }
            end(read.run, PollOutcome.FAILED, 0, NO_TIMESTAMP, null);
            return;
        }
        if (reading instanceof RttReading.Measured m) {
            double rtt = m.rttMs();
            if (!(rtt >= 0 && rtt <= MAX_PLAUSIBLE_RTT_MS)) {
                LOG.log(Level.DEBUG, () -> "implausible RTT rejected: " + rtt + " ms");
                end(read.run, PollOutcome.REJECTED, 0, NO_TIMESTAMP, null);
                return;
            }
            long own = m.timestampEpochMs().isPresent() ? m.timestampEpochMs().getAsLong() : NO_TIMESTAMP;
            end(read.run, PollOutcome.MEASURED, rtt, own, m.path().orElse(null));
        } else if (reading instanceof RttReading.Stale s) {
            end(read.run, PollOutcome.STALE, 0, NO_TIMESTAMP, s.path().orElse(null));
        } else {
            end(read.run, PollOutcome.UNAVAILABLE, 0, NO_TIMESTAMP, null);
        }
    }

    /**
     * Records how a poll of {@code run} ended, unless the run was stopped meanwhile; then tells the
     * listeners. The clock is read once: the poll's end time, which also stamps a sample without its own.
     */
    private void end(Run run, PollOutcome outcome, double rttMs, long ownTimestamp, NetworkPath readPath) {
        long now = options.clock().millis();
        long timestamp = ownTimestamp == NO_TIMESTAMP ? now : ownTimestamp;
        NetworkPath previousPath;
        NetworkPath newPath;
        boolean report;
        long stamp = lock.writeLock();
        try {
            if (currentRun != run) {
                return;
            }
            newPath = readPath != null && !readPath.equals(path) ? readPath : null;
            previousPath = newPath == null ? null : path;
            record(outcome, timestamp, rttMs, newPath);
            report = !listeners.isEmpty();
            if (report) {
                // counted under the write lock: a stop() that clears the run afterwards waits for this report
                synchronized (reporting) {
                    reporting[0]++;
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if (report) {
            int[] here = REPORTING_HERE.get();
            here[0]++;
            try {
                // allocated only for listeners: recording itself allocates nothing
                RttSample sample = outcome == PollOutcome.MEASURED ? new RttSample(timestamp, rttMs) : null;
                notifyListeners(new PollEvent(outcome, now, sample, previousPath, newPath));
            } finally {
                reported(here);
            }
        }
    }

    /** Applies a journaled event as a poll ending with it; see {@link PollRecording}. */
    private void replay(PollEvent event) {
        RttSample sample = event.sample();
        if (sample != null && !(sample.rttMs() >= 0 && sample.rttMs() <= MAX_PLAUSIBLE_RTT_MS)) {
            throw new IllegalArgumentException("not a plausible RTT: " + sample.rttMs() + " ms");
        }
        long stamp = lock.writeLock();
        try {
            if (event.pathChanged() && !Objects.equals(event.previousPath(), path)) {
                throw new IllegalArgumentException("the event changes the path from " + event.previousPath()
                        + ", but it is " + path);
            }
            record(event.outcome(), sample == null ? 0 : sample.timestamp(), sample == null ? 0 : sample.rttMs(),
                    event.path());
        } finally {
            lock.unlockWrite(stamp);
        }
        notifyListeners(event);
    }

    /**
     * The one place a poll's result enters the state, for live polls and replayed events alike; under
     * the write lock.
     *
     * @param newPath the path named by the reading when it differs from the current one, else {@code null}
     */
    private void record(PollOutcome outcome, long timestamp, double rttMs, NetworkPath newPath) {
        if (newPath != null) {
            if (path != null) {
                pathChanges++;
            }
            path = newPath;
        }
        switch (outcome) {
            case MEASURED -> {
                measured++;
                window.add(timestamp, rttMs);
                session.record(rttMs);
                lastTimestamp = timestamp;
                lastRttMs = rttMs;
            }
            case STALE -> stale++;
            case UNAVAILABLE -> unavailable++;
            case FAILED -> failed++;
            case REJECTED -> rejected++;
            case SKIPPED -> skipped++;
        }
    }

    /** One call per listener; one that throws misses nothing else and stops no other. */
    private void notifyListeners(PollEvent event) {
        for (TelemetryListener listener : listeners) {
            try {
                listener.pollEnded(event);
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "a TelemetryListener failed: " + listener, t);
            }
        }
    }

    /**
     * Hands a fatal error to the current thread's uncaught-exception handler before it is rethrown: polls
     * and answers run as scheduled tasks and {@code CompletableFuture} callbacks, which would otherwise keep
     * the error in a future nobody reads.
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

    /** One start()…stop() period: answers of an earlier run are ignored. */
    private static final class Run {
    }

    /** One read: answered, failed or timed out, whichever comes first, exactly once; see {@link ReadDispatch}. */
    final class Read implements BiConsumer<RttReading, Throwable> {
        final Run run;
        final RttSource source = LatencyTelemetry.this.source;
        final AtomicBoolean done = new AtomicBoolean();
        volatile Future<?> timeout;

        Read(Run run) {
            this.run = run;
        }

        @Override
        public void accept(RttReading reading, Throwable error) {
            finish(reading, error, null);
        }

        /** @return whether the run this read belongs to was stopped */
        boolean runEnded() {
            return currentRun != run;
        }

        void timeout() {
            finish(null, new java.util.concurrent.TimeoutException(
                    "no answer within readTimeout " + options.readTimeout()), Fault.TIMED_OUT);
        }

        void finish(RttReading reading, Throwable error, Fault fault) {
            if (!done.compareAndSet(false, true)) {
                return; // already answered or timed out: a late answer is ignored
            }
            Future<?> pending = timeout;
            if (pending != null) {
                pending.cancel(false);
            }
            try {
                LatencyTelemetry.this.accept(this, reading, error, fault);
            } catch (VirtualMachineError fatal) {
                throw uncaught(fatal);
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "recording an RTT reading failed", t);
            } finally {
                // Only now may the next read start: samples are recorded in the order they were read.
                inFlight.compareAndSet(this, null);
            }
        }
    }
}
