package io.peerpulse.telemetry;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.shared.Redaction;
import io.peerpulse.telemetry.spi.RttSource;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * Polls one {@link RttSource} on a scheduler and keeps the RTT samples it measures, with exact
 * statistics over a window of the last {@code maxSampleCount} and aggregates over the whole session: an
 * {@link RttPoller} whose events are applied to a {@link LatencyRecord} and then told to the listeners.
 *
 * <p><b>Never blocking.</b> A poll calls {@link RttSource#read()}, which returns at once, and is
 * done; the answer is recorded by whichever thread completes the stage. At most one read is in
 * flight: a poll that falls due meanwhile counts {@code skipped}. A read not answered within
 * {@code readTimeout} counts {@code failed} and its late answer is ignored. Nothing a source does
 * (throwing, failing, answering {@code null} or nonsense) stops the periodic poll.
 *
 * <p><b>Isolation.</b> Everything a source does on the polling thread — {@code read()} and attaching to the
 * stage it returns — is timed with {@link TelemetryOptions#nanoClock()}. A source that gives evidence of
 * blocking that thread, by the rule stated at {@link TelemetryOptions#blockingReadThreshold()}, breaks the
 * {@link RttSource} contract. On the shared scheduler this telemetry then reads its sources on the JVM's
 * isolated-read pool (at most {@code max(4, 2 × cores)} daemon threads) from the next poll on, for the rest of
 * its life, so that the other telemetries keep their schedule; with a scheduler of the caller's own the source
 * is only warned about. Polls, timeouts and counters stay on the scheduler; a read waiting for a pool thread
 * counts against its {@code readTimeout}.
 *
 * <p><b>Diagnostics.</b> A source that blocks, throws, returns {@code null}, fails a read, answers
 * {@code null} or does not answer within {@code readTimeout} is logged at WARNING, naming the source's class
 * and the telemetry's {@link TelemetryOptions#name() name}, rate-limited per fault kind (the source's class and the
 * fault) for the whole JVM: the first occurrence in the JVM, then a summary of all telemetries' at most every
 * minute of the {@link TelemetryOptions#nanoClock() nanoClock} (telemetry-core's README: the WARNING rule). The
 * counters count every one. A poll that starts more than
 * {@link TelemetryOptions#latePollThreshold()} behind its fixed-rate schedule is counted late
 * ({@link TelemetryCounters#latePollCount()}, with the lateness's p99 and maximum), and a WARNING says so at most
 * once a minute for the whole JVM, however many telemetries are late.
 *
 * <p><b>Every poll counted once.</b> See {@link TelemetryCounters}. Nothing is recorded after
 * {@link #stop()} returns: a read still in flight then is abandoned, neither recorded nor counted, and a later
 * {@link #start()} does not wait for it (no poll of the new run is skipped for it).
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

    private final RttPoller poller;
    private final LatencyRecord record;

    /*
     * Concurrency in this class (the poller and the record have their own, stated there):
     * - `recording` (a monitor) puts applying a poll's event to the record and the check that the event's run is
     *   still the poller's current one under one lock that start() and stop() also take: once stop() returns, no
     *   event is being applied, none will be until the next start(), and none of the stopped run ever will (a
     *   hand-over of that run may still be under way when a next start() returns). Listeners are never called
     *   under it.
     * - `listeners` (a CopyOnWriteArrayList) may change while events are being told on any thread.
     */
    private final Object recording = new Object();
    private final List<TelemetryListener> listeners = new CopyOnWriteArrayList<>();

    /**
     * A telemetry with {@link TelemetryOptions#defaults()}.
     *
     * @param source the source to poll
     * @since 0.1.0
     */
    public LatencyTelemetry(RttSource source) {
        this(source, TelemetryOptions.defaults());
    }

    /**
     * A telemetry; it polls only after {@link #start()}.
     *
     * @param source  the source to poll
     * @param options the options
     * @since 0.1.0
     */
    public LatencyTelemetry(RttSource source, TelemetryOptions options) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(options, "options");
        this.record = new LatencyRecord(options.maxSampleCount());
        this.poller = RttPoller.withRunSink(source, options, this::pollEnded);
    }

    /**
     * Starts polling every {@code pollInterval}, the first poll after {@code firstPollDelay}: by default at
     * the next tick of a random slot of the JVM's poll grid, whose phase is random (see
     * {@link TelemetryOptions}). Does nothing when running.
     *
     * @throws IllegalStateException when the scheduler rejects the task (e.g. it was shut down)
     * @since 0.1.0
     */
    public void start() {
        synchronized (recording) {
            if (!poller.isRunning()) {
                // the poller names path changes from the recorded path, even if it handed on an event that a
                // stop() then kept from being recorded
                poller.assumePath(record.getPath().orElse(null));
                poller.start();
            }
        }
    }

    /**
     * Stops polling; samples, statistics and counters are kept. Does nothing when stopped. Nothing is
     * recorded after it returns; a poll recorded just before may still be on its way to the listeners.
     *
     * @since 0.1.0
     */
    public void stop() {
        synchronized (recording) {
            poller.stop();
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /**
     * @return whether the telemetry is polling
     * @since 0.1.0
     */
    public boolean isRunning() {
        return poller.isRunning();
    }

    /**
     * Polls {@code next} from the next poll on, keeping every sample. A read of the previous source
     * still in flight is recorded when it is answered in time.
     *
     * @param next the new source
     * @since 0.1.0
     */
    public void switchSource(RttSource next) {
        poller.switchSource(next);
    }

    /**
     * Adds a listener told of every poll from now on; see {@link TelemetryListener} for its threads.
     *
     * @param listener the listener
     * @since 0.1.0
     */
    public void addListener(TelemetryListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Removes a listener.
     *
     * @param listener the listener
     * @return whether it was registered
     * @since 0.1.0
     */
    public boolean removeListener(TelemetryListener listener) {
        return listeners.remove(listener);
    }

    /**
     * @return the source polled now
     * @since 0.1.0
     */
    public RttSource source() {
        return poller.source();
    }

    /**
     * @return the options
     * @since 0.1.0
     */
    public TelemetryOptions options() {
        return poller.options();
    }

    /**
     * Whether a source blocked the polling thread (by the rule of {@link TelemetryOptions#blockingReadThreshold()}),
     * so that this telemetry's reads run on the isolated-read pool.
     *
     * @return {@code true} once isolated
     * @since 0.1.0
     */
    public boolean isIsolated() {
        return poller.isIsolated();
    }

    /**
     * The statistics of the window with its samples: a consistent snapshot. The samples are copied
     * once, as primitive arrays; their {@link RttSample} records are made as they are read.
     *
     * @return the statistics, empty when no sample was recorded
     * @since 0.1.0
     */
    public Optional<LatencyStats> getStats() {
        return record.getStats();
    }

    /**
     * The statistics of the window without its samples. Does not lock: a game loop may call it
     * every frame.
     *
     * @return the summary, empty when no sample was recorded
     * @since 0.1.0
     */
    public Optional<LatencySummary> getSummary() {
        return record.getSummary();
    }

    /**
     * The newest sample. Does not lock.
     *
     * @return the newest sample, empty when no sample was recorded
     * @since 0.1.0
     */
    public Optional<RttSample> getLastSample() {
        return record.getLastSample();
    }

    /**
     * The samples of the window.
     *
     * @return an independent, unmodifiable copy, oldest first
     * @since 0.1.0
     */
    public List<RttSample> getSamples() {
        return record.getSamples();
    }

    /**
     * Aggregates over every sample since the telemetry was created, evicted ones included.
     *
     * @return the aggregates, empty when no sample was recorded
     * @since 0.1.0
     */
    public Optional<SessionLatencyStats> getSessionStats() {
        return record.getSessionStats();
    }

    /**
     * The network path of the latest reading that named one (a measured or stale reading); kept
     * while the connection is unavailable.
     *
     * @return the path, empty when no reading named one
     * @since 0.1.0
     */
    public Optional<NetworkPath> getPath() {
        return record.getPath();
    }

    /**
     * @return how many times the path named by readings changed, the first path not counted
     * @since 0.1.0
     */
    public long getPathChangeCount() {
        return record.getPathChangeCount();
    }

    /**
     * @return how every poll so far ended, a consistent snapshot
     * @since 0.1.0
     */
    public TelemetryCounters getCounters() {
        return record.getCounters();
    }

    // ---- recording -----------------------------------------------------------------------------

    /**
     * The poller's sink: records the event while its run is the poller's current one, then tells the listeners,
     * outside the lock.
     */
    private void pollEnded(PollEvent event, BooleanSupplier runCurrent) {
        PollEvent recorded;
        synchronized (recording) {
            if (!runCurrent.getAsBoolean()) {
                return; // stop() was called while the poller handed the event on (and maybe start() since)
            }
            recorded = record.apply(event); // its path change from the record's path (see LatencyRecord.apply)
        }
        notifyListeners(recorded);
    }

    /** One call per listener; one that throws misses nothing else and stops no other. */
    private void notifyListeners(PollEvent event) {
        for (TelemetryListener listener : listeners) {
            try {
                listener.pollEnded(event);
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "a TelemetryListener failed: " + Redaction.redact(String.valueOf(listener)),
                        Redaction.redactThrown(t)); // the application's text may quote a peer
            }
        }
    }
}
