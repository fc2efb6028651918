package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.lab.BrowserPeer;
import io.peerpulse.lab.BrowserPeer.PageOptions;
import io.peerpulse.lab.Chromium;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.webrtc.DataChannelProbe;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The browser's {@code peerpulse-probe.js} in real headless Chromium against a hostile far end: a {@link HostilePeer}
 * (a modified client writing the protocol's bytes itself) on a real webrtc-java connection through a 20 ms relay.
 * The page must keep the promises the Java probe keeps ({@link ProbeHostileMessagesTest}, {@link ProbeFloodTest},
 * {@link ProbeForgedHoldTest}): every refused message counted and never answered, forged pongs never measured (a
 * guessed {@code t1} or an impossible hold spends the ping, a hold above 5 ms is capped, duplicates and pongs to no
 * ping are unmatched, a pong past the timeout is lost and late), and a ping flood answered at most 50 a second after a
 * burst of 20. Measured here (Chromium 150, 2 cores): 104,200 pings in 3 s, the page answered 182 and dropped
 * 103,579; the junk below was counted one by one and the page kept measuring.
 */
@Isolated
@Tag("integration")
class ChromiumHostilePeerTest {

    private static final Duration RTT = Duration.ofMillis(20);
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofMillis(800);
    /** How long the page may take to count what reached it: a bound on a real event, not a wait for time. */
    private static final long SETTLE_NANOS = Duration.ofSeconds(20).toNanos();

    @Test
    void thePageKeepsTheJavaProbesPromisesAgainstAHostilePeer() throws Exception {
        Path binary = ChromiumPeer.chromiumOrSkip("ChromiumHostilePeerTest");
        ImpairmentRelay relay = new ImpairmentRelay(13).impair(Link.roundTrip(RTT));
        PageOptions page = PageOptions.defaults().withProbe(INTERVAL, TIMEOUT);
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        try (relay; BrowserPeer peer = BrowserPeer.create(DataChannelProbe.browserScript(), page);
             HostilePeer far = HostilePeer.on(peer.peerConnection()).answeringHonestly();
             Chromium chromium = Chromium.launch(binary, peer.pageUri())) {
            peer.connect(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT));
            assertThat(far.awaitOpen(Duration.ofSeconds(10))).as("the probe channel opens").isTrue();
            JsonObject start = until(peer, c -> c.getInt("answered") >= 2, "the page's pings are answered");

            junkIsCountedNeverAnswered(peer, far, start);
            forgedPongsAreNeverMeasured(peer, far, later);
            aPingFloodIsAnsweredAtTheRateLimit(peer, far);
        } finally {
            later.shutdownNow();
        }
    }

    /**
     * The far end closes the probe channel with a ping of the page's in flight, then opens a new one on the same id:
     * the page counts that ping unanswered (cut off, not loss), stops pinging, keeps its samples and says
     * 'unavailable'; it does not reopen (a data channel never reopens, and neither does the Java probe's).
     */
    @Test
    void aPeerClosingTheChannelMidPingCutsThePingOffAndThePageKeepsItsSamples() throws Exception {
        Path binary = ChromiumPeer.chromiumOrSkip("ChromiumHostilePeerTest");
        ImpairmentRelay relay = new ImpairmentRelay(17).impair(Link.roundTrip(RTT));
        // a long timeout: the close must reach the page before the ping in flight times out, on a busy machine too
        Duration interval = Duration.ofSeconds(3);
        PageOptions page = PageOptions.defaults().withProbe(interval, interval.multipliedBy(8).dividedBy(10));
        try (relay; BrowserPeer peer = BrowserPeer.create(DataChannelProbe.browserScript(), page);
             Chromium chromium = Chromium.launch(binary, peer.pageUri())) {
            HostilePeer far = HostilePeer.on(peer.peerConnection()).answeringHonestly();
            JsonObject before;
            try (far) {
                peer.connect(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT));
                assertThat(far.awaitOpen(Duration.ofSeconds(10))).as("the probe channel opens").isTrue();
                until(peer, c -> c.getInt("answered") >= 2, "the page's pings are answered");
                LinkedBlockingQueue<long[]> pings = new LinkedBlockingQueue<>();
                far.pingsToAnswer = pings;
                assertThat(pings.poll(10, TimeUnit.SECONDS)).as("a ping from the page, left unanswered").isNotNull();
                before = report(peer).getJsonObject("probeCounters");
            } // closes the far end's channel
            JsonObject closed = until(peer, c -> c.getString("state").equals("unavailable"), "the page sees the close");
            try (HostilePeer again = HostilePeer.on(peer.peerConnection()).answeringHonestly()) {
                assertThat(again.awaitOpen(Duration.ofSeconds(10))).as("a new channel on id 1023 opens").isTrue();
                // two of the page's poll intervals pass while this end listens: bounded by reports, each a round trip
                long deadline = System.nanoTime() + interval.multipliedBy(2).toNanos();
                JsonObject after = report(peer).getJsonObject("probeCounters");
                while (System.nanoTime() - deadline < 0) {
                    after = report(peer).getJsonObject("probeCounters");
                }
                JsonObject probe = report(peer).getJsonObject("probe");
                System.out.printf("peer closed mid-ping: before %s; after %s; pings at the reopened channel %d%n",
                        before, after, again.pingsReceived.get());
                assertThat(closed.getInt("unanswered") - before.getInt("unanswered")).as("the ping cut off")
                        .isEqualTo(before.getInt("inFlight"));
                assertThat(closed.getInt("lost")).as("a close is no loss").isEqualTo(before.getInt("lost"));
                assertThat(after.getInt("inFlight")).isZero();
                assertThat(after.getInt("sent")).as("no pings after the close").isEqualTo(closed.getInt("sent"));
                assertThat(after.getString("state")).isEqualTo("unavailable");
                assertThat(again.pingsReceived.get()).as("the page does not reopen").isZero();
                assertThat(probe.getInt("sampleCount")).as("the samples stay").isEqualTo(before.getInt("answered"));
            }
        }
    }

    /** Text, too short, another version, another type, wrong lengths, 64 KiB: each counted once, none answered. */
    private static void junkIsCountedNeverAnswered(BrowserPeer peer, HostilePeer far, JsonObject before)
            throws Exception {
        long pongsBefore = far.pongsReceived.get();
        far.sendRaw("{\"v\":1,\"type\":\"ping\",\"seq\":\"7\",\"t1\":NaN}".getBytes(StandardCharsets.UTF_8), false);
        far.sendRaw(ping(1, 7, 123), false); // a ping's bytes as text
        far.sendRaw(new byte[0], true);
        far.sendRaw(new byte[] {1}, true);
        far.sendRaw(new byte[] {2, 1, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0}, true); // version 2: unknown
        far.sendRaw(new byte[] {1, 3, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0}, true); // type 3
        far.sendRaw(java.util.Arrays.copyOf(ping(1, 8, 123), 17), true);
        far.sendRaw(java.util.Arrays.copyOf(pong(9, 123, 0, 0), 27), true);
        byte[] big = java.util.Arrays.copyOf(ping(1, 10, 123), 64 * 1024); // 64 KiB starting like a ping
        far.sendRaw(big, true);
        JsonObject after = until(peer, c -> c.getInt("malformed") - before.getInt("malformed") >= 8
                && c.getInt("unknownVersion") - before.getInt("unknownVersion") >= 1, "the page counts the junk");
        System.out.printf("hostile junk: malformed +%d, unknownVersion +%d, peerPingsAnswered +%d, state %s%n",
                after.getInt("malformed") - before.getInt("malformed"),
                after.getInt("unknownVersion") - before.getInt("unknownVersion"),
                after.getInt("peerPingsAnswered") - before.getInt("peerPingsAnswered"), after.getString("state"));
        assertThat(after.getInt("malformed") - before.getInt("malformed")).as("malformed, one each").isEqualTo(8);
        assertThat(after.getInt("unknownVersion") - before.getInt("unknownVersion")).isEqualTo(1);
        assertThat(after.getInt("peerPingsAnswered")).as("no junk answered").isEqualTo(before.getInt("peerPingsAnswered"));
        assertThat(far.pongsReceived.get()).isEqualTo(pongsBefore);
        assertThat(after.getString("state")).isEqualTo("open");
        int answered = after.getInt("answered");
        until(peer, c -> c.getInt("answered") >= answered + 2, "the page keeps measuring after the junk");
    }

    /**
     * One forgery per ping of the page's, each answered by this thread at once (but the late one, answered by
     * {@code later} past the timeout while the next pings are answered).
     */
    private static void forgedPongsAreNeverMeasured(BrowserPeer peer, HostilePeer far, ScheduledExecutorService later)
            throws Exception {
        LinkedBlockingQueue<long[]> pings = new LinkedBlockingQueue<>();
        far.pingsToAnswer = pings;
        JsonObject before = report(peer).getJsonObject("probeCounters");
        long slowest = 0;
        String[] forgeries = {"honest", "guessed t1, then the right one", "hold beyond any trip, then hold 0",
            "hold 6 ms", "honest twice", "a pong to no ping, then honest", "past the timeout", "t2 past 2^62 ns",
            "t2 negative"};
        for (String forgery : forgeries) {
            long[] ping = pings.poll(10, TimeUnit.SECONDS); // {sequence, t1, arrival nanoTime}
            assertThat(ping).as("a ping from the page for: %s", forgery).isNotNull();
            int sequence = (int) ping[0];
            long t1 = ping[1];
            long t2 = System.currentTimeMillis() * 1000;
            switch (forgery) {
                case "honest" -> far.sendRaw(pong(sequence, t1, t2, 0), true);
                case "guessed t1, then the right one" -> {
                    far.sendRaw(pong(sequence, t1 + 1, t2, 0), true);
                    far.sendRaw(pong(sequence, t1, t2, 0), true);
                }
                case "hold beyond any trip, then hold 0" -> {
                    far.sendRaw(pong(sequence, t1, t2, 0xFFFF_FFFFL), true);
                    far.sendRaw(pong(sequence, t1, t2, 0), true);
                }
                case "hold 6 ms" -> far.sendRaw(pong(sequence, t1, t2, 6_000_000), true);
                case "honest twice" -> {
                    far.sendRaw(pong(sequence, t1, t2, 0), true);
                    far.sendRaw(pong(sequence, t1, t2, 0), true);
                }
                case "a pong to no ping, then honest" -> {
                    far.sendRaw(pong(sequence + 1000, t1, t2, 0), true);
                    far.sendRaw(pong(sequence, t1, t2, 0), true);
                }
                case "past the timeout" -> later.schedule(() -> {
                    try {
                        far.sendRaw(pong(sequence, t1, t2, 0), true);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return null;
                }, TIMEOUT.plusMillis(300).toNanos() - (System.nanoTime() - ping[2]), TimeUnit.NANOSECONDS);
                case "t2 past 2^62 ns" -> far.sendRaw(pong(sequence, t1, Long.MAX_VALUE, 0), true);
                case "t2 negative" -> far.sendRaw(pong(sequence, t1, -1, 0), true);
                default -> throw new AssertionError(forgery);
            }
            if (!forgery.equals("past the timeout")) {
                slowest = Math.max(slowest, System.nanoTime() - ping[2]);
            }
        }
        far.pingsToAnswer = null; // honest from now on
        JsonObject after = until(peer, c -> c.getInt("late") > before.getInt("late")
                && c.getInt("inFlight") == 0, "the forged pongs are settled");
        JsonObject probe = report(peer).getJsonObject("probe");
        int lost = after.getInt("lost") - before.getInt("lost");
        int late = after.getInt("late") - before.getInt("late");
        int unmatched = after.getInt("unmatched") - before.getInt("unmatched");
        int malformed = after.getInt("malformed") - before.getInt("malformed");
        int capped = after.getInt("cappedHold") - before.getInt("cappedHold");
        int answered = after.getInt("answered") - before.getInt("answered");
        double minMs = probe.getJsonNumber("minMs").doubleValue();
        System.out.printf("hostile pongs: answered +%d, lost +%d, late +%d, unmatched +%d, malformed +%d, "
                        + "cappedHold +%d, maxHoldMs %s, min sample %.3f ms (relay %d ms), clock offset %s (verified %s);"
                        + " slowest forgery sent %.1f ms after its ping arrived%n", answered, lost, late, unmatched,
                malformed, capped, after.get("maxHoldMs"), minMs, RTT.toMillis(), probe.get("clockOffsetMs"),
                probe.get("clockOffsetVerified"), slowest / 1e6);
        org.junit.jupiter.api.Assumptions.assumeTrue(slowest < TIMEOUT.toNanos() / 2,
                "each forgery left the peer well within the page's timeout");
        assertThat(lost).as("the guessed t1, the impossible hold and the late pong: lost").isEqualTo(3);
        assertThat(late).isEqualTo(1);
        assertThat(unmatched).as("the right pong after a guess, after a refused hold, a duplicate, a pong to no ping")
                .isEqualTo(5);
        assertThat(malformed).as("the hold of 4.29 s, longer than the trip").isEqualTo(1);
        assertThat(capped).as("the 6 ms hold").isEqualTo(1);
        assertThat(answered).as("honest, 6 ms hold, honest twice, after a pong to no ping, the two t2 claims")
                .isGreaterThanOrEqualTo(6);
        assertThat(after.getJsonNumber("maxHoldMs").doubleValue()).as("a refused hold is not the peer's hold")
                .isEqualTo(6.0);
        assertThat(minMs).as("no sample below the path's round trip minus the 5 ms cap")
                .isGreaterThanOrEqualTo(RTT.toMillis() - 5.0);
        JsonValue offset = probe.get("clockOffsetMs");
        assertThat(offset).as("a number (never NaN, which JSON cannot carry)").isInstanceOf(JsonNumber.class);
    }

    /** Pings as fast as webrtc-java sends them for 2 s: at most 20 at once, then 50 a second, are answered. */
    private static void aPingFloodIsAnsweredAtTheRateLimit(BrowserPeer peer, HostilePeer far) throws Exception {
        JsonObject before = report(peer).getJsonObject("probeCounters");
        long pongsBefore = far.pongsReceived.get();
        long start = System.nanoTime();
        int sent = 0;
        while (System.nanoTime() - start < Duration.ofSeconds(2).toNanos()) {
            far.sendPing(sent++, 42);
        }
        int flood = sent;
        // what reached the page (SCTP abandons pings the congested path cannot take: maxRetransmits 0) is handled once
        // the page's own pings are answered again after the flood
        JsonObject ended = report(peer).getJsonObject("probeCounters");
        JsonObject after = until(peer, c -> c.getInt("answered") >= ended.getInt("answered") + 2
                && c.getInt("peerPingsAnswered") + c.getInt("peerPingsDropped") - before.getInt("peerPingsAnswered")
                - before.getInt("peerPingsDropped") >= 1000, "the page handles the flood (" + flood + " pings)");
        double seconds = (System.nanoTime() - start) / 1e9;
        int answered = after.getInt("peerPingsAnswered") - before.getInt("peerPingsAnswered");
        int dropped = after.getInt("peerPingsDropped") - before.getInt("peerPingsDropped");
        System.out.printf("hostile flood: %d pings in 2 s; the page answered %d and dropped %d within %.2f s; "
                + "pongs back %d%n", flood, answered, dropped, seconds, far.pongsReceived.get() - pongsBefore);
        assertThat(answered).as("answered at most a burst of 20 and 50 a second")
                .isLessThanOrEqualTo((int) Math.ceil(20 + 50 * seconds));
        assertThat(answered).as("still answering at the limit").isGreaterThanOrEqualTo(50);
        assertThat(after.getString("state")).isEqualTo("open");
    }

    private static JsonObject until(BrowserPeer peer, Predicate<JsonObject> done, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_NANOS;
        JsonObject counters = report(peer).getJsonObject("probeCounters");
        while (!done.test(counters) && System.nanoTime() - deadline < 0) {
            counters = report(peer).getJsonObject("probeCounters"); // each report is a round trip to the page
        }
        assertThat(done.test(counters)).as("%s: %s", what, counters).isTrue();
        return counters;
    }

    private static JsonObject report(BrowserPeer peer) throws InterruptedException {
        return ChromiumPeer.json(peer.report(Duration.ofSeconds(30)));
    }

    private static byte[] ping(int version, int sequence, long t1) {
        return ByteBuffer.allocate(16).put((byte) version).put((byte) 1).putShort((short) 0).putInt(sequence)
                .putLong(t1).array();
    }

    private static byte[] pong(int sequence, long t1, long t2, long holdNanos) {
        return ByteBuffer.allocate(28).put((byte) 1).put((byte) 2).putShort((short) 0).putInt(sequence).putLong(t1)
                .putLong(t2).putInt((int) holdNanos).array();
    }
}
