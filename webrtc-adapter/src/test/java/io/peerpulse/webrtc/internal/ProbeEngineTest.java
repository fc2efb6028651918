package io.peerpulse.webrtc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.virtualtime.VirtualScheduler;
import io.peerpulse.webrtc.ClockOffset;
import io.peerpulse.webrtc.ProbeCounters;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** The probe's logic on virtual time, over an in-memory link with known one-way delays. */
class ProbeEngineTest {

    private static final Duration TIMEOUT = Duration.ofMillis(800);

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final LongSupplier nanos = () -> toNanos(scheduler.now());

    /** One direction of the in-memory link: delivers each message after {@code delay}, unless told to drop it. */
    private final class Wire implements ProbeEngine.Link {
        ProbeEngine to;
        Duration delay = Duration.ofMillis(10);
        boolean drop;
        String unavailable;
        /** What a fresh look at the channel finds, when it differs from {@link #unavailable}: a close not yet reported. */
        String unavailableNow;
        int freshLooks;
        final List<byte[]> sent = new ArrayList<>();

        @Override
        public String unavailableReason() {
            return unavailable;
        }

        @Override
        public String unavailableReasonNow() {
            freshLooks++;
            if (unavailableNow != null) {
                unavailable = unavailableNow; // the link learns of it, as DataChannelProbe keeps the state read
            }
            return unavailable;
        }

