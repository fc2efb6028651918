package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.RelayRecord;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.CoverageGap;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.PathChange;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.journal.SessionJournal;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.testkit.IpAddresses;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeOptions;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A participant's network changes mid-session, on two real webrtc-java peers: they talk through relay 1 (a 40 ms
 * round trip); relay 1 stops forwarding for good, a second relay (160 ms) comes up and each peer learns it as a new
 * server-reflexive candidate of the other (a second network, as a phone's cellular after its Wi-Fi went), trickled
 * without an ICE restart. ICE checks the new pair and moves to it; the connection stayed {@code CONNECTED} (seen: no
 * {@code disconnected} within the 4 s), and the SCTP association, with the probe's channel, lives on. What
 * PeerPulse reports is checked against what the two relays recorded they did: the probe's and the ICE view's RTT
 * before and after, the path change (once, candidate types only), the outage as one coverage gap, the lost pings,
 * the quality going LOST (or POOR) and coming back, no address anywhere, and the journal's recovery.
 *
 * <p>Learned on the way: a candidate added while the old pair was healthy made a pair that stayed {@code waiting}
 * with no check sent (requestsSent 0 over 6 s): libwebrtc checks it once the selected pair is weak.
 */
@Tag("integration")
class PathChangeTest {

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration OLD_RTT = Duration.ofMillis(40);
    private static final Duration NEW_RTT = Duration.ofMillis(160);
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final Duration PING_TIMEOUT = Duration.ofMillis(450);

    /** What the session hands its exporters, in order; lets a test wait for what it needs. */
    static final class Events implements SessionExporterProvider, SessionExporter {
        final List<RttSample> samples = new ArrayList<>();
        final List<PathChange> paths = new ArrayList<>();
        final List<QualityChange> qualities = new ArrayList<>();

        @Override
        public String name() {
            return "events";
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
        public synchronized void pathChanged(String sessionId, PathChange change) {
            paths.add(change);
            notifyAll();
        }

        @Override
        public synchronized void qualityChanged(String sessionId, QualityChange change) {
            qualities.add(change);
            notifyAll();
        }

        @Override
        public void sessionEnded(SessionReport report) {
        }

        synchronized boolean await(Predicate<Events> condition, Duration bound) throws InterruptedException {
            long deadline = System.nanoTime() + bound.toNanos();
            while (!condition.test(this)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    /** The ICE view, with every reading it gave and when it completed, to see what it says at the switch. */
    static final class SeenIce implements RttSource {
        record Seen(long nanos, RttReading reading) {
        }

        final WebRtcRttSource ice;
        final List<Seen> seen = new ArrayList<>();

        SeenIce(WebRtcRttSource ice) {
            this.ice = ice;
        }

        @Override
        public CompletionStage<RttReading> read() {
            return ice.read().whenComplete((reading, error) -> {
                if (reading != null) {
                    synchronized (seen) {
                        seen.add(new Seen(System.nanoTime(), reading));
                        seen.notifyAll();
                    }
                }
            });
        }

        List<Seen> seen() {
            synchronized (seen) {
                return List.copyOf(seen);
            }
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
    }

    /** {@code candidate} as a server-reflexive candidate on 127.0.0.1:{@code port}, for the same m-line. */
    private static RTCIceCandidate reflexive(int port) {
        return new RTCIceCandidate("0", 0,
                "candidate:9 1 udp 1686052607 127.0.0.1 " + port + " typ srflx raddr 0.0.0.0 rport 9");
    }

    @Test
    void aPathChangeIsRecordedOnceTheOutageIsAGapAndTheRttFollowsEachRelay(@TempDir Path dir) throws Exception {
        moveAndCheck(dir, "path-change", false);
    }

    /**
     * The same move with an ICE restart: A makes a new offer with {@code iceRestart} (webrtc-java 0.14:
     * {@code RTCOfferOptions.iceRestart}), B answers, and the candidates of the new ICE generation are relay 2's.
     */
    @Test
    void anIceRestartOntoTheSecondRelayIsRecordedTheSameWay(@TempDir Path dir) throws Exception {
        moveAndCheck(dir, "ice-restart", true);
    }

    /**
     * A NAT rebinding: the relay's socket facing A moves to a new port (B's NAT mapping changed), and the round trip
     * grows with it. A sees B's checks from an unknown address (a peer-reflexive candidate), answers there, and its
     * checks to the old port die; no candidate is signalled, no restart.
     */
    @Test
    void aNatRebindingIsRecordedAsAPathChangeAndTheRttFollowsTheRelay(@TempDir Path dir) throws Exception {
        Events events = new Events();
        List<RTCPeerConnectionState> states = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ImpairmentRelay relay = new ImpairmentRelay(23).impair(Link.roundTrip(OLD_RTT));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            ProbeOptions options = ProbeOptions.builder().pingTimeout(PING_TIMEOUT).build();
            DataChannelProbe probeA = DataChannelProbe.open(peers.peerA(), options);
            DataChannelProbe probeB = DataChannelProbe.open(peers.peerB(), options);
            WebRtcRttSource webrtc = WebRtcRttSource.of(peers.peerA());
            SeenIce ice = new SeenIce(webrtc);
            peers.onConnectionChangeOfA(state -> {
                states.add(state);
                webrtc.onConnectionChange(state);
            });
            GameSession session = GameSession.builder("nat-rebinding").playerId("p1")
                    .telemetryOptions(TelemetryOptions.builder().pollInterval(POLL).build())
                    .exporterProviders(List.of(events))
                    .journalDirectory(dir.resolve("journal"))
                    .build();
            int oldPort = relay.facingAPort();
            long from = System.nanoTime();
            long reboundNanos;
            long reboundEpochMs;
            try {
                session.onDataChannelOpen(probeA, ice);
                assertThat(events.await(e -> e.samples.size() >= 8, BOUND)).isTrue();
                assertThat(awaitIce(ice, r -> r instanceof RttReading.Measured, 2)).isTrue();
                reboundEpochMs = System.currentTimeMillis();
                relay.impair(Link.roundTrip(NEW_RTT));
                reboundNanos = System.nanoTime(); // the old port still took A's packets until the call
                relay.rebindFacingA();
                long rebound = reboundNanos;
                assertThat(events.await(e -> afterResumption(e.samples, relay, rebound).size() >= 10, BOUND))
                        .as("probe samples after the rebinding; %s %s", relay, peers).isTrue();
                assertThat(awaitIce(ice, r -> r instanceof RttReading.Measured m && m.rttMs() >= NEW_RTT.toMillis(),
                        2)).as("ICE readings after the rebinding").isTrue();
            } finally {
                session.close();
                probeA.close();
                probeB.close();
            }
            SessionReport report = session.exportReport();
            RelayRecord record = relay.record().between(from, System.nanoTime());
            List<RttSample> samples;
            List<PathChange> paths;
            synchronized (events) {
                samples = List.copyOf(events.samples);
                paths = List.copyOf(events.paths);
            }
            System.out.printf("NAT rebinding (port %d -> %d): states %s%n paths %s%n qualities %s%n coverage %s%n"
                            + " probe %s%n relay %s%n samples %s%n ice %s%n", oldPort, relay.facingAPort(), states,
                    paths, events.qualities, report.validationData().coverage(), report.validationData().probe(),
                    record, samples.stream().map(s -> (s.timestampEpochMs() - reboundEpochMs) + ":" + s.rttMs())
                            .toList(),
                    ice.seen().stream().map(s -> (s.nanos() - reboundNanos) / 1_000_000 + "ms:" + s.reading())
                            .toList());

            // what the relay saw: B's packets went on from the new port at once; A's came again once A answered
            // there (those A sent to the old port never reached the relay)
            long to = System.nanoTime();
            long resumedNanos = resumedNanos(record, reboundNanos).orElseThrow();
            long outageMs = (resumedNanos - reboundNanos) / 1_000_000;
            RelayRecord.Spread oldTrip = record.between(from, reboundNanos).imposedRoundTrip();
            RelayRecord.Spread newTrip = record.between(resumedNanos, to).imposedRoundTrip();
            // each sample on the binding the relay says its ping crossed, by time, not by its RTT: a threshold
            // halfway between the old trip's longest and the new one's shortest moves with the relay's own lateness
            // (at load 10 the relay held old-path packets up to 99.5 ms late, the old trip's longest was 240 ms,
            // and new-path samples of 160-198 ms fell below the threshold); see afterResumption
            assertThat(outageMs).as("the relay's outage outlasts a ping's timeout and its poll (afterResumption)")
                    .isGreaterThan(PING_TIMEOUT.plus(POLL).toMillis());
            List<RttSample> after = afterResumption(samples, relay, reboundNanos);
            List<RttSample> before = samples.subList(0, samples.size() - after.size());
            assertThat(samples).allSatisfy(s -> assertThat(s.rttMs()).isPositive().isLessThan(1_000));
            assertThat(samples.subList(before.size(), samples.size())).as("samples in the order stamped")
                    .isEqualTo(after);
            assertThat(before).hasSizeGreaterThanOrEqualTo(8).allSatisfy(s -> assertThat(s.rttMs())
                    .as("on the old binding").isGreaterThanOrEqualTo(oldTrip.minMs() - ProbeAccuracyTest.BELOW_MS));
            assertThat(after).hasSizeGreaterThanOrEqualTo(10).allSatisfy(s -> assertThat(s.rttMs())
                    .as("on the new binding, none of the old round trip")
                    .isGreaterThanOrEqualTo(newTrip.minMs() - ProbeAccuracyTest.BELOW_MS));

            System.out.printf(" outage as the relay saw it: %d ms%n", outageMs);
            assertThat(report.validationData().coverage().gaps()).singleElement().satisfies(gap -> {
                assertThat(gap.startEpochMs()).isEqualTo(before.get(before.size() - 1).timestampEpochMs());
                assertThat(gap.endEpochMs()).isEqualTo(after.get(0).timestampEpochMs());
                assertThat(gap.durationMs()).isBetween(outageMs - (long) oldTrip.maxMs() - 50,
                        outageMs + 2 * POLL.toMillis() + (long) newTrip.maxMs());
            });
            assertThat(report.validationData().probe().lostCount()).isPositive()
                    .isLessThanOrEqualTo(outageMs / POLL.toMillis() + 2);

            assertThat(paths).hasSize(2);
            assertThat(paths.get(0).previous()).isNull();
            assertThat(paths.get(1).previous()).isEqualTo(paths.get(0).current());
            NetworkPath newPath = paths.get(1).current();
            assertThat(newPath.remoteType()).as("B as A sees it now: peer-reflexive").isEqualTo("prflx");
            assertThat(ice.seen().stream().map(SeenIce.Seen::reading).filter(r -> r instanceof RttReading.Measured)
                    .map(r -> (RttReading.Measured) r).toList())
                    .allSatisfy(r -> assertThat(r.rttMs()).isGreaterThanOrEqualTo(
                            (r.path().orElseThrow().equals(newPath) ? newTrip : oldTrip).minMs()
                                    - WebRtcRttAccuracyTest.BELOW_MS))
                    .anySatisfy(r -> assertThat(r.path()).contains(newPath));
            assertThat(report.multiplayerMetrics().pathChanges()).isEqualTo(paths);

            Path journal = session.journalPath().orElseThrow();
            String written = report + Files.readString(journal);
            assertThat(IpAddresses.containsAny(written)).isFalse();
            for (int port : new int[] {oldPort, relay.facingAPort(), relay.facingBPort()}) {
                assertThat(written).doesNotContainPattern("(?<![\\d.])" + port + "(?![\\d.])");
            }
            SessionJournal.Recovery recovery = SessionJournal.recover(journal);
            assertThat(recovery.problems()).isEmpty();
            assertThat(recovery.report()).isEqualTo(report);
        }
    }

    /** When the relay first took A's data (DTLS/SCTP, not a check) after {@code sinceNanos}; empty before it did. */
    private static java.util.OptionalLong resumedNanos(RelayRecord record, long sinceNanos) {
        return record.packets().stream().filter(p -> p.receivedNanos() >= sinceNanos
                        && p.direction() == ImpairmentRelay.Direction.A_TO_B && p.kind() == RelayRecord.Kind.OTHER)
                .mapToLong(RelayRecord.Packet::receivedNanos).min();
    }

    /**
     * The samples whose pings crossed the new path, by what {@code relay} (the one carrying it) recorded: those
     * stamped once it took A's data after {@code sinceNanos}, when the old path went (none while it had not): the
     * rebinding of the one relay, or relay 1's blackhole with relay 2 carrying the new path. The relay took none of
     * A's packets on the new path before then, and a sample is stamped after its pong came, so one stamped before
     * had its ping forwarded on the old path. A ping forwarded on the old path is answered within its timeout or
     * lost, and its poll ends within the read timeout (a poll): its sample is stamped within the outage when the
     * outage is longer (asserted; about 4 s measured), so one stamped after it crossed the new path, unless the
     * machine held the telemetry's threads for seconds (then an old round trip lands among the new ones and the test
     * fails rather than passes).
     */
    private static List<RttSample> afterResumption(List<RttSample> samples, ImpairmentRelay relay, long sinceNanos) {
        java.util.OptionalLong resumed = resumedNanos(relay.record(), sinceNanos);
        if (resumed.isEmpty()) {
            return List.of();
        }
        long epochMinusNanoMs = System.currentTimeMillis() - System.nanoTime() / 1_000_000;
        long resumedEpochMs = epochMinusNanoMs + resumed.getAsLong() / 1_000_000;
        return samples.stream().filter(s -> s.timestampEpochMs() >= resumedEpochMs).toList();
    }

    private static void moveAndCheck(Path dir, String id, boolean restart) throws Exception {
        java.util.logging.Logger peerpulse = java.util.logging.Logger.getLogger("io.peerpulse");
        java.util.logging.Level level = peerpulse.getLevel();
        List<String> logged = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                java.io.StringWriter line = new java.io.StringWriter();
                line.append(new java.util.logging.SimpleFormatter().formatMessage(record));
                if (record.getThrown() != null) {
                    record.getThrown().printStackTrace(new java.io.PrintWriter(line));
                }
                logged.add(line.toString());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(java.util.logging.Level.ALL);
        peerpulse.setLevel(java.util.logging.Level.ALL);
        peerpulse.addHandler(capture);
        try {
            moveAndCheck(dir, id, restart, logged);
        } finally {
            peerpulse.removeHandler(capture);
            peerpulse.setLevel(level);
        }
    }

    private static void moveAndCheck(Path dir, String id, boolean restart, List<String> logged) throws Exception {
        Events events = new Events();
        List<RTCPeerConnectionState> states = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ImpairmentRelay oldRelay = new ImpairmentRelay(21).impair(Link.roundTrip(OLD_RTT));
             ImpairmentRelay newRelay = new ImpairmentRelay(22).impair(Link.roundTrip(NEW_RTT));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(oldRelay).withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            ProbeOptions options = ProbeOptions.builder().pingTimeout(PING_TIMEOUT).build();
            DataChannelProbe probeA = DataChannelProbe.open(peers.peerA(), options);
            DataChannelProbe probeB = DataChannelProbe.open(peers.peerB(), options);
            WebRtcRttSource webrtc = WebRtcRttSource.of(peers.peerA());
            SeenIce ice = new SeenIce(webrtc);
            peers.onConnectionChangeOfA(state -> {
                states.add(state);
                webrtc.onConnectionChange(state);
            });
            GameSession session = GameSession.builder(id).playerId("p1")
                    .telemetryOptions(TelemetryOptions.builder().pollInterval(POLL).build())
                    .exporterProviders(List.of(events))
                    .journalDirectory(dir.resolve("journal"))
                    .build();
            long from = System.nanoTime();
            long downNanos;
            long downEpochMs;
            try {
                session.onDataChannelOpen(probeA, ice);
                // the old path: probe samples and two fresh ICE readings
                assertThat(events.await(e -> e.samples.size() >= 8, BOUND)).isTrue();
                assertThat(awaitIce(ice, r -> r instanceof RttReading.Measured, 2)).isTrue();

                // the old network goes (relay 1 forwards nothing more), the second one comes up: the peers learn
                // it as a new candidate each (adding it before the old path failed left its pair "waiting",
                // never checked, while the old pair was healthy: libwebrtc pings a new pair once the selected one
                // is weak), relay 2 knows where they are
                downEpochMs = System.currentTimeMillis();
                downNanos = System.nanoTime();
                oldRelay.blackhole(true);
                if (restart) {
                    restartIce(peers); // new local ports: relay 2 learns them from their first packets
                } else {
                    newRelay.connect(oldRelay.endpointA().orElseThrow(), oldRelay.endpointB().orElseThrow());
                }
                peers.peerA().addIceCandidate(reflexive(newRelay.facingAPort()));
                peers.peerB().addIceCandidate(reflexive(newRelay.facingBPort()));
                // the new path carries the game: probe samples through relay 2, two fresh ICE readings of it, and
                // the quality back from its low (LOST by the outage's lost pings) at the new path's first measurements
                long down = downNanos;
                assertThat(events.await(e -> afterResumption(e.samples, newRelay, down).size() >= 10, BOUND))
                        .as("probe samples on the new path; %s %s", newRelay, peers).isTrue();
                assertThat(awaitIce(ice, r -> r instanceof RttReading.Measured m && m.rttMs() >= NEW_RTT.toMillis(),
                        2)).as("ICE readings of the new path").isTrue();
                assertThat(events.await(e -> recovered(e.qualities, downEpochMs) != null, BOUND))
                        .as("quality back after the outage: %s", events.qualities).isTrue();
            } finally {
                session.close();
                probeA.close();
                probeB.close();
            }
            long to = System.nanoTime();
            SessionReport report = session.exportReport();
            RelayRecord oldRecord = oldRelay.record().between(from, to);
            RelayRecord newRecord = newRelay.record().between(from, to);
            List<RttSample> samples;
            List<PathChange> paths;
            List<QualityChange> qualities;
            synchronized (events) {
                samples = List.copyOf(events.samples);
                paths = List.copyOf(events.paths);
                qualities = List.copyOf(events.qualities);
            }
            System.out.printf("path change: states %s%n paths %s%n qualities %s%n coverage %s%n probe %s%n"
                            + " secondary %s%n old relay %s%n new relay %s%n samples %s%n", states, paths,
                    qualities.stream().map(q -> q.current() + "@" + (q.timestampEpochMs() - downEpochMs)).toList(),
                    report.validationData().coverage(), report.validationData().probe(),
                    report.validationData().secondary(), oldRecord, newRecord,
                    samples.stream().map(s -> (s.timestampEpochMs() - downEpochMs) + ":" + s.rttMs()).toList());
            System.out.printf(" ice readings %s%n", ice.seen().stream()
                    .map(s -> (s.nanos() - downNanos) / 1_000_000 + "ms:" + s.reading()).toList());

            // what the relays really did: relay 1 dropped everything from the blackhole on; A's first game packet
            // (DTLS/SCTP, not a STUN check) that relay 2 took ended the outage for the game
            assertThat(oldRecord.packets()).filteredOn(p -> p.receivedNanos() >= downNanos)
                    .allSatisfy(p -> assertThat(p.fate()).isEqualTo(RelayRecord.Fate.DOWN)).isNotEmpty();
            long resumedNanos = resumedNanos(newRecord, downNanos).orElseThrow();
            long outageMs = (resumedNanos - downNanos) / 1_000_000;
            RelayRecord.Spread oldTrip = oldRecord.between(from, downNanos).imposedRoundTrip();
            RelayRecord.Spread newTrip = newRecord.imposedRoundTrip();

            // the probe: each sample on the relay its ping crossed, by the relays' records and the stamps, not by
            // an RTT threshold between the two (relays late by up to ~100 ms under load put old-path samples
            // above it, and new-path samples below it); see afterResumption
            assertThat(outageMs).as("the relays' outage outlasts a ping's timeout and its poll (afterResumption)")
                    .isGreaterThan(PING_TIMEOUT.plus(POLL).toMillis());
            List<RttSample> after = afterResumption(samples, newRelay, downNanos);
            List<RttSample> before = samples.subList(0, samples.size() - after.size());
            assertThat(samples).allSatisfy(s -> assertThat(s.rttMs()).as("nothing negative or absurd")
                    .isPositive().isLessThan(1_000));
            assertThat(samples.subList(before.size(), samples.size())).as("samples in the order stamped")
                    .isEqualTo(after);
            assertThat(before).hasSizeGreaterThanOrEqualTo(8).allSatisfy(s -> assertThat(s.rttMs())
                    .as("through relay 1").isGreaterThanOrEqualTo(oldTrip.minMs() - ProbeAccuracyTest.BELOW_MS));
            assertThat(after).hasSizeGreaterThanOrEqualTo(10).allSatisfy(s -> assertThat(s.rttMs())
                    .as("through relay 2, none of relay 1's round trip")
                    .isGreaterThanOrEqualTo(newTrip.minMs() - ProbeAccuracyTest.BELOW_MS));
            assertThat(before.stream().mapToDouble(RttSample::rttMs).min().orElseThrow())
                    .isLessThanOrEqualTo(oldTrip.minMs() + ProbeAccuracyTest.ABOVE_MS);
            assertThat(after.stream().mapToDouble(RttSample::rttMs).min().orElseThrow())
                    .isLessThanOrEqualTo(newTrip.minMs() + ProbeAccuracyTest.ABOVE_MS);
            RttSample lastOld = before.get(before.size() - 1);
            RttSample firstNew = after.get(0);
            assertThat(lastOld.timestampEpochMs()).as("no sample through the dead relay")
                    .isLessThanOrEqualTo(downEpochMs + POLL.toMillis());

            // the outage is one coverage gap, from the last sample before to the first after, as long as the
            // relays' outage give or take a poll and a round trip
            CoverageGap gap = report.validationData().coverage().gaps().stream().collect(
                    java.util.stream.Collectors.collectingAndThen(java.util.stream.Collectors.toList(), g -> {
                        assertThat(g).as("one gap").hasSize(1);
                        return g.get(0);
                    }));
            assertThat(gap.startEpochMs()).isEqualTo(lastOld.timestampEpochMs());
            assertThat(gap.endEpochMs()).isEqualTo(firstNew.timestampEpochMs());
            // (the last sample before may be a ping sent just before the blackhole, stamped a round trip later; the
            // first after comes at the next poll's pong once relay 2 forwards the game)
            System.out.printf(" outage as the relays did it: %d ms; gap %d ms%n", outageMs, gap.durationMs());
            assertThat(gap.durationMs()).as("the relays' outage: %d ms", outageMs)
                    .isBetween(outageMs - (long) oldTrip.maxMs() - 50,
                            outageMs + 2 * POLL.toMillis() + (long) newTrip.maxMs());

            // the probe counted the pings the outage took, no more than it sent then
            io.peerpulse.telemetry.ProbeStats probe = report.validationData().probe();
            assertThat(probe.lostCount()).isPositive()
                    .isLessThanOrEqualTo(outageMs / POLL.toMillis() + 2);
            assertThat(probe.sentCount()).isEqualTo(probe.answeredCount() + probe.lostCount()
                    + probe.unansweredCount());

            // the ICE view: each reading of a pair from that pair's own checks, never the old pair's RTT on the new
            // nor the new one's on the old. Not by an RTT bound between the two: relay 1's lateness and A's own
            // (a reading 11 ms above relay 1's longest round trip at load 3) move it. By the relays' records: until
            // relay 2 passed a response to one of A's checks no check of the new pair had completed, and relay 1
            // completed none after the blackhole, so an old-pair reading after that repeats one from before it
            long newPairNanos = newRecord.stunRoundTrips(ImpairmentRelay.Direction.A_TO_B).stream()
                    .mapToLong(t -> t.response().sentNanos()).min().orElseThrow();
            List<SeenIce.Seen> iceSeen = ice.seen().stream().filter(s -> s.reading() instanceof RttReading.Measured)
                    .toList();
            assertThat(paths).as("the first path, then the change, candidate types only").hasSize(2);
            assertThat(paths.get(1).previous()).isEqualTo(paths.get(0).current());
            assertThat(paths.get(0).previous()).isNull();
            NetworkPath oldPath = paths.get(0).current();
            NetworkPath newPath = paths.get(1).current();
            List<Double> oldPairBefore = iceSeen.stream().filter(s -> s.nanos() < newPairNanos
                    && ((RttReading.Measured) s.reading()).path().orElseThrow().equals(oldPath))
                    .map(s -> ((RttReading.Measured) s.reading()).rttMs()).toList();
            assertThat(oldPath.remoteType()).isIn("host", "prflx");
            assertThat(newPath.remoteType()).as("the candidate the peers learned").isEqualTo("srflx");
            assertThat(paths.get(1).timestampEpochMs()).isGreaterThanOrEqualTo(downEpochMs);
            assertThat(iceSeen).allSatisfy(s -> {
                RttReading.Measured r = (RttReading.Measured) s.reading();
                NetworkPath on = r.path().orElseThrow();
                if (on.equals(newPath)) {
                    assertThat(s.nanos()).as("the new pair once relay 2 completed a check").isGreaterThan(newPairNanos);
                    assertThat(r.rttMs()).as("new pair").isGreaterThanOrEqualTo(newTrip.minMs()
                            - WebRtcRttAccuracyTest.BELOW_MS);
                } else {
                    assertThat(on).isEqualTo(oldPath);
                    assertThat(r.rttMs()).as("old pair").isGreaterThanOrEqualTo(oldTrip.minMs()
                            - WebRtcRttAccuracyTest.BELOW_MS);
                    if (s.nanos() >= newPairNanos) {
                        assertThat(r.rttMs()).as("old pair after relay 2's first check").isIn(oldPairBefore);
                    }
                }
            });
            assertThat(report.multiplayerMetrics().pathChanges()).isEqualTo(paths);
            assertThat(report.validationData().pathChangeCount()).isEqualTo(1);
            assertThat(report.sessionMetrics().path()).isEqualTo(newPath);

            // quality: down with the outage, back once it was over
            QualityChange down = qualities.stream().filter(q -> q.timestampEpochMs() >= downEpochMs
                    && (q.current() == ConnectionQuality.POOR || q.current() == ConnectionQuality.LOST))
                    .findFirst().orElseThrow(() -> new AssertionError("no POOR or LOST after the outage: "
                            + qualities));
            assertThat(down.timestampEpochMs()).isLessThanOrEqualTo(firstNew.timestampEpochMs() + 3 * POLL.toMillis());
            assertThat(recovered(qualities, downEpochMs).timestampEpochMs()).isGreaterThan(down.timestampEpochMs());

            // no address anywhere: not in the report, the exporters' calls, the journal, PeerPulse's log lines
            Path journal = session.journalPath().orElseThrow();
            List<String> texts = new ArrayList<>(List.of(report.toString(), samples.toString(), paths.toString(),
                    qualities.toString(), Files.readString(journal)));
            texts.addAll(List.copyOf(logged));
            System.out.printf(" %d log lines%n", logged.size());
            List<String> ports = new ArrayList<>();
            for (ImpairmentRelay relay : List.of(oldRelay, newRelay)) {
                ports.add(String.valueOf(relay.facingAPort()));
                ports.add(String.valueOf(relay.facingBPort()));
                relay.endpointA().ifPresent(a -> ports.add(String.valueOf(a.getPort())));
                relay.endpointB().ifPresent(b -> ports.add(String.valueOf(b.getPort())));
            }
            assertThat(texts).allSatisfy(text -> {
                assertThat(IpAddresses.containsAny(text)).as("an address in: %s", text).isFalse();
                assertThat(text).doesNotContainIgnoringCase("candidate:");
                for (String port : ports) {
                    assertThat(text).as("a port").doesNotContainPattern("(?<![\\d.])" + port + "(?![\\d.])");
                }
            });

            // the journal gives the same report
            SessionJournal.Recovery recovery = SessionJournal.recover(journal);
            assertThat(recovery.problems()).isEmpty();
            assertThat(recovery.report()).isEqualTo(report);
        }
    }

    /**
     * An ICE restart, A offering: new ICE credentials on both peers, the same DTLS and SCTP association. The new
     * generation's own host candidates still go through the lab's rewriter, which lets only the first address it
     * saw through (a new port is dropped; the same one is rewritten to relay 1, which is dead): relay 2's candidates
     * are the only ones that work.
     */
    private static void restartIce(WebRtcPeers peers) throws Exception {
        dev.onvoid.webrtc.RTCOfferOptions options = new dev.onvoid.webrtc.RTCOfferOptions();
        options.iceRestart = true;
        java.util.concurrent.CompletableFuture<dev.onvoid.webrtc.RTCSessionDescription> offer =
                new java.util.concurrent.CompletableFuture<>();
        peers.peerA().createOffer(options, created(offer));
        dev.onvoid.webrtc.RTCSessionDescription o = offer.get(30, TimeUnit.SECONDS);
        set(peers.peerA(), o, true);
        set(peers.peerB(), o, false);
        java.util.concurrent.CompletableFuture<dev.onvoid.webrtc.RTCSessionDescription> answer =
                new java.util.concurrent.CompletableFuture<>();
        peers.peerB().createAnswer(new dev.onvoid.webrtc.RTCAnswerOptions(), created(answer));
        dev.onvoid.webrtc.RTCSessionDescription a = answer.get(30, TimeUnit.SECONDS);
        set(peers.peerB(), a, true);
        set(peers.peerA(), a, false);
    }

    private static dev.onvoid.webrtc.CreateSessionDescriptionObserver created(
            java.util.concurrent.CompletableFuture<dev.onvoid.webrtc.RTCSessionDescription> result) {
        return new dev.onvoid.webrtc.CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(dev.onvoid.webrtc.RTCSessionDescription description) {
                result.complete(description);
            }

            @Override
            public void onFailure(String error) {
                result.completeExceptionally(new IllegalStateException(error));
            }
        };
    }

    private static void set(dev.onvoid.webrtc.RTCPeerConnection peer, dev.onvoid.webrtc.RTCSessionDescription d,
                            boolean local) throws Exception {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        dev.onvoid.webrtc.SetSessionDescriptionObserver observer =
                new dev.onvoid.webrtc.SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                done.complete(null);
            }

            @Override
            public void onFailure(String error) {
                done.completeExceptionally(new IllegalStateException(error));
            }
        };
        if (local) {
            peer.setLocalDescription(d, observer);
        } else {
            peer.setRemoteDescription(d, observer);
        }
        done.get(30, TimeUnit.SECONDS);
    }

    /** The first change to FAIR or GOOD after a change to POOR or LOST at or after {@code sinceEpochMs}. */
    private static QualityChange recovered(List<QualityChange> changes, long sinceEpochMs) {
        boolean down = false;
        for (QualityChange change : changes) {
            if (change.timestampEpochMs() < sinceEpochMs) {
                continue;
            }
            if (change.current() == ConnectionQuality.POOR || change.current() == ConnectionQuality.LOST) {
                down = true;
            } else if (down && (change.current() == ConnectionQuality.FAIR
                    || change.current() == ConnectionQuality.GOOD)) {
                return change;
            }
        }
        return null;
    }

    private static boolean awaitIce(SeenIce ice, Predicate<RttReading> which, int count) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        synchronized (ice.seen) {
            while (ice.seen.stream().filter(s -> which.test(s.reading())).count() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(ice.seen, left);
            }
        }
        return true;
    }
}
