package io.peerpulse.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCStatsCollectorCallback;
import dev.onvoid.webrtc.RTCStatsReport;
import io.peerpulse.telemetry.spi.RttReading;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link WebRtcRttSource#close()} and the calls into webrtc-java on the stats thread: a factory disposed under a call
 * in progress crashes the JVM (seen once in CI: SIGSEGV in {@code getStats}), so close() waits for that call, and
 * none starts after it. The calls are a test's own here, to hold one in progress for as long as the test needs.
 */
class WebRtcRttSourceCloseTest {

    private static final long HOUR = TimeUnit.HOURS.toNanos(1);

    /** Holds each stats call until released, as libwebrtc's proxy holds it until the signalling thread runs it. */
    private static final class HeldCalls implements WebRtcRttSource.Calls {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public RTCPeerConnectionState connectionState() {
            events.add("connectionState");
            return RTCPeerConnectionState.CONNECTED;
        }

        @Override
        public void stats(RTCStatsCollectorCallback callback) {
            events.add("stats");
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            events.add("stats returned");
        }
    }

    @Test
    @Timeout(30)
    void closeReturnsOnlyAfterTheCallInProgress() throws Exception {
        HeldCalls calls = new HeldCalls();
        WebRtcRttSource source = new WebRtcRttSource(null, WebRtcRttSource.Mode.RESPONSES, calls, HOUR);
        source.read();
        assertThat(calls.entered.await(10, TimeUnit.SECONDS)).as("the stats thread called getStats").isTrue();

        Thread closer = new Thread(() -> {
            source.close();
            calls.events.add("close returned");
        }, "closer");
        closer.start();
        closer.join(500); // closing cannot end while the call is held: this only gives an unfixed close() its chance
        calls.release.countDown();
        closer.join(10_000);

        assertThat(closer.isAlive()).isFalse();
        assertThat(calls.events).containsExactly("connectionState", "stats", "stats returned", "close returned");
    }

    /**
     * A game loop stopped by {@code interrupt()} that closes its source in a {@code finally} and then disposes the
     * factory: close() on an interrupted thread returned at once (tryLock throws at once when the flag is set), with
     * the call in progress and no warning. It waits as on any thread, and the flag stays set for the caller.
     */
    @Test
    @Timeout(30)
    void closeOnAnInterruptedThreadStillWaitsForTheCallInProgress() throws Exception {
        HeldCalls calls = new HeldCalls();
        WebRtcRttSource source = new WebRtcRttSource(null, WebRtcRttSource.Mode.RESPONSES, calls, HOUR);
        source.read();
        assertThat(calls.entered.await(10, TimeUnit.SECONDS)).as("the stats thread called getStats").isTrue();

        boolean[] stillInterrupted = new boolean[1];
        Thread closer = new Thread(() -> {
            Thread.currentThread().interrupt();
            source.close();
            calls.events.add("close returned");
            stillInterrupted[0] = Thread.currentThread().isInterrupted();
        }, "interrupted closer");
        closer.start();
        closer.join(500); // closing cannot end while the call is held: this only gives an unfixed close() its chance
        calls.release.countDown();
        closer.join(10_000);

        assertThat(closer.isAlive()).isFalse();
        assertThat(calls.events).containsExactly("connectionState", "stats", "stats returned", "close returned");
        assertThat(stillInterrupted[0]).as("the caller's interrupt kept").isTrue();
    }