        @Override
        public void send(byte[] message) {
            message = message.clone(); // as webrtc-java does: the engine reuses its array once send returns
            sent.add(message);
            if (drop || to == null) {
                return;
            }
            ProbeEngine target = to;
            byte[] copy = message;
            scheduler.schedule(() -> target.onMessage(copy, copy.length, true, nanos.getAsLong()),
                    delay.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    private final Wire aToB = new Wire();
    private final Wire bToA = new Wire();
    private final ProbeEngine a = engine(aToB, scheduler.clock());
    private ProbeEngine b = engine(bToA, scheduler.clock());

    {
        aToB.to = b;
        bToA.to = a;
    }

    private ProbeEngine engine(ProbeEngine.Link link, InstantSource clock) {
        return new ProbeEngine(link, ProbeExecutor.of(scheduler), clock, nanos, TIMEOUT, 4);
    }

    @Test
    void aPongMakesAMeasurementOfTheRoundTrip() {
        aToB.delay = Duration.ofMillis(30);
        bToA.delay = Duration.ofMillis(50);
        CompletableFuture<RttReading> read = started(a);
        assertThat(read).isNotDone();
        scheduler.advance(Duration.ofMillis(79));
        assertThat(read).isNotDone();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(read.join()).isEqualTo(RttReading.measured(80.0));
        assertThat(a.counters()).isEqualTo(new ProbeCounters(1, 1, 0, 0, 0, 0, 0, 0, 0));
        assertThat(b.counters().peerPingsAnsweredCount()).isEqualTo(1);
        scheduler.advance(TIMEOUT);
        assertThat(a.counters().lostCount()).as("the answered ping's timeout was cancelled").isZero();
    }

    /**
     * A cheating peer predicts the next ping — the sequence counts up, and t1 was our clock — and answers it long
     * before it arrives, to report a round trip near 0: each ping's t1 carries a secret, so no guess matches.
     */
    @Test
    void aPeerCannotAnswerAPingBeforeItArrivesByPredictingIt() {
        aToB.to = null; // the test is the peer
        CompletableFuture<RttReading> first = started(a);
        ProbeCodec.Ping p1 = (ProbeCodec.Ping) decode(aToB.sent.get(0));
        long sentMicros = toNanos(scheduler.now()) / 1_000;
        assertThat(p1.t1Micros() - sentMicros).as("t1 is our clock plus the secret")
                .isBetween(0L, ProbeEngine.T1_SECRET_RANGE_MICROS - 1);
        scheduler.advance(Duration.ofMillis(80));
        a.onMessage(ProbeCodec.pong(p1.sequence(), p1.t1Micros(), 0, 0), 28, true, nanos.getAsLong());
        assertThat(first.join()).isEqualTo(RttReading.measured(80.0));
        scheduler.advance(Duration.ofMillis(920)); // the next poll, exactly 1 s after the first

        CompletableFuture<RttReading> second = started(a);
        scheduler.advance(Duration.ofNanos(100_000)); // 0.1 ms after it left, 39.9 ms before it reaches the peer
        long guessed = p1.t1Micros() + 1_000_000; // what t1 was without the secret
        for (long g = -2_000; g <= 2_000; g++) {
            a.onMessage(ProbeCodec.pong(p1.sequence() + 1, guessed + g, 0, 0), 28, true, nanos.getAsLong());
        }

        assertThat(second).as("no guess matched").isNotDone();
        assertThat(a.counters().unmatchedCount()).isEqualTo(4_001);
        ProbeCodec.Ping p2 = (ProbeCodec.Ping) decode(aToB.sent.get(1));
        assertThat(p2.t1Micros()).as("another secret per ping").isNotEqualTo(guessed);
        scheduler.advance(Duration.ofNanos(79_900_000));
        a.onMessage(ProbeCodec.pong(p2.sequence(), p2.t1Micros(), 0, 0), 28, true, nanos.getAsLong());
        assertThat(second).as("the guesses spent the ping: not even its true pong answers it").isNotDone();
        scheduler.advance(TIMEOUT);
        assertThat(second.join()).isEqualTo(RttReading.stale());
    }

    /**
     * A flooding peer tries every secret for the ping in flight, 0.1 ms after it left (at 9,000 pongs a second, 720
     * guesses fit in an 80 ms round trip; more when the peer delays its true pong): the first wrong guess spends the
     * ping, so the right one among them matches nothing, and neither does the true pong after them. The ping is
     * lost; the next ping, answered honestly, measures.
     */
    @Test
    void aPeerGetsOneGuessPerPingNotOnePerPongItSends() {
        aToB.to = null; // the test is the peer
        CompletableFuture<RttReading> first = started(a);
        ProbeCodec.Ping p1 = (ProbeCodec.Ping) decode(aToB.sent.get(0));
        scheduler.advance(Duration.ofMillis(80));
        a.onMessage(ProbeCodec.pong(p1.sequence(), p1.t1Micros(), 0, 0), 28, true, nanos.getAsLong());
        assertThat(first.join()).isEqualTo(RttReading.measured(80.0));
        scheduler.advance(Duration.ofMillis(920));

        long sentMicros = toNanos(scheduler.now()) / 1_000; // the wall clock the ping's t1 is made of
        CompletableFuture<RttReading> second = started(a);
        ProbeCodec.Ping p2 = (ProbeCodec.Ping) decode(aToB.sent.get(1));
        scheduler.advance(Duration.ofNanos(100_000));
        byte[] guess = new byte[ProbeCodec.PONG_LENGTH];
        for (long secret = 0; secret < ProbeEngine.T1_SECRET_RANGE_MICROS; secret++) {
            ProbeCodec.encodePong(guess, p2.sequence(), sentMicros + secret, 0, 0);
            a.onMessage(guess, guess.length, true, nanos.getAsLong());
        }
        assertThat(second).as("the right guess came after a wrong one: no reading of 0.1 ms").isNotDone();
        scheduler.advance(Duration.ofNanos(79_900_000));
        a.onMessage(ProbeCodec.pong(p2.sequence(), p2.t1Micros(), 0, 0), 28, true, nanos.getAsLong());
        assertThat(second).as("nor does the true pong answer a spent ping").isNotDone();
        scheduler.advance(TIMEOUT);
        assertThat(second.join()).isEqualTo(RttReading.stale());
        ProbeCounters counters = a.counters();
        assertThat(counters.unmatchedCount()).isEqualTo(ProbeEngine.T1_SECRET_RANGE_MICROS + 1);
        assertThat(counters.lateCount()).as("a spent ping has no late pong").isZero();

        CompletableFuture<RttReading> third = started(a);
        ProbeCodec.Ping p3 = (ProbeCodec.Ping) decode(aToB.sent.get(2));
        scheduler.advance(Duration.ofMillis(80));
        a.onMessage(ProbeCodec.pong(p3.sequence(), p3.t1Micros(), 0, 0), 28, true, nanos.getAsLong());
        assertThat(third.join()).as("the next ping, answered honestly").isEqualTo(RttReading.measured(80.0));
        assertThat(a.counters()).isEqualTo(new ProbeCounters(3, 2, 1, 0, 0, 0, 0, ProbeEngine.T1_SECRET_RANGE_MICROS + 1,
                0));
    }

    /**
     * Each ping's secret is drawn on its own, not computed from a key and the sequence. The old scheme added the top
     * 20 bits of a SplitMix-style mix of the sequence under one 64-bit key per probe; the peer sees part of each secret
     * (t1 minus its estimate of our clock, which our pongs' t2 give it), and a non-cryptographic mix of known inputs
     * may yield its key. This peer has the key (the first long the probe's random source gives, as the old scheme
     * drew it) and answers each ping 0.1 ms after it left with the old scheme's secret: it must never match. 300
     * pings, past one batch of secrets.
     */
    @Test
    void aPeerThatKnowsAKeyCannotComputeTheNextSecret() throws Exception {
        aToB.to = null; // the test is the peer
        SecureRandom random = seeded();
        ProbeEngine probe = new ProbeEngine(aToB, ProbeExecutor.of(scheduler), ProbeExecutor.of(scheduler),
                scheduler.clock(), nanos, TIMEOUT, 4, () -> random);
        long key = seeded().nextLong();

        // an honest pong first: the peer's reading of t1 (our clock plus the secret) is right
        long sentMicros = toNanos(scheduler.now()) / 1_000;
        CompletableFuture<RttReading> honest = started(probe);
        ProbeCodec.Ping first = (ProbeCodec.Ping) decode(aToB.sent.get(0));
        assertThat(first.t1Micros() - sentMicros).isBetween(0L, ProbeEngine.T1_SECRET_RANGE_MICROS - 1);
        scheduler.advance(Duration.ofMillis(80));
        probe.onMessage(ProbeCodec.pong(first.sequence(), first.t1Micros(), 0, 0), 28, true, nanos.getAsLong());
        assertThat(honest.join()).isEqualTo(RttReading.measured(80.0));

        int pings = 300;
        for (int i = 1; i <= pings; i++) {
            scheduler.advance(Duration.ofSeconds(1).minusMillis(80));
            sentMicros = toNanos(scheduler.now()) / 1_000;
            CompletableFuture<RttReading> read = started(probe);
            ProbeCodec.Ping ping = (ProbeCodec.Ping) decode(aToB.sent.get(i));
            scheduler.advance(Duration.ofNanos(100_000));
            long forged = sentMicros + oldSchemeSecret(key, ping.sequence());
            probe.onMessage(ProbeCodec.pong(ping.sequence(), forged, 0, 0), 28, true, nanos.getAsLong());
            assertThat(read).as("ping %d answered with the old scheme's secret 0.1 ms after it left", i).isNotDone();
            scheduler.advance(Duration.ofMillis(80).minusNanos(100_000));
            assertThat(ping.t1Micros() - sentMicros).isBetween(0L, ProbeEngine.T1_SECRET_RANGE_MICROS - 1);
        }
        scheduler.advance(TIMEOUT);
        ProbeCounters counters = probe.counters();
        assertThat(counters.answeredCount()).isEqualTo(1);
        assertThat(counters.lostCount()).isEqualTo(pings);
        assertThat(counters.unmatchedCount()).isEqualTo(pings);
    }

    /**
     * The secrets' cipher is set up by the first ping, on the sending thread and outside the engine's monitor, never
     * by the thread that makes the engine (a game loop opening a probe): the first set-up of a JVM loads the JCA
     * provider, the secure random and AES, 117 to 246 ms measured on a loaded machine. Structure, not time: the key's
     * random source is asked once, and where.
     */
    @Test
    void theSecretsCipherIsSetUpByTheFirstPingOnTheSendingThreadNotByTheCaller() throws Exception {
        boolean[] inSender = new boolean[1];
        ProbeExecutor virtual = ProbeExecutor.of(scheduler);
        ProbeExecutor sender = new ProbeExecutor() {
            @Override
            public void execute(Runnable task) {
                virtual.execute(() -> {
                    inSender[0] = true;
                    try {
                        task.run();
                    } finally {
                        inSender[0] = false;
                    }
                });
            }

            @Override
            public void schedule(Runnable task, long delayNanos) {
                virtual.schedule(task, delayNanos);
            }

            @Override
            public boolean isShutdown() {
                return false;
            }
        };
        SecureRandom random = seeded();
        List<String> asked = new ArrayList<>();
        ProbeEngine[] made = new ProbeEngine[1];
        Wire toPeer = new Wire();
        Wire back = new Wire();
        made[0] = new ProbeEngine(toPeer, virtual, sender, scheduler.clock(), nanos, TIMEOUT, 4, () -> {
            asked.add((inSender[0] ? "on the sending thread" : "on the caller's thread")
                    + (made[0] != null && Thread.holdsLock(made[0]) ? ", holding the monitor" : ""));
            return random;
        });
        ProbeEngine probe = made[0];
        toPeer.to = engine(back, scheduler.clock());
        back.to = probe;
        assertThat(asked).as("making the engine sets up no cipher").isEmpty();

        CompletableFuture<RttReading> first = probe.read().toCompletableFuture();
        assertThat(asked).as("read() only hands its ping over").isEmpty();
        scheduler.runDueTasks();
        assertThat(asked).containsExactly("on the sending thread");
        scheduler.advance(Duration.ofMillis(20));
        assertThat(first.join()).isEqualTo(RttReading.measured(20.0));

        for (int i = 0; i < 300; i++) { // past one batch of secrets: the same stream goes on
            read(probe);
        }
        assertThat(asked).as("once per engine").hasSize(1);
        assertThat(probe.counters().answeredCount()).isEqualTo(301);
    }

    /**
     * A read always completes (read()'s promise: measured, stale or unavailable, never exceptionally), also when the
     * secrets' cipher cannot be set up for any reason, now that the first ping sets it up: a key source or security
     * provider that fails with a ProviderException (a misconfigured DRBG, a FIPS provider refusing a raw key) used to
     * escape the ping task, to the sending loop's uncaught-exception handler, and left the read waiting for ever;
     * before the cipher moved to the first ping, the same failure failed the probe's construction, loudly.
     */
    @Test
    void aReadCompletesUnavailableWhenTheSecretsCipherCannotBeSetUp() {
        List<String> escaped = new ArrayList<>();
        ProbeExecutor virtual = ProbeExecutor.of(scheduler);
        ProbeExecutor sender = new ProbeExecutor() {
            @Override
            public void execute(Runnable task) {
                virtual.execute(() -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) { // as ProbeLoop: to the uncaught-exception handler, the loop goes on
                        escaped.add(e.toString());
                    }
                });
            }

            @Override
            public void schedule(Runnable task, long delayNanos) {
                virtual.schedule(task, delayNanos);
            }

            @Override
            public boolean isShutdown() {
                return false;
            }
        };
        ProbeEngine probe = new ProbeEngine(aToB, virtual, sender, scheduler.clock(), nanos, TIMEOUT, 4, () -> {
            throw new java.security.ProviderException("no entropy source");
        });

        CompletableFuture<RttReading> read = probe.read().toCompletableFuture();
        scheduler.runDueTasks();
        scheduler.advance(TIMEOUT.plusSeconds(1));

        assertThat(escaped).as("nothing escapes the ping task").isEmpty();
        assertThat(read).isCompleted();
        assertThat(read.join()).isInstanceOfSatisfying(RttReading.Unavailable.class,
                unavailable -> assertThat(unavailable.reason()).contains("no entropy source"));
        assertThat(aToB.sent).as("no ping without its secret").isEmpty();
    }

