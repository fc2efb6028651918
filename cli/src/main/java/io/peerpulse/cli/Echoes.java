package io.peerpulse.cli;

import io.peerpulse.lab.WebRtcPeers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The demo's raw data-channel echoes ({@link WebRtcPeers#unorderedEchoAsync}), ten a second on a daemon thread
 * {@code demo-echo} while the session measures: the same relay, stacks and threads as the measurement, without
 * PeerPulse's code, so what they take above the relay's round trip is what the peers' own stack takes in this run
 * (the verdict's allowance, {@link RelayVerdict}). Their channel is unordered and never resends, as the probe's:
 * with {@code --loss} a lost echo is left out, and no echo waits for an earlier one to be resent.
 */
final class Echoes {

    private static final long PERIOD_MILLIS = 100;
    /** How long an echo may take; a later one is left out, as lost. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final List<CompletableFuture<Duration>> sent = new ArrayList<>();
    private ScheduledExecutorService thread;

    /** Starts sending through {@code peers}, the first echo at once. */
    synchronized void start(WebRtcPeers peers) {
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demo-echo");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleAtFixedRate(() -> {
            CompletableFuture<Duration> echo = peers.unorderedEchoAsync(TIMEOUT);
            synchronized (this) {
                sent.add(echo);
            }
        }, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Stops sending, waiting at most 5 s for a send under way; interrupted, it keeps the interrupt and returns. */
    void stop() {
        ScheduledExecutorService t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.shutdownNow();
            try {
                t.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The round trips of the echoes that came back, after {@link #stop()}: waits for those under way, each at most
     * until its own timeout ({@link #TIMEOUT} after it was sent); lost and late ones are left out.
     */
    List<Duration> back() throws InterruptedException {
        List<CompletableFuture<Duration>> all;
        synchronized (this) {
            all = List.copyOf(sent);
        }
        List<Duration> back = new ArrayList<>();
        for (CompletableFuture<Duration> echo : all) {
            try {
                back.add(echo.get(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS));
            } catch (ExecutionException | TimeoutException lostOrLate) {
                // left out: the verdict says how many came back
            }
        }
        return back;
    }
}
