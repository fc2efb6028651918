package io.peerpulse.telemetry;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.SourceFaults.Fault;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;

import java.util.concurrent.CompletionStage;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Calls {@link RttSource#read()} for one {@link RttPoller}: on the polling thread, or on the
 * isolated-read pool once a call held the shared scheduler's thread longer than the blocking threshold.
 * Every call is timed with the injected nano clock; a blocking source is reported through
 * {@link SourceFaults}. The caller keeps the read in flight and its timeout. Thread-safe.
 */
final class ReadDispatch {

    private final TelemetryOptions options;
    private final long blockingThresholdNanos;
    private final LongSupplier nanoClock;
    /** {@code null} with a scheduler of the caller's own: a blocking source is then only warned about. */
    private final @Nullable Executor isolatedReads;
    private final SourceFaults faults;
    /** Set once a read blocked the polling thread: from then on reads run on {@link #isolatedReads}. */
    private volatile boolean isolated;

    ReadDispatch(TelemetryOptions options, SourceFaults faults) {
        this.options = options;
        this.blockingThresholdNanos = options.blockingReadThreshold().toNanos();
        this.nanoClock = options.nanoClock();
        this.isolatedReads = options.isolatedReadExecutor();
        this.faults = faults;
    }

    /** @return whether reads run on the isolated-read pool */
    boolean isolated() {
        return isolated;
    }

    /** Queues {@code read} on the isolated-read pool; only once {@link #isolated()}. */
    void readIsolated(RttPoller.Read read) {
        Objects.requireNonNull(isolatedReads, "isolated only where there is an isolated-read pool")
                .execute(() -> runIsolated(read));
    }

    /**
     * Calls {@code read()} on the calling thread, timing it, and hands the stage its answer's handler.
     * A source whose call took longer than the threshold is reported, and isolated when it held the
     * scheduler's thread.
     */
    void read(RttPoller.Read read) {
        RttSource polled = read.source;
        long started = nanoClock.getAsLong();
        CompletionStage<RttReading> stage;
        try {
            stage = polled.read();
        } finally {
            long took = nanoClock.getAsLong() - started;
            if (took > blockingThresholdNanos) {
                blocked(polled, took);
            }
        }
        if (stage == null) {
            read.finish(null, new NullPointerException("read() returned null"), Fault.NULL_STAGE);
            return;
        }
        stage.whenComplete(read); // runs at once when the stage is already complete
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

    private void blocked(RttSource polled, long tookNanos) {
        boolean first = !isolated;
        if (isolatedReads != null) {
            isolated = true;
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(tookNanos);
        faults.report(polled, Fault.BLOCKED, () -> Fault.BLOCKED.words + " for " + tookMs
                + " ms (the limit is " + options.blockingReadThreshold().toMillis() + " ms); "
                + (isolatedReads == null ? "it holds a thread of the scheduler given in the options. "
                        : first ? "its reads run on " + isolatedReads + " from now on, so that the other telemetries"
                        + " keep their schedule. "
                        : "its reads already run on " + isolatedReads + ". ")
                + "read() must start the read and return a stage at once");
    }
}
