package io.peerpulse.telemetry;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.SourceFaults.Fault;
import io.peerpulse.telemetry.internal.IsolatedReads;
import io.peerpulse.telemetry.shared.Durations;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;

import java.util.concurrent.CompletionStage;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Calls {@link RttSource#read()} for one {@link RttPoller} and attaches the answer's handler to the stage it
 * returns: on the polling thread, or on the isolated-read pool while the source is on probation after a slow
 * call and for good once it gave evidence that it blocks the polling thread. What a source does on the thread — {@code read()} and attaching to its stage,
 * less the time this poller's own handler ran there when the stage was already complete — is one <em>call</em>,
 * timed with the injected nano clock and judged by the rule of {@link TelemetryOptions#blockingReadThreshold()}:
 * its first {@value TelemetryOptions#UNCOUNTED_FIRST_CALLS} calls are not counted; a counted call is slow over
 * the threshold; {@value TelemetryOptions#SLOW_CALLS_TO_ISOLATE} slow calls among the last
 * {@value TelemetryOptions#RECENT_CALLS} counted ones are the evidence. A blocking source is reported through
 * {@link SourceFaults}. The caller keeps the read in flight and its timeout. Thread-safe.
 */
final class ReadDispatch {

    private final TelemetryOptions options;
    private final long blockingThresholdNanos;
    private final LongSupplier nanoClock;
    /** {@code null} with a scheduler of the caller's own: a blocking source is then only warned about. */
    private final @Nullable Executor isolatedReads;
    private final SourceFaults faults;
    /** Set once a source blocked the polling thread: from then on reads run on {@link #isolatedReads}. */
    private volatile boolean isolated;
    /**
     * Fast calls still to come before reads return to the polling thread after a slow call (probation), 0 when
     * they run there; only with an isolated-read pool. Written under this object's monitor.
     */
    private volatile int probation;
    /**
     * The read a task of this poller's in the isolated-read pool will run, {@code null} when none is queued: at most
     * one task waits in the pool per poller, however long every pool thread is held (by sources whose reads never
     * return); a read given meanwhile replaces the one waiting, which timed out or whose run ended.
     */
    private final AtomicReference<RttPoller.Read> waiting = new AtomicReference<>();

    /* The evidence, under this object's monitor: every call counted, and the last RECENT_CALLS counted ones. */
    private long calls;
    private final long[] recentNanos = new long[TelemetryOptions.RECENT_CALLS];
    private int recentNext;
    private int recentCount;

    ReadDispatch(TelemetryOptions options, SourceFaults faults) {
        this.options = options;
        this.blockingThresholdNanos = options.blockingReadThreshold().toNanos();
        this.nanoClock = options.nanoClock();
        this.isolatedReads = options.isolatedReadExecutor();
        this.faults = faults;
    }

    /** @return whether the source blocked the polling thread by the rule, so that its reads run on the pool for good */
    boolean isolated() {
        return isolated;
    }

    /** @return whether the next read runs on the isolated-read pool: isolated, or on probation after a slow call */
    boolean onPool() {
        return isolated || probation > 0;
    }

    /**
     * Queues {@code read} on the isolated-read pool, unless this poller's task is still queued there (it then runs
     * this read); only when {@link #onPool()}. The read of a source on
     * probation goes to the head of the queue: most likely a healthy source that was unlucky once, it must not wait
     * behind the sources isolated for blocking; and a source that does block gathers its evidence soon.
     */
    void readIsolated(RttPoller.Read read) {
        if (waiting.getAndSet(read) != null) {
            // the task queued for an earlier read has not started (every pool thread is held): it runs this read
            return;
        }
        Runnable task = this::runWaiting;
        try {
            Objects.requireNonNull(isolatedReads, "isolated only where there is an isolated-read pool")
                    .execute(isolated ? task : IsolatedReads.urgent(task));
        } catch (RuntimeException | Error refused) {
            waiting.compareAndSet(read, null); // no task queued: the next read queues one
            throw refused;
        }
    }

    /** The one task of this poller's in the pool: runs the latest read given to {@link #readIsolated}. */
    private void runWaiting() {
        RttPoller.Read read = waiting.getAndSet(null);
        if (read != null) {
            runIsolated(read);
        }
    }

    /**
     * Calls {@code read()} on the calling thread and hands the stage its answer's handler, timing both; the call
     * is judged (see the class comment) until the source is isolated.
     */
    void read(RttPoller.Read read) {
        boolean judged = !isolated;
        RttSource polled = read.source;
        long started = nanoClock.getAsLong();
        try {
            CompletionStage<RttReading> stage = polled.read();
            if (stage == null) {
                read.finish(null, new NullPointerException("read() returned null"), Fault.NULL_STAGE);
                return;
            }
            read.attaching = Thread.currentThread();
            stage.whenComplete(read); // runs the handler at once when the stage is already complete
        } finally {
            read.attaching = null;
            if (judged) {
                judge(polled, nanoClock.getAsLong() - started - read.ownNanos);
            }
        }
    }

    /** Runs a read on the isolated-read pool, unless it timed out or its run ended while it waited. */
    private void runIsolated(RttPoller.Read read) {
        if (read.done.get()) {
            return;
        }
        if (read.runEnded()) {
            read.finish(RttReading.unavailable("the telemetry stopped"), null, null); // ignored by end()
            return;
        }
        try {
            read(read);
        } catch (Throwable t) {
            read.finish(null, t, Fault.THREW);
            if (t instanceof VirtualMachineError fatal) {
                throw fatal;
            }
        }
    }

    /**
     * Counts one call of {@code tookNanos}: a slow one (counted or not) puts the source on probation, and the
     * source is reported when the evidence holds.
     */
    private void judge(RttSource polled, long tookNanos) {
        long[] slow;
        synchronized (this) {
            calls++;
            if (isolatedReads != null) {
                if (tookNanos > blockingThresholdNanos) {
                    probation = TelemetryOptions.PROBATION_FAST_CALLS;
                } else if (probation > 0) {
                    probation--;
                }
            }
            if (calls <= TelemetryOptions.UNCOUNTED_FIRST_CALLS) {
                return;
            }
            recentNanos[recentNext] = tookNanos;
            recentNext = (recentNext + 1) % recentNanos.length;
            recentCount = Math.min(recentCount + 1, recentNanos.length);
            if (tookNanos <= blockingThresholdNanos) {
                return;
            }
            int slowCount = 0;
            for (int i = 0; i < recentCount; i++) {
                if (recentNanos[i] > blockingThresholdNanos) {
                    slowCount++;
                }
            }
            if (slowCount < TelemetryOptions.SLOW_CALLS_TO_ISOLATE) {
                return;
            }
            slow = new long[slowCount];
            // oldest first: the ring's oldest entry is at recentNext once it is full
            int from = recentCount < recentNanos.length ? 0 : recentNext;
            for (int i = 0, n = 0; i < recentCount; i++) {
                long took = recentNanos[(from + i) % recentNanos.length];
                if (took > blockingThresholdNanos) {
                    slow[n++] = took;
                }
            }
        }
        blocked(polled, slow);
    }

    private void blocked(RttSource polled, long[] slowNanos) {
        boolean first = !isolated;
        if (isolatedReads != null) {
            isolated = true;
            probation = 0;
        }
        faults.report(polled, Fault.BLOCKED, () -> {
            StringBuilder took = new StringBuilder();
            for (long nanos : slowNanos) {
                took.append(took.length() == 0 ? "" : ", ").append(Durations.format(nanos));
            }
            return Fault.BLOCKED.words + ": " + slowNanos.length + " of its last " + TelemetryOptions.RECENT_CALLS
                    + " calls took longer than " + Durations.format(blockingThresholdNanos) + " (" + took + "); "
                    + TelemetryOptions.blockingRule(options.blockingReadThreshold()) + ". "
                    + (isolatedReads == null ? "It holds a thread of the scheduler given in the options. "
                    : first ? "Its reads run on " + isolatedReads + " from now on, so that the other telemetries"
                    + " keep their schedule. "
                    : "Its reads already run on " + isolatedReads + ". ")
                    + "read() must start the read and return a stage at once, and the stage must not block the"
                    + " thread that attaches to it (whenComplete)";
        });
    }
}