    /** The same random source every time: SHA1PRNG seeded before its first use gives a fixed stream. */
    private static SecureRandom seeded() throws Exception {
        SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(20261207L);
        return random;
    }

    /** The secret the old scheme added to ping {@code sequence}'s t1 under {@code key}. */
    private static long oldSchemeSecret(long key, int sequence) {
        long z = key + (sequence & 0xFFFF_FFFFL) * 0x9E37_79B9_7F4A_7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return (z ^ (z >>> 31)) >>> (64 - 20);
    }

    @Test
    void theHoldTimeIsSubtractedAndTheResultRoundedToTheMicrosecond() {
        aToB.to = null; // the test answers by hand
        CompletableFuture<RttReading> first = started(a);
        CompletableFuture<RttReading> second = started(a);
        scheduler.runDueTasks();
        ProbeCodec.Ping p1 = (ProbeCodec.Ping) decode(aToB.sent.get(0));
        ProbeCodec.Ping p2 = (ProbeCodec.Ping) decode(aToB.sent.get(1));
        scheduler.advance(Duration.ofNanos(85_000_000));
        // 85 ms - 4.000001 ms = 80.999999 ms -> 81.000 ms; 85 ms - 4.000501 ms = 80.999499 ms -> 80.999 ms
        a.onMessage(ProbeCodec.pong(p1.sequence(), p1.t1Micros(), 0, 4_000_001), 28, true, nanos.getAsLong());
        a.onMessage(ProbeCodec.pong(p2.sequence(), p2.t1Micros(), 0, 4_000_501), 28, true, nanos.getAsLong());
        assertThat(first.join()).isEqualTo(RttReading.measured(81.0));
        assertThat(second.join()).isEqualTo(RttReading.measured(80.999));
        assertThat(String.valueOf(((RttReading.Measured) second.join()).rttMs())).isEqualTo("80.999");
        assertThat(a.counters().cappedHoldCount()).isZero();
        assertThat(a.counters().maxHoldMs()).isEqualTo(4.001);
    }

