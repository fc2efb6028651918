package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The ICE source on real peers asks libwebrtc at libwebrtc's pace: readers share the request in flight (each with a
 * stage of its own, so one that cancels its stage takes the reading from no other), and a
 * read soon after a fresh reading is answered {@code stale} at once, without a request. And a read does not wait
 * for a signalling thread that is held (here by a stats callback of the test's own that waits for a latch).
 */
@Tag("integration")
class WebRtcRttSourcePaceTest {

    private static final long ANSWER_SECONDS = 30;

    @Test
    void readersShareTheRequestInFlightWithoutSharingAStageAndNoneWaitsForAHeldSignallingThread() throws Exception {
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            WebRtcRttSource source = WebRtcRttSource.of(peers.peerA(), WebRtcRttSource.Mode.CURRENT_EVERY_POLL);
            peers.onConnectionChangeOfA(source::onConnectionChange);
            source.read().toCompletableFuture().get(ANSWER_SECONDS, TimeUnit.SECONDS); // warm: one answered read

            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            // the stats callback runs on A's signalling thread: while it waits, every call into A's connection waits
            peers.peerA().getStats(report -> {
                held.countDown();
                try {
                    release.await(ANSWER_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            CompletionStage<RttReading> first;
            CompletionStage<RttReading> second;
            try {
                assertThat(held.await(ANSWER_SECONDS, TimeUnit.SECONDS)).as("the signalling thread is held").isTrue();
                first = source.read(); // returned: this thread did not wait for the signalling thread
                second = source.read();
                assertThat(first.toCompletableFuture()).as("libwebrtc cannot have answered yet").isNotDone();
                // a reader that gives up on its stage (as a caller's own timeout does) changes no other reader's
                assertThat(first.toCompletableFuture().cancel(false)).isTrue();
            } finally {
                release.countDown();
            }
            RttReading shared = second.toCompletableFuture().get(ANSWER_SECONDS, TimeUnit.SECONDS);
            assertThat(shared).isInstanceOf(RttReading.Measured.class);
            assertThat(first.toCompletableFuture()).isCancelled();
            source.close(); // before the peers close
        }
    }

    @Test
    void aReadSoonAfterAFreshReadingIsStaleAtOnceWithoutARequest() throws Exception {
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            WebRtcRttSource source = WebRtcRttSource.of(peers.peerA());
            peers.onConnectionChangeOfA(source::onConnectionChange);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ANSWER_SECONDS);
            long askedAt;
            RttReading reading;
            do {
                askedAt = System.nanoTime();
                reading = source.read().toCompletableFuture().get(ANSWER_SECONDS, TimeUnit.SECONDS);
            } while (!(reading instanceof RttReading.Measured) && System.nanoTime() - deadline < 0);
            assertThat(reading).as("a fresh source measures").isInstanceOf(RttReading.Measured.class);

            CompletableFuture<RttReading> next = source.read().toCompletableFuture();
            Assumptions.assumeTrue(System.nanoTime() - askedAt < WebRtcRttSource.REFRESH_PERIOD.toNanos(),
                    "the machine took the whole refresh period to answer one read: nothing to check");
            assertThat(next).as("answered at once, no request").isDone();
            assertThat(next.join()).isEqualTo(RttReading.stale());
            source.close(); // before the peers close
        }
    }
}
