package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.webrtc.ClockOffset;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeCounters;
import io.peerpulse.webrtc.ProbeOptions;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Opening the probe before and after the connection, beside the connection's own data channel, and
 * closing it, the channel and the connection. Direct loopback connections.
 */
@Tag("integration")
class ProbeLifecycleTest {

    private static final ProbeOptions OPTIONS = ProbePeers.timeout(Duration.ofMillis(500));
    /** Reads allowed beside the 20 measured ones that did not measure: pongs a loaded machine held past the timeout. */
    private static final int MAX_UNMEASURED_READS = 20;

    @Test
    void aProbeOpenedBeforeConnectingMeasuresOnceConnected() throws Exception {
        try (WebRtcPeers peers = new WebRtcPeers()) {
            DataChannelProbe a = DataChannelProbe.open(peers.peerA(), OPTIONS);
            DataChannelProbe b = DataChannelProbe.open(peers.peerB(), OPTIONS);
            try {
                assertThat(read(a)).as("not connected yet").isInstanceOf(RttReading.Unavailable.class);
                assertThat(a.getCounters().sentCount()).isZero();
                peers.connect(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT));
                assertThat(read(a)).isInstanceOf(RttReading.Measured.class);
                assertThat(read(b)).isInstanceOf(RttReading.Measured.class);
                peers.sendAndAwait("the game's own channel still works", Duration.ofSeconds(5));
                assertThat(peers.channelA().getId()).as("the in-band channel's id").isNotEqualTo(1023);
            } finally {
                a.close();
                b.close();
            }
        }
    }

    /**
     * 20 measured reads of a probe opened after connecting, beside the connection's own channel, and a clock offset
     * of 0 (one JVM) from exactly those 20 exchanges. On a loaded machine a pong can miss the 500 ms ping timeout: that
     * read does not measure, and is read again, at most {@value #MAX_UNMEASURED_READS} times. Each such read must be
     * one the counters explain: stale, a ping lost (its pong, if it came, late) or answered after a stall of this
     * process ({@code processedLateCount}, unmeasured); or, before the peer's first answer, unavailable, its ping
     * unanswered. Never one that the probe spoilt (unmatched, malformed), nor a read without a ping.
     */
    @Test
    void aProbeOpenedOnAConnectedPeerMeasuresBesideItsDataChannelAndSharesItsClock() throws Exception {
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            DataChannelProbe a = DataChannelProbe.open(peers.peerA(), OPTIONS);
            DataChannelProbe b = DataChannelProbe.open(peers.peerB(), OPTIONS);
            try {
                List<RttReading> readings = new ArrayList<>();
                int measured = 0;
                int unavailable = 0;
                while (measured < 20) {
                    assertThat(readings.size() - measured).as("reads that did not measure, for 20 measured: %s; %s",
                            readings, a.getCounters()).isLessThanOrEqualTo(MAX_UNMEASURED_READS);
                    RttReading reading = read(a);
                    readings.add(reading);
                    if (reading instanceof RttReading.Measured m) {
                        assertThat(m.rttMs()).isPositive();
                        measured++;
                    } else if (measured == 0 && reading instanceof RttReading.Unavailable) {
                        unavailable++; // its ping timed out before the peer's first answer: checked below
                    } else {
                        assertThat(reading).as("a read that does not measure, of %s", readings)
                                .isInstanceOf(RttReading.Stale.class);
                    }
                }
                assertThat(peers.echo(Duration.ofSeconds(5))).isPositive();
                ProbeCounters counters = a.getCounters();
                long stale = readings.size() - 20L - unavailable;
                System.out.printf("probe opened on a connected peer: %d reads, %d stale, %d unavailable; %s%n",
                        readings.size(), stale, unavailable, counters);
                assertThat(counters.sentCount()).as("one ping per read: %s", readings).isEqualTo(readings.size());
                assertThat(counters.inFlightCount()).as("every read completed").isZero();
                assertThat(counters.unansweredCount()).as("unavailable reads: pings before the peer's first answer")
                        .isEqualTo(unavailable);
                // each stale read: a lost ping, or one answered after a stall of this process (processedLate)
                assertThat(counters.answeredCount() - 20).as("answered but unmeasured: %s", counters)
                        .isBetween(0L, counters.processedLateCount());
                assertThat(counters.lostCount() + counters.answeredCount() - 20).as("stale reads: %s", counters)
                        .isEqualTo(stale);
                assertThat(counters.lateCount()).as("late pongs, of timed-out pings only")
                        .isLessThanOrEqualTo(counters.lostCount() + counters.unansweredCount());
                assertThat(counters.unmatchedCount() + counters.malformedCount()).as("no ping spoilt: %s", counters)
                        .isZero();
                // B answered every pong A counted; a timed-out ping's pong may still be on its way
                assertThat(b.getCounters().peerPingsAnsweredCount()).isBetween(
                        counters.answeredCount() + counters.lateCount(), counters.sentCount());
                // one JVM, one clock: the true offset is 0, and loopback makes the bound tight
                ClockOffset offset = a.getClockOffset().orElseThrow();
                System.out.printf("probe offset, loopback: %s%n", offset);
                assertThat(offset.offsetMs()).isCloseTo(0.0, within(offset.errorBoundMs()));
                assertThat(offset.exchangeCount()).as("one exchange per measured read").isEqualTo(20);
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void closingTheProbeIsIdempotentAndLaterReadsAreUnavailable() throws Exception {
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            DataChannelProbe a = DataChannelProbe.open(peers.peerA(), OPTIONS);
            DataChannelProbe b = DataChannelProbe.open(peers.peerB(), OPTIONS);
            try {
                assertThat(read(a)).isInstanceOf(RttReading.Measured.class);
                a.close();
                assertThatCode(a::close).doesNotThrowAnyException();
                assertThat(read(a)).isEqualTo(RttReading.unavailable("probe closed"));
                assertThat(a.getCounters().sentCount()).isEqualTo(1);
                // B's end is closed by the stream reset, or its pings go unanswered: never measured
                RttReading fromB = read(b);
                assertThat(fromB).isNotInstanceOf(RttReading.Measured.class);
                // the connection and its own data channel are untouched
                assertThat(peers.echo(Duration.ofSeconds(5))).isPositive();
            } finally {
                b.close();
            }
        }
    }

    /**
     * Two closes at once, one on webrtc-java's signalling thread: a session closing its probe on its executor while
     * the application's connection callback closes it too (close() is idempotent). The first close's calls into
     * webrtc-java wait for the signalling thread; had it held the probe's lock through them, the second close() would
     * wait for the lock on that very thread, both for good. Forced: the signalling thread is held by a stats callback
     * until the first close() is inside webrtc-java, then closes the probe itself.
     */
    @Test
    void twoClosesAtOnceOneOnTheSignallingThreadDoNotDeadlock() throws Exception {
        WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT));
        boolean deadlocked = false;
        DataChannelProbe a = DataChannelProbe.open(peers.peerA(), OPTIONS);
        DataChannelProbe b = DataChannelProbe.open(peers.peerB(), OPTIONS);
        Thread first = new Thread(a::close, "test-first-close");
        try {
            assertThat(read(a)).isInstanceOf(RttReading.Measured.class);
            CompletableFuture<Void> closedThere = new CompletableFuture<>();
            CountDownLatch held = new CountDownLatch(1);
            peers.peerA().getStats(report -> {
                held.countDown();
                try {
                    awaitNativeCallIn(first, "close");
                    a.close(); // the application's close, on the signalling thread
                    closedThere.complete(null);
                } catch (RuntimeException | Error e) {
                    closedThere.completeExceptionally(e);
                }
            });
            assertThat(held.await(10, TimeUnit.SECONDS)).as("A's signalling thread is held").isTrue();
            first.start(); // the session's close, on another thread: its calls wait for the signalling thread
            try {
                closedThere.get(20, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                deadlocked = true; // the peers cannot be closed any more: left as they are
                throw new AssertionError("close() on the signalling thread did not return while another close() was"
                        + " in " + Arrays.toString(first.getStackTrace()), e);
            }
            first.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(first.isAlive()).as("the first close() returned").isFalse();
            assertThat(read(a)).isEqualTo(RttReading.unavailable("probe closed"));
            assertThat(peers.echo(Duration.ofSeconds(5))).as("the connection's own channel").isPositive();
        } finally {
            if (!deadlocked) {
                b.close();
                peers.close();
            }
        }
    }

    /** Until {@code thread} is in a native method called from the probe's {@code method}, for 10 s at most. */
    private static void awaitNativeCallIn(Thread thread, String method) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - deadline < 0) {
            StackTraceElement[] stack = thread.getStackTrace();
            if (stack.length > 0 && stack[0].isNativeMethod() && Arrays.stream(stack).anyMatch(
                    f -> f.getClassName().equals(DataChannelProbe.class.getName()) && f.getMethodName().equals(method))) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        throw new AssertionError("the probe's " + method + " made no call into webrtc-java within 10 s: "
                + Arrays.toString(thread.getStackTrace()));
    }

    @Test
    void closingThePeerConnectionMakesReadsUnavailableWithoutFailure() throws Exception {
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            DataChannelProbe a = DataChannelProbe.open(peers.peerA(), OPTIONS);
            DataChannelProbe b = DataChannelProbe.open(peers.peerB(), OPTIONS);
            try {
                assertThat(read(a)).isInstanceOf(RttReading.Measured.class);
                peers.peerA().close();
                assertThat(read(a)).isInstanceOf(RttReading.Unavailable.class);
                assertThat(read(a)).isInstanceOf(RttReading.Unavailable.class);
                assertThat(read(b)).isNotInstanceOf(RttReading.Measured.class);
                assertThatCode(a::close).doesNotThrowAnyException();
                assertThat(read(a)).isEqualTo(RttReading.unavailable("probe closed"));
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void aClosedPeerConnectionCannotOpenAProbe() throws Exception {
        try (WebRtcPeers peers = new WebRtcPeers()) {
            peers.peerA().close();
            assertThatCode(() -> DataChannelProbe.open(peers.peerA(), OPTIONS).close())
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aClosedProbeCanBeCollectedThoughWebRtcJavaKeepsItsObserverForGood() throws Exception {
        // a server that runs for weeks opens and closes a probe per connection: webrtc-java 0.14 never releases the
        // global reference it takes to a channel's observer, so nothing the observer refers to may outlive close()
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            List<WeakReference<DataChannelProbe>> closed = openAndClose(peers);
            for (int i = 0; i < 10 && closed.stream().anyMatch(probe -> probe.get() != null); i++) {
                System.gc();
            }
            assertThat(closed).as("closed probes still reachable after GC").allMatch(probe -> probe.get() == null);
        }
    }

    /** Opens a probe on each peer and closes both; in a method of its own so that no local variable holds them. */
    private static List<WeakReference<DataChannelProbe>> openAndClose(WebRtcPeers peers) {
        DataChannelProbe a = DataChannelProbe.open(peers.peerA(), OPTIONS);
        DataChannelProbe b = DataChannelProbe.open(peers.peerB(), OPTIONS);
        a.close();
        b.close();
        return List.of(new WeakReference<>(a), new WeakReference<>(b));
    }

    /** Bounded wait for one read; a read completes within the ping timeout. */
    private static RttReading read(DataChannelProbe probe) throws Exception {
        return probe.read().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
}
