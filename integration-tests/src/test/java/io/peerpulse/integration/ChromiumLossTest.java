package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.lab.BrowserPeer.PageOptions;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Counters;
import io.peerpulse.lab.ImpairmentRelay.Direction;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.webrtc.ProbeCounters;
import io.peerpulse.webrtc.ProbeOptions;
import jakarta.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Loss both ways between a Java probe and the browser's {@code peerpulse-probe.js}, against the relay's own
 * count: 80 ms round trip, 10 % loss each way, so a ping is lost with {@code 1 - (1 - dA→B)(1 - dB→A)}, about
 * 19 % (see {@link ProbeLossTest} for why the relay's per-direction ratios over all packets stand in for the
 * probe packets'). Both sides ping every 25 ms with a 400 ms timeout (pings overlap), 700 Java pings: the
 * standard deviation of each ratio is about 1.5 points, the tolerance 5.
 */
@Isolated
@Tag("integration")
class ChromiumLossTest {

    private static final int PINGS = 700;
    private static final Duration INTERVAL = Duration.ofMillis(25);
    private static final Duration PING_TIMEOUT = Duration.ofMillis(400);

    @Test
    void bothDirectionsCountWhatTheRelayDropped() throws Exception {
        Path binary = ChromiumPeer.chromiumOrSkip("ChromiumLossTest");
        Link clean = Link.roundTrip(Duration.ofMillis(80));
        ImpairmentRelay relay = new ImpairmentRelay(7).impair(clean);
        PageOptions page = PageOptions.defaults().withProbe(INTERVAL, PING_TIMEOUT);
        ProbeOptions options = ProbeOptions.builder().pingTimeout(PING_TIMEOUT).build();
        ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor();
        try (ChromiumPeer c = ChromiumPeer.connect(binary, relay, page, options)) {
            CountDownLatch firstAnswer = new CountDownLatch(1);
            CountDownLatch completed = new CountDownLatch(PINGS);
            AtomicLong measuring = new AtomicLong(-1); // pings sent since the loss began, -1 before
            ScheduledFuture<?> pings = pinger.scheduleAtFixedRate(() -> {
                boolean counted = measuring.get() >= 0 && measuring.incrementAndGet() <= PINGS;
                c.probe.read().whenComplete((reading, failure) -> {
                    if (reading instanceof RttReading.Measured) {
                        firstAnswer.countDown();
                    }
                    if (counted) {
                        completed.countDown();
                    }
                });
            }, 0, INTERVAL.toNanos(), TimeUnit.NANOSECONDS);
            // the browser answered once: from now on a ping without a pong is loss, not "not answered yet"
            assertThat(firstAnswer.await(20, TimeUnit.SECONDS)).as("the browser answers").isTrue();
            JsonObject browserBefore = ChromiumPeer.json(c.peer.report(Duration.ofSeconds(10)))
                    .getJsonObject("probeCounters");
            assertThat(browserBefore.getInt("answered")).as("the Java side answers the browser").isPositive();
            relay.impair(clean.withLoss(0.1));
            ProbeCounters javaBefore = c.probe.getCounters();
            Counters aToB = relay.counters(Direction.A_TO_B);
            Counters bToA = relay.counters(Direction.B_TO_A);
            measuring.set(0);
            assertThat(completed.await(120, TimeUnit.SECONDS)).as("%d Java pings completed", PINGS).isTrue();
            pings.cancel(false);
            JsonObject browserAfter = ChromiumPeer.json(c.peer.finish(Duration.ofSeconds(10)))
                    .getJsonObject("probeCounters");
            ProbeCounters javaAfter = c.probe.getCounters();
            Counters aToBAfter = relay.counters(Direction.A_TO_B);
            Counters bToAAfter = relay.counters(Direction.B_TO_A);

            double dropAToB = ratio(aToBAfter.droppedCount() - aToB.droppedCount(), aToBAfter.receivedCount() - aToB.receivedCount());
            double dropBToA = ratio(bToAAfter.droppedCount() - bToA.droppedCount(), bToAAfter.receivedCount() - bToA.receivedCount());
            double expected = 1 - (1 - dropAToB) * (1 - dropBToA);
            long javaAnswered = javaAfter.answeredCount() - javaBefore.answeredCount();
            long javaLost = javaAfter.lostCount() - javaBefore.lostCount();
            long browserAnswered = browserAfter.getInt("answered") - browserBefore.getInt("answered");
            long browserLost = browserAfter.getInt("lost") - browserBefore.getInt("lost");
            double javaRatio = ratio(javaLost, javaAnswered + javaLost);
            double browserRatio = ratio(browserLost, browserAnswered + browserLost);
            System.out.printf("chromium loss: relay dropped A->B (Java->browser) %.4f of %d, B->A %.4f of %d -> "
                            + "expected %.4f; Java probe %d/%d lost = %.4f (late %d); browser probe %d/%d lost = %.4f"
                            + " (late %d)%n", dropAToB, aToBAfter.receivedCount() - aToB.receivedCount(), dropBToA,
                    bToAAfter.receivedCount() - bToA.receivedCount(), expected, javaLost, javaAnswered + javaLost, javaRatio,
                    javaAfter.lateCount() - javaBefore.lateCount(), browserLost, browserAnswered + browserLost, browserRatio,
                    browserAfter.getInt("late") - browserBefore.getInt("late"));

            assertThat(expected).as("the relay really dropped about 10 %% each way").isCloseTo(0.19, within(0.04));
            assertThat(javaAnswered + javaLost).isGreaterThanOrEqualTo(PINGS - 20);
            assertThat(browserAnswered + browserLost).as("browser pings").isGreaterThanOrEqualTo(PINGS / 2);
            assertThat(javaRatio).as("Java probe's loss vs the relay's").isCloseTo(expected, within(0.05));
            assertThat(browserRatio).as("browser probe's loss vs the relay's").isCloseTo(expected, within(0.05));
            assertThat(browserAfter.getInt("malformed") + browserAfter.getInt("unmatched")).isZero();
        } finally {
            pinger.shutdownNow();
        }
    }

    private static double ratio(long part, long whole) {
        assertThat(whole).isPositive();
        return (double) part / whole;
    }
}
