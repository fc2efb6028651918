package io.peerpulse.webrtc.internal;

import static io.peerpulse.telemetry.fixtures.Records.path;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsType;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.spi.RttReading;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The interpretation of stats reports, on hand-made reports shaped like webrtc-java 0.14.0's. */
class CandidatePairRttTest {

    private static final NetworkPath HOST_UDP = path("host", "host", "udp");

    private static RTCStats stat(RTCStatsType type, String id, Map<String, Object> attributes) {
        return new RTCStats(0, type, id, attributes) { };
    }

    /** A report whose transport selected pair {@code pairId}, with the pair's RTT counters. */
    private static Map<String, RTCStats> report(String pairId, Object current, Object total, Object responses) {
        Map<String, RTCStats> stats = new LinkedHashMap<>();
        stats.put("T01", stat(RTCStatsType.TRANSPORT, "T01", Map.of("selectedCandidatePairId", pairId,
                "dtlsState", "connected")));
        Map<String, Object> pair = new HashMap<>();
        pair.put("localCandidateId", "IL1");
        pair.put("remoteCandidateId", "IR1");
        pair.put("state", "succeeded");
        if (current != null) {
            pair.put("currentRoundTripTime", current);
        }
        if (total != null) {
            pair.put("totalRoundTripTime", total);
        }
        if (responses != null) {
            pair.put("responsesReceived", responses);
        }
        stats.put(pairId, stat(RTCStatsType.CANDIDATE_PAIR, pairId, pair));
        stats.put("IL1", stat(RTCStatsType.LOCAL_CANDIDATE, "IL1", Map.of("candidateType", "host",
                "protocol", "udp", "address", "192.168.7.21", "port", 50_000)));
        stats.put("IR1", stat(RTCStatsType.REMOTE_CANDIDATE, "IR1", Map.of("candidateType", "host",
                "protocol", "udp", "address", "10.1.2.3", "port", 50_001)));
        return stats;
    }

    private static double rtt(RttReading reading) {
        assertThat(reading).isInstanceOf(RttReading.Measured.class);
        return ((RttReading.Measured) reading).rttMs();
    }

    @Test
    void aMeasurementOnlyWhenResponsesGrewValuedAsTheirMeanRoundTrip() {
        CandidatePairRtt rtt = new CandidatePairRtt(false);
        // first reading of the pair: its currentRoundTripTime
        assertThat(rtt(rtt.interpret(report("CP1", 0.081, 0.81, BigInteger.TEN)))).isEqualTo(81);
        // nothing new: the frozen current value is not recorded again
        assertThat(rtt.interpret(report("CP1", 0.081, 0.81, BigInteger.TEN))).isEqualTo(RttReading.stale(HOST_UDP));
        // two responses with 70 and 90 ms: their mean, although current says 90
        assertThat(rtt(rtt.interpret(report("CP1", 0.090, 0.97, BigInteger.valueOf(12))))).isEqualTo(80);
        assertThat(rtt.interpret(report("CP1", 0.090, 0.97, BigInteger.valueOf(12)))).isInstanceOf(RttReading.Stale.class);
    }

    @Test
    void aNewPairStartsANewBaseline() {
        CandidatePairRtt rtt = new CandidatePairRtt(false);
        rtt.interpret(report("CP1", 0.02, 0.2, BigInteger.TEN));
        // another pair with larger totals: its first reading is its current value, not a delta across pairs
        assertThat(rtt(rtt.interpret(report("CP2", 0.2, 5.0, BigInteger.valueOf(25))))).isEqualTo(200);
        assertThat(rtt(rtt.interpret(report("CP2", 0.2, 5.3, BigInteger.valueOf(26))))).isEqualTo(300);
    }

    @Test
    void aPairWithoutResponsesYetIsStale() {
        CandidatePairRtt rtt = new CandidatePairRtt(false);
        assertThat(rtt.interpret(report("CP1", null, null, null))).isInstanceOf(RttReading.Stale.class);
        assertThat(rtt.interpret(report("CP1", null, null, BigInteger.ZERO))).isInstanceOf(RttReading.Stale.class);
        assertThat(rtt(rtt.interpret(report("CP1", 0.05, 0.05, BigInteger.ONE)))).isEqualTo(50);
    }

