package io.peerpulse.webrtc.internal;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.webrtc.ClockOffset;
import io.peerpulse.webrtc.ProbeCounters;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The probe's logic apart from webrtc-java: pings, pongs, timeouts, counters and the clock offset,
 * over any {@link Link}. Messages and timeouts are handled on the scheduler; {@link #read()}
 * returns at once. Thread-safe: state is guarded by this object's monitor, and sends happen
 * outside it.
 */
public final class ProbeEngine {

    /** Where the engine's messages go. */
    public interface Link {
        /**
         * @return {@code null} when messages can be sent now, else why not (e.g. "probe channel CLOSED")
         */
        String unavailableReason();

        /**
         * Sends one binary message.
         *
         * @param message the bytes
         * @throws Exception when it could not be sent
         */
        void send(byte[] message) throws Exception;
    }

    /** How many timed-out sequence numbers are remembered to tell a late pong from an unmatched one. */
    private static final int TIMED_OUT_MEMORY = 256;

    private final Link link;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier nanoTime;
    private final long timeoutNanos;
    private final long anchorNanos;
    private final long anchorEpochNanos;
    private final ClockOffsetEstimator offsets;
    private final Map<Integer, Pending> pending = new HashMap<>();
    private final int[] timedOut = new int[TIMED_OUT_MEMORY];
    private int timedOutNext;
    private int timedOutSize;
    private int nextSequence = ThreadLocalRandom.current().nextInt();
    private boolean peerAnswered;
    private String closedReason;
    private long sent;
    private long answered;
    private long lost;
    private long late;
    private long unanswered;
    private long malformed;
    private long unknownVersion;
    private long unmatched;
    private long peerPingsAnswered;

    /**
     * @param link         where messages go
     * @param scheduler    where messages are handled and timeouts run
     * @param wallClock    read at construction only, to anchor the wall-clock timeline
     * @param nanoTime     the monotonic clock ({@code System::nanoTime} outside tests)
     * @param pingTimeout  how long a ping waits for its pong
     * @param offsetWindow how many recent exchanges the offset is chosen from
     */
    public ProbeEngine(Link link, ScheduledExecutorService scheduler, InstantSource wallClock, LongSupplier nanoTime,
                       Duration pingTimeout, int offsetWindow) {
        this.link = link;
        this.scheduler = scheduler;
        this.nanoTime = nanoTime;
        this.timeoutNanos = pingTimeout.toNanos();
        this.offsets = new ClockOffsetEstimator(offsetWindow);
        // the tightest of a few (nanoTime, instant, nanoTime) brackets: a preempted read is not the anchor
        long bestWidth = Long.MAX_VALUE;
        long bestNanos = 0;
        long bestEpoch = 0;
        for (int i = 0; i < 5; i++) {
            long before = nanoTime.getAsLong();
            Instant now = wallClock.instant();
            long after = nanoTime.getAsLong();
            if (after - before < bestWidth) {
                bestWidth = after - before;
                bestNanos = before + (after - before) / 2;
                bestEpoch = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            }
        }
        this.anchorNanos = bestNanos;
        this.anchorEpochNanos = bestEpoch;
    }

    /**
     * Sends a ping on the scheduler; returns at once.
     *
     * @return completes measured, stale or unavailable; never exceptionally
     */
    public CompletionStage<RttReading> read() {
        CompletableFuture<RttReading> result = new CompletableFuture<>();
        try {
            scheduler.execute(() -> ping(result));
        } catch (RejectedExecutionException e) {
            result.complete(RttReading.unavailable("probe scheduler shut down"));
        }
        return result;
    }

    /**
     * Handles one received message; call on the scheduler.
     *
     * @param data         the bytes, copied off the native buffer
     * @param length       the message's length
     * @param binary       whether it was a binary message
     * @param receivedNanos {@code nanoTime} when it arrived, read in the native callback
     */
    public void onMessage(byte[] data, int length, boolean binary, long receivedNanos) {
        ProbeCodec.Decoded message = ProbeCodec.decode(data, length, binary);
        if (message instanceof ProbeCodec.Ping ping) {
            answer(ping, receivedNanos);
        } else if (message instanceof ProbeCodec.Pong pong) {
            matchPong(pong, receivedNanos);
        } else if (message instanceof ProbeCodec.Invalid invalid) {
            synchronized (this) {
                if (invalid.problem() == ProbeCodec.Problem.UNKNOWN_VERSION) {
                    unknownVersion++;
                } else {
                    malformed++;
                }
            }
        }
    }

    /** Counts a message refused before it was copied (e.g. far too long to be a probe message). */
    public synchronized void onMalformed() {
        malformed++;
    }

    /**
     * Ends every ping in flight as unanswered with {@code reason}; later reads are unavailable.
     * Idempotent: the first reason stays.
     *
     * @param reason why, for the readings
     */
    public void close(String reason) {
        List<Pending> cut;
        synchronized (this) {
            if (closedReason != null) {
                return;
            }
            closedReason = reason;
            cut = new ArrayList<>(pending.values());
            pending.clear();
            unanswered += cut.size();
        }
        for (Pending p : cut) {
            p.cancelTimeout();
            p.result.complete(RttReading.unavailable(reason));
        }
    }

    /**
     * Ends every ping in flight as unanswered with {@code reason}, without closing: for a channel
     * that closed under the probe.
     *
     * @param reason why, for the readings
     */
    public void abandonPending(String reason) {
        List<Pending> cut;
        synchronized (this) {
            cut = new ArrayList<>(pending.values());
            pending.clear();
            unanswered += cut.size();
        }
        for (Pending p : cut) {
            p.cancelTimeout();
            p.result.complete(RttReading.unavailable(reason));
        }
    }

    /** @return the counters now */
    public synchronized ProbeCounters counters() {
        return new ProbeCounters(sent, answered, lost, late, unanswered, malformed, unknownVersion, unmatched,
                peerPingsAnswered);
    }

    /** @return the clock-offset estimate, empty before the first exchange */
    public synchronized Optional<ClockOffset> clockOffset() {
        return offsets.estimate();
    }

    /**
     * @param nanos a {@code nanoTime} reading
     * @return the same moment on this probe's wall-clock timeline, epoch nanoseconds
     */
    public long wallNanos(long nanos) {
        return anchorEpochNanos + (nanos - anchorNanos);
    }

    private void ping(CompletableFuture<RttReading> result) {
        String unavailable;
        Pending p;
        synchronized (this) {
            unavailable = closedReason;
            if (unavailable == null) {
                unavailable = link.unavailableReason();
            }
            if (unavailable != null) {
                p = null;
            } else {
                p = new Pending(nextSequence++, result);
                pending.put(p.sequence, p);
                sent++;
            }
        }
        if (p == null) {
            result.complete(RttReading.unavailable(unavailable));
            return;
        }
        try {
            p.timeout = scheduler.schedule(p, timeoutNanos, TimeUnit.NANOSECONDS); // p runs timeout(p)
        } catch (RejectedExecutionException e) {
            unsent(p, "probe scheduler shut down");
            return;
        }
        p.t1Nanos = nanoTime.getAsLong();
        p.t1Micros = Math.floorDiv(wallNanos(p.t1Nanos), 1_000);
        try {
            link.send(ProbeCodec.ping(p.sequence, p.t1Micros));
        } catch (Exception e) {
            unsent(p, "probe channel could not send: " + e.getClass().getSimpleName());
        }
    }

    /** A ping that never left: not a ping at all. */
    private void unsent(Pending p, String reason) {
        boolean mine;
        synchronized (this) {
            mine = pending.remove(p.sequence, p);
            if (mine) {
                sent--;
            }
        }
        if (mine) {
            p.cancelTimeout();
            p.result.complete(RttReading.unavailable(reason));
        }
    }

    private void timeout(Pending p) {
        boolean stale;
        synchronized (this) {
            if (!pending.remove(p.sequence, p)) {
                return; // answered or cut off meanwhile
            }
            rememberTimedOut(p.sequence);
            stale = peerAnswered;
            if (stale) {
                lost++;
            } else {
                unanswered++;
            }
        }
        p.result.complete(stale ? RttReading.stale() : RttReading.unavailable("the peer has not answered a ping yet"));
    }

    private void answer(ProbeCodec.Ping ping, long receivedNanos) {
        synchronized (this) {
            if (closedReason != null) {
                return;
            }
        }
        long t2Micros = Math.floorDiv(wallNanos(receivedNanos), 1_000);
        byte[] pong = ProbeCodec.pong(ping.sequence(), ping.t1Micros(), t2Micros, nanoTime.getAsLong() - receivedNanos);
        try {
            link.send(pong);
            synchronized (this) {
                peerPingsAnswered++;
            }
        } catch (Exception e) {
            // the channel went away: the peer's ping is lost, as on the network
        }
    }

    private void matchPong(ProbeCodec.Pong pong, long receivedNanos) {
        Pending p;
        long rttNanos;
        synchronized (this) {
            p = pending.get(pong.sequence());
            if (p == null || p.t1Micros != pong.t1Micros() || p.timeout == null) {
                if (wasTimedOut(pong.sequence())) {
                    late++;
                } else {
                    unmatched++;
                }
                return;
            }
            rttNanos = receivedNanos - p.t1Nanos - pong.holdNanos();
            if (rttNanos < 0) {
                malformed++; // held longer than the round trip: not a pong to trust; the ping times out
                return;
            }
            pending.remove(pong.sequence());
            answered++;
            peerAnswered = true;
            long t2 = pong.t2Micros() * 1_000;
            offsets.add(wallNanos(p.t1Nanos), t2, t2 + pong.holdNanos(), wallNanos(receivedNanos));
        }
        p.cancelTimeout();
        p.result.complete(RttReading.measured(ClockOffsetEstimator.millis(rttNanos)));
    }

    private void rememberTimedOut(int sequence) {
        timedOut[timedOutNext] = sequence;
        timedOutNext = (timedOutNext + 1) % TIMED_OUT_MEMORY;
        timedOutSize = Math.min(timedOutSize + 1, TIMED_OUT_MEMORY);
    }

    private boolean wasTimedOut(int sequence) {
        for (int i = 0; i < timedOutSize; i++) {
            if (timedOut[i] == sequence) {
                return true;
            }
        }
        return false;
    }

    /**
     * One ping in flight, and its own timeout task (no lambda per ping). t1 fields are written before the send
     * and read after the pong: same thread or a monitor in between.
     */
    private final class Pending implements Runnable {
        final int sequence;
        final CompletableFuture<RttReading> result;
        volatile ScheduledFuture<?> timeout;
        volatile long t1Nanos;
        volatile long t1Micros;

        Pending(int sequence, CompletableFuture<RttReading> result) {
            this.sequence = sequence;
            this.result = result;
        }

        @Override
        public void run() {
            timeout(this);
        }

        void cancelTimeout() {
            ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
        }
    }
}
