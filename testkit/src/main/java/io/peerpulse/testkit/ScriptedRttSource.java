package io.peerpulse.testkit;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link RttSource} that answers each {@link #read()} with the next step of a script, for tests.
 *
 * <pre>{@code
 * ScriptedRttSource source = new ScriptedRttSource()
 *         .thenMeasured(80.0)
 *         .thenStale()
 *         .thenUnavailable("closed")
 *         .thenFail(new IOException("stats failed"))   // the stage completes exceptionally
 *         .thenThrow(new IllegalStateException("bug"))  // read() itself throws
 *         .thenHang()                                   // the stage completes only when the test says
 *         .orElse(RttReading.measured(42.0));           // once the script is used up
 * }</pre>
 *
 * <p>Once the script is used up every read answers {@link RttReading#stale()}, unless
 * {@link #orElse(RttReading)} or {@link #orElseHang()} said otherwise. A hung read stays in
 * {@link #pendingReads()} until the test completes it, so a test can deliver a late answer, e.g.
 * after a read timeout or after the telemetry stopped. Stages handed to callers are minimal
 * copies: a caller cannot complete or cancel the source's own read.
 *
 * <p>Thread-safe: steps may be added while other threads read.
 *
 * @since 0.1.0
 */
public final class ScriptedRttSource implements RttSource {

    /** One scripted answer. */
    private sealed interface Step permits Reply, Fail, Throw, Hang, ReturnNull { }

    private record Reply(RttReading reading) implements Step { }

    private record Fail(Throwable failure) implements Step { }

    private record Throw(RuntimeException exception) implements Step { }

    private record Hang() implements Step { }

    private record ReturnNull() implements Step { }

    private final Deque<Step> script = new ArrayDeque<>();
    private final List<CompletableFuture<RttReading>> pending = new ArrayList<>();
    private final AtomicInteger readCount = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxConcurrentReads = new AtomicInteger();
    private Step whenExhausted = new Reply(RttReading.stale());

    /**
     * Creates a source with an empty script that answers {@link RttReading#stale()}.
     *
     * @since 0.1.0
     */
    public ScriptedRttSource() {
    }

    /**
     * Creates a source that answers every read with {@code reading}.
     *
     * @param reading the answer to every read
     * @return the source, to which steps may still be added
     * @since 0.1.0
     */
    public static ScriptedRttSource repeating(RttReading reading) {
        return new ScriptedRttSource().orElse(reading);
    }

    /**
     * Adds a step answering {@code reading}.
     *
     * @param reading the answer
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource then(RttReading reading) {
        return add(new Reply(Objects.requireNonNull(reading, "reading")));
    }

    /**
     * Adds a step answering {@link RttReading#measured(double)}.
     *
     * @param rttMs the round-trip time in milliseconds, not checked
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenMeasured(double rttMs) {
        return then(RttReading.measured(rttMs));
    }

    /**
     * Adds a step answering {@link RttReading#measured(double, long)}.
     *
     * @param rttMs            the round-trip time in milliseconds, not checked
     * @param timestampEpochMs the measurement's own wall-clock time, epoch milliseconds
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenMeasured(double rttMs, long timestampEpochMs) {
        return then(RttReading.measured(rttMs, timestampEpochMs));
    }

    /**
     * Adds a step answering {@link RttReading#stale()}.
     *
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenStale() {
        return then(RttReading.stale());
    }

    /**
     * Adds a step answering {@link RttReading#unavailable(String)}.
     *
     * @param reason the reason
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenUnavailable(String reason) {
        return then(RttReading.unavailable(reason));
    }

    /**
     * Adds a step whose stage completes exceptionally with {@code failure}.
     *
     * @param failure the failure
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenFail(Throwable failure) {
        return add(new Fail(Objects.requireNonNull(failure, "failure")));
    }

    /**
     * Adds a step in which {@link #read()} itself throws {@code exception}.
     *
     * @param exception the exception
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenThrow(RuntimeException exception) {
        return add(new Throw(Objects.requireNonNull(exception, "exception")));
    }

    /**
     * Adds a step whose stage does not complete on its own; complete it through {@link #pendingReads()}.
     *
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenHang() {
        return add(new Hang());
    }

    /**
     * Adds a step in which {@link #read()} returns {@code null}, breaking its contract.
     *
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenReturnNull() {
        return add(new ReturnNull());
    }

    /**
     * Answers {@code reading} to every read once the script is used up.
     *
     * @param reading the answer
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource orElse(RttReading reading) {
        return setWhenExhausted(new Reply(Objects.requireNonNull(reading, "reading")));
    }

    /**
     * Hangs every read once the script is used up, like {@link #thenHang()}.
     *
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource orElseHang() {
        return setWhenExhausted(new Hang());
    }

    /**
     * Answers with the next step of the script, or the step for a used-up script.
     *
     * @return the stage of this read, or {@code null} for a {@link #thenReturnNull()} step
     * @since 0.1.0
     */
    @Override
    public CompletionStage<RttReading> read() {
        readCount.incrementAndGet();
        int now = inFlight.incrementAndGet();
        maxConcurrentReads.accumulateAndGet(now, Math::max);
        Step step;
        synchronized (this) {
            step = script.isEmpty() ? whenExhausted : script.poll();
        }
        if (step instanceof Hang) {
            CompletableFuture<RttReading> read = new CompletableFuture<>();
            synchronized (this) {
                pending.add(read);
            }
            read.whenComplete((reading, failure) -> finish(read));
            return read.minimalCompletionStage();
        }
        inFlight.decrementAndGet();
        if (step instanceof Reply reply) {
            return CompletableFuture.completedStage(reply.reading());
        } else if (step instanceof Fail fail) {
            return CompletableFuture.failedStage(fail.failure());
        } else if (step instanceof Throw thrown) {
            throw thrown.exception();
        }
        return null;
    }

    /**
     * How many times {@link #read()} was called.
     *
     * @return the number of reads, whatever their outcome
     * @since 0.1.0
     */
    public int readCount() {
        return readCount.get();
    }

    /**
     * How many reads have started and not completed: hung reads not yet completed by the test.
     *
     * @return the number of reads in flight
     * @since 0.1.0
     */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * The most reads that were ever in flight at the same time, counting each read from the call
     * of {@link #read()} until its stage completes.
     *
     * @return the maximum, 0 before the first read
     * @since 0.1.0
     */
    public int maxConcurrentReads() {
        return maxConcurrentReads.get();
    }

    /**
     * The source's own futures of the hung reads not completed yet, oldest first. Completing one
     * (normally or exceptionally) answers that read and removes it from this list.
     *
     * @return a snapshot, unmodifiable
     * @since 0.1.0
     */
    public synchronized List<CompletableFuture<RttReading>> pendingReads() {
        return List.copyOf(pending);
    }

    /**
     * How many scripted steps are left before the source falls back to its used-up answer.
     *
     * @return the number of steps left
     * @since 0.1.0
     */
    public synchronized int remainingSteps() {
        return script.size();
    }

    private synchronized ScriptedRttSource add(Step step) {
        script.add(step);
        return this;
    }

    private synchronized ScriptedRttSource setWhenExhausted(Step step) {
        whenExhausted = step;
        return this;
    }

    private void finish(CompletableFuture<RttReading> read) {
        boolean removed;
        synchronized (this) {
            removed = pending.remove(read);
        }
        if (removed) {
            inFlight.decrementAndGet();
        }
    }
}
