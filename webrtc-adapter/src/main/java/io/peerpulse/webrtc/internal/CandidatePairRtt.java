package io.peerpulse.webrtc.internal;

import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsType;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.spi.RttReading;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Turns one stats report of a peer connection into a reading, remembering what the previous report
 * of the same candidate pair said.
 *
 * <p>libwebrtc refreshes a stable pair's {@code currentRoundTripTime} only every few seconds and
 * freezes it during an outage. So, unless {@link #everyPoll()}, a reading is measured only when
 * {@code responsesReceived} grew, and its value is Δ{@code totalRoundTripTime} / Δ{@code responsesReceived}:
 * the exact mean of the STUN round trips since the previous report. A changed pair starts a new
 * baseline, whose first reading is its {@code currentRoundTripTime}. Thread-safe.
 */
public final class CandidatePairRtt {

    private static final Pattern TOKEN = Pattern.compile("[a-z][a-z0-9-]{0,15}");

    private final boolean everyPoll;
    private @Nullable String pairId;
    private long responses;
    private double totalSeconds;

    /**
     * @param everyPoll {@code true} to report {@code currentRoundTripTime} on every report, as the
     *                  original browser feature did (duplicates and frozen values included)
     */
    public CandidatePairRtt(boolean everyPoll) {
        this.everyPoll = everyPoll;
    }

    /** @return whether every report yields {@code currentRoundTripTime} */
    public boolean everyPoll() {
        return everyPoll;
    }

    /**
     * Interprets one report.
     *
     * @param stats the report's stats by id
     * @return measured, stale, or unavailable when no pair is selected
     */
    public synchronized RttReading interpret(Map<String, RTCStats> stats) {
        RTCStats pair = selectedPair(stats);
        if (pair == null) {
            pairId = null;
            return RttReading.unavailable("no selected candidate pair");
        }
        Map<String, Object> attributes = pair.getAttributes();
        Optional<NetworkPath> path = path(stats, attributes);
        Double current = seconds(attributes.get("currentRoundTripTime"));
        long responsesNow = count(attributes.get("responsesReceived"));
        Double totalNow = seconds(attributes.get("totalRoundTripTime"));

        if (everyPoll) {
            return current == null ? stale(path) : measured(current * 1000, path);
        }
        boolean newPair = !pair.getId().equals(pairId);
        long previousResponses = responses;
        double previousTotal = totalSeconds;
        pairId = pair.getId();
        responses = responsesNow;
        totalSeconds = totalNow == null ? 0 : totalNow;
        if (newPair) {
            return responsesNow > 0 && current != null ? measured(current * 1000, path) : stale(path);
        }
        long newResponses = responsesNow - previousResponses;
        if (newResponses <= 0) {
            return stale(path); // nothing new (or counters went back: the new values are the baseline)
        }
        if (totalNow == null) {
            return current == null ? stale(path) : measured(current * 1000, path);
        }
        return measured((totalNow - previousTotal) / newResponses * 1000, path);
    }

    private static RttReading measured(double unroundedMs, Optional<NetworkPath> path) {
        double rttMs = toMicrosecond(unroundedMs);
        return path.map(p -> RttReading.measured(rttMs, p)).orElseGet(() -> RttReading.measured(rttMs));
    }

    /**
     * Rounds to the source's resolution, 1 µs: libwebrtc's seconds times 1000 and the division of the
     * two counters leave binary noise ({@code 79.99999999999984}) that no export should carry.
     */
    static double toMicrosecond(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }

    private static RttReading stale(Optional<NetworkPath> path) {
        return path.map(RttReading::stale).orElseGet(RttReading::stale);
    }

    /** The pair the transport selected; with several transports, the first that names one. */
    private static @Nullable RTCStats selectedPair(Map<String, RTCStats> stats) {
        for (RTCStats stat : stats.values()) {
            if (stat.getType() == RTCStatsType.TRANSPORT
                    && stat.getAttributes().get("selectedCandidatePairId") instanceof String id) {
                RTCStats pair = stats.get(id);
                if (pair != null && pair.getType() == RTCStatsType.CANDIDATE_PAIR) {
                    return pair;
                }
            }
        }
        return null;
    }

    /** Candidate types and protocol only: the candidate stats also hold addresses, which never leave here. */
    private static Optional<NetworkPath> path(Map<String, RTCStats> stats, Map<String, Object> pair) {
        RTCStats localCandidate = candidate(stats, pair.get("localCandidateId"));
        RTCStats remoteCandidate = candidate(stats, pair.get("remoteCandidateId"));
        if (localCandidate == null || remoteCandidate == null) {
            return Optional.empty();
        }
        String local = token(localCandidate.getAttributes().get("candidateType"));
        String remote = token(remoteCandidate.getAttributes().get("candidateType"));
        String protocol = token(localCandidate.getAttributes().get("protocol"));
        if (local == null || remote == null || protocol == null) {
            return Optional.empty();
        }
        return Optional.of(new NetworkPath(local, remote, protocol));
    }

    private static @Nullable RTCStats candidate(Map<String, RTCStats> stats, @Nullable Object id) {
        return id instanceof String key ? stats.get(key) : null;
    }

    private static @Nullable String token(@Nullable Object value) {
        if (value == null) {
            return null;
        }
        String token = value.toString().toLowerCase(Locale.ROOT);
        return TOKEN.matcher(token).matches() ? token : null;
    }

    /** webrtc-java hands seconds as Double today; read any Number, and refuse what is not finite. */
    private static @Nullable Double seconds(@Nullable Object value) {
        if (value instanceof Number number) {
            double seconds = number.doubleValue();
            return Double.isFinite(seconds) ? seconds : null;
        }
        return null;
    }

    /** responsesReceived arrives as BigInteger; absent before the first STUN response. */
    private static long count(@Nullable Object value) {
        return value instanceof Number number ? number.longValue() : 0;
    }
}
