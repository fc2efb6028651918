package io.peerpulse.telemetry;

import static io.peerpulse.telemetry.fixtures.Records.path;
import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The poller alone: what it hands its sink, in virtual time. It keeps no state of its own but the last path. */
class RttPollerTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final long START = VirtualScheduler.DEFAULT_START.toEpochMilli();

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final List<PollEvent> events = new ArrayList<>();
    private final List<RttPoller> pollers = new ArrayList<>();

    @AfterEach
    void stopAll() {
        pollers.forEach(RttPoller::close);
        scheduler.shutdownNow();
    }

    private TelemetryOptions.Builder options() {
        return TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock());
    }

    private RttPoller poller(RttSource source, TelemetryOptions options) {
        RttPoller poller = new RttPoller(source, options, events::add);
        pollers.add(poller);
        return poller;
    }

    @Test
    void eachPollEndsInOneEventWithThePollsEndTimeItsSampleAndThePathChange() {
        NetworkPath direct = path("host", "host", "udp");
        NetworkPath relayed = path("relay", "host", "udp");
        ScriptedRttSource source = new ScriptedRttSource().then(RttReading.measured(5, direct)).thenStale()
                .then(RttReading.stale(direct)).thenMeasured(Double.NaN).then(RttReading.stale(relayed))
                .then(new RttReading.Measured(7, OptionalLong.of(42), Optional.of(relayed)))
                .thenUnavailable("closed").thenFail(new IOException("stats failed"));
        RttPoller poller = poller(source, options().build());
        assertThat(poller.isRunning()).isFalse();
        poller.start();
        assertThat(poller.isRunning()).isTrue();
        scheduler.advance(SECOND.multipliedBy(7));

        assertThat(events).containsExactly(
                new PollEvent(PollOutcome.MEASURED, START, sample(START, 5), null, direct),
                new PollEvent(PollOutcome.STALE, START + 1000, null, null, null),
                new PollEvent(PollOutcome.STALE, START + 2000, null, null, null),
                new PollEvent(PollOutcome.REJECTED, START + 3000, null, null, null),
                new PollEvent(PollOutcome.STALE, START + 4000, null, direct, relayed),
                new PollEvent(PollOutcome.MEASURED, START + 5000, sample(42, 7), null, null),
                new PollEvent(PollOutcome.UNAVAILABLE, START + 6000, null, null, null),
                new PollEvent(PollOutcome.FAILED, START + 7000, null, null, null));
    }

    @Test
    void aPollDueWhileAReadIsInFlightIsSkippedAndATimedOutReadsLateAnswerIsIgnored() {
        ScriptedRttSource source = new ScriptedRttSource().thenHang().orElse(RttReading.measured(30));
        RttPoller poller = poller(source, options().readTimeout(Duration.ofMillis(1500)).build());
        poller.start();
        scheduler.advance(SECOND);
        assertThat(events).extracting(PollEvent::outcome).containsExactly(PollOutcome.SKIPPED);
        scheduler.advance(Duration.ofMillis(500)); // t = 1.5 s: the read times out
        assertThat(events).extracting(PollEvent::outcome).containsExactly(PollOutcome.SKIPPED, PollOutcome.FAILED);
        assertThat(events.get(1).timestampEpochMs()).isEqualTo(START + 1500);
        source.pendingReads().get(0).complete(RttReading.measured(999));
        scheduler.advance(Duration.ofMillis(500));
        assertThat(events).extracting(PollEvent::outcome)
                .containsExactly(PollOutcome.SKIPPED, PollOutcome.FAILED, PollOutcome.MEASURED);
        assertThat(events.get(2).sample().rttMs()).isEqualTo(30);
        assertThat(source.maxConcurrentReadCount()).isEqualTo(1);
        assertThat(scheduler.pendingTaskCount()).as("no timeout left").isEqualTo(1);
    }

    /** After stop() returns, nothing of the stopped run reaches the sink: neither an answer nor a timeout. */
    @Test
    void afterStopReturnsNoEventOfThatRunIsDelivered() {
        ScriptedRttSource source = new ScriptedRttSource().thenHang().thenHang().orElse(RttReading.measured(70));
        RttPoller poller = poller(source, options().readTimeout(Duration.ofMillis(500)).build());
        poller.start();
        scheduler.runDueTasks();
        poller.stop();
        assertThat(poller.isRunning()).isFalse();
        source.pendingReads().get(0).complete(RttReading.measured(999));
        scheduler.advance(SECOND.multipliedBy(10));
        assertThat(events).isEmpty();
        assertThat(source.readCount()).isEqualTo(1);

        // a run stopped while its timeout is pending: the timeout tells nothing either
        poller.start();
        scheduler.runDueTasks();
        assertThat(source.readCount()).isEqualTo(2);
        poller.stop();
        scheduler.advance(SECOND);
        assertThat(events).isEmpty();

        poller.start();
        scheduler.runDueTasks();
        assertThat(events).extracting(PollEvent::outcome).containsExactly(PollOutcome.MEASURED);
    }

    /**
     * A restart (stop, then start: a session's second view when a reconnection brings one again) does not wait for
     * the stopped run's read: the new run reads at once, never skips for it, and the old read's answer, however late,
     * is dropped, not handed on in the new run.
     */
    @Test
    void aRestartedPollerNeverWaitsForTheStoppedRunsReadAndDropsItsLateAnswer() {
        ScriptedRttSource source = new ScriptedRttSource().thenHang().orElse(RttReading.measured(40));
        RttPoller poller = poller(source, options().readTimeout(Duration.ofSeconds(10)).build());
        poller.start();
        scheduler.runDueTasks(); // the first read never completes until told
        scheduler.advance(Duration.ofMillis(500));
        poller.stop();
        poller.start();
        scheduler.advance(SECOND.multipliedBy(2)); // polls at 0.5, 1.5 and 2.5 s

        assertThat(events).extracting(PollEvent::outcome)
                .containsExactly(PollOutcome.MEASURED, PollOutcome.MEASURED, PollOutcome.MEASURED);
        source.pendingReads().get(0).complete(RttReading.measured(999)); // the stopped run's answer, late
        scheduler.advance(SECOND.multipliedBy(10));
        assertThat(events).extracting(PollEvent::outcome).doesNotContain(PollOutcome.SKIPPED, PollOutcome.FAILED);
        assertThat(events).allSatisfy(e -> assertThat(e.sample().rttMs()).isEqualTo(40));
    }

    @Test
    void nothingTheSourceOrTheSinkDoesStopsThePolling() {
        ScriptedRttSource source = new ScriptedRttSource().thenThrow(new IllegalStateException("read() threw"))
                .thenReturnNull().orElse(RttReading.measured(5));
        List<PollEvent> heard = new ArrayList<>();
        RttPoller poller = new RttPoller(source, options().build(), event -> {
            heard.add(event);
            throw new IllegalStateException("a broken sink");
        });
        pollers.add(poller);
        poller.start();
        scheduler.advance(SECOND.multipliedBy(3));
        assertThat(heard).extracting(PollEvent::outcome).containsExactly(PollOutcome.FAILED, PollOutcome.FAILED,
                PollOutcome.MEASURED, PollOutcome.MEASURED);
        assertThat(poller.isRunning()).isTrue();
        assertThat(scheduler.pendingTaskCount()).isEqualTo(1);
        assertThat(log.warnings()).anySatisfy(w -> assertThat(w).contains("threw in read()"))
                .anySatisfy(w -> assertThat(w).contains("returned null from read()"))
                .anySatisfy(w -> assertThat(w).startsWith("the sink of an RttPoller failed"));
    }

    @Test
    void aSinkWhoseExceptionOrNameQuotesAnAddressIsLoggedWithoutIt() {
        RttPoller poller = new RttPoller(ScriptedRttSource.repeating(RttReading.measured(5)), options().build(),
                new TelemetryListener() {
                    @Override
                    public void pollEnded(PollEvent event) {
                        throw new IllegalStateException("cannot forward to 198.51.100.31:9000");
                    }

                    @Override
                    public String toString() {
                        return "Forwarder[to 198.51.100.31]";
                    }
                });
        pollers.add(poller);
        poller.start();
        scheduler.advance(SECOND);
        assertThat(log.records()).isNotEmpty().allSatisfy(r -> {
            java.io.StringWriter printed = new java.io.StringWriter();
            printed.append(r.getMessage()).append('\n');
            if (r.getThrown() != null) {
                r.getThrown().printStackTrace(new java.io.PrintWriter(printed));
            }
            assertThat(printed.toString()).doesNotContain("198.51.100.31")
                    .contains("the sink of an RttPoller failed: Forwarder[to <redacted>", "cannot forward to <redacted>");
        });
    }

    @Test
    void aSinkMayStopThePollerAndAFatalErrorReachesTheUncaughtHandler() {
        OutOfMemoryError oom = new OutOfMemoryError("simulated");
        RttPoller[] self = new RttPoller[1];
        List<PollEvent> heard = new ArrayList<>();
        RttPoller poller = new RttPoller(ScriptedRttSource.repeating(RttReading.measured(5)), options().build(),
                event -> {
                    heard.add(event);
                    self[0].stop();
                    throw oom;
                });
        self[0] = poller;
        pollers.add(poller);
        List<Throwable> uncaught = new ArrayList<>();
        Thread thread = Thread.currentThread();
        Thread.UncaughtExceptionHandler previous = thread.getUncaughtExceptionHandler();
        thread.setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try {
            poller.start();
            scheduler.advance(SECOND.multipliedBy(2));
        } finally {
            thread.setUncaughtExceptionHandler(previous);
        }
        assertThat(heard).hasSize(1);
        assertThat(uncaught).containsExactly(oom);
        assertThat(poller.isRunning()).isFalse();
    }

    @Test
    void switchSourceStartAndStopAreAsForATelemetry() {
        ScriptedRttSource first = ScriptedRttSource.repeating(RttReading.measured(10));
        ScriptedRttSource second = ScriptedRttSource.repeating(RttReading.measured(20));
        TelemetryOptions options = options().build();
        RttPoller poller = poller(first, options);
        assertThat(poller.options()).isSameAs(options);
        assertThat(poller.isIsolated()).isFalse();
        poller.start();
        poller.start();
        assertThat(scheduler.pendingTaskCount()).isEqualTo(1);
        scheduler.advance(SECOND);
        poller.switchSource(second);
        assertThat(poller.source()).isSameAs(second);
        scheduler.advance(SECOND);
        poller.stop();
        poller.close();
        assertThat(scheduler.pendingTaskCount()).isZero();
        assertThat(events).extracting(e -> e.sample().rttMs()).containsExactly(10.0, 10.0, 20.0);
        assertThatThrownBy(() -> poller.switchSource(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new RttPoller(first, options, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aRejectingSchedulerFailsStartAndLeavesThePollerStopped() {
        VirtualScheduler shutDown = new VirtualScheduler();
        shutDown.shutdown();
        RttPoller poller = poller(ScriptedRttSource.repeating(RttReading.measured(1)),
                options().scheduler(shutDown).build());
        assertThatThrownBy(poller::start).isInstanceOf(IllegalStateException.class);
        assertThat(poller.isRunning()).isFalse();
    }
}
