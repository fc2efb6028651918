package io.peerpulse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.shared.Durations;
import io.peerpulse.telemetry.spi.RttSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
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
 * unavailable reason must be non-blank and reveal no IP address. Durations in failures read {@code 10 ms}.
 *
 * <p><b>Not blocking.</b> What a source does on its caller's thread — {@code read()} and attaching to the
 * stage it returns ({@code whenComplete}), as a telemetry does — must not take longer than
 * {@link #readBlockingLimit()} (default 10 ms, the telemetry's default {@code blockingReadThreshold}). The kit
 * judges by the telemetry's own rule ({@link TelemetryOptions#blockingReadThreshold()}): after
 * {@value #WARM_UP_READS} calls not counted (a cold start), of {@value #TIMED_READS} timed calls at most
 * {@value #SLOW_READS_ALLOWED} may take longer (a garbage-collection pause, a cold path). A call's time is its
 * wall time less the time its thread waited, runnable, for a CPU (Linux's {@code /proc/thread-self/schedstat};
 * elsewhere the wall time alone), so that the check holds on a loaded machine: what it measures is the time the
 * source ran or blocked on its caller's thread. A telemetry moves a source that blocks off its shared scheduler
 * and logs a WARNING; this check tells you before.
 *
 * <p><b>Not waiting for the answer.</b> Against a peer that answers at once, a {@code read()} that waits for
 * its answer returns in microseconds and passes the check above. Override
 * {@link #createSourceWithSlowPeer(Duration)} to give the kit a source whose peer answers after
 * {@link #slowPeerDelay()} (the kit's {@link DelayingEcho}, or the lab's {@code ImpairmentRelay} for a real
 * connection): a {@code read()} that holds its caller for that delay in more than {@value #SLOW_READS_ALLOWED} of
 * {@value #TIMED_READS} calls (after {@value #WARM_UP_READS} not counted) fails. A call holds its caller when it ran
 * or blocked for half the delay, or kept its caller the whole delay, preempted or not: a {@code read()} that spins
 * until its answer comes is preempted most of that time on a loaded machine, and still holds its caller until the
 * answer. Without the override that check is skipped (aborted, with a message).
 *
 * <p><b>Measures.</b> A fresh source must answer at least one {@code measured} reading within
 * {@link #answerTimeout()}; a source that only ever answers {@code stale} or {@code unavailable} measures
 * nothing. Override {@link #measures()} to say otherwise (e.g. a test of a source without a peer).
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

    /** The longest refresh period a GameSession accepts of a source (its onDataChannelOpen checks it). */
    private static final int MAX_REFRESH_PERIOD_HOURS = 1;
    private static final Duration MAX_REFRESH_PERIOD = Duration.ofHours(MAX_REFRESH_PERIOD_HOURS);
    private static final int SEQUENTIAL_READS = 20;
    private static final int CONCURRENT_READERS = 4;
    /** The telemetry's blocking rule (TelemetryOptions.blockingReadThreshold()): calls not counted at first, */
    private static final int WARM_UP_READS = TelemetryOptions.UNCOUNTED_FIRST_CALLS;
    /** the calls judged, */
    private static final int TIMED_READS = TelemetryOptions.RECENT_CALLS;
    /** and the slow ones among them that a source may have: one fewer than the telemetry isolates. */
    private static final int SLOW_READS_ALLOWED = TelemetryOptions.SLOW_CALLS_TO_ISOLATE - 1;
    /** Reads of {@link #aFreshSourceMeasures()} at most, within {@link #answerTimeout()}. */
    private static final int MAX_READS_TO_MEASURE = 1_000;

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
     * How long one call ({@code read()} and attaching to its stage) may keep its calling thread; default 10 ms,
     * the telemetry's default {@code blockingReadThreshold}.
     *
     * @return a positive duration
     * @since 0.1.0
     */
    protected Duration readBlockingLimit() {
        return Duration.ofMillis(10);
    }

    /**
     * Whether a fresh source, read one read after another, answers at least one {@code measured} reading within
     * {@link #answerTimeout()}; default {@code true}. Override to answer {@code false} for a source under test
     * that cannot measure (no peer), and the check passes without reading.
     *
     * @return whether the source measures
     * @since 0.1.0
     */
    protected boolean measures() {
        return true;
    }

    /**
     * Creates the source under test talking to a peer that answers each of its requests after
     * {@code answerDelay}, fresh for the check {@link #readDoesNotWaitForItsAnswer()}: e.g. a source of
     * {@link DelayingEcho#start(Duration) DelayingEcho.start(answerDelay)}'s address, or a WebRTC connection
     * through the lab's {@code ImpairmentRelay} delaying each direction by half of it. Default {@code null}:
     * not supported, and that check is skipped.
     *
     * @param answerDelay how long the peer waits before it answers
     * @return the source, or {@code null} when the test cannot make one
     * @throws Exception when the source cannot be set up
     * @since 0.1.0
     */
    protected @Nullable RttSource createSourceWithSlowPeer(Duration answerDelay) throws Exception {
        return null;
    }

    /**
     * How long the slow peer of {@link #createSourceWithSlowPeer(Duration)} waits before it answers; default
     * 100 ms, ten times {@link #readBlockingLimit()}'s default.
     *
     * @return a positive duration
     * @since 0.1.0
     */
    protected Duration slowPeerDelay() {
        return Duration.ofMillis(100);
    }

    /**
     * Releases a source made by {@link #createSource()}; called at the end of every test, also
     * when it failed. By default calls its {@link RttSource#close()}, as a session does; override to release
     * more (the test's peer, its connection).
     *
     * @param source the source to release
     * @throws Exception when releasing fails
     * @since 0.1.0
     */
    protected void closeSource(RttSource source) throws Exception {
        source.close();
    }

    /**
     * Closing a source again, after {@link #closeSource(RttSource)}, is harmless: {@code close()} throws nothing
     * ({@link RttSource#close()}: a session closes a source once it stops polling it, and the application or the
     * connection's close handler may close it too).
     *
     * @throws Exception when the source cannot be created or closed
     * @since 0.1.0
     */
    @Test
    @DisplayName("closing a source again is harmless")
    public void closingAgainIsHarmless() throws Exception {
        RttSource source = createSource();
        assertThat(source).as("createSource()").isNotNull();
        try {
            awaitAnswer(startRead(source), "read 1");
        } finally {
            closeSource(source);
        }
        try {
            source.close();
        } catch (RuntimeException thrown) {
            throw new AssertionError("close() called again threw " + thrown + ": closing a closed source must do"
                    + " nothing (a session closes its sources, and the application or the connection's close"
                    + " handler may close them too)", thrown);
        }
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
     * {@code name()} and {@code refreshPeriod()} answer what a {@code GameSession} accepts: its
     * {@code onDataChannelOpen} calls both and refuses the source when either throws, or when the refresh period is
     * {@code null}, negative or longer than {@value #MAX_REFRESH_PERIOD_HOURS} h.
     *
     * @throws Exception when the source cannot be created or closed
     * @since 0.1.0
     */
    @Test
    @DisplayName("name() and refreshPeriod() answer what a session accepts")
    public void nameAndRefreshPeriodAreWhatASessionAccepts() throws Exception {
        withSource(source -> {
            try {
                source.name();
            } catch (RuntimeException thrown) {
                throw new AssertionError("name() threw " + thrown + ": a GameSession's onDataChannelOpen calls it and"
                        + " refuses the source; answer a short lower-case name (e.g. \"acme\"), or do not override"
                        + " it", thrown);
            }
            Duration refresh;
            try {
                refresh = source.refreshPeriod();
            } catch (RuntimeException thrown) {
                throw new AssertionError("refreshPeriod() threw " + thrown + ": a GameSession's onDataChannelOpen"
                        + " calls it and refuses the source", thrown);
            }
            if (refresh == null || refresh.isNegative() || refresh.compareTo(MAX_REFRESH_PERIOD) > 0) {
                fail(String.format(Locale.ROOT, "refreshPeriod() answered %s: a GameSession's onDataChannelOpen"
                        + " refuses a source whose refresh period is not from 0 to %d h (Duration.ZERO: a new"
                        + " measurement at every read)", refresh, MAX_REFRESH_PERIOD_HOURS));
            }
        });
    }

    /**
     * {@code read()} and attaching to its stage do not block the caller: after {@value #WARM_UP_READS} calls not
     * counted, of {@value #TIMED_READS} calls in a row (each answer awaited before the next), at most
     * {@value #SLOW_READS_ALLOWED} take longer than {@link #readBlockingLimit()}.
     *
     * @throws Exception when the source cannot be created or closed
     * @since 0.1.0
     */
    @Test
    @DisplayName("read() does not block its caller (the telemetry's rule: 3 of 10 calls over 10 ms by default)")
    public void readDoesNotBlockItsCaller() throws Exception {
        withSource(source -> {
            Duration limit = readBlockingLimit();
            List<Long> over = timedReads(source, limit, null).over();
            if (over.size() > SLOW_READS_ALLOWED) {
                fail(String.format(Locale.ROOT, "read() and attaching to its stage kept the calling thread longer"
                        + " than %s in %d of %d calls (%s): read() must start the read and return a stage at once, and"
                        + " complete the stage from another thread. A telemetry moves such a source off its shared"
                        + " scheduler and logs a WARNING", Durations.format(limit), over.size(), TIMED_READS,
                        formatAll(over)));
            }
        });
    }

    /**
     * {@code read()} does not wait for its answer: against a peer answering after {@link #slowPeerDelay()}
     * ({@link #createSourceWithSlowPeer(Duration)}), of {@value #TIMED_READS} calls in a row (after
     * {@value #WARM_UP_READS} not counted) at most {@value #SLOW_READS_ALLOWED} run or block half that long, or keep
     * the caller the whole delay however long it was preempted (a read that waits holds it for the whole delay, one
     * that does not for microseconds). Skipped when the test makes no such source.
     *
     * @throws Exception when the source cannot be created or closed
     * @since 0.1.0
     */
    @Test
    @DisplayName("read() does not wait for its answer (a peer answering after 100 ms by default)")
    public void readDoesNotWaitForItsAnswer() throws Exception {
        Duration delay = slowPeerDelay();
        RttSource made = createSourceWithSlowPeer(delay);
        if (made == null) {
            Assumptions.abort("createSourceWithSlowPeer(Duration) is not overridden: override it to check that"
                    + " read() does not wait for its answer (see DelayingEcho)");
            return;
        }
        RttSource source = made;
        try {
            // a read that waits holds its caller for the whole delay, one that does not for microseconds: half the
            // delay between them keeps the verdict clear of timer and scheduling noise either way. A read that spins
            // for its answer is preempted most of the delay on a loaded machine, so that less than half of it is
            // left once the preemption is taken off: it still kept its caller the whole delay
            TimedReads timed = timedReads(source, delay.dividedBy(2), delay);
            if (timed.over().size() > SLOW_READS_ALLOWED) {
                fail(String.format(Locale.ROOT, "read() held its caller for %s (half the peer's answer delay of %s)"
                        + " or longer, or kept it the whole delay, in %d of %d calls (%s): it waits for its answer."
                        + " Against a fast peer this goes unseen; on a real network every poll holds the telemetry's"
                        + " thread for a round trip. Start the request, return a stage at once and complete it when"
                        + " the answer arrives, on another thread", Durations.format(delay.dividedBy(2)), Durations.format(delay),
                        timed.over().size(), TIMED_READS, formatAll(timed.over())));
            }
        } finally {
            closeSource(source);
        }
    }

    /**
     * A fresh source answers at least one {@code measured} reading within {@link #answerTimeout()}, read one
     * read after another; unless {@link #measures()} says it cannot.
     *
     * @throws Exception when the source cannot be created or closed
     * @since 0.1.0
     */
    @Test
    @DisplayName("a fresh source measures")
    public void aFreshSourceMeasures() throws Exception {
        if (!measures()) {
            return;
        }
        withSource(source -> {
            Duration timeout = answerTimeout();
            long deadline = System.nanoTime() + timeout.toNanos();
            List<String> seen = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>(1); // the first, said: why a read failed is the author's clue
            for (int i = 1; i <= MAX_READS_TO_MEASURE && System.nanoTime() - deadline < 0; i++) {
                Optional<RttReading> reading = awaitAnswer(startRead(source), "read " + i, failure -> {
                    if (failures.isEmpty()) {
                        failures.add(failure);
                    }
                });
                if (reading.isPresent() && reading.get() instanceof RttReading.Measured) {
                    return;
                }
                String kind = reading.map(r -> r.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT))
                        .orElse("failed");
                if (!seen.contains(kind)) {
                    seen.add(kind);
                }
            }
            String answers = seen.isEmpty() ? "none" : String.join(", ", seen);
            String message = String.format(Locale.ROOT, "no read of a fresh source measured within %s (answers: %s):"
                    + " a source must measure. If this one cannot in this test (no peer), override measures() to"
                    + " return false",
                    Durations.format(timeout), failures.isEmpty() ? answers
                            : answers.replace("failed", "failed, the first with " + failures.get(0)));
            throw failures.isEmpty() ? new AssertionError(message) : new AssertionError(message, failures.get(0));
        });
    }

    /** How long each of {@value #TIMED_READS} timed calls took, and those longer than a limit. */
    private record TimedReads(List<Long> tookNanos, List<Long> over) {
    }

    /**
     * How long one timed call kept its thread: {@code heldNanos} in all, {@code ranNanos} of it running or blocked
     * (the time it waited, runnable, for a CPU taken off).
     */
    private record CallTime(long heldNanos, long ranNanos) {
    }

    /**
     * Calls read() and attaches to its stage {@value #WARM_UP_READS} times untimed, then {@value #TIMED_READS} times
     * timed, each answer awaited before the next. A call is over when it ran or blocked for {@code limit}, or kept
     * its thread for {@code wholeLimit} in all (when given); its time in {@link TimedReads} is the time in all when
     * that made it over, else the time it ran or blocked.
     */
    private TimedReads timedReads(RttSource source, Duration limit, @Nullable Duration wholeLimit)
            throws InterruptedException {
        for (int i = 1; i <= WARM_UP_READS; i++) {
            awaitAnswer(startRead(source), "read " + i + " (not timed: a cold start)");
        }
        List<Long> took = new ArrayList<>();
        List<Long> over = new ArrayList<>();
        for (int i = 1; i <= TIMED_READS; i++) {
            CompletableFuture<CompletionStage<RttReading>> call = callRead(source, new CountDownLatch(0), true);
            CompletionStage<RttReading> stage = returned(call);
            // recorded before the call completed, which returned() waited for
            CallTime time = Objects.requireNonNull(timings.get(call), "timing of a timed read");
            boolean held = wholeLimit != null && time.heldNanos() >= wholeLimit.toNanos();
            long nanos = held ? time.heldNanos() : time.ranNanos();
            took.add(nanos);
            if (held || nanos >= limit.toNanos()) {
                over.add(nanos);
            }
            awaitAnswer(stage, "timed read " + i);
        }
        return new TimedReads(took, over);
    }

    private static String formatAll(List<Long> nanos) {
        return nanos.stream().map(Durations::format).collect(java.util.stream.Collectors.joining(", "));
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

    /** How long each timed call of {@code read()} kept its thread. */
    private final java.util.Map<CompletableFuture<?>, CallTime> timings = new java.util.concurrent.ConcurrentHashMap<>();

    /** The calling thread's run-queue wait so far, ns; replaced by the kit's own tests to stand for a loaded machine. */
    java.util.function.LongSupplier runQueueWait = RunQueueWait::nanos;

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
                long waitedBefore = timed ? runQueueWait.getAsLong() : 0;
                long started = System.nanoTime();
                CompletionStage<RttReading> stage = source.read();
                if (timed) {
                    if (stage != null) {
                        stage.whenComplete((reading, failure) -> { }); // as a telemetry attaches its handler
                    }
                    long took = System.nanoTime() - started;
                    // a loaded machine's preemption is not the source's doing
                    long preempted = runQueueWait.getAsLong() - waitedBefore;
                    timings.put(call, new CallTime(took, Math.max(0, took - Math.max(0, preempted))));
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
                    + " stage at once, and complete the stage later", Durations.format(limit));
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
        return awaitAnswer(stage, what, failure -> { });
    }

    /**
     * Waits for the answer; empty when the stage completed exceptionally, which counts as answered, after handing
     * what it completed with (unwrapped from a {@link java.util.concurrent.CompletionException}) to
     * {@code failed}.
     */
    private Optional<RttReading> awaitAnswer(CompletionStage<RttReading> stage, String what,
                                             Consumer<Throwable> failed) throws InterruptedException {
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
                    + " exceptionally", what, Durations.format(timeout));
        } catch (ExecutionException failure) {
            Throwable cause = failure.getCause();
            failed.accept(cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null
                    ? cause.getCause() : cause);
            return Optional.empty();
        }
        if (reading == null) {
            return fail("%s completed with a null reading: answer stale() or unavailable(reason) instead", what);
        }
        return Optional.of(reading);
    }
}
