package io.peerpulse.integration;

import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.telemetry.RttSample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Raw data-channel echoes ({@link WebRtcPeers#echoAsync}, or {@link WebRtcPeers#unorderedEchoAsync} on a lossy
 * link: {@link #unordered}) sent while a session measures, one at each of its new samples: the same path's round trip
 * at the same moments, taken without the probe. Other work on the machine delays the peers' threads, so that every
 * round trip on the path lies above what the relay imposed by a local overhead the relay cannot see; the echoes
 * measure that overhead, and a bound on how far the probe's fastest sample may lie above the relay's fastest round
 * trip follows it ({@link #floorAllowanceMs}) instead of assuming a quiet machine.
 */
final class RawEchoes {

    /**
     * How far the fastest probe sample may lie above the fastest raw echo's excess over the relay's round trip, ms:
     * the fastest of two sets of round trips on the same path at the same time differ by this much (the probe's
     * fastest lay 0.1–1.0 ms below the echoes' on a machine at load 12 and quiet, and 2.8 ms above them once beside
     * six busy loops, load 8–9); a probe 10 ms off still fails by 6 ms.
     */
    static final double SPREAD_MS = 4.0;

    /** One raw data-channel echo: when A sent it ({@code System.nanoTime()}), and its round trip, ms. */
    record Echo(long sentNanos, double rttMs) {
    }

    /** Waits, with a bound, until a session has at least {@code count} samples. */
    @FunctionalInterface
    interface CountWait {
        boolean awaitCount(int count, Duration bound) throws InterruptedException;
    }

    private final Function<Duration, CompletableFuture<Duration>> echo;
    private final Duration timeout;
    private final List<CompletableFuture<Echo>> sent = new ArrayList<>();

    /**
     * Echoes on the peers' own ordered, reliable data channel ({@link WebRtcPeers#echoAsync}), through the same relay.
     *
     * @param timeout how long each echo may take; a later one is left out
     */
    RawEchoes(WebRtcPeers peers, Duration timeout) {
        this(peers::echoAsync, timeout);
    }

    /**
     * Echoes on the peers' unordered channel without retransmissions ({@link WebRtcPeers#unorderedEchoAsync}),
     * through the same relay: for a lossy link, where a lost echo on the ordered channel would be resent and hold
     * every later one, and where that channel's retransmissions would add to the traffic whose loss a test compares.
     * A lost echo is left out, as a late one.
     *
     * @param timeout how long each echo may take; a later one is left out
     */
    static RawEchoes unordered(WebRtcPeers peers, Duration timeout) {
        return new RawEchoes(peers::unorderedEchoAsync, timeout);
    }

    private RawEchoes(Function<Duration, CompletableFuture<Duration>> echo, Duration timeout) {
        this.echo = echo;
        this.timeout = timeout;
    }

    /**
     * Waits until {@code condition} holds for the session's samples, sending one echo at each new sample meanwhile.
     *
     * @param samples   the session's samples so far
     * @param more      waits for a number of samples
     * @param condition what to wait for
     * @param bound     how long at most; only a hung test reaches it
     * @return whether the condition held within the bound
     */
    boolean awaitEchoing(Supplier<List<RttSample>> samples, CountWait more, Predicate<List<RttSample>> condition,
                         Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            List<RttSample> seen = samples.get();
            if (!seen.isEmpty() && condition.test(seen)) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            long sentNanos = System.nanoTime();
            sent.add(echo.apply(timeout).thenApply(rtt -> new Echo(sentNanos, rtt.toNanos() / 1e6)));
            more.awaitCount(seen.size() + 1, Duration.ofNanos(left));
        }
    }

    /** @return the echoes that came back within their timeout, in the order sent; waits for those under way */
    List<Echo> answered() throws Exception {
        List<Echo> answered = new ArrayList<>();
        for (CompletableFuture<Echo> echo : sent) {
            // each completes within its own timeout: lost or late echoes are left out
            Echo e = echo.exceptionally(late -> null).get(30, TimeUnit.SECONDS);
            if (e != null) {
                answered.add(e);
            }
        }
        return answered;
    }

    /** @return how far the fastest of {@code echoes} lay above {@code floorMs}, the relay's fastest round trip, ms */
    static double fastestExcessMs(List<Echo> echoes, double floorMs) {
        return echoes.stream().mapToDouble(Echo::rttMs).min().orElseThrow(
                () -> new AssertionError("no raw echo came back to calibrate the bound with")) - floorMs;
    }

    /**
     * @param echoExcessMs the fastest echo's excess over the relay's fastest round trip ({@link #fastestExcessMs})
     * @return how far the fastest probe sample may lie above the relay's fastest round trip: the probe's overhead
     *         floor on a quiet machine ({@link ProbeAccuracyTest#ABOVE_MS}) or, when more, the echo's excess plus
     *         {@link #SPREAD_MS}
     */
    static double floorAllowanceMs(double echoExcessMs) {
        return Math.max(ProbeAccuracyTest.ABOVE_MS, echoExcessMs + SPREAD_MS);
    }
}
