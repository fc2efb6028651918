package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.ScriptedRttSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Listeners and sources that call back into their telemetry: stop(), close(), start(), the getters, adding and
 * removing listeners, from inside a poll, also while another thread stops it. Polling in virtual time; every wait
 * bounded, a deadlock fails with a thread dump.
 */
class TelemetryCallbacksTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private static final long WAIT_SECONDS = 10;

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final ExecutorService caller = Executors.newCachedThreadPool();

    @AfterEach
    void cleanUp() {
        caller.shutdownNow();
        scheduler.shutdownNow();
    }

    private LatencyTelemetry telemetry(io.peerpulse.telemetry.spi.RttSource source) {
        return new LatencyTelemetry(source, TelemetryOptions.builder().firstPollDelay(Duration.ZERO)
                .pollInterval(Duration.ofSeconds(1)).scheduler(scheduler).clock(scheduler.clock())
                .nanoClock(scheduler.nanoClock()).build());
    }

    private void within(String what, Runnable call) throws Exception {
        Future<?> future = caller.submit(call);
        try {
            future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            StringBuilder dump = new StringBuilder();
            Thread.getAllStackTraces().forEach((thread, stack) -> {
                dump.append(thread).append(' ').append(thread.getState()).append('\n');
                for (StackTraceElement frame : stack) {
                    dump.append("    at ").append(frame).append('\n');
                }
            });
            fail(what + " did not end within " + WAIT_SECONDS + " s:\n" + dump);
        }
    }

    private static void check(TelemetryCounters c) {
        assertThat(c.pollCount()).isEqualTo(c.measuredCount() + c.staleCount() + c.unavailableCount()
                + c.failedCount() + c.rejectedCount() + c.skippedCount());
    }

    @Test
    void aListenerSeesTheStateWithItsOwnPollRecorded() throws Exception {
        LatencyTelemetry telemetry = telemetry(ScriptedRttSource.repeating(RttReading.measured(42)));
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        telemetry.addListener(event -> {
            TelemetryCounters c = telemetry.getCounters();
            check(c);
            seen.add(c.pollCount() + " " + telemetry.getStats().orElseThrow().totalSampleCount() + " "
                    + telemetry.getSummary().orElseThrow().totalSampleCount() + " "
                    + telemetry.getSessionStats().orElseThrow().sampleCount() + " " + telemetry.getSamples().size());
        });
        telemetry.start();
        within("advance", () -> scheduler.advance(Duration.ofSeconds(2)));
        assertThat(seen).containsExactly("1 1 1 1 1", "2 2 2 2 2", "3 3 3 3 3");
    }

    @Test
    void aListenerStoppingAndRestartingItsTelemetry() throws Exception {
        LatencyTelemetry telemetry = telemetry(ScriptedRttSource.repeating(RttReading.measured(42)));
        AtomicInteger heard = new AtomicInteger();
        telemetry.addListener(event -> {
            int n = heard.incrementAndGet();
            if (n == 2) {
                telemetry.stop();
                telemetry.close();
                telemetry.start(); // polls again from the next tick
            } else if (n == 4) {
                telemetry.close();
            }
        });
        telemetry.start();
        within("advance", () -> scheduler.advance(Duration.ofSeconds(10)));
        assertThat(heard).hasValue(4);
        assertThat(telemetry.isRunning()).isFalse();
        TelemetryCounters c = telemetry.getCounters();
        check(c);
        assertThat(c.pollCount()).isEqualTo(4);
        assertThat(scheduler.pendingTaskCount()).isZero();
    }

    @Test
    void aListenerRemovingItselfAndAddingAnother() throws Exception {
        LatencyTelemetry telemetry = telemetry(ScriptedRttSource.repeating(RttReading.measured(42)));
        List<String> heard = Collections.synchronizedList(new ArrayList<>());
        TelemetryListener other = event -> heard.add("other");
        TelemetryListener[] self = new TelemetryListener[1];
        self[0] = event -> {
            heard.add("self");
            telemetry.removeListener(self[0]);
            telemetry.addListener(other);
        };
        telemetry.addListener(self[0]);
        telemetry.start();
        within("advance", () -> scheduler.advance(Duration.ofSeconds(2)));
        assertThat(heard).containsExactly("self", "other", "other");
    }

    @Test
    void aSourceStoppingItsTelemetryFromReadRecordsNothingMore() throws Exception {
        AtomicReference<LatencyTelemetry> self = new AtomicReference<>();
        ScriptedRttSource scripted = ScriptedRttSource.repeating(RttReading.measured(42));
        AtomicInteger reads = new AtomicInteger();
        LatencyTelemetry telemetry = telemetry(() -> {
            if (reads.incrementAndGet() == 2) {
                self.get().close();
            }
            return scripted.read();
        });
        self.set(telemetry);
        List<PollEvent> heard = Collections.synchronizedList(new ArrayList<>());
        telemetry.addListener(heard::add);
        telemetry.start();
        within("advance", () -> scheduler.advance(Duration.ofSeconds(5)));
        assertThat(reads).hasValue(2);
        assertThat(heard).hasSize(1);
        check(telemetry.getCounters());
        assertThat(telemetry.getCounters().pollCount()).isEqualTo(1);
        assertThat(log.warnings()).isEmpty();
    }

    /** A listener stops the telemetry while another thread stops it: neither waits for the other. */
    @Test
    void aListenerStoppingWhileAnotherThreadStops() throws Exception {
        CompletableFuture<RttReading> answer = new CompletableFuture<>();
        LatencyTelemetry telemetry = telemetry(() -> answer);
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch otherStopped = new CountDownLatch(1);
        AtomicInteger heard = new AtomicInteger();
        telemetry.addListener(event -> {
            heard.incrementAndGet();
            inListener.countDown();
            try {
                otherStopped.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            telemetry.stop();
        });
        telemetry.start();
        within("advance", () -> scheduler.advance(Duration.ZERO));
        Future<?> answering = caller.submit(() -> answer.complete(RttReading.measured(42)));
        assertThat(inListener.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        within("the other stop()", telemetry::stop);
        otherStopped.countDown();
        answering.get(WAIT_SECONDS, TimeUnit.SECONDS);
        within("advance", () -> scheduler.advance(Duration.ofSeconds(5)));
        assertThat(heard).hasValue(1);
        check(telemetry.getCounters());
    }
}