    @Test
    void aHoldClaimAboveTheTrustedBoundIsCappedCountedAndItsClockOffsetUnverified() {
        aToB.to = null; // the test forges the pongs, as a cheating peer
        CompletableFuture<RttReading> honest = started(a);
        scheduler.runDueTasks();
        ProbeCodec.Ping p1 = (ProbeCodec.Ping) decode(aToB.sent.get(0));
        scheduler.advance(Duration.ofMillis(80));
        // exactly the bound: an honest responder's, subtracted whole
        a.onMessage(ProbeCodec.pong(p1.sequence(), p1.t1Micros(), p1.t1Micros() + 37_500, 5_000_000), 28, true,
                nanos.getAsLong());
        assertThat(honest.join()).isEqualTo(RttReading.measured(75.0));
        assertThat(a.clockOffset().orElseThrow().verified()).isTrue();

        CompletableFuture<RttReading> forged = started(a);
        scheduler.runDueTasks();
        ProbeCodec.Ping p2 = (ProbeCodec.Ping) decode(aToB.sent.get(1));
        scheduler.advance(Duration.ofMillis(80));
        // held "78 ms" of an 80 ms round trip, and an hour ahead: the probe subtracts 5 ms only
        a.onMessage(ProbeCodec.pong(p2.sequence(), p2.t1Micros(), p2.t1Micros() + 3_600_000_000L + 1_000, 78_000_000),
                28, true, nanos.getAsLong());
        assertThat(forged.join()).isEqualTo(RttReading.measured(75.0));
        ProbeCounters c = a.counters();
        assertThat(c.cappedHoldCount()).isEqualTo(1);
        assertThat(c.maxHoldMs()).as("the raw claim").isEqualTo(78.0);
        assertThat(c.malformedCount()).isZero();
        // both exchanges have a 75 ms delay: the most recent (forged) one is chosen, and it is unverified
        ClockOffset offset = a.clockOffset().orElseThrow();
        assertThat(offset.verified()).isFalse();
    }

    @Test
    void aPongWhoseReceiveTimeIsNoClockIsMeasuredButGivesNoOffset() {
        aToB.to = null; // the test forges the pong, as a cheating peer
        CompletableFuture<RttReading> read = started(a);
        scheduler.runDueTasks();
        ProbeCodec.Ping ping = (ProbeCodec.Ping) decode(aToB.sent.get(0));
        scheduler.advance(Duration.ofMillis(80));
        // t2 in epoch µs far past any clock: times 1,000 in nanoseconds it would wrap into an arbitrary offset
        a.onMessage(ProbeCodec.pong(ping.sequence(), ping.t1Micros(), Long.MAX_VALUE / 2, 0), 28, true,
                nanos.getAsLong());
        assertThat(read.join()).isEqualTo(RttReading.measured(80.0));
        assertThat(a.clockOffset()).isEmpty();
        assertThat(a.counters().answeredCount()).isEqualTo(1);
    }

    @Test
    void beforeThePeerEverAnsweredATimeoutIsUnavailableNotLoss() {
        aToB.drop = true;
        CompletableFuture<RttReading> read = started(a);
        scheduler.advance(TIMEOUT.minusNanos(1));
        assertThat(read).isNotDone();
        scheduler.advance(Duration.ofNanos(1));
        assertThat(read.join()).isInstanceOf(RttReading.Unavailable.class);
        assertThat(a.counters()).isEqualTo(new ProbeCounters(1, 0, 0, 0, 1, 0, 0, 0, 0));
        assertThat(a.counters().lossRatio()).isZero();
    }

    @Test
    void onceThePeerAnsweredATimeoutIsStaleAndLostAndItsLatePongCompletesNothing() {
        assertThat(read(a)).isInstanceOf(RttReading.Measured.class);
        bToA.delay = Duration.ofSeconds(2); // the pong comes, but too late
        CompletableFuture<RttReading> read = started(a);
        scheduler.advance(TIMEOUT);
        assertThat(read.join()).isEqualTo(RttReading.stale());
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(read.join()).isEqualTo(RttReading.stale());
        ProbeCounters counters = a.counters();
        assertThat(counters).isEqualTo(new ProbeCounters(2, 1, 1, 1, 0, 0, 0, 0, 0));
        assertThat(counters.lossRatio()).isEqualTo(0.5);
        assertThat(counters.inFlightCount()).isZero();
    }