    /**
     * An application that relays the connection's states through its game loop (the observer posts them there) and
     * closes the source on that loop before disposing the factory: each relayed {@code onConnectionChange} made the
     * loop "webrtc-java's callback thread", although a stats callback had shown which thread that is, and close() on
     * the loop returned at once with a getStats in progress. The thread the stats callback came on counts.
     */
    @Test
    @Timeout(30)
    void aStateRelayedOnAnotherThreadDoesNotMakeItsCloseSkipTheWait() throws Exception {
        ExecutorService signalling = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "signalling");
            thread.setDaemon(true);
            return thread;
        });
        try {
            HeldCalls held = new HeldCalls();
            boolean[] first = {true};
            WebRtcRttSource.Calls calls = new WebRtcRttSource.Calls() {
                @Override
                public RTCPeerConnectionState connectionState() {
                    return RTCPeerConnectionState.CONNECTED;
                }

                @Override
                public void stats(RTCStatsCollectorCallback callback) {
                    if (first[0]) { // delivered later on the signalling thread, as libwebrtc does
                        first[0] = false;
                        signalling.execute(() -> callback.onStatsDelivered(new RTCStatsReport(Map.of(), 0) {
                        }));
                    } else {
                        held.stats(callback);
                    }
                }
            };
            WebRtcRttSource source = new WebRtcRttSource(null, WebRtcRttSource.Mode.CURRENT_EVERY_POLL, calls, HOUR);
            source.read().toCompletableFuture().get(10, TimeUnit.SECONDS); // its callback came on "signalling"

            Thread loop = new Thread(() -> {
                source.onConnectionChange(RTCPeerConnectionState.CONNECTED); // relayed by the game loop
                source.read();
                try {
                    held.entered.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                source.close();
                held.events.add("close returned");
            }, "game loop");
            loop.start();
            assertThat(held.entered.await(10, TimeUnit.SECONDS)).as("the stats thread called getStats").isTrue();
            loop.join(500); // closing cannot end while the call is held: this only gives an unfixed close() its chance
            held.release.countDown();
            loop.join(10_000);

            assertThat(loop.isAlive()).isFalse();
            assertThat(held.events).containsExactly("stats", "stats returned", "close returned");
        } finally {
            signalling.shutdownNow();
        }
    }

    @Test
    @Timeout(30)
    void aReadQueuedBeforeCloseMakesNoCallAfterIt() throws Exception {
        HeldCalls holding = new HeldCalls(); // holds the JVM's one stats thread, so that the next request waits
        WebRtcRttSource first = new WebRtcRttSource(null, WebRtcRttSource.Mode.RESPONSES, holding, HOUR);
        first.read();
        assertThat(holding.entered.await(10, TimeUnit.SECONDS)).isTrue();

        HeldCalls queuedCalls = new HeldCalls();
        WebRtcRttSource queued = new WebRtcRttSource(null, WebRtcRttSource.Mode.RESPONSES, queuedCalls, HOUR);
        var read = queued.read().toCompletableFuture();
        queued.close(); // nothing in progress for this source: returns at once
        holding.release.countDown();

        assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(RttReading.unavailable("source closed"));
        assertThat(queuedCalls.events).isEmpty();
        first.close();
    }

    /**
     * An application's {@code onConnectionChange}, on webrtc-java's signalling thread, closes the session and so the
     * source while the stats thread's call waits for that very thread: close() must not wait for it.
     */
    @Test
    @Timeout(20)
    void closeOnTheCallbackThreadDoesNotWaitForTheCallThatWaitsForIt() throws Exception {
        ExecutorService signalling = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "signalling");
            thread.setDaemon(true);
            return thread;
        });
        try {
            CountDownLatch inStats = new CountDownLatch(1);
            List<String> events = new CopyOnWriteArrayList<>();
            WebRtcRttSource[] source = new WebRtcRttSource[1];
            boolean[] first = {true};
            WebRtcRttSource.Calls proxied = new WebRtcRttSource.Calls() {
                @Override
                public RTCPeerConnectionState connectionState() {
                    throw new AssertionError("the state is reported");
                }

                @Override
                public void stats(RTCStatsCollectorCallback callback) {
                    if (first[0]) { // answered later on the signalling thread, as libwebrtc does
                        first[0] = false;
                        signalling.execute(() -> callback.onStatsDelivered(new RTCStatsReport(Map.of(), 0) {
                        }));
                        return;
                    }
                    inStats.countDown();
                    try { // as libwebrtc's proxy: run on the signalling thread, waited for
                        signalling.submit(() -> events.add("stats ran on the signalling thread")).get();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
            source[0] = new WebRtcRttSource(null, WebRtcRttSource.Mode.CURRENT_EVERY_POLL, proxied, HOUR);
            signalling.submit(() -> source[0].onConnectionChange(RTCPeerConnectionState.CONNECTED)).get();
            source[0].read().toCompletableFuture().get(10, TimeUnit.SECONDS); // its callback came on "signalling"
            Future<?> closing = signalling.submit(() -> {
                try {
                    inStats.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                source[0].close(); // the state callback closing the session: its source's close() on this thread
                events.add("closed on the signalling thread");
            });
            var read = source[0].read().toCompletableFuture();
            closing.get(10, TimeUnit.SECONDS);
            assertThat(events).first().isEqualTo("closed on the signalling thread");
            assertThat(read.isDone()).as("the stats callback never came").isFalse();
        } finally {
            // shutdown, not shutdownNow: the stats call's task may still wait in the queue, and dropped it would hold
            // the JVM's one stats thread for good (the next test's getStats never came, on a loaded machine)
            signalling.shutdown();
            assertThat(signalling.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
