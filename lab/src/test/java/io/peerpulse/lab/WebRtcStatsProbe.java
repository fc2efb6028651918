package io.peerpulse.lab;

import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.lab.ImpairmentRelay.Link;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a test: prints what {@code getStats} reports for a connected pair, for the adapter's authors.
 * Run with {@code -Dpeerpulse.probe=true -Dtest=WebRtcStatsProbe}; it takes about 12 s.
 */
@EnabledIfSystemProperty(named = "peerpulse.probe", matches = "true")
class WebRtcStatsProbe {

    @Test
    void dumpStats() throws Exception {
        try (ImpairmentRelay relay = new ImpairmentRelay(1).impair(Link.roundTrip(Duration.ofMillis(40)));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Duration.ofSeconds(10)))) {
            for (RTCPeerConnection peer : new RTCPeerConnection[] {peers.peerA(), peers.peerB()}) {
                System.out.println("######## peer " + (peer == peers.peerA() ? "A" : "B"));
                RTCStatsReport report = stats(peer);
                RTCStats transport = only(report, RTCStatsType.TRANSPORT);
                dump("TRANSPORT", transport);
                String pairId = (String) transport.getAttributes().get("selectedCandidatePairId");
                RTCStats pair = report.getStats().get(pairId);
                dump("selected CANDIDATE_PAIR", pair);
                dump("LOCAL_CANDIDATE", report.getStats().get((String) pair.getAttributes().get("localCandidateId")));
                dump("REMOTE_CANDIDATE", report.getStats().get((String) pair.getAttributes().get("remoteCandidateId")));
                for (RTCStats stats : report.getStats().values()) {
                    if (stats.getType() == RTCStatsType.CANDIDATE_PAIR && !stats.getId().equals(pairId)) {
                        dump("other CANDIDATE_PAIR", stats);
                    }
                }
                System.out.println("stat types: " + report.getStats().values().stream().map(s -> s.getType().name()).sorted().toList());
            }

            long start = System.nanoTime();
            Object lastResponses = null;
            for (int i = 0; i <= 20; i++) {
                long due = start + i * 500_000_000L;
                // wait for the poll time with a bounded wait on a future nobody completes: no sleep
                try {
                    new CompletableFuture<Void>().get(Math.max(1, due - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException due2) {
                    // poll now
                }
                long t0 = System.nanoTime();
                RTCStatsReport r = stats(peers.peerA());
                long statsNanos = System.nanoTime() - t0;
                String id = (String) only(r, RTCStatsType.TRANSPORT).getAttributes().get("selectedCandidatePairId");
                Map<String, Object> p = r.getStats().get(id).getAttributes();
                Object responses = p.get("responsesReceived");
                System.out.printf("t=%5.1f s getStats %.2f ms responsesReceived=%s %s currentRtt=%s totalRtt=%s requestsSent=%s pair=%s%n",
                        (t0 - start) / 1e9, statsNanos / 1e6, responses,
                        responses.equals(lastResponses) ? "(same)" : "(grew)",
                        p.get("currentRoundTripTime"), p.get("totalRoundTripTime"), p.get("requestsSent"), id);
                lastResponses = responses;
            }
            System.out.println("relay: " + relay);
        }
    }

    private static RTCStatsReport stats(RTCPeerConnection peer) throws Exception {
        CompletableFuture<RTCStatsReport> report = new CompletableFuture<>();
        peer.getStats(report::complete);
        return report.get(5, TimeUnit.SECONDS);
    }

    private static RTCStats only(RTCStatsReport report, RTCStatsType type) {
        return report.getStats().values().stream().filter(s -> s.getType() == type).findFirst().orElseThrow();
    }

    private static void dump(String title, RTCStats stats) {
        System.out.println("== " + title + " id=" + stats.getId() + " type=" + stats.getType()
                + " timestamp=" + stats.getTimestamp());
        for (Map.Entry<String, Object> e : new TreeMap<>(stats.getAttributes()).entrySet()) {
            Object v = e.getValue();
            System.out.println("   " + e.getKey() + " : " + (v == null ? "null" : v.getClass().getName()) + " = " + v);
        }
    }
}
