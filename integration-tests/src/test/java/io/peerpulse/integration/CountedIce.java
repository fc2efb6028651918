package io.peerpulse.integration;

import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The ICE view with, for each of its measured readings, how many STUN responses A's selected candidate pair had
 * received when libwebrtc made the report the reading came from: what {@link RelayTruth#iceDifferences} needs to
 * pair a reading with exactly the checks it covers. A reading is {@code Δ totalRoundTripTime / Δ responsesReceived}
 * between two reports; the telemetry stamps its sample when the read completes, after the report was made (by
 * the stats thread's queue and, on a loaded machine, tens of milliseconds of scheduling), so a sample's time does
 * not say which checks the report held: a check answered in between is the next reading's.
 *
 * <p>Each read is bracketed by two reports of the test's own, one before the source's read and one after it
 * completed, on a thread of this class's: when both say the same {@code responsesReceived} of the same pair,
 * the source's report, made in between, said it too ({@code responsesReceived} never falls), exactly, whatever the
 * machine's load (libwebrtc also hands a report asked for within 50 ms of the previous one from its cache, which
 * changes nothing here: the counts are the report's). When they differ, a response arrived during the read and
 * the reading's count lies between the two: {@link Read#exact()} is false.
 *
 * <p>Close this before the peer connection (it waits for its own call into webrtc-java in progress, at most 2 s),
 * then it closes the source it wraps.
 */
final class CountedIce implements RttSource {

    /**
     * One measured reading of the source.
     *
     * @param rttMs     the reading
     * @param fromNanos when the read started, {@link System#nanoTime()}
     * @param readNanos when the source's read started (after the report before)
     * @param doneNanos when the source's read completed (unwrapped, the telemetry would stamp its sample here)
     * @param toNanos   when the report after it came
     * @param pairId    the selected pair's id in the report before, {@code null} when none was read
     * @param before    the pair's {@code responsesReceived} in the report before the read, -1 when none was read
     * @param after     the same in the report after it, -1 when none was read or the pair changed
     */
    record Read(double rttMs, long fromNanos, long readNanos, long doneNanos, long toNanos, String pairId, long before,
                long after) {
        /** @return whether the source's report had exactly {@link #before()} responses */
        boolean exact() {
            return before >= 0 && before == after;
        }
    }

    /** The selected pair's id and responsesReceived in one report. */
    private record Count(String pairId, long responses) {
        static final Count NONE = new Count(null, -1);
    }

    private final WebRtcRttSource ice;
    private final RTCPeerConnection peerConnection;
    private final ExecutorService caller = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "counted-ice-stats");
        t.setDaemon(true);
        return t;
    });
    private final List<Read> reads = new ArrayList<>();
    private volatile boolean closed;

    CountedIce(WebRtcRttSource ice) {
        this.ice = ice;
        this.peerConnection = ice.peerConnection();
    }

    @Override
    public CompletionStage<RttReading> read() {
        long from = System.nanoTime();
        return count().thenCompose(before -> {
            long read = System.nanoTime();
            return ice.read().thenCompose(reading -> {
                long done = System.nanoTime();
                if (!(reading instanceof RttReading.Measured measured)) {
                    return CompletableFuture.completedFuture(reading);
                }
                return count().thenApply(after -> {
                    boolean samePair = before.pairId() != null && before.pairId().equals(after.pairId());
                    synchronized (reads) {
                        reads.add(new Read(measured.rttMs(), from, read, done, System.nanoTime(), before.pairId(),
                                before.responses(), samePair ? after.responses() : -1));
                    }
                    return reading;
                });
            });
        });
    }

    /** A report of the test's own, on this class's thread: the selected pair's count, or none within 2 s. */
    private CompletableFuture<Count> count() {
        CompletableFuture<Count> count = new CompletableFuture<>();
        try {
            caller.execute(() -> {
                if (closed) {
                    count.complete(Count.NONE);
                    return;
                }
                try {
                    // the callback comes on libwebrtc's signalling thread: what follows the count (the source's
                    // read, the telemetry's hand-over) runs on a pool thread instead
                    peerConnection.getStats(report -> {
                        Count c = selected(report);
                        CompletableFuture.runAsync(() -> count.complete(c));
                    });
                } catch (RuntimeException closedConnection) {
                    count.complete(Count.NONE);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closedMeanwhile) {
            count.complete(Count.NONE);
        }
        return count.completeOnTimeout(Count.NONE, 2, TimeUnit.SECONDS);
    }

    private static Count selected(RTCStatsReport report) {
        for (RTCStats stat : report.getStats().values()) {
            if (stat.getType() == RTCStatsType.TRANSPORT
                    && stat.getAttributes().get("selectedCandidatePairId") instanceof String id) {
                RTCStats pair = report.getStats().get(id);
                if (pair != null && pair.getAttributes().get("responsesReceived") instanceof Number n) {
                    return new Count(id, n.longValue());
                }
            }
        }
        return Count.NONE;
    }

    /** @return the measured readings so far, in the order they completed */
    List<Read> reads() {
        synchronized (reads) {
            return List.copyOf(reads);
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

    /** Waits for this class's call into webrtc-java in progress (at most 2 s), then closes the source. */
    @Override
    public void close() {
        closed = true;
        caller.shutdown();
        try {
            caller.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ice.close();
        }
    }
}
