package io.peerpulse.testkit;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.virtualtime.ScriptedReplies;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

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
 * <p>Thread-safe: steps may be added while other threads read. The script itself is a
 * {@link ScriptedReplies} of {@link RttReading}s.
 *
 * @since 0.1.0
 */
public final class ScriptedRttSource implements RttSource {

    private final ScriptedReplies<RttReading> script = new ScriptedReplies<>(RttReading.stale());

    /**
     * Creates a source with an empty script that answers {@link RttReading#stale()}.
     *
     * @since 0.1.0
     */
    public ScriptedRttSource() {
    }

    /**
     * A source that answers {@code reading} to every read.
     *
     * @param reading the answer
     * @return the source
     * @since 0.1.0
     */
    public static ScriptedRttSource repeating(RttReading reading) {
        return new ScriptedRttSource().orElse(reading);
    }

    /**
     * @param reading the next answer
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource then(RttReading reading) {
        script.then(reading);
        return this;
    }

    /**
     * @param rttMs the next answer's RTT, as {@link RttReading#measured(double)}
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenMeasured(double rttMs) {
        return then(RttReading.measured(rttMs));
    }

    /**
     * @param rttMs            the next answer's RTT
     * @param timestampEpochMs its own timestamp, as {@link RttReading#measured(double, long)}
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenMeasured(double rttMs, long timestampEpochMs) {
        return then(RttReading.measured(rttMs, timestampEpochMs));
    }

    /**
     * @return this source, its next answer {@link RttReading#stale()}
     * @since 0.1.0
     */
    public ScriptedRttSource thenStale() {
        return then(RttReading.stale());
    }

    /**
     * @param reason the next answer's reason, as {@link RttReading#unavailable(String)}
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenUnavailable(String reason) {
        return then(RttReading.unavailable(reason));
    }

    /**
     * @param failure the exception the next read's stage completes with
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenFail(Throwable failure) {
        script.thenFail(failure);
        return this;
    }

    /**
     * @param exception thrown by the next {@link #read()} itself
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenThrow(RuntimeException exception) {
        script.thenThrow(exception);
        return this;
    }

    /**
     * The next read completes only when the test completes it through {@link #pendingReads()}.
     *
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenHang() {
        script.thenHang();
        return this;
    }

    /**
     * The next {@link #read()} returns {@code null}, a contract violation a telemetry must survive.
     *
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource thenReturnNull() {
        script.thenReturnNull();
        return this;
    }

    /**
     * @param reading the answer once the script is used up
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource orElse(RttReading reading) {
        script.orElse(reading);
        return this;
    }

    /**
     * Once the script is used up, every read hangs.
     *
     * @return this source
     * @since 0.1.0
     */
    public ScriptedRttSource orElseHang() {
        script.orElseHang();
        return this;
    }

    /** {@inheritDoc} Returns {@code null} for a {@link #thenReturnNull()} step, breaking the contract on purpose. */
    @Override
    public @Nullable CompletionStage<RttReading> read() {
        return script.next();
    }

    /**
     * @return how many times {@link #read()} was called
     * @since 0.1.0
     */
    public int readCount() {
        return script.callCount();
    }

    /**
     * @return reads started and not yet completed
     * @since 0.1.0
     */
    public int inFlightCount() {
        return script.inFlightCount();
    }

    /**
     * @return the most reads ever in flight at once
     * @since 0.1.0
     */
    public int maxConcurrentReadCount() {
        return script.maxInFlightCount();
    }

    /**
     * @return the hung reads not yet completed, oldest first; completing one delivers it
     * @since 0.1.0
     */
    public List<CompletableFuture<RttReading>> pendingReads() {
        return script.pendingReplies();
    }

    /**
     * @return steps of the script not yet used
     * @since 0.1.0
     */
    public int remainingStepCount() {
        return script.remainingStepCount();
    }
}