    /**
     * A peer replays the late pong of a timed-out ping a thousand times, and sends one more with another t1: one ping
     * timed out, so one pong at most is late (the others answer no ping: unmatched), and {@code lateCount} never
     * exceeds the pings that timed out.
     */
    @Test
    void aReplayedOrForgedLatePongCountsLateOnceAtMost() {
        assertThat(read(a)).isInstanceOf(RttReading.Measured.class);
        aToB.to = null; // the test is the peer
        CompletableFuture<RttReading> read = started(a);
        ProbeCodec.Ping ping = (ProbeCodec.Ping) decode(aToB.sent.get(1));
        scheduler.advance(TIMEOUT);
        assertThat(read.join()).isEqualTo(RttReading.stale());

        a.onMessage(ProbeCodec.pong(ping.sequence(), ping.t1Micros() + 1, 0, 0), 28, true, nanos.getAsLong());
        byte[] late = ProbeCodec.pong(ping.sequence(), ping.t1Micros(), 0, 0);
        for (int i = 0; i < 1_000; i++) {
            a.onMessage(late, late.length, true, nanos.getAsLong());
        }

        ProbeCounters counters = a.counters();
        assertThat(counters.lateCount()).as("one ping timed out: %s", counters).isEqualTo(1);
        assertThat(counters.unmatchedCount()).as("the forged one and the replays").isEqualTo(1_000);
        assertThat(counters.lateCount()).isLessThanOrEqualTo(counters.lostCount() + counters.unansweredCount());
    }

    /** The same when the late pong is handled before any timeout ran (it arrived after its ping's deadline). */
    @Test
    void aReplayedPongThatArrivedAfterItsDeadlineCountsLateOnce() {
        assertThat(read(a)).isInstanceOf(RttReading.Measured.class);
        aToB.to = null;
        CompletableFuture<RttReading> read = started(a);
        ProbeCodec.Ping ping = (ProbeCodec.Ping) decode(aToB.sent.get(1));
        byte[] late = ProbeCodec.pong(ping.sequence(), ping.t1Micros(), 0, 0);
        long afterDeadline = nanos.getAsLong() + TIMEOUT.toNanos() + 1;
        for (int i = 0; i < 3; i++) {
            a.onMessage(late, late.length, true, afterDeadline);
        }
        assertThat(read.join()).isEqualTo(RttReading.stale());
        assertThat(a.counters().lateCount()).isEqualTo(1);
        assertThat(a.counters().unmatchedCount()).isEqualTo(2);
    }

    @Test
    void aPingSentIntoAChannelThatClosedWithoutSayingSoEndsUnavailableNotLost() {
        assertThat(read(a)).isInstanceOf(RttReading.Measured.class);
        assertThat(aToB.freshLooks).as("an answered ping needs no fresh look at the channel").isZero();
        aToB.drop = true;
        aToB.unavailableNow = "probe channel CLOSED"; // closed locally: no state change reported
        CompletableFuture<RttReading> read = started(a);
        assertThat(aToB.sent).as("the cheap check still saw it open").hasSize(2);
        scheduler.advance(TIMEOUT);
        assertThat(read.join()).isEqualTo(RttReading.unavailable("probe channel CLOSED"));
        assertThat(a.counters()).as("unanswered, not lost").isEqualTo(new ProbeCounters(2, 1, 0, 0, 1, 0, 0, 0, 0));
        assertThat(aToB.freshLooks).isEqualTo(1);
        assertThat(started(a).join()).as("the next read knows")
                .isEqualTo(RttReading.unavailable("probe channel CLOSED"));
    }

    @Test
    void aPingLostOnAnOpenChannelIsStaleAfterOneFreshLookAtTheChannel() {
        assertThat(read(a)).isInstanceOf(RttReading.Measured.class);
        aToB.drop = true;
        CompletableFuture<RttReading> read = started(a);
        scheduler.advance(TIMEOUT);
        assertThat(read.join()).isEqualTo(RttReading.stale());
        assertThat(a.counters().lostCount()).isEqualTo(1);
        assertThat(aToB.freshLooks).isEqualTo(1);
    }

    @Test
    void malformedUnknownAndUnmatchedMessagesAreCountedNotThrown() {
        a.onMessage(new byte[] {2, 1, 0, 0}, 4, true, 0);                        // a newer version
        a.onMessage(new byte[] {1, 9, 0, 0}, 4, true, 0);                        // unknown type
        a.onMessage(new byte[] {1}, 1, true, 0);                                 // too short
        a.onMessage(ProbeCodec.ping(1, 2), 15, true, 0);                         // wrong length
        byte[] text = "ping".getBytes(StandardCharsets.UTF_8);
        a.onMessage(text, text.length, false, 0);                                // text
        a.onMessage(ProbeCodec.pong(42, 1, 2, 3), 28, true, nanos.getAsLong());  // a pong to nothing
        a.onMalformed();
        assertThat(a.counters()).isEqualTo(new ProbeCounters(0, 0, 0, 0, 0, 5, 1, 1, 0));
        assertThat(bToA.sent).isEmpty();
    }

