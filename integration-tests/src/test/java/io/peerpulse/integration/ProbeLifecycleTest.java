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

    /** Bounded wait for one read; a read completes within the ping timeout. */
    private static RttReading read(DataChannelProbe probe) throws Exception {
        return probe.read().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
}