    @Test
    void countersThatGoBackAreANewBaselineNotANegativeRtt() {
        CandidatePairRtt rtt = new CandidatePairRtt(false);
        rtt.interpret(report("CP1", 0.05, 5.0, BigInteger.valueOf(100)));
        assertThat(rtt.interpret(report("CP1", 0.05, 0.1, BigInteger.valueOf(2)))).isInstanceOf(RttReading.Stale.class);
        assertThat(rtt(rtt.interpret(report("CP1", 0.05, 0.16, BigInteger.valueOf(3))))).isEqualTo(60);
    }

    @Test
    void numbersAreReadThroughNumberWhateverTheirBoxedType() {
        CandidatePairRtt rtt = new CandidatePairRtt(false);
        rtt.interpret(report("CP1", 0.04f, 1, 10L));
        assertThat(rtt(rtt.interpret(report("CP1", 0.04f, 1.5f, 15)))).isEqualTo(100);
        // a value that is not a number is ignored, not thrown
        assertThat(rtt.interpret(report("CP1", "fast", "0.1", "x"))).isInstanceOf(RttReading.Stale.class);
    }

    @Test
    void everyPollModeRepeatsTheCurrentValueLikeTheOriginal() {
        CandidatePairRtt rtt = new CandidatePairRtt(true);
        for (int i = 0; i < 3; i++) {
            assertThat(rtt(rtt.interpret(report("CP1", 0.081, 0.81, BigInteger.TEN)))).isEqualTo(81);
        }
        assertThat(rtt.interpret(report("CP1", null, null, null))).isInstanceOf(RttReading.Stale.class);
    }

    @Test
    void noSelectedPairIsUnavailable() {
        CandidatePairRtt rtt = new CandidatePairRtt(false);
        assertThat(rtt.interpret(Map.of())).isEqualTo(RttReading.unavailable("no selected candidate pair"));
        Map<String, RTCStats> noSelection = new HashMap<>();
        noSelection.put("T01", stat(RTCStatsType.TRANSPORT, "T01", Map.of("dtlsState", "new")));
        assertThat(rtt.interpret(noSelection)).isInstanceOf(RttReading.Unavailable.class);
        Map<String, RTCStats> dangling = new HashMap<>();
        dangling.put("T01", stat(RTCStatsType.TRANSPORT, "T01", Map.of("selectedCandidatePairId", "CPgone")));
        assertThat(rtt.interpret(dangling)).isInstanceOf(RttReading.Unavailable.class);
    }

    @Test
    void theReadingNamesThePathTypesAndNeverAnAddress() {
        CandidatePairRtt rtt = new CandidatePairRtt(false);
        RttReading reading = rtt.interpret(report("CP1", 0.03, 0.3, BigInteger.TEN));
        assertThat(((RttReading.Measured) reading).path()).contains(HOST_UDP);
        assertThat(reading.toString()).doesNotContain("192.168.7.21", "10.1.2.3", "50000", "50001");

        Map<String, RTCStats> hostile = report("CP1", 0.03, 0.4, BigInteger.valueOf(11));
        hostile.put("IR1", stat(RTCStatsType.REMOTE_CANDIDATE, "IR1", Map.of("candidateType", "10.1.2.3",
                "protocol", "udp")));
        RttReading withoutPath = rtt.interpret(hostile);
        assertThat(((RttReading.Measured) withoutPath).path()).isEqualTo(Optional.empty());
        assertThat(withoutPath.toString()).doesNotContain("10.1.2.3");
    }

    @Test
    void valuesAreRoundedToTheMicrosecondWithoutBinaryNoise() {
        assertThat(CandidatePairRtt.toMicrosecond(79.99999999999984)).isEqualTo(80.0);
        assertThat(CandidatePairRtt.toMicrosecond(81.00000000000018)).isEqualTo(81.0);
        assertThat(CandidatePairRtt.toMicrosecond(12.3456789)).isEqualTo(12.346);
        assertThat(CandidatePairRtt.toMicrosecond(0.0004)).isEqualTo(0.0);
        // what the demo exported before: Δtotal / Δresponses of libwebrtc's seconds
        CandidatePairRtt rtt = new CandidatePairRtt(false);
        rtt.interpret(report("CP1", 0.08, 14.24, BigInteger.valueOf(178)));
        assertThat(rtt(rtt.interpret(report("CP1", 0.08, 14.4, BigInteger.valueOf(180))))).isEqualTo(80.0);
    }
}