    @Test
    void aPongThatClaimsMoreHoldThanTheRoundTripIsRefusedAndThePingTimesOut() {
        aToB.to = null;
        CompletableFuture<RttReading> read = started(a);
        scheduler.runDueTasks();
        ProbeCodec.Ping ping = (ProbeCodec.Ping) decode(aToB.sent.get(0));
        scheduler.advance(Duration.ofMillis(10));
        a.onMessage(ProbeCodec.pong(ping.sequence(), ping.t1Micros(), 0, 20_000_000), 28, true, nanos.getAsLong());
        assertThat(read).isNotDone();
        assertThat(a.counters().malformedCount()).isEqualTo(1);
        // the peer tries a smaller hold, then one within the round trip: the refused pong spent the ping
        a.onMessage(ProbeCodec.pong(ping.sequence(), ping.t1Micros(), 0, 9_999_000), 28, true, nanos.getAsLong());
        a.onMessage(ProbeCodec.pong(ping.sequence(), ping.t1Micros(), 0, 0), 28, true, nanos.getAsLong());
        assertThat(read).isNotDone();
        assertThat(a.counters().unmatchedCount()).isEqualTo(2);
        scheduler.advance(TIMEOUT);
        assertThat(read.join()).isInstanceOf(RttReading.Unavailable.class);
    }

    @Test
    void aPongEchoingAnotherT1IsUnmatchedAndSpendsThePing() {
        aToB.to = null;
        CompletableFuture<RttReading> read = started(a);
        scheduler.runDueTasks();
        ProbeCodec.Ping ping = (ProbeCodec.Ping) decode(aToB.sent.get(0));
        a.onMessage(ProbeCodec.pong(ping.sequence(), ping.t1Micros() + 1, 0, 0), 28, true, nanos.getAsLong());
        assertThat(read).isNotDone();
        assertThat(a.counters().unmatchedCount()).isEqualTo(1);
        scheduler.advance(Duration.ofMillis(10));
        a.onMessage(ProbeCodec.pong(ping.sequence(), ping.t1Micros(), 0, 0), 28, true, nanos.getAsLong());
        assertThat(read).isNotDone();
        assertThat(a.counters().unmatchedCount()).isEqualTo(2);
    }

    @Test
    void anUnavailableLinkSendsNothing() {
        aToB.unavailable = "probe channel CONNECTING";
        assertThat(read(a)).isEqualTo(RttReading.unavailable("probe channel CONNECTING"));
        assertThat(a.counters().sentCount()).isZero();
        assertThat(aToB.sent).isEmpty();
    }

