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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Bufferbloat on real peers: a 40 ms link whose A-to-B direction is a 1 Mbit/s bottleneck behind a 500 ms FIFO
 * queue (the relay's rate limit), a probe on both ends and a session polling A's probe with the ICE view beside
 * it; then a bulk transfer on a second data channel (reliable, ordered) from A to B fills the queue for about
 * five seconds and stops. The session's cross-check of the two views pairs them by time, so the honest probe stays
 * the primary through the bulk (no fallback: game-session's README, the fallback row). The probe's samples are compared with what the relay recorded: the round trip a ping
 * sent at that moment really had (the base holds, plus the queueing delay the relay imposed on a packet arriving
 * at the bottleneck then, which in a FIFO depends only on the arrival time), its losses with the relay's tail
 * drops, and the session's quality and coverage with both.
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
        final AtomicLong receivedBytes = new AtomicLong();
        final CountDownLatch allReceived = new CountDownLatch(1);
        private final long expected;

        Bulk(RTCPeerConnection peer, long expected) {
            RTCDataChannelInit init = new RTCDataChannelInit();
            init.negotiated = true;
            init.id = BULK_CHANNEL_ID;
            init.ordered = true;
            this.expected = expected;
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
        public void onMessage(RTCDataChannelBuffer buffer) {
            if (receivedBytes.addAndGet(buffer.data.remaining()) >= expected) {
                allReceived.countDown();
            }
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
               long bulkStartNanos, long bulkEndNanos, long start, List<double[]> ice) {
    }

    @Test
    void aBulkTransferRaisesTheProbesRttByWhatTheQueueImposedAndItRecovers() throws Exception {
        Run run = run(52, RateLimit.of(RATE, QUEUE), PING_TIMEOUT, BULK_MESSAGES);
        check(run.relay(), run.all(), run.truth(), run.collector(), run.data(), run.bulkStartNanos(),
                run.bulkEndNanos(), run.start(), run.ice());
    }

    /**
     * A 3 s queue that the bulk (256 KiB: about 2.1 s at the rate) cannot overflow, and a 400 ms ping timeout: the
     * relay drops nothing, so every ping the probe counts lost is one whose pong came after the timeout, and the
     * probe says so (late), as the rule in webrtc-adapter's README states.
     */
    @Test
    void pingsSlowerThanTheTimeoutAreLostAndLateWhileTheRelayDroppedNothing() throws Exception {
        Duration timeout = Duration.ofMillis(400);
        Run run = run(53, new RateLimit(RATE, 3 * RATE), timeout, 16);
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

    private static Run run(long seed, RateLimit limit, Duration pingTimeout, int bulkMessages) throws Exception {
        Collector collector = new Collector();
        long bulkBytes = (long) BULK_MESSAGE * bulkMessages;
        try (ImpairmentRelay relay = new ImpairmentRelay(seed).impair(Link.roundTrip(BASE));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            relay.rateLimit(Direction.A_TO_B, limit);
            ProbeOptions options = ProbeOptions.builder().pingTimeout(pingTimeout).build();
            DataChannelProbe probeA = DataChannelProbe.open(peers.peerA(), options);
            DataChannelProbe probeB = DataChannelProbe.open(peers.peerB(), options);
            Bulk sender = new Bulk(peers.peerA(), bulkBytes);
            Bulk receiver = new Bulk(peers.peerB(), bulkBytes);
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
            try {
                session.onDataChannelOpen(probeA, ice);
                // 4 s of the quiet link from the peer's first answer (a loaded machine opens B's probe late)
                assertThat(collector.await(s -> true, Duration.ofSeconds(60))).as("the peer answers").isTrue();
                long firstAnswer = collector.samples().get(0).timestampEpochMs();
                assertThat(collector.await(s -> s.timestampEpochMs() >= firstAnswer + 4_000, Duration.ofSeconds(60)))
                        .as("4 s of the quiet link").isTrue();
                assertThat(sender.open.await(10, TimeUnit.SECONDS)).as("the bulk channel opens").isTrue();
                assertThat(receiver.open.await(10, TimeUnit.SECONDS)).as("the bulk channel opens on B").isTrue();
                bulkStartNanos = System.nanoTime();
                for (int i = 0; i < bulkMessages; i++) {
                    sender.channel.send(new RTCDataChannelBuffer(ByteBuffer.wrap(new byte[BULK_MESSAGE]), true));
                }
                assertThat(receiver.allReceived.await(60, TimeUnit.SECONDS)).as("the bulk arrives").isTrue();
                bulkEndNanos = System.nanoTime();
                bulkEndEpochMs = System.currentTimeMillis();
                assertThat(collector.await(s -> s.timestampEpochMs() >= bulkEndEpochMs + 14_000,
                        Duration.ofSeconds(60))).as("14 s after the bulk").isTrue();
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
                    bulkStartNanos, bulkEndNanos, start, ice.readings());
        }
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
                              List<double[]> ice) {
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
        assertThat(before).hasSizeGreaterThanOrEqualTo(10);
        assertThat(after).hasSizeGreaterThanOrEqualTo(10);
        // the fastest sample within the probe's overhead floor of the relay's round trip (ProbeAccuracyTest), and
        // the median no further than the tail a busy machine adds
        assertThat(quantile(before, 0)).as("before the bulk").isBetween(-ProbeAccuracyTest.BELOW_MS,
                ProbeAccuracyTest.ABOVE_MS);
        assertThat(quantile(after, 0)).as("after the bulk: back to base").isBetween(-ProbeAccuracyTest.BELOW_MS,
                ProbeAccuracyTest.ABOVE_MS);
        assertThat(quantile(after, 0.5)).as("after the bulk: back to base").isLessThanOrEqualTo(ProbeAccuracyTest.TAIL_MS);
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
        assertThat(degraded.timestampEpochMs()).isLessThanOrEqualTo(bulkEndEpochMs);
        assertThat(changes.stream().filter(c -> c.timestampEpochMs() > degraded.timestampEpochMs()
                && c.current() == ConnectionQuality.GOOD)).as("recovered: %s", changes).isNotEmpty();
        // coverage: a gap only where no ping that left in it was answered (lost pings), never for slow pongs; the
        // stretch from the channel's open to the peer's first answer (a loaded machine opens B's probe late) aside
        Long measuringStart = data.coverage().measuringStartEpochMs();
        List<CoverageGap> gaps = data.coverage().gaps().stream()
                .filter(gap -> measuringStart == null || gap.startEpochMs() > measuringStart).toList();
        for (var gap : gaps) {
            assertThat(rows.stream().filter(r -> r.sample().timestampEpochMs() > gap.startEpochMs()
                    && r.sample().timestampEpochMs() <= gap.endEpochMs()
                    && (r.pingNanos() + truth.epochOffsetNanos()) / 1e6 - gap.startEpochMs()
                    < data.coverage().gapThresholdMs() - 1)).as("a slow pong made gap %s", gap).isEmpty();
            assertThat(gap.startEpochMs()).isGreaterThanOrEqualTo(bulkStartEpochMs - 1_000);
            assertThat(gap.endEpochMs()).isLessThanOrEqualTo(bulkEndEpochMs + (long) PING_TIMEOUT.toMillis() * 2);
        }
        assertThat(gaps.size()).isLessThanOrEqualTo((int) data.counters().staleCount());
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
        // the bottleneck's exit times of A-to-B packets: a packet arriving at t waits max(0, exit of the latest
        // admitted packet before t - t), then its own transmission
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
        System.out.printf(Locale.ROOT, "base holds: A->B %.3f ms, B->A %.3f ms%n", baseAbMs, baseBaMs);
        List<Row> rows = new ArrayList<>();
        for (RttSample s : collector.samples()) {
            long pongNanos = s.timestampEpochMs() * 1_000_000 - truth.epochOffsetNanos();
            long pingNanos = pongNanos - (long) (s.rttMs() * 1e6);
            int i = lastAtOrBefore(arrived, pingNanos);
            double waitMs = i < 0 ? 0 : Math.max(0, exits[i] - pingNanos) / 1e6;
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

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2] / 1e6;
    }
}
