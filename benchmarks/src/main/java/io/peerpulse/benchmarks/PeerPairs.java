package io.peerpulse.benchmarks;

import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Direction;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.RelayRecord;
import io.peerpulse.lab.RelayRecord.Fate;
import io.peerpulse.lab.RelayRecord.Kind;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SecondaryLatency;
import io.peerpulse.session.ValidationData;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeCounters;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * N pairs of real webrtc-java peers in one JVM, each pair through its own {@link ImpairmentRelay} at
 * {@link #ROUND_TRIP}, and either PeerPulse on each pair as the demo runs it — a {@link DataChannelProbe} on
 * both ends and a {@link GameSession} polling A's probe at 1 Hz with A's ICE view ({@link WebRtcRttSource})
 * beside it, no exporter, no journal — or, without PeerPulse, a raw data-channel echo at the probe's rate
 * ({@link WebRtcPeers#echoAsync(Duration)} once a second per pair, driven by one thread, {@code pairs-echo}, on
 * a grid of 64 slots a second as the telemetries' poll grid). Closing stops the sessions, then closes the
 * probes, the peers and the relays.
 */
final class PeerPairs implements AutoCloseable {

    /** The round trip every relay adds. */
    static final Duration ROUND_TRIP = Duration.ofMillis(40);
    /** Connections being negotiated at once while opening. */
    private static final int CONNECTING_AT_ONCE = 8;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(120);
    private static final int SLOTS = 64;
    private static final Duration ECHO_TIMEOUT = Duration.ofMillis(800);

    private final boolean withPeerPulse;
    private final List<ImpairmentRelay> relays = new ArrayList<>();
    private final List<WebRtcPeers> peers = new ArrayList<>();
    private final List<DataChannelProbe> probesA = new ArrayList<>();
    private final List<DataChannelProbe> probesB = new ArrayList<>();
    private final List<GameSession> sessions = new ArrayList<>();
    private final EchoLog echoes;
    private ScheduledExecutorService echoDriver;

    private PeerPairs(boolean withPeerPulse, int echoCapacity) {
        this.withPeerPulse = withPeerPulse;
        this.echoes = new EchoLog(withPeerPulse ? 0 : echoCapacity);
    }

    /**
     * Opens and connects {@code count} pairs; {@link #start()} then starts PeerPulse on each or the raw echo.
     *
     * @param count         pairs, at least 1
     * @param withPeerPulse PeerPulse on each pair, or the raw echo
     * @param seconds       how long the pairs will run at most: the raw echoes kept, one a second per pair
     * @return the pairs, connected
     * @throws Exception when a pair cannot connect (all are closed then)
     */
    static PeerPairs connect(int count, boolean withPeerPulse, int seconds) throws Exception {
        PeerPairs pairs = new PeerPairs(withPeerPulse, Math.multiplyExact(count, seconds));
        try {
            pairs.connectAll(count);
            return pairs;
        } catch (Exception | Error e) {
            pairs.close();
            throw e;
        }
    }

    /** Starts PeerPulse on each pair, or the raw echo. */
    void start() {
        if (withPeerPulse) {
            startPeerPulse();
        } else {
            startEchoes();
        }
    }

    private void connectAll(int count) throws Exception {
        Deque<CompletableFuture<Void>> connecting = new ArrayDeque<>();
        for (int i = 0; i < count; i++) {
            ImpairmentRelay relay = new ImpairmentRelay(i).impair(Link.roundTrip(ROUND_TRIP));
            relays.add(relay);
            WebRtcPeers pair = new WebRtcPeers();
            peers.add(pair);
            connecting.add(pair.connectAsync(Route.through(relay)));
            if (connecting.size() == CONNECTING_AT_ONCE) {
                connecting.poll().get(CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        }
        for (CompletableFuture<Void> c : connecting) {
            c.get(CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    private void startPeerPulse() {
        for (int i = 0; i < peers.size(); i++) {
            WebRtcPeers pair = peers.get(i);
            probesA.add(DataChannelProbe.open(pair.peerA()));
            probesB.add(DataChannelProbe.open(pair.peerB()));
            WebRtcRttSource ice = WebRtcRttSource.of(pair.peerA());
            pair.onConnectionChangeOfA(ice::onConnectionChange); // as the demo: the state from callbacks
            GameSession session = GameSession.builder("pairs-" + i).exporters().journal(false).build();
            sessions.add(session);
            session.onDataChannelOpen(probesA.get(i), ice);
        }
    }

    private void startEchoes() {
        echoDriver = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "pairs-echo");
            thread.setDaemon(true);
            return thread;
        });
        SplittableRandom random = new SplittableRandom(1);
        long second = TimeUnit.SECONDS.toNanos(1);
        for (WebRtcPeers pair : peers) {
            echoDriver.scheduleAtFixedRate(() -> pair.echoAsync(ECHO_TIMEOUT).whenComplete(echoes::record),
                    second * random.nextInt(SLOTS) / SLOTS, second, TimeUnit.NANOSECONDS);
        }
    }

    /** @return whether PeerPulse runs on the pairs (else the raw echo) */
    boolean withPeerPulse() {
        return withPeerPulse;
    }

    /**
     * Sums of the counters so far: the sessions' polls of the probe ({@code polls.*}) and of the ICE view
     * ({@code ice.*}), A's probes ({@code probe.*}), the raw echoes ({@code echo.*}).
     *
     * @return each counter's sum over the pairs
     */
    Map<String, Long> counters() {
        Map<String, Long> sums = new LinkedHashMap<>();
        for (GameSession session : sessions) {
            ValidationData data = session.exportValidationData();
            add(sums, "polls", data.counters());
            SecondaryLatency ice = data.secondary();
            if (ice != null) {
                add(sums, "ice", ice.counters());
            }
        }
        for (DataChannelProbe probe : probesA) {
            ProbeCounters c = probe.getCounters();
            sums.merge("probe.sent", c.sentCount(), Long::sum);
            sums.merge("probe.answered", c.answeredCount(), Long::sum);
            sums.merge("probe.lost", c.lostCount(), Long::sum);
            sums.merge("probe.late", c.lateCount(), Long::sum);
            sums.merge("probe.processedLate", c.processedLateCount(), Long::sum);
        }
        sums.put("echo.answered", echoes.answered.get());
        sums.put("echo.lost", echoes.lost.get());
        return sums;
    }

    private static void add(Map<String, Long> sums, String prefix, TelemetryCounters c) {
        sums.merge(prefix + ".all", c.pollCount(), Long::sum);
        sums.merge(prefix + ".measured", c.measuredCount(), Long::sum);
        sums.merge(prefix + ".stale", c.staleCount(), Long::sum);
        sums.merge(prefix + ".other", c.unavailableCount() + c.failedCount() + c.rejectedCount() + c.skippedCount(),
                Long::sum);
        sums.merge(prefix + ".late", c.latePollCount(), Long::sum);
        // the worst telemetry's lateness, in whole microseconds (the map holds counts)
        sums.merge(prefix + ".lateP99Micros", Math.round(c.latenessP99Ms() * 1e3), Math::max);
        sums.merge(prefix + ".lateMaxMicros", Math.round(c.latenessMaxMs() * 1e3), Math::max);
    }

    /**
     * The RTTs measured in a window: the sessions' samples (the probe's readings) whose timestamps fall in it,
     * or the raw echoes that came back in it.
     *
     * @param fromMs    the window's start, epoch ms (sessions)
     * @param toMs      its end, epoch ms
     * @param fromNanos its start, {@link System#nanoTime()} (echoes)
     * @param toNanos   its end
     * @return the RTTs in ms, for each session how many samples it recorded in the window, and the gaps between
     *         them
     */
    Measured measured(long fromMs, long toMs, long fromNanos, long toNanos) {
        if (!withPeerPulse) {
            return new Measured(echoes.between(fromNanos, toNanos), new int[0], new double[0]);
        }
        List<Double> rtts = new ArrayList<>();
        List<Double> gaps = new ArrayList<>();
        int[] perSession = new int[sessions.size()];
        for (int i = 0; i < sessions.size(); i++) {
            LatencyStats stats = sessions.get(i).getLatencyStats().orElse(null);
            if (stats == null) {
                continue;
            }
            long previous = Long.MIN_VALUE;
            for (RttSample sample : stats.samples()) {
                if (sample.timestampEpochMs() >= fromMs && sample.timestampEpochMs() < toMs) {
                    rtts.add(sample.rttMs());
                    perSession[i]++;
                    if (previous != Long.MIN_VALUE) {
                        gaps.add((double) (sample.timestampEpochMs() - previous));
                    }
                    previous = sample.timestampEpochMs();
                }
            }
        }
        return new Measured(rtts.stream().mapToDouble(Double::doubleValue).toArray(), perSession,
                gaps.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * @param rttMs      the RTTs measured, ms
     * @param perSession samples each session recorded (empty without PeerPulse)
     * @param gapMs      the time between two samples of a session in a row, ms (empty without PeerPulse)
     */
    record Measured(double[] rttMs, int[] perSession, double[] gapMs) {
    }

    /**
     * What the relays really held the data-channel packets (DTLS) they forwarded in a window, pooled over the
     * relays, per direction (their records' {@code holdNanos}).
     *
     * @return the holds A to B and B to A, ms
     */
    double[][] relayHolds(long fromNanos, long toNanos) {
        List<Double> aToB = new ArrayList<>();
        List<Double> bToA = new ArrayList<>();
        for (ImpairmentRelay relay : relays) {
            RelayRecord window = relay.record().between(fromNanos, toNanos).only(Kind.OTHER);
            for (RelayRecord.Packet p : window.packets()) {
                if (p.fate() == Fate.FORWARDED) {
                    (p.direction() == Direction.A_TO_B ? aToB : bToA).add(p.holdNanos() / 1e6);
                }
            }
        }
        return new double[][] {aToB.stream().mapToDouble(Double::doubleValue).toArray(),
                bToA.stream().mapToDouble(Double::doubleValue).toArray()};
    }

    @Override
    public void close() {
        if (echoDriver != null) {
            echoDriver.shutdownNow();
        }
        sessions.forEach(GameSession::close); // stops the telemetries before the probes and peers close
        probesA.forEach(DataChannelProbe::close);
        probesB.forEach(DataChannelProbe::close);
        // each pair's teardown runs on its own thread: closing them side by side takes a fraction of the time
        peers.parallelStream().forEach(WebRtcPeers::close);
        relays.forEach(ImpairmentRelay::close);
    }

    /** The raw echoes' round trips, with when each came back. */
    private static final class EchoLog {
        private final long[] atNanos;
        private final long[] rttNanos;
        private final AtomicInteger next = new AtomicInteger();
        final AtomicLong answered = new AtomicLong();
        final AtomicLong lost = new AtomicLong();

        /** @param capacity the echoes kept; later ones are counted only */
        EchoLog(int capacity) {
            atNanos = new long[capacity];
            rttNanos = new long[capacity];
        }

        /** On webrtc-java's callback thread: stores and returns. */
        void record(Duration rtt, Throwable failure) {
            if (failure != null) {
                lost.incrementAndGet();
                return;
            }
            answered.incrementAndGet();
            int i = next.getAndIncrement();
            if (i < rttNanos.length) {
                rttNanos[i] = rtt.toNanos();
                atNanos[i] = System.nanoTime(); // after the store of rttNanos: between() reads at, then rtt
            }
        }

        double[] between(long fromNanos, long toNanos) {
            int n = Math.min(next.get(), rttNanos.length);
            List<Double> in = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long at = atNanos[i];
                if (at != 0 && at - fromNanos >= 0 && toNanos - at > 0) {
                    in.add(rttNanos[i] / 1e6);
                }
            }
            return in.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }
}
