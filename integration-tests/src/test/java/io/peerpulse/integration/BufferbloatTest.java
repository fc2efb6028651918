package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import dev.onvoid.webrtc.RTCPeerConnection;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Direction;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.ImpairmentRelay.RateLimit;
import io.peerpulse.lab.RelayRecord;
import io.peerpulse.lab.RelayRecord.Fate;
import io.peerpulse.lab.RelayRecord.Packet;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.session.CoverageGap;
import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.QualityMetric;
import io.peerpulse.session.QualityReason;
import io.peerpulse.session.ValidationData;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeOptions;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Bufferbloat on real peers: a 40 ms link whose A-to-B direction is a 1 Mbit/s bottleneck behind a 500 ms FIFO
 * queue (the relay's rate limit), a probe on both ends and a session polling A's probe with the ICE view beside
 * it; then a bulk transfer on a second data channel (reliable, ordered) from A to B fills the queue for about
 * five seconds and stops. A starved machine's SCTP stack may send the bulk slower than the bottleneck, so that the
 * queue stays short and pings wait in A's own send buffer instead: the bulk then goes on, a message at a time, until
 * the relay's record shows the premise (a tail drop after a queue above 400 ms), at most four times as many
 * messages and for at most {@link #BULK_BOUND}, and the test fails naming what the queue reached if it never does.
 * The session's cross-check of the two views pairs them by time, so the honest probe stays
 * the primary through the bulk (no fallback: game-session's README, the fallback row). The probe's samples are compared with what the relay recorded: the round trip a ping
 * sent at that moment really had (the base holds, plus the queueing delay the relay imposed on a packet arriving
 * at the bottleneck then, which in a FIFO depends only on the arrival time), its losses with the relay's tail
 * drops, and the session's quality and coverage with both.
 *
 * <p>Other work on the machine delays the peers' threads: the probe's samples then lie above what the relay
 * imposed by a local overhead the relay cannot see, and polls start late. So the quiet phases (before the bulk,
 * and from a second after it) are judged against what was measured there at the same time: the fastest sample
 * must lie no lower than the fastest round trip the relay imposed in the phase (the shortest hold each way, a
 * bound the relay never undercuts) and no higher than {@link ProbeAccuracyTest#ABOVE_MS} or, when more, what the
 * fastest raw data-channel echo ({@link RawEchoes}: {@link WebRtcPeers#echoAsync}, one sent at each of the session's samples in the
 * same phase, over the same relay) took above that round trip plus {@link RawEchoes#SPREAD_MS}; the median sample no
 * further above the relay's round trip than {@link ProbeAccuracyTest#TAIL_MS} or, when more, the echoes' median
 * excess plus {@code ABOVE_MS} (that the probe recovered; its accuracy is the fastest sample's). The echo's overhead
 * includes the far peer's thread hop, which the probe subtracts, so an honest probe's fastest sample stays near
 * the fastest echo's, while a probe off by 10 ms stands out unless no echo of the phase came within 9 ms of the
 * relay's round trip. A coverage gap away from the bulk is accepted only as far as the session counted late polls
 * and the relay dropped nothing in it (a starved machine really leaves stretches without a sample): no more such
 * gaps than {@code latePollCount + processedLateCount}, none longer than the gap threshold plus the latest poll's
 * lateness ({@code latenessMaxMs}) plus the ping timeout; on a machine that kept up, none. The quality must
 * degrade on the bulk's evidence, not by a clock: a starved machine holds the bulk's pongs, and skips the polls
 * that would judge them, past the bulk's end (once the degradation came 5.6 s after it), so the first change
 * below GOOD may come after the bulk, but one of its reasons must rest on it: a sample it judged whose ping left
 * during the bulk, or a loss window reaching into the bulk. A degradation made only by a stall after the bulk
 * (a lone 240 ms sample gives POOR jitter) fails.
 */
@Tag("integration")
class BufferbloatTest {

    private static final Duration BASE = Duration.ofMillis(40);
    private static final long RATE = 125_000; // 1 Mbit/s
    private static final Duration QUEUE = Duration.ofMillis(500);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration PING_TIMEOUT = Duration.ofMillis(1000);
    private static final int BULK_MESSAGE = 16 * 1024;
    /** About five seconds of the bottleneck's rate. */
    private static final int BULK_MESSAGES = 38;
    private static final int BULK_CHANNEL_ID = 7;
    /**
     * How many samples each quiet phase (before the bulk, and from a second after it) must hold for its floor and
     * median to mean anything; the test waits for them (as well as for the phase's time), since a starved machine
     * skips polls and takes fewer samples in the same time (once 9 in the 4 s before the bulk, at load 13).
     */
    private static final int QUIET_SAMPLES = 10;

    /** The session's samples and quality changes, in order; lets the test wait for a sample that matches. */
    static final class Collector implements SessionExporterProvider, SessionExporter {
        final List<RttSample> samples = new ArrayList<>();
        final List<QualityChange> changes = new ArrayList<>();

        @Override
        public String name() {
            return "bufferbloat";
        }

        @Override
        public SessionExporter create(ExportSettings settings) {
            return this;
        }

        @Override
        public synchronized void sampleRecorded(String sessionId, RttSample sample) {
            samples.add(sample);
            notifyAll();
        }

        @Override
        public synchronized void qualityChanged(String sessionId, QualityChange change) {
            changes.add(change);
        }

        @Override
        public void sessionEnded(io.peerpulse.session.SessionReport report) {
        }

        synchronized boolean await(Predicate<RttSample> condition, Duration bound) throws InterruptedException {
            long deadline = System.nanoTime() + bound.toNanos();
            while (samples.stream().noneMatch(condition)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }

        synchronized List<RttSample> samples() {
            return List.copyOf(samples);
        }

        synchronized List<QualityChange> changes() {
            return List.copyOf(changes);
        }
    }

    /** One end of the bulk channel: negotiated, reliable, ordered; B's end counts what arrives. */
    static final class Bulk implements RTCDataChannelObserver {
        final RTCDataChannel channel;
        final CountDownLatch open = new CountDownLatch(1);
        private long receivedBytes;

        Bulk(RTCPeerConnection peer) {
            RTCDataChannelInit init = new RTCDataChannelInit();
            init.negotiated = true;
            init.id = BULK_CHANNEL_ID;
            init.ordered = true;
            this.channel = peer.createDataChannel("bulk", init);
            channel.registerObserver(this);
            if (channel.getState() == RTCDataChannelState.OPEN) {
                open.countDown();
            }
        }

        @Override
        public void onBufferedAmountChange(long previousAmount) {
        }

        @Override
        public void onStateChange() {
            if (channel.getState() == RTCDataChannelState.OPEN) {
                open.countDown();
            }
        }

        @Override
        public synchronized void onMessage(RTCDataChannelBuffer buffer) {
            receivedBytes += buffer.data.remaining();
            notifyAll();
        }

        /** Waits until at least {@code bytes} arrived on this end, at most {@code bound}. */
        synchronized boolean awaitReceived(long bytes, Duration bound) throws InterruptedException {
            long deadline = System.nanoTime() + bound.toNanos();
            while (receivedBytes < bytes) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }

        /** Sends one bulk message of {@link #BULK_MESSAGE} zero bytes. */
        void sendMessage() throws Exception {
            channel.send(new RTCDataChannelBuffer(ByteBuffer.wrap(new byte[BULK_MESSAGE]), true));
        }

        void close() {
            channel.unregisterObserver();
            channel.close();
            channel.dispose();
        }
    }

    /** The ICE view as the session polls it, each measured RTT kept with when it came (epoch ms), for the printout. */
    static final class RecordedIce implements RttSource {
        final RttSource ice;
        final List<double[]> readings = new ArrayList<>();

        RecordedIce(RttSource ice) {
            this.ice = ice;
        }

        @Override
        public CompletionStage<RttReading> read() {
            return ice.read().thenApply(reading -> {
                if (reading instanceof RttReading.Measured measured) {
                    synchronized (readings) {
                        readings.add(new double[] {System.currentTimeMillis(), measured.rttMs()});
                    }
                }
                return reading;
            });
        }

        @Override
        public String name() {
            return ice.name();
        }

        @Override
        public Duration refreshPeriod() {
            return ice.refreshPeriod();
        }

        @Override
        public void close() {
            ice.close();
        }

        List<double[]> readings() {
            synchronized (readings) {
                return List.copyOf(readings);
            }
        }
    }

    /** What one run left: the relay's record, the session's samples, changes and validation data, ICE's RTTs. */
    record Run(String relay, RelayRecord all, RelayTruth truth, Collector collector, ValidationData data,
               long bulkStartNanos, long bulkEndNanos, long start, List<double[]> ice,
               List<RawEchoes.Echo> echoes) {
    }

    @Test
    void aBulkTransferRaisesTheProbesRttByWhatTheQueueImposedAndItRecovers() throws Exception {
        Run run = run(52, RateLimit.of(RATE, QUEUE), PING_TIMEOUT, BULK_MESSAGES, 4 * BULK_MESSAGES,
                new Premise(QUEUE.toMillis() * 0.8, true));
        check(run.relay(), run.all(), run.truth(), run.collector(), run.data(), run.bulkStartNanos(),
                run.bulkEndNanos(), run.start(), run.ice(), run.echoes());
    }

    /**
     * A 3 s queue that the bulk (256 KiB: about 2.1 s at the rate; topped up to at most 320 KiB until the relay shows
     * a queue above 800 ms, the premise) cannot overflow, and a 400 ms ping timeout: the
     * relay drops nothing, so every ping the probe counts lost is one whose pong came after the timeout, and the
     * probe says so (late), as the rule in webrtc-adapter's README states.
     */
    @Test
    void pingsSlowerThanTheTimeoutAreLostAndLateWhileTheRelayDroppedNothing() throws Exception {
        Duration timeout = Duration.ofMillis(400);
        // at most 20 messages: 320 KiB, with SCTP's and DTLS's headers (about 6 %) under the queue's 375 000 bytes
        Run run = run(53, new RateLimit(RATE, 3 * RATE), timeout, 16, 20,
                new Premise(timeout.toMillis() * 2, false));
        List<Row> rows = report(run.relay(), run.all(), run.truth(), run.collector(), run.data(), run.bulkStartNanos(),
                run.bulkEndNanos(), run.start(), run.ice());
        assertThat(run.data().fallback()).as("the honest probe stays the primary through the bulk").isNull();
        assertThat(run.all().count(Direction.A_TO_B, Fate.TAIL_DROPPED)).isZero();
        assertThat(run.all().droppedCount(Direction.A_TO_B) + run.all().droppedCount(Direction.B_TO_A))
                .as("nothing dropped but before the peers' addresses were known")
                .isEqualTo(run.all().count(Direction.A_TO_B, Fate.NO_DESTINATION)
                        + run.all().count(Direction.B_TO_A, Fate.NO_DESTINATION));
        assertThat(run.all().between(run.bulkStartNanos(), run.bulkEndNanos()).queueing(Direction.A_TO_B).maxMs())
                .as("the queue held packets longer than the ping timeout").isGreaterThan(timeout.toMillis() * 2);
        assertThat(run.data().probe().lostCount()).as("pings that waited longer than the timeout").isPositive();
        assertThat(run.data().probe().lateCount()).as("each lost ping's pong came, late")
                .isEqualTo(run.data().probe().lostCount());
        assertThat(rows).allSatisfy(r -> assertThat(r.sample().rttMs()).as("measured within the timeout")
                .isLessThanOrEqualTo(timeout.toMillis()).isGreaterThanOrEqualTo(r.expectedMs() - BELOW_MS));
    }

    private static Run run(long seed, RateLimit limit, Duration pingTimeout, int bulkMessages, int maxBulkMessages,
                           Premise premise) throws Exception {
        Collector collector = new Collector();
        try (ImpairmentRelay relay = new ImpairmentRelay(seed).impair(Link.roundTrip(BASE));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            relay.rateLimit(Direction.A_TO_B, limit);
            ProbeOptions options = ProbeOptions.builder().pingTimeout(pingTimeout).build();
            DataChannelProbe probeA = DataChannelProbe.open(peers.peerA(), options);
            DataChannelProbe probeB = DataChannelProbe.open(peers.peerB(), options);
            Bulk sender = new Bulk(peers.peerA());
            Bulk receiver = new Bulk(peers.peerB());
            GameSession session = GameSession.builder("bufferbloat-" + seed)
                    .telemetryOptions(TelemetryOptions.builder().pollInterval(POLL)
                            .readTimeout(pingTimeout.plusMillis(500)).build())
                    .exporterProviders(List.of(collector))
                    .build();
            long bulkStartNanos;
            long bulkEndNanos;
            long bulkEndEpochMs;
            long start = System.currentTimeMillis();
            RecordedIce ice = new RecordedIce(WebRtcRttSource.of(peers.peerA()));
            RawEchoes echoes = new RawEchoes(peers, PING_TIMEOUT.multipliedBy(2));
            try {
                session.onDataChannelOpen(probeA, ice);
                // 4 s of the quiet link from the peer's first answer (a loaded machine opens B's probe late), and
                // at least QUIET_SAMPLES samples: a starved machine skips polls and takes fewer in 4 s
                assertThat(collector.await(s -> true, Duration.ofSeconds(60))).as("the peer answers").isTrue();
                long firstAnswer = collector.samples().get(0).timestampEpochMs();
                assertThat(echoes.awaitEchoing(collector::samples,
                        (count, bound) -> collector.await(s -> collector.samples.size() >= count, bound),
                        seen -> seen.size() >= QUIET_SAMPLES
                                && seen.stream().anyMatch(s -> s.timestampEpochMs() >= firstAnswer + 4_000),
                        Duration.ofSeconds(60))).as("4 s of the quiet link and %d samples", QUIET_SAMPLES)
                        .isTrue();
                assertThat(sender.open.await(10, TimeUnit.SECONDS)).as("the bulk channel opens").isTrue();
                assertThat(receiver.open.await(10, TimeUnit.SECONDS)).as("the bulk channel opens on B").isTrue();
                bulkStartNanos = System.nanoTime();
                int sent = fill(relay, sender, bulkStartNanos, bulkMessages, maxBulkMessages, premise);
                assertThat(receiver.awaitReceived((long) BULK_MESSAGE * sent, Duration.ofSeconds(60)))
                        .as("the bulk arrives").isTrue();
                bulkEndNanos = System.nanoTime();
                bulkEndEpochMs = System.currentTimeMillis();
                RelayRecord bulk = relay.record().between(bulkStartNanos, bulkEndNanos);
                System.out.printf(Locale.ROOT, "bulk: %d messages in %.0f ms; premise %s: reached %s%n", sent,
                        (bulkEndNanos - bulkStartNanos) / 1e6, premise, Premise.describe(bulk));
                assertThat(premise.reached(bulk)).as("the bulk's premise, %s, after %d messages of %d bytes in"
                                + " %.0f ms (at most %d, sending for at most %d s): reached %s", premise, sent,
                        BULK_MESSAGE, (bulkEndNanos - bulkStartNanos) / 1e6, maxBulkMessages,
                        BULK_BOUND.toSeconds(), Premise.describe(bulk)).isTrue();
                // 14 s after the bulk, and at least QUIET_SAMPLES samples of pings that left over a second after
                // it (check's `after`; 50 ms more here, as this places pings by the epoch clock, check by the relay's)
                assertThat(echoes.awaitEchoing(collector::samples,
                        (count, bound) -> collector.await(s -> collector.samples.size() >= count, bound),
                        seen -> seen.stream().filter(s -> s.timestampEpochMs() - s.rttMs() > bulkEndEpochMs + 1_050)
                                .count() >= QUIET_SAMPLES
                                && seen.stream().anyMatch(s -> s.timestampEpochMs() >= bulkEndEpochMs + 14_000),
                        Duration.ofSeconds(60))).as("14 s after the bulk and %d samples", QUIET_SAMPLES)
                        .isTrue();
                System.out.println("probe A: " + probeA.getCounters() + "\nprobe B: " + probeB.getCounters());
            } finally {
                session.close();
                probeA.close();
                probeB.close();
                sender.close();
                receiver.close();
            }
            RelayTruth truth = RelayTruth.of(relay, bulkStartNanos, bulkEndNanos);
            return new Run(relay.toString(), truth.all(), truth, collector, session.exportValidationData(),
                    bulkStartNanos, bulkEndNanos, start, ice.readings(), echoes.answered());
        }
    }

    /**
     * What the bulk must bring about at the bottleneck (A to B) for the test to mean anything: a packet admitted
     * after waiting longer than {@code queueMs}, and, when {@code tailDrop}, a tail drop.
     */
    record Premise(double queueMs, boolean tailDrop) {

        boolean reached(RelayRecord window) {
            return queueMs(window) > queueMs && (!tailDrop || window.count(Direction.A_TO_B, Fate.TAIL_DROPPED) > 0);
        }

        /** The longest time at the bottleneck of a packet admitted in the window, forwarded or still queued, ms. */
        static double queueMs(RelayRecord window) {
            return window.packets().stream().filter(p -> p.direction() == Direction.A_TO_B
                            && (p.fate() == Fate.FORWARDED || p.fate() == Fate.QUEUED))
                    .mapToLong(Packet::queueNanos).max().orElse(0) / 1e6;
        }

        static String describe(RelayRecord window) {
            return String.format(Locale.ROOT, "a queue of %.1f ms, %d tail drops", queueMs(window),
                    window.count(Direction.A_TO_B, Fate.TAIL_DROPPED));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "a queue above %.0f ms%s", queueMs, tailDrop ? " and a tail drop" : "");
        }
    }

    /** How long the bulk sender tops up its channel at most, waiting for the {@link Premise}. */
    private static final Duration BULK_BOUND = Duration.ofSeconds(30);

    /**
     * Sends the bulk: {@code messages} at once, then, while the relay's record since {@code startNanos} does not
     * show the premise, one more whenever the channel's buffer runs below four messages (a starved SCTP stack
     * sends slower than the bottleneck, so the queue fills later, or with more), at most {@code maxMessages} in
     * all and for at most {@link #BULK_BOUND}; the relay's packets wake it, not a clock.
     *
     * @return how many messages it sent
     */
    private static int fill(ImpairmentRelay relay, Bulk sender, long startNanos, int messages, int maxMessages,
                            Premise premise) throws Exception {
        int sent = 0;
        for (; sent < messages; sent++) {
            sender.sendMessage();
        }
        while (sent < maxMessages && System.nanoTime() - startNanos - BULK_BOUND.toNanos() < 0) {
            long received = relay.counters(Direction.A_TO_B).receivedCount();
            if (premise.reached(relay.record().between(startNanos, System.nanoTime()))) {
                break;
            }
            while (sent < maxMessages && sender.channel.getBufferedAmount() < 4L * BULK_MESSAGE) {
                sender.sendMessage();
                sent++;
            }
            relay.awaitReceived(Direction.A_TO_B, received + 32, Duration.ofMillis(250));
        }
        return sent;
    }

    /** A probe sample beside what the relay imposed on a ping that left A when it did. */
    record Row(RttSample sample, long pingNanos, double queueMs, double expectedMs) {
        double diffMs() {
            return sample.rttMs() - expectedMs;
        }
    }

    /** How far below the relay's round trip a sample may read: one full packet's transmission (the queue's step). */
    private static final double BELOW_MS = 1_250 * 1000.0 / RATE + 2;

    private static void check(String relay, RelayRecord all, RelayTruth truth, Collector collector,
                              ValidationData data, long bulkStartNanos, long bulkEndNanos, long start,
                              List<double[]> ice, List<RawEchoes.Echo> echoes) {
        List<Row> rows = report(relay, all, truth, collector, data, bulkStartNanos, bulkEndNanos, start, ice);
        assertThat(data.fallback()).as("the honest probe stays the primary through the bulk").isNull();
        double baseMs = rows.get(0).expectedMs() - rows.get(0).queueMs();
        RelayRecord bulk = all.between(bulkStartNanos, bulkEndNanos);
        double maxQueueMs = bulk.queueing(Direction.A_TO_B).maxMs();
        long tailDropped = all.count(Direction.A_TO_B, Fate.TAIL_DROPPED) + all.count(Direction.B_TO_A, Fate.TAIL_DROPPED);

        // nothing negative or impossible, and never below what the relay imposed
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.sample().rttMs()).isFinite().isNotNegative();
            assertThat(r.diffMs()).as("never below the relay's round trip: %s", r).isGreaterThanOrEqualTo(-BELOW_MS);
        });
        assertThat(data.latency().minMs()).isGreaterThanOrEqualTo(BASE.toMillis());
        assertThat(data.secondary().latency().minMs()).isGreaterThanOrEqualTo(BASE.toMillis());
        assertThat(Math.abs(data.probe().offsetMs())).isLessThanOrEqualTo(data.probe().errorBoundMs());
        // the queue really filled, and the relay dropped nothing outside the bulk
        assertThat(maxQueueMs).as("the queue filled").isGreaterThan(QUEUE.toMillis() * 0.8);
        assertThat(tailDropped).isPositive();
        assertThat(all.droppedCount(Direction.A_TO_B) + all.droppedCount(Direction.B_TO_A)
                - bulk.droppedCount(Direction.A_TO_B) - bulk.droppedCount(Direction.B_TO_A))
                .as("drops outside the bulk (the connection's first packets aside)")
                .isLessThanOrEqualTo(all.count(Direction.B_TO_A, Fate.NO_DESTINATION)
                        + all.count(Direction.A_TO_B, Fate.NO_DESTINATION));
        // quiet: the probe reads the relay's round trip, local overhead above it
        List<Row> before = rows.stream().filter(r -> r.pingNanos() - bulkStartNanos < 0).toList();
        List<Row> after = rows.stream().filter(r -> r.pingNanos() - bulkEndNanos - 1_000_000_000L > 0).toList();
        assertThat(before).hasSizeGreaterThanOrEqualTo(QUIET_SAMPLES);
        assertThat(after).hasSizeGreaterThanOrEqualTo(QUIET_SAMPLES);
        // the fastest sample above the fastest round trip the relay imposed in the phase by no more than the
        // probe's overhead floor (ProbeAccuracyTest) or what raw echoes at the same time took above it, and the
        // median no further above the relay's round trip than the tail a busy machine adds or the echoes' median
        // excess (the class's Javadoc)
        long lastNanos = rows.get(rows.size() - 1).pingNanos();
        List<RawEchoes.Echo> echoesBefore = echoes.stream().filter(e -> e.sentNanos() - bulkStartNanos < 0).toList();
        List<RawEchoes.Echo> echoesAfter = echoes.stream()
                .filter(e -> e.sentNanos() - bulkEndNanos - 1_000_000_000L > 0)
                .toList();
        assertThat(echoesBefore).as("echoes before the bulk").hasSizeGreaterThanOrEqualTo(before.size() / 2);
        assertThat(echoesAfter).as("echoes after the bulk").hasSizeGreaterThanOrEqualTo(after.size() / 2);
        assertFloor("before the bulk", before, echoesBefore, all.between(before.get(0).pingNanos(), bulkStartNanos));
        assertFloor("after the bulk: back to base", after, echoesAfter,
                all.between(bulkEndNanos + 1_000_000_000L, lastNanos));
        Reference reference = Reference.of(all, bulkStartNanos, bulkEndNanos);
        double echoMedianMs = median(echoesAfter.stream().mapToDouble(e -> e.rttMs()
                - reference.expectedMs(e.sentNanos())).toArray());
        double medianAllowanceMs = Math.max(ProbeAccuracyTest.TAIL_MS, echoMedianMs + ProbeAccuracyTest.ABOVE_MS);
        System.out.printf(Locale.ROOT, "after the bulk: median %.3f ms above the relay's round trip, raw echoes'"
                + " median %.3f ms, allowance %.3f ms%n", quantile(after, 0.5), echoMedianMs, medianAllowanceMs);
        assertThat(quantile(after, 0.5)).as("after the bulk: back to base; median above the relay's round trip,"
                + " allowance %.3f ms (raw echoes' median excess %.3f ms)", medianAllowanceMs, echoMedianMs)
                .isLessThanOrEqualTo(medianAllowanceMs);
        // during: the probe's RTT rises at least to most of what the queue imposed
        List<Row> during = rows.stream().filter(r -> r.pingNanos() - bulkStartNanos >= 0
                && r.pingNanos() - bulkEndNanos <= 0).toList();
        assertThat(during).as("pings answered during the bulk").isNotEmpty();
        assertThat(during.stream().mapToDouble(r -> r.sample().rttMs()).max().orElseThrow())
                .isGreaterThanOrEqualTo(baseMs + maxQueueMs * 0.6);
        // a ping counts lost only when its pong did not come within the timeout: dropped by the queue, or later
        // than the timeout (then also late); every other ping was measured
        assertThat(data.probe().lostCount()).isGreaterThanOrEqualTo(data.probe().lateCount())
                .isLessThanOrEqualTo(data.probe().sentCount() - data.probe().answeredCount());
        assertThat(data.probe().lostCount() - data.probe().lateCount()).as("lost and never answered: dropped")
                .isLessThanOrEqualTo(tailDropped);
        assertThat(data.probe().answeredCount()).isEqualTo(data.counters().measuredCount());
        // quality: degraded by the bulk, recovered after it
        List<QualityChange> changes = collector.changes();
        long bulkStartEpochMs = (bulkStartNanos + truth.epochOffsetNanos()) / 1_000_000;
        long bulkEndEpochMs = (bulkEndNanos + truth.epochOffsetNanos()) / 1_000_000;
        QualityChange degraded = changes.stream().filter(c -> c.timestampEpochMs() >= bulkStartEpochMs
                && c.current() != ConnectionQuality.GOOD).findFirst().orElseThrow(() -> new AssertionError(
                        "no degradation after the bulk started: " + changes));
        // judged from the bulk, not by a clock: a busy machine may hold the bulk's pongs, or the polls judging
        // them, past the bulk's end, so the change may come after it; but at least one of its reasons must rest on
        // the bulk: a sample among the ones it judged (the newest windowCount up to the change) whose ping left
        // during the bulk, or a loss (or bad-poll) window that, stretched back by the ping timeout, overlaps it
        List<Row> judged = rows.stream().filter(r -> r.sample().timestampEpochMs() <= degraded.timestampEpochMs())
                .toList();
        System.out.printf(Locale.ROOT, "degraded %+d ms after the bulk's end: %s%n",
                degraded.timestampEpochMs() - bulkEndEpochMs, degraded);
        assertThat(degraded.reasons()).as("the degradation rests on the bulk (epoch ms %d to %d): %s; the newest"
                        + " samples it judged: %s", bulkStartEpochMs, bulkEndEpochMs, degraded,
                judged.subList(Math.max(0, judged.size() - 8), judged.size()))
                .anySatisfy(reason -> assertThat(restsOnBulk(reason, degraded, judged, bulkStartNanos, bulkEndNanos,
                        bulkStartEpochMs, bulkEndEpochMs)).isTrue());
        assertThat(changes.stream().filter(c -> c.timestampEpochMs() > degraded.timestampEpochMs()
                && c.current() == ConnectionQuality.GOOD)).as("recovered: %s", changes).isNotEmpty();
        // coverage: a gap only where no ping that left in it was answered (lost pings), never for slow pongs; the
        // stretch from the channel's open to the peer's first answer (a loaded machine opens B's probe late) aside;
        // away from the bulk only as far as the session counted polls starting late or pongs handled late (the
        // class's Javadoc)
        Long measuringStart = data.coverage().measuringStartEpochMs();
        List<CoverageGap> gaps = data.coverage().gaps().stream()
                .filter(gap -> measuringStart == null || gap.startEpochMs() > measuringStart).toList();
        List<CoverageGap> starved = new ArrayList<>();
        for (var gap : gaps) {
            assertThat(rows.stream().filter(r -> r.sample().timestampEpochMs() > gap.startEpochMs()
                    && r.sample().timestampEpochMs() <= gap.endEpochMs()
                    && (r.pingNanos() + truth.epochOffsetNanos()) / 1e6 - gap.startEpochMs()
                    < data.coverage().gapThresholdMs() - 1)).as("a slow pong made gap %s", gap).isEmpty();
            if (gap.startEpochMs() < bulkStartEpochMs - 1_000
                    || gap.endEpochMs() > bulkEndEpochMs + PING_TIMEOUT.toMillis() * 2) {
                starved.add(gap);
            }
        }
        long lateCount = data.counters().latePollCount() + data.probe().processedLateCount();
        double starvedMaxMs = data.coverage().gapThresholdMs() + data.counters().latenessMaxMs()
                + PING_TIMEOUT.toMillis();
        assertThat(starved).as("gaps away from the bulk: at most the %d polls or pongs the session counted late,"
                        + " none longer than %.0f ms; %s", lateCount, starvedMaxMs, data.counters())
                .hasSizeLessThanOrEqualTo((int) lateCount)
                .allSatisfy(gap -> assertThat((double) gap.durationMs()).isLessThanOrEqualTo(starvedMaxMs));
        for (CoverageGap gap : starved) {
            RelayRecord in = all.between(gap.startEpochMs() * 1_000_000 - truth.epochOffsetNanos(),
                    gap.endEpochMs() * 1_000_000 - truth.epochOffsetNanos());
            assertThat(in.droppedCount(Direction.A_TO_B) + in.droppedCount(Direction.B_TO_A))
                    .as("a real gap away from the bulk: the relay dropped packets in %s", gap).isZero();
        }
        assertThat(gaps.size() - starved.size()).isLessThanOrEqualTo((int) data.counters().staleCount());
    }

    /**
     * Whether a reason of a quality change rests on what the bulk did: for the sample-based metrics (RTT median,
     * jitter, score) one of the newest {@code windowCount} samples up to the change is of a ping that left A during
     * the bulk; for loss and bad polls, whose window is time, the window ending at the change, stretched back by the
     * ping timeout (a ping counts lost a timeout after it left), overlaps the bulk.
     */
    private static boolean restsOnBulk(QualityReason reason, QualityChange change, List<Row> judged,
                                       long bulkStartNanos, long bulkEndNanos, long bulkStartEpochMs,
                                       long bulkEndEpochMs) {
        if (reason.metric() == QualityMetric.LOSS || reason.metric() == QualityMetric.BAD_POLLS) {
            long from = change.timestampEpochMs() - reason.windowMs() - PING_TIMEOUT.toMillis();
            return from <= bulkEndEpochMs && change.timestampEpochMs() >= bulkStartEpochMs;
        }
        return judged.subList((int) Math.max(0, judged.size() - reason.windowCount()), judged.size()).stream()
                .anyMatch(r -> r.pingNanos() - bulkStartNanos >= 0 && r.pingNanos() - bulkEndNanos <= 0);
    }

    private static double quantile(List<Row> rows, double q) {
        double[] diffs = rows.stream().mapToDouble(Row::diffMs).sorted().toArray();
        return diffs[(int) (q * (diffs.length - 1))];
    }

    private static List<Row> report(String relay, RelayRecord all, RelayTruth truth, Collector collector,
                               ValidationData data, long bulkStartNanos, long bulkEndNanos, long start,
                               List<double[]> ice) {
        System.out.println(relay);
        System.out.println(all.between(bulkStartNanos, bulkEndNanos));
        Reference reference = Reference.of(all, bulkStartNanos, bulkEndNanos);
        double baseAbMs = reference.baseAbMs();
        double baseBaMs = reference.baseBaMs();
        List<Packet> quiet = reference.quiet();
        System.out.printf(Locale.ROOT, "base holds: A->B %.3f ms, B->A %.3f ms%n", baseAbMs, baseBaMs);
        List<Row> rows = new ArrayList<>();
        for (RttSample s : collector.samples()) {
            long pongNanos = s.timestampEpochMs() * 1_000_000 - truth.epochOffsetNanos();
            long pingNanos = pongNanos - (long) (s.rttMs() * 1e6);
            double waitMs = reference.waitMs(pingNanos);
            System.out.printf(Locale.ROOT, "t=%6d ms (bulk %+7.0f ms) rtt %8.3f  relay: queue %8.3f -> %8.3f  diff %8.3f%n",
                    s.timestampEpochMs() - start, (pingNanos - bulkStartNanos) / 1e6, s.rttMs(), waitMs,
                    baseAbMs + baseBaMs + waitMs, s.rttMs() - (baseAbMs + baseBaMs + waitMs));
            rows.add(new Row(s, pingNanos, waitMs, baseAbMs + baseBaMs + waitMs));
        }
        System.out.println("quality: " + collector.changes());
        System.out.println("probe: " + data.probe());
        System.out.println("coverage: " + data.coverage());
        System.out.println("counters: " + data.counters());
        System.out.println("secondary: " + data.secondary());
        // what the session's cross-check paired: each ICE RTT with the probe's RTTs since the ICE RTT before it
        long previous = start;
        for (double[] reading : ice) {
            long at = (long) reading[0];
            long from = previous;
            double[] mine = collector.samples().stream().filter(s -> s.timestampEpochMs() > from
                    && s.timestampEpochMs() <= at).mapToDouble(RttSample::rttMs).sorted().toArray();
            System.out.printf(Locale.ROOT, "ice t=%6d ms (bulk %+7.0f ms) rtt %8.3f  probe's %2d since: median %s%n",
                    at - start, (at * 1e6 - truth.epochOffsetNanos() - bulkStartNanos) / 1e6, reading[1], mine.length,
                    mine.length == 0 ? "-" : String.format(Locale.ROOT, "%.3f", mine.length % 2 == 1
                            ? mine[mine.length / 2] : (mine[mine.length / 2 - 1] + mine[mine.length / 2]) / 2));
            previous = at;
        }
        System.out.println("fallback: " + data.fallback());
        System.out.printf("tail drops A->B %d, B->A %d%n", all.count(Direction.A_TO_B, Fate.TAIL_DROPPED),
                all.count(Direction.B_TO_A, Fate.TAIL_DROPPED));
        System.out.println("quiet A->B sizes: " + new java.util.TreeMap<>(quiet.stream()
                .filter(p -> p.direction() == Direction.A_TO_B && p.kind() == RelayRecord.Kind.OTHER)
                .collect(java.util.stream.Collectors.groupingBy(Packet::sizeBytes, java.util.stream.Collectors.counting()))));
        System.out.println("tail-dropped sizes: " + new java.util.TreeMap<>(all.packets().stream()
                .filter(p -> p.fate() == Fate.TAIL_DROPPED)
                .collect(java.util.stream.Collectors.groupingBy(Packet::sizeBytes, java.util.stream.Collectors.counting()))));
        return rows;
    }

    /**
     * The relay's round trip for a ping that left A at a given time: the quiet phases' median holds each way, plus
     * the wait at the bottleneck. The bottleneck's exit times of A-to-B packets: a packet arriving at t waits
     * max(0, exit of the latest admitted packet before t - t), then its own transmission.
     */
    record Reference(long[] arrived, long[] exits, List<Packet> quiet, double baseAbMs, double baseBaMs) {

        static Reference of(RelayRecord all, long bulkStartNanos, long bulkEndNanos) {
            List<Packet> ab = all.packets().stream()
                    .filter(p -> p.direction() == Direction.A_TO_B && p.fate() == Fate.FORWARDED).toList();
            long[] arrived = ab.stream().mapToLong(Packet::receivedNanos).toArray();
            long[] exits = ab.stream().mapToLong(p -> p.receivedNanos() + p.queueNanos()).toArray();
            List<Packet> quiet = all.packets().stream().filter(p -> p.fate() == Fate.FORWARDED
                    && (p.receivedNanos() - bulkStartNanos < 0 || p.receivedNanos() - bulkEndNanos - 2_000_000_000L > 0))
                    .toList();
            double baseAbMs = median(quiet.stream().filter(p -> p.direction() == Direction.A_TO_B)
                    .mapToLong(p -> p.holdNanos() - p.queueNanos()).toArray());
            double baseBaMs = median(quiet.stream().filter(p -> p.direction() == Direction.B_TO_A)
                    .mapToLong(Packet::holdNanos).toArray());
            return new Reference(arrived, exits, quiet, baseAbMs, baseBaMs);
        }

        double waitMs(long pingNanos) {
            int i = lastAtOrBefore(arrived, pingNanos);
            return i < 0 ? 0 : Math.max(0, exits[i] - pingNanos) / 1e6;
        }

        double expectedMs(long pingNanos) {
            return baseAbMs + baseBaMs + waitMs(pingNanos);
        }
    }

    /**
     * Asserts that the fastest of a quiet phase's samples lies at or above the fastest round trip the relay imposed
     * on data-channel packets in the phase (the shortest hold each way), and above it by no more than
     * {@link ProbeAccuracyTest#ABOVE_MS} or, when more, the fastest of the phase's raw echoes' excess over it plus
     * {@link RawEchoes#SPREAD_MS}.
     */
    private static void assertFloor(String phase, List<Row> rows, List<RawEchoes.Echo> echoes, RelayRecord window) {
        double floorMs = window.only(RelayRecord.Kind.OTHER).imposedRoundTrip().minMs();
        double fastestMs = rows.stream().mapToDouble(r -> r.sample().rttMs()).min().orElseThrow();
        double echoMs = RawEchoes.fastestExcessMs(echoes, floorMs);
        double allowanceMs = RawEchoes.floorAllowanceMs(echoMs);
        System.out.printf(Locale.ROOT, "%s: fastest sample %.3f ms, relay's fastest round trip %.3f ms,"
                        + " raw echoes %s ms: fastest's excess %.3f ms, allowance %.3f ms%n", phase, fastestMs, floorMs,
                echoes.stream().map(e -> Math.round(e.rttMs() * 1000) / 1000.0).toList(), echoMs, allowanceMs);
        assertThat(fastestMs - floorMs).as("%s: fastest sample %.3f ms minus the relay's fastest round trip %.3f ms"
                        + " in the phase must lie in [-%.1f, +%.3f] ms (the fastest raw echo's excess %.3f ms)", phase,
                fastestMs, floorMs, ProbeAccuracyTest.BELOW_MS, allowanceMs, echoMs)
                .isBetween(-ProbeAccuracyTest.BELOW_MS, allowanceMs);
    }

    private static int lastAtOrBefore(long[] sorted, long t) {
        int lo = 0;
        int hi = sorted.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] - t <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2] / 1e6;
    }
}
