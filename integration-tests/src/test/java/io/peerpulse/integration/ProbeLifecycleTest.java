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
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Opening the probe before and after the connection, beside the connection's own data channel, and
 * closing it, the channel and the connection. Direct loopback connections.
 */
@Tag("integration")
class ProbeLifecycleTest {

    private static final ProbeOptions OPTIONS = ProbePeers.timeout(Duration.ofMillis(500));

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

    @Test
    void aProbeOpenedOnAConnectedPeerMeasuresBesideItsDataChannelAndSharesItsClock() throws Exception {
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            DataChannelProbe a = DataChannelProbe.open(peers.peerA(), OPTIONS);
            DataChannelProbe b = DataChannelProbe.open(peers.peerB(), OPTIONS);
            try {
                for (int i = 0; i < 20; i++) {
                    RttReading reading = read(a);
                    assertThat(reading).isInstanceOf(RttReading.Measured.class);
                    assertThat(((RttReading.Measured) reading).rttMs()).isPositive();
                }
                assertThat(peers.echo(Duration.ofSeconds(5))).isPositive();
                ProbeCounters counters = a.getCounters();
                assertThat(counters.sentCount()).isEqualTo(20);
                assertThat(counters.answeredCount()).isEqualTo(20);
                assertThat(b.getCounters().peerPingsAnsweredCount()).isEqualTo(20);
                // one JVM, one clock: the true offset is 0, and loopback makes the bound tight
                ClockOffset offset = a.getClockOffset().orElseThrow();
                System.out.printf("probe offset, loopback: %s%n", offset);
                assertThat(offset.offsetMs()).isCloseTo(0.0, within(offset.errorBoundMs()));
                assertThat(offset.exchangeCount()).isEqualTo(20);
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
     * The peer closes its end of the probe channel (the stream reset closes ours) and opens its probe again on the
     * same connection, three times in a row, as a restarted page script or a peer toggling its probe would: each time
     * this probe opens its channel again (once a second at most), and measures again once the peer's is back. Before,
     * the first close ended the probe view for the rest of the connection: every read unavailable, so a session
     * graded it LOST for good while the connection was fine.
     */
    @Test
    void aPeerThatClosesAndReopensItsProbeIsMeasuredAgain() throws Exception {
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            DataChannelProbe a = DataChannelProbe.open(peers.peerA(), OPTIONS);
            DataChannelProbe b = DataChannelProbe.open(peers.peerB(), OPTIONS);
            try {
                assertThat(read(a)).isInstanceOf(RttReading.Measured.class);
                for (int round = 1; round <= 3; round++) {
                    b.close();
                    DataChannelProbe closed = a;
                    assertThat(awaitRead(closed, r -> r instanceof RttReading.Unavailable))
                            .as("round %d: the stream reset closed A's channel", round).isTrue();
                    b = DataChannelProbe.open(peers.peerB(), OPTIONS);
                    DataChannelProbe reopened = b;
                    assertThat(awaitRead(a, r -> r instanceof RttReading.Measured))
                            .as("round %d: A measures again: %s", round, a.getCounters()).isTrue();
                    assertThat(awaitRead(reopened, r -> r instanceof RttReading.Measured))
                            .as("round %d: and answers the peer's new probe", round).isTrue();
                }
                ProbeCounters counters = a.getCounters();
                System.out.printf("peer closed and reopened its probe 3 times: %s%n", counters);
                assertThat(counters.sentCount()).isEqualTo(counters.answeredCount() + counters.lostCount()
                        + counters.unansweredCount());
                assertThat(peers.echo(Duration.ofSeconds(5))).as("the connection's own channel").isPositive();
            } finally {
                a.close();
                b.close();
            }
        }
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

    /** Reads until one satisfies {@code wanted}, for 10 s at most; one read at a time, each bounded. */
    private static boolean awaitRead(DataChannelProbe probe, java.util.function.Predicate<RttReading> wanted)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - deadline < 0) {
            if (wanted.test(read(probe))) {
                return true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // the next poll
        }
        return false;
    }

    /** Bounded wait for one read; a read completes within the ping timeout. */
    private static RttReading read(DataChannelProbe probe) throws Exception {
        return probe.read().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
}
