package io.peerpulse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link RttSource} must keep; a plugin's own test extends this class.
 *
 * <pre>{@code
 * class MyRttSourceTest extends RttSourceContract {
 *     @Override
 *     protected RttSource createSource() {
 *         return MyRttSource.of(openTestConnection());
 *     }
 * }
 * }</pre>
 *
 * <p>Each test creates a fresh source with {@link #createSource()} and hands it to
 * {@link #closeSource(RttSource)} at its end. Tests wait in real time only for real events, each
 * wait bounded: {@code read()} must return within 5 s and every read must be answered (normally
 * or exceptionally) within {@link #answerTimeout()}; a measurement must be a plausible RTT and an
 * unavailable reason must be non-blank and reveal no IP address.
 *
 * <p><b>Not blocking.</b> {@code read()} must not keep its caller longer than {@link #readBlockingLimit()}
 * (default 10 ms, the telemetry's default {@code blockingReadThreshold}): of {@value #TIMED_READS} timed
 * calls, at most one may take longer (a garbage-collection pause). A telemetry moves a source that blocks
 * off its shared scheduler and logs a WARNING; this check tells you before.
 *
 * <p>To skip a check that cannot apply to a source, override its method and annotate it with
 * {@code @Disabled("why")}.
 *
 * @since 0.1.0
 */
public abstract class RttSourceContract {

    /**
     * The largest RTT in milliseconds that counts as plausible, as the telemetry judges it.
     *
     * @since 0.1.0
     */
    public static final double MAX_PLAUSIBLE_RTT_MS = 60_000;

    private static final int SEQUENTIAL_READS = 20;
    private static final int CONCURRENT_READERS = 4;
    private static final int TIMED_READS = 5;

    /**
     * For subclasses.
     *
     * @since 0.1.0
     */
    protected RttSourceContract() {
    }

    /**
     * Creates the source under test, fresh for each test.
     *
     * @return a source ready to be read
     * @throws Exception when the source cannot be set up
     * @since 0.1.0
     */
    protected abstract RttSource createSource() throws Exception;

    /**
     * How long a read may take to be answered; default 10 s.
     *
     * @return a positive duration
     * @since 0.1.0
     */
    protected Duration answerTimeout() {
        return Duration.ofSeconds(10);
    }

    /**
     * How long {@code read()} may keep its calling thread before the contract calls it blocking;
     * default 5 s. A source should return far sooner; the margin only absorbs a slow machine.
     *
     * @return a positive duration
     * @since 0.1.0
     */
    protected Duration readReturnLimit() {
        return Duration.ofSeconds(5);
    }

    /**
     * How long one {@code read()} call may keep its calling thread; default 10 ms, the telemetry's default
     * {@code blockingReadThreshold}.
     *
     * @return a positive duration
     * @since 0.1.0
     */
    protected Duration readBlockingLimit() {
        return Duration.ofMillis(10);
    }

    /**
     * Releases a source made by {@link #createSource()}; called at the end of every test, also
     * when it failed. Does nothing by default.
     *
     * @param source the source to release
     * @throws Exception when releasing fails
     * @since 0.1.0
     */
    protected void closeSource(RttSource source) throws Exception {
    }

    /**
     * {@code read()} returns promptly, without waiting for the answer, and never returns {@code null}.
     *
     * @throws Exception when the source cannot be created or closed
     * @since 0.1.0
     */
    @Test
    @DisplayName("read() returns promptly and never null")
    public void readReturnsPromptlyAndNeverNull() throws Exception {
        withSource(source -> assertThat(startRead(source)).isNotNull());
    }

    /**
     * {@code read()} does not block its caller: of {@value #TIMED_READS} calls in a row (each answer awaited
     * before the next), at most one takes longer than {@link #readBlockingLimit()}.
     *
     * @throws Exception when the source cannot be created or closed
     * @since 0.1.0
     */
    @Test
    @DisplayName("read() does not block its caller (10 ms by default)")
    public void readDoesNotBlockItsCaller() throws Exception {
        withSource(source -> {
            Duration limit = readBlockingLimit();
            List<Long> overMs = new ArrayList<>();
            for (int i = 1; i <= TIMED_READS; i++) {
                CompletableFuture<CompletionStage<RttReading>> call = callRead(source, new CountDownLatch(0), true);
                CompletionStage<RttReading> stage = returned(call);
                // recorded before the call completed, which returned() waited for
                long took = Objects.requireNonNull(timings.get(call), "timing of a timed read");
                if (took > limit.toNanos()) {
                    overMs.add(TimeUnit.NANOSECONDS.toMillis(took));
                }
                awaitAnswer(stage, "timed read " + i);
            }
            if (overMs.size() > 1) {
                fail("read() kept its calling thread longer than %s in %d of %d calls (%s ms): it must start the"
                        + " read and return a stage at once, and complete the stage from another thread. A telemetry"
                        + " moves such a source off its shared scheduler and logs a WARNING", limit, overMs.size(),
                        TIMED_READS, overMs);
            }
        });
    }

    /**
     * A read is answered within {@link #answerTimeout()}, normally or exceptionally.
     *
     * @throws Exception when the source cannot be created or closed
     * @since 0.1.0
     */
    @Test
    @DisplayName("every read is answered")
    public void everyReadIsAnswered() throws Exception {
        withSource(source -> awaitAnswer(startRead(source), "read 1"));
    }

    /**
     * Twenty reads in a row are each answered within {@link #answerTimeout()}.
     *
     * @throws Exception when the source cannot be created or closed
     * @since 0.1.0
     */
    @Test
    @DisplayName("20 sequential reads are all answered")
    public void sequentialReadsAreAllAnswered() throws Exception {
        withSource(source -> readSequentially(source, SEQUENTIAL_READS));
    }

    /**
     * Reads started by four threads at once are each answered within {@link #answerTimeout()}.
     *
     * @throws Exception when the source cannot be created or closed
     * @since 0.1.0
     */
    @Test
    @DisplayName("reads from 4 threads at once are all answered")
    public void concurrentReadsAreAllAnswered() throws Exception {
        withSource(source -> {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<CompletionStage<RttReading>>> calls = new ArrayList<>();
            for (int i = 0; i < CONCURRENT_READERS; i++) {
                calls.add(callRead(source, go));
            }
            go.countDown();
            List<CompletionStage<RttReading>> stages = new ArrayList<>();
            for (CompletableFuture<CompletionStage<RttReading>> call : calls) {
                stages.add(returned(call));
            }
            for (int i = 0; i < stages.size(); i++) {
                awaitAnswer(stages.get(i), "concurrent read " + (i + 1) + " of " + CONCURRENT_READERS);
            }
        });
    }

    /**
     * Every measurement is finite, at least 0 and at most {@value #MAX_PLAUSIBLE_RTT_MS} ms.
     *
     * @throws Exception when the source cannot be created or closed
     * @since 0.1.0
     */
    @Test
    @DisplayName("a measured RTT is finite, >= 0 and <= 60,000 ms")
    public void measuredRttIsPlausible() throws Exception {
        forEachReading(RttReading.Measured.class, measured -> {
            double rttMs = measured.rttMs();
            if (!Double.isFinite(rttMs) || rttMs < 0 || rttMs > MAX_PLAUSIBLE_RTT_MS) {
                fail("read() measured %s ms, which is not a plausible RTT: it must be finite, >= 0 and <= %s ms",
                        rttMs, MAX_PLAUSIBLE_RTT_MS);
            }
        });
    }

    /**
     * Every unavailable reason is non-blank and contains no IPv4 or IPv6 address.
     *
     * @throws Exception when the source cannot be created or closed
     * @since 0.1.0
     */
    @Test
    @DisplayName("an unavailable reason is not blank and reveals no IP address")
    public void unavailableReasonIsSafe() throws Exception {
        forEachReading(RttReading.Unavailable.class, unavailable -> {
            String reason = unavailable.reason();
            if (reason.isBlank()) {
                fail("read() was unavailable with a blank reason: say why, e.g. \"not connected\"");
            }
            IpAddresses.findIn(reason).ifPresent(address -> fail(
                    "read() was unavailable with a reason that reveals the IP address %s: reasons reach logs and"
                            + " exports, which must never hold a participant's address", address));
        });
    }

    /** A check run with a fresh source. */
    @FunctionalInterface
    private interface SourceCheck {
        void check(RttSource source) throws Exception;
    }

    private void withSource(SourceCheck check) throws Exception {
        RttSource source = createSource();
        assertThat(source).as("createSource()").isNotNull();
        try {
            check.check(source);
        } finally {
            closeSource(source);
        }
    }

    /** Reads a fresh source {@value #SEQUENTIAL_READS} times and checks each answer of the given kind. */
    private <T extends RttReading> void forEachReading(Class<T> kind, Consumer<T> check) throws Exception {
        withSource(source -> readSequentially(source, SEQUENTIAL_READS).stream()
                .filter(kind::isInstance)
                .map(kind::cast)
                .forEach(check));
    }

    /** Reads one after another; returns the readings of the reads that completed normally. */
    private List<RttReading> readSequentially(RttSource source, int reads) throws Exception {
        List<RttReading> readings = new ArrayList<>();
        for (int i = 1; i <= reads; i++) {
            awaitAnswer(startRead(source), "read " + i + " of " + reads).ifPresent(readings::add);
        }
        return readings;
    }

    private CompletionStage<RttReading> startRead(RttSource source) throws InterruptedException {
        return returned(callRead(source, new CountDownLatch(0)));
    }

    /** How long each timed call of {@code read()} kept its thread, in nanoseconds. */
    private final java.util.Map<CompletableFuture<?>, Long> timings = new java.util.concurrent.ConcurrentHashMap<>();

    private CompletableFuture<CompletionStage<RttReading>> callRead(RttSource source, CountDownLatch go) {
        return callRead(source, go, false);
    }

    /**
     * Calls {@code read()} on a thread of its own, so that a blocking source cannot hang the test; when
     * {@code timed}, records how long the call kept that thread (in {@link #timings}) before completing.
     */
    private CompletableFuture<CompletionStage<RttReading>> callRead(RttSource source, CountDownLatch go,
                                                                   boolean timed) {
        CompletableFuture<CompletionStage<RttReading>> call = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                go.await();
                long started = System.nanoTime();
                CompletionStage<RttReading> stage = source.read();
                if (timed) {
                    timings.put(call, System.nanoTime() - started);
                }
                call.complete(stage);
            } catch (Throwable t) {
                call.completeExceptionally(t);
            }
        }, "rtt-source-contract-read");
        caller.setDaemon(true);
        caller.start();
        return call;
    }

    private CompletionStage<RttReading> returned(CompletableFuture<CompletionStage<RttReading>> call)
            throws InterruptedException {
        Duration limit = readReturnLimit();
        CompletionStage<RttReading> stage;
        try {
            stage = call.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException blocked) {
            return fail("read() blocked its calling thread for more than %s: it must start the read and return a"
                    + " stage at once, and complete the stage later", limit);
        } catch (ExecutionException thrown) {
            return fail("read() threw instead of returning a stage; report a failed read by completing the"
                    + " stage exceptionally", thrown.getCause());
        }
        if (stage == null) {
            return fail("read() returned null: it must return a CompletionStage, completed exceptionally"
                    + " when the read fails");
        }
        return stage;
    }

    /** Waits for the answer; empty when the stage completed exceptionally, which counts as answered. */
    private Optional<RttReading> awaitAnswer(CompletionStage<RttReading> stage, String what)
            throws InterruptedException {
        CompletableFuture<RttReading> answer = new CompletableFuture<>();
        stage.whenComplete((reading, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
            } else {
                answer.complete(reading);
            }
        });
        Duration timeout = answerTimeout();
        RttReading reading;
        try {
            reading = answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException unanswered) {
            return fail("%s was not answered within %s: every stage must complete, normally or"
                    + " exceptionally", what, timeout);
        } catch (ExecutionException failed) {
            return Optional.empty();
        }
        if (reading == null) {
            return fail("%s completed with a null reading: answer stale() or unavailable(reason) instead", what);
        }
        return Optional.of(reading);
    }
}