    /**
     * A send that fails (the channel closed under it) is not a ping: counted neither before nor after, so that a
     * reader of the counters on another thread never sees {@code sentCount} go up and back down.
     */
    @Test
    void aPingWhoseSendFailsIsNeverCountedNotEvenWhileItsSendRuns() {
        List<ProbeCounters> seenDuringSend = new ArrayList<>();
        ProbeEngine[] engine = new ProbeEngine[1];
        engine[0] = engine(sending(message -> {
            seenDuringSend.add(engine[0].counters()); // what another thread may read meanwhile
            throw new IllegalStateException("probe closed");
        }), scheduler.clock());
        CompletableFuture<RttReading> read = started(engine[0]);
        assertThat(read.join()).isEqualTo(RttReading.unavailable("probe channel could not send: IllegalStateException"));
        assertThat(seenDuringSend).singleElement().satisfies(during -> {
            assertThat(during.sentCount()).as("sentCount while the failing send ran").isZero();
            assertThat(during.inFlightCount()).isZero();
        });
        assertThat(engine[0].counters()).isEqualTo(new ProbeCounters(0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    /** A pong handled before its ping's send returned (a send blocked on a loaded machine) counts the ping sent. */
    @Test
    void aPongHandledBeforeItsSendReturnedCountsThePingSentOnceAndAnswered() {
        List<ProbeCounters> seen = new ArrayList<>();
        ProbeEngine[] engine = new ProbeEngine[1];
        engine[0] = engine(sending(message -> {
            ProbeCodec.Ping ping = (ProbeCodec.Ping) decode(message.clone());
            engine[0].onMessage(ProbeCodec.pong(ping.sequence(), ping.t1Micros(), 0, 0), 28, true,
                    nanos.getAsLong() + 20_000_000); // arrived 20 ms after it left, handled before send returns
            seen.add(engine[0].counters());
        }), scheduler.clock());
        CompletableFuture<RttReading> read = started(engine[0]);
        assertThat(read.join()).isEqualTo(RttReading.measured(20.0));
        assertThat(seen).singleElement().isEqualTo(new ProbeCounters(1, 1, 0, 0, 0, 0, 0, 0, 0));
        assertThat(engine[0].counters()).isEqualTo(new ProbeCounters(1, 1, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void closingCutsOffPingsInFlightAndLaterReadsAreUnavailable() {
        CompletableFuture<RttReading> inFlight = started(a);
        scheduler.runDueTasks();
        a.close("probe closed");
        a.close("again");
        assertThat(inFlight.join()).isEqualTo(RttReading.unavailable("probe closed"));
        assertThat(read(a)).isEqualTo(RttReading.unavailable("probe closed"));
        scheduler.advance(Duration.ofSeconds(2)); // the pong arrives after the close
        ProbeCounters counters = a.counters();
        assertThat(counters.sentCount()).isEqualTo(1);
        assertThat(counters.unansweredCount()).isEqualTo(1);
        assertThat(counters.answeredCount() + counters.lostCount()).isZero();
        assertThat(counters.inFlightCount()).isZero();
    }

    /**
     * A pong already on its way to the probe thread when the probe closes (here: scheduled on the virtual clock, as
     * DataChannelProbe's callback queues it for the probe thread) is handled after close() returned: it must not move
     * a counter, nor may what webrtc-java's callback thread counts lock-free, so that what close() left is final.
     */
    @Test
    void countersAreFinalOnceCloseReturnedThoughMessagesQueuedBeforeItAreHandledAfter() {
        CompletableFuture<RttReading> inFlight = started(a);
        scheduler.advance(Duration.ofMillis(15)); // the ping reached B, B's pong is queued for A (due at 20 ms)
        a.close("probe closed");
        assertThat(inFlight.join()).isEqualTo(RttReading.unavailable("probe closed"));
        ProbeCounters atClose = a.counters();
        assertThat(atClose).isEqualTo(new ProbeCounters(1, 0, 0, 0, 1, 0, 0, 0, 0));

        scheduler.advance(Duration.ofSeconds(2)); // the queued pong is handled now, after the close
        a.onMessage(new byte[] {9, 9, 9}, 3, true, nanos.getAsLong()); // and a malformed message queued with it
        a.onInboundDropped(); // what webrtc-java's callback thread counts, racing the close
        a.onMalformed();
        a.onUnknownVersion();
        a.admitPing(nanos.getAsLong());

        assertThat(a.counters()).as("nothing handled after close() counts").isEqualTo(atClose);
    }

    @Test
    void aShutDownSchedulerMakesReadsUnavailable() {
        scheduler.shutdown();
        assertThat(started(a).join()).isInstanceOf(RttReading.Unavailable.class);
    }

    @Test
    void morePingsInFlightThanTheRingHoldsEachEndOnceAndAStalePongMatchesNothing() {
        assertThat(read(a)).isInstanceOf(RttReading.Measured.class);
        aToB.drop = true;
        List<CompletableFuture<RttReading>> lostOnes = new ArrayList<>();
        for (int i = 0; i < 40; i++) { // 40 in flight > the 16 slots the ring starts with
            lostOnes.add(started(a));
            scheduler.advance(Duration.ofMillis(10));
        }
        scheduler.advance(TIMEOUT);
        assertThat(lostOnes).allSatisfy(r -> assertThat(r.join()).isEqualTo(RttReading.stale()));
        assertThat(a.counters()).isEqualTo(new ProbeCounters(41, 1, 40, 0, 0, 0, 0, 0, 0));

        // a timed-out ping's pong is late, never a match for the ping in flight
        aToB.drop = false;
        aToB.to = null;
        ProbeCodec.Ping old = (ProbeCodec.Ping) decode(aToB.sent.get(aToB.sent.size() - 16));
        CompletableFuture<RttReading> reusing = started(a);
        a.onMessage(ProbeCodec.pong(old.sequence(), old.t1Micros(), 0, 0), 28, true, nanos.getAsLong());
        assertThat(reusing).isNotDone();
        assertThat(a.counters().lateCount()).isEqualTo(1);
        ProbeCodec.Ping now = (ProbeCodec.Ping) decode(aToB.sent.get(aToB.sent.size() - 1));
        scheduler.advance(Duration.ofMillis(3));
        a.onMessage(ProbeCodec.pong(now.sequence(), now.t1Micros(), 0, 0), 28, true, nanos.getAsLong());
        assertThat(reusing.join()).isEqualTo(RttReading.measured(3.0));
    }

    @Test
    void aPongForAnOlderPingOfTheSameSlotMatchesNothing() {
        aToB.to = null;
        List<CompletableFuture<RttReading>> reads = new ArrayList<>();
        for (int i = 0; i < 16; i++) { // fills the 16 slots the ring starts with, then frees them
            reads.add(started(a));
            ProbeCodec.Ping ping = (ProbeCodec.Ping) decode(aToB.sent.get(i));
            a.onMessage(ProbeCodec.pong(ping.sequence(), ping.t1Micros(), 0, 0), 28, true, nanos.getAsLong());
        }
        CompletableFuture<RttReading> seventeenth = started(a); // the first ping's slot
        ProbeCodec.Ping first = (ProbeCodec.Ping) decode(aToB.sent.get(0));
        a.onMessage(ProbeCodec.pong(first.sequence(), first.t1Micros(), 0, 0), 28, true, nanos.getAsLong());
        assertThat(seventeenth).isNotDone();
        assertThat(a.counters()).isEqualTo(new ProbeCounters(17, 16, 0, 0, 0, 0, 0, 1, 0));
    }

    @Test
    void oneTimeoutTaskServesEveryPingInFlight() {
        aToB.drop = true;
        for (int i = 0; i < 5; i++) {
            a.read();
            scheduler.advance(Duration.ofMillis(100));
        }
        assertThat(scheduler.pendingTaskCount()).isEqualTo(1);
        scheduler.advance(TIMEOUT);
        assertThat(a.counters().unansweredCount()).isEqualTo(5);
        assertThat(scheduler.pendingTaskCount()).isZero();
    }

    @Test
    void atASteadyRateOfPingsOnlyTheFirstReadArmsTheTimeoutTaskAndItDisarmsWhenIdle() {
        // arming the task from read() wakes the probe thread; re-arming it from the task costs nothing
        boolean[] inRead = {false};
        int[] armedByRead = {0};
        ProbeExecutor virtual = ProbeExecutor.of(scheduler);
        ProbeExecutor counting = new ProbeExecutor() {
            @Override
            public void execute(Runnable task) {
                // only a read's ping is handed over with execute: count what its sending arms
                virtual.execute(() -> {
                    inRead[0] = true;
                    try {
                        task.run();
                    } finally {
                        inRead[0] = false;
                    }
                });
            }

            @Override
            public void schedule(Runnable task, long delayNanos) {
                if (inRead[0]) {
                    armedByRead[0]++;
                }
                virtual.schedule(task, delayNanos);
            }

            @Override
            public boolean isShutdown() {
                return false;
            }
        };
        Wire toPeer = new Wire();
        Wire back = new Wire();
        ProbeEngine polled = new ProbeEngine(toPeer, counting, scheduler.clock(), nanos, TIMEOUT, 4);
        toPeer.to = new ProbeEngine(back, virtual, scheduler.clock(), nanos, TIMEOUT, 4);
        back.to = polled;
        for (int i = 0; i < 100; i++) { // 10 Hz for 10 s, answered in 20 ms
            CompletableFuture<RttReading> read = polled.read().toCompletableFuture();
            scheduler.advance(Duration.ofMillis(100));
            assertThat(read.join()).isEqualTo(RttReading.measured(20.0));
        }
        assertThat(armedByRead[0]).isEqualTo(1);
        scheduler.advance(TIMEOUT.multipliedBy(2));
        assertThat(scheduler.pendingTaskCount()).as("idle: nothing scheduled").isZero();
        polled.read();
        scheduler.runDueTasks();
        assertThat(armedByRead[0]).as("the first ping after idling arms it again").isEqualTo(2);
        scheduler.advance(TIMEOUT);
        assertThat(polled.counters().lostCount()).isZero();
        assertThat(polled.counters().answeredCount()).isEqualTo(101);
    }

    @Test
    void theClockOffsetIsWithinItsBoundOfTheTrueShift() {
        Duration shift = Duration.ofMillis(250);
        b = engine(bToA, InstantSource.offset(scheduler.clock(), shift));
        aToB.to = b;
        assertThat(a.clockOffset()).isEmpty();
        aToB.delay = Duration.ofMillis(10);
        bToA.delay = Duration.ofMillis(30); // asymmetric: the estimate is off by (10 - 30) / 2
        read(a);
        ClockOffset offset = a.clockOffset().orElseThrow();
        assertThat(offset.offsetMs()).isEqualTo(240.0);
        assertThat(offset.delayMs()).isEqualTo(40.0);
        assertThat(offset.errorBoundMs()).isEqualTo(20.001);
        assertThat(offset.offsetMs()).isCloseTo(250.0, within(offset.errorBoundMs()));
        assertThat(offset.exchangeCount()).isEqualTo(1);

        // a faster, symmetric exchange is chosen; a slower one later is not
        aToB.delay = Duration.ofMillis(5);
        bToA.delay = Duration.ofMillis(5);
        read(a);
        aToB.delay = Duration.ofMillis(100);
        read(a);
        offset = a.clockOffset().orElseThrow();
        assertThat(offset.offsetMs()).isEqualTo(250.0);
        assertThat(offset.errorBoundMs()).isEqualTo(5.001);
        assertThat(offset.exchangeCount()).isEqualTo(3);

        // the window holds 4: the fast exchange leaves it after four slower ones
        for (int i = 0; i < 4; i++) {
            read(a);
        }
        assertThat(a.clockOffset().orElseThrow().delayMs()).isEqualTo(105.0);
        // and B sees A's clock the other way round
        CompletableFuture<RttReading> fromB = started(b);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(fromB.join()).isInstanceOf(RttReading.Measured.class);
        assertThat(b.clockOffset().orElseThrow().offsetMs()).isCloseTo(-250.0,
                within(b.clockOffset().orElseThrow().errorBoundMs()));
    }

    @Test
    void wallClockTimesFollowTheMonotonicClockFromOneAnchor() {
        long start = a.wallNanos(nanos.getAsLong());
        assertThat(start).isEqualTo(toNanos(scheduler.now()));
        scheduler.advance(Duration.ofMillis(1500));
        assertThat(a.wallNanos(nanos.getAsLong()) - start).isEqualTo(1_500_000_000L);
    }

    /** A link that is open and sends with {@code send}. */
    private static ProbeEngine.Link sending(Send send) {
        return new ProbeEngine.Link() {
            @Override
            public String unavailableReason() {
                return null;
            }

            @Override
            public void send(byte[] message) throws Exception {
                send.send(message);
            }
        };
    }

    @FunctionalInterface
    private interface Send {
        void send(byte[] message) throws Exception;
    }

    /**
     * A pong arriving at a full inbound queue may pass it once per ping of ours in flight, so that an answer that
     * arrived is not dropped into loss: once, only for a sequence in flight, and no more once its ping has ended.
     */
    @Test
    void aPongPassesAFullQueueOncePerPingInFlight() {
        aToB.to = null; // the test is the peer
        CompletableFuture<RttReading> first = started(a);
        int sequence = ((ProbeCodec.Ping) decode(aToB.sent.get(0))).sequence();
        assertThat(a.admitPong(sequence + 1)).as("no ping of that sequence").isFalse();
        assertThat(a.admitPong(sequence)).as("its ping is in flight").isTrue();
        assertThat(a.admitPong(sequence)).as("once").isFalse();
        scheduler.advance(TIMEOUT.plusSeconds(1));
        assertThat(first).isCompleted();

        CompletableFuture<RttReading> second = started(a);
        int next = ((ProbeCodec.Ping) decode(aToB.sent.get(1))).sequence();
        scheduler.advance(TIMEOUT.plusSeconds(1)); // timed out, its pass unused
        assertThat(second).isCompleted();
        assertThat(a.admitPong(next)).as("its ping has ended").isFalse();
    }

    /** A read whose ping the executor sent: read() only hands it over. */
    private CompletableFuture<RttReading> started(ProbeEngine engine) {
        CompletableFuture<RttReading> read = engine.read().toCompletableFuture();
        scheduler.runDueTasks();
        return read;
    }

    private RttReading read(ProbeEngine engine) {
        CompletableFuture<RttReading> read = engine.read().toCompletableFuture();
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(read).isDone();
        return read.join();
    }

    private static ProbeCodec.Decoded decode(byte[] message) {
        return ProbeCodec.decode(message, message.length, true);
    }

    private static long toNanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
