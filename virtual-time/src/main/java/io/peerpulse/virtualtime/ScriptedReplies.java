package io.peerpulse.virtualtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Answers each call of {@link #next()} with the next step of a script: a value, a failed stage, a
 * thrown exception, a stage that completes only when the test says, or {@code null}. The engine of
 * scripted asynchronous collaborators in tests, such as the testkit's {@code ScriptedRttSource}.
 *
 * <pre>{@code
 * ScriptedReplies<String> replies = new ScriptedReplies<>("idle")   // once the script is used up
 *         .then("a")
 *         .thenFail(new IOException("down"))   // the stage completes exceptionally
 *         .thenHang();                          // completes when the test completes pendingReplies()
 * Supplier<CompletionStage<String>> call = replies::next;
 * }</pre>
 *
 * <p>A hung reply stays in {@link #pendingReplies()} until the test completes it. Stages handed to
 * callers are minimal copies: a caller cannot complete or cancel the script's own future.
 * Thread-safe: steps may be added while other threads call {@link #next()}.
 *
 * @param <T> the type of the replies
 * @since 0.1.0
 */
public final class ScriptedReplies<T> {

    /** One scripted answer. */
    private sealed interface Step<T> permits Reply, Fail, Throw, Hang, ReturnNull { }

    private record Reply<T>(T value) implements Step<T> { }

    private record Fail<T>(Throwable failure) implements Step<T> { }

    private record Throw<T>(RuntimeException exception) implements Step<T> { }

    private record Hang<T>() implements Step<T> { }

    private record ReturnNull<T>() implements Step<T> { }

    private final Deque<Step<T>> script = new ArrayDeque<>();
    private final List<CompletableFuture<T>> pending = new ArrayList<>();
    private final AtomicInteger callCount = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlightCount = new AtomicInteger();
    private Step<T> whenExhausted;

    /**
     * Creates an empty script.
     *
     * @param whenExhausted the reply once the script is used up
     * @since 0.1.0
     */
    public ScriptedReplies(T whenExhausted) {
        this.whenExhausted = new Reply<>(Objects.requireNonNull(whenExhausted, "whenExhausted"));
    }

    /**
     * @param value the next reply
     * @return this
     * @since 0.1.0
     */
    public ScriptedReplies<T> then(T value) {
        return add(new Reply<>(Objects.requireNonNull(value, "value")));
    }

    /**
     * @param failure the exception the next reply's stage completes with
     * @return this
     * @since 0.1.0
     */
    public ScriptedReplies<T> thenFail(Throwable failure) {
        return add(new Fail<>(Objects.requireNonNull(failure, "failure")));
    }

    /**
     * @param exception thrown by the next call of {@link #next()} itself
     * @return this
     * @since 0.1.0
     */
    public ScriptedReplies<T> thenThrow(RuntimeException exception) {
        return add(new Throw<>(Objects.requireNonNull(exception, "exception")));
    }

    /**
     * The next reply completes only when the test completes it through {@link #pendingReplies()}.
     *
     * @return this
     * @since 0.1.0
     */
    public ScriptedReplies<T> thenHang() {
        return add(new Hang<>());
    }

    /**
     * The next call of {@link #next()} returns {@code null} instead of a stage.
     *
     * @return this
     * @since 0.1.0
     */
    public ScriptedReplies<T> thenReturnNull() {
        return add(new ReturnNull<>());
    }

    /**
     * @param value the reply once the script is used up
     * @return this
     * @since 0.1.0
     */
    public ScriptedReplies<T> orElse(T value) {
        return setWhenExhausted(new Reply<>(Objects.requireNonNull(value, "value")));
    }

    /**
     * Once the script is used up, every reply hangs.
     *
     * @return this
     * @since 0.1.0
     */
    public ScriptedReplies<T> orElseHang() {
        return setWhenExhausted(new Hang<>());
    }

    /**
     * Takes the next step of the script.
     *
     * @return the reply's stage, or {@code null} for a {@link #thenReturnNull()} step
     * @throws RuntimeException the exception of a {@link #thenThrow} step
     * @since 0.1.0
     */
    public @Nullable CompletionStage<T> next() {
        callCount.incrementAndGet();
        int now = inFlight.incrementAndGet();
        maxInFlightCount.accumulateAndGet(now, Math::max);
        Step<T> step;
        synchronized (this) {
            step = script.isEmpty() ? whenExhausted : script.poll();
        }
        if (step instanceof Hang) {
            CompletableFuture<T> reply = new CompletableFuture<>();
            synchronized (this) {
                pending.add(reply);
            }
            reply.whenComplete((value, failure) -> finish(reply));
            return reply.minimalCompletionStage();
        }
        inFlight.decrementAndGet();
        if (step instanceof Reply<T> reply) {
            return CompletableFuture.completedStage(reply.value());
        } else if (step instanceof Fail<T> fail) {
            return CompletableFuture.failedStage(fail.failure());
        } else if (step instanceof Throw<T> thrown) {
            throw thrown.exception();
        }
        return null;
    }

    /**
     * @return how many times {@link #next()} was called
     * @since 0.1.0
     */
    public int callCount() {
        return callCount.get();
    }

    /**
     * @return replies started and not yet completed (hung ones until the test completes them)
     * @since 0.1.0
     */
    public int inFlightCount() {
        return inFlight.get();
    }

    /**
     * @return the most replies ever in flight at once
     * @since 0.1.0
     */
    public int maxInFlightCount() {
        return maxInFlightCount.get();
    }

    /**
     * @return the hung replies not yet completed, oldest first; completing one delivers it
     * @since 0.1.0
     */
    public synchronized List<CompletableFuture<T>> pendingReplies() {
        return List.copyOf(pending);
    }

    /**
     * @return steps of the script not yet used
     * @since 0.1.0
     */
    public synchronized int remainingStepCount() {
        return script.size();
    }

    private synchronized ScriptedReplies<T> add(Step<T> step) {
        script.add(step);
        return this;
    }

    private synchronized ScriptedReplies<T> setWhenExhausted(Step<T> step) {
        whenExhausted = step;
        return this;
    }

    private void finish(CompletableFuture<T> reply) {
        boolean removed;
        synchronized (this) {
            removed = pending.remove(reply);
        }
        if (removed) {
            inFlight.decrementAndGet();
        }
    }
}
