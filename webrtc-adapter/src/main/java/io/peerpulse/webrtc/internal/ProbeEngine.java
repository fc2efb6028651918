package io.peerpulse.webrtc.internal;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.webrtc.ClockOffset;
import io.peerpulse.webrtc.ProbeCounters;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The probe's logic apart from webrtc-java: pings, pongs, timeouts, counters and the clock offset,
 * over any {@link Link}. {@link #read()} returns at once and its ping is sent on the executor, where
 * received messages and timeouts are handled too. Thread-safe: state is guarded by
 * this object's monitor, and sends happen outside it.
 *
 * <p>In steady state a ping allocates only its reading (the future and the {@code RttReading}):
 * pings in flight live in a ring of reusable slots indexed by {@code sequence & mask}, messages are
 * encoded into two reused arrays and decoded in place, each ping's secret is read from a reused array of keystream
 * (refilled every 256 pings), and one timeout task, armed at the oldest deadline, serves every ping in flight.
 *
 * <p><b>Arrival, not handling, decides.</b> A pong that arrived (its {@code receivedNanos}) before its ping's
 * deadline is an answer however late it is handled, and one that arrived after it is loss; a due timeout first
 * lets the messages the link has waiting be handled ({@link Link#waitingMessages()}), so that a starved executor
 * is not taken for a lossy network (counted apart: {@link ProbeCounters#processedLateCount()}). A stall of the whole
 * process holds the link's callback thread too, so that the arrival it reads is late: a sweep that runs more than
 * {@link #STALL_NANOS} late gives the pings due then {@link #STALL_GRACE_NANOS} for their pongs.
 *
 * <p><b>Why one class.</b> The ping ring, the pong matching, the hold bound, the timeouts and the answering of
 * the peer's pings share one monitor and one set of counters: a pong is matched, its hold bounded, its slot
 * freed and the counters moved in one step, and a timeout races exactly those steps (which is also why the
 * judging of a pong by its arrival time, the deferring of a due timeout behind waiting pongs, the counting of
 * a ping as sent once its send returned or it ended, a ping spent by a refused pong, the one late pong a
 * timed-out ping may have and the grace a stall of this process gives the pings due in it live here). Split apart, each piece
 * would need the others' state under the same lock. What could leave has left: the wire format
 * ({@code ProbeCodec}), the offset estimate ({@code ClockOffsetEstimator}), the rate limit ({@code TokenBucket})
 * and the thread ({@code ProbeLoop}).
 */
public final class ProbeEngine {

    /** Where the engine's messages go. */
    public interface Link {
        /**
         * Asked before every ping, so it should be cheap: it may answer from what the link last learnt.
         *
         * @return {@code null} when messages can be sent now, else why not (e.g. "probe channel CLOSED")
         */
        @Nullable String unavailableReason();

        /**
         * Asked when a ping timed out, to tell a lost ping from one sent into a channel that has closed
         * without saying so yet (a local {@code RTCPeerConnection.close()} does not report it): reads the
         * channel's state now, however slow, and updates what {@link #unavailableReason()} answers.
         *
         * @return {@code null} when messages can be sent now, else why not
         */
        default @Nullable String unavailableReasonNow() {
            return unavailableReason();
        }

        /**
         * Messages that arrived (their arrival time already read) and wait to be handed to
         * {@link #onMessage}: before timing a ping out, the engine lets them be handled first, so that a pong that
         * arrived in time but waits for a starved thread is not taken for loss.
         *
         * @return how many wait; 0 when the link does not know (a ping is then timed out at its deadline)
         */
        default int waitingMessages() {
            return 0;
        }

        /**
         * Sends one binary message: the whole array. The engine reuses its arrays once this
         * returns, so the link must have copied or sent the bytes by then (webrtc-java's
         * {@code RTCDataChannel.send} copies them into a native buffer before it returns).
         *
         * @param message the bytes, one of the engine's own reused arrays
         * @throws Exception when it could not be sent
         */
        void send(byte[] message) throws Exception;
    }

    /**
     * The longest hold time a pong may have subtracted from its round trip: an honest responder holds a ping
     * for microseconds, a few ms on a stalled CPU; a longer claim is capped to this (docs/PROBE-PROTOCOL.md,
     * "Trust model").
     */
    public static final long MAX_TRUSTED_HOLD_NANOS = 5_000_000;

    /**
     * The largest {@code t2} (the peer's receive time, epoch µs) whose exchange gives a clock offset: 2<sup>62</sup>
     * ns, the year 2116. A larger claim is no clock, and in nanoseconds it would wrap into any offset at all.
     */
    static final long MAX_T2_MICROS = (1L << 62) / 1_000;

    /** Peer pings answered per second at most, per probe: far above an honest peer's 1 to 10 Hz. */
    public static final int PEER_PING_RATE = 50;
    /** Peer pings answered at once at most, before {@link #PEER_PING_RATE} applies. */
    public static final int PEER_PING_BURST = 20;

    /**
     * Pings in flight that have a pass past a full inbound queue for their pong ({@link #admitPong}): with more in
     * flight, an older ping's pass is taken over by the newer ping of the same index.
     */
    private static final int PASSES = 256;
    /** Marks a pass as unused in {@link #passes}; the low 32 bits hold the ping's sequence. */
    private static final long OPEN = 1L << 32;
    /** How many timed-out pings are remembered to tell a late pong from an unmatched one. */
    private static final int TIMED_OUT_MEMORY = 256;
    /** Slots in the ring at first: more pings in flight than this (one per poll within a timeout) grow it. */
    private static final int INITIAL_SLOTS = 16;
    /**
     * The sweep runs at a tick of this grid of the monotonic clock, at or after the oldest deadline: the sweeps of
     * every probe of the JVM whose deadlines fall within one tick then share one wake-up of the probe thread. A
     * ping's fate does not depend on when the sweep runs (its pong counts by its arrival time), only the reading
     * of a lost ping completes up to one tick later.
     */
    public static final long SWEEP_TICK_NANOS = 20_000_000;
    /**
     * How much later than it was scheduled the sweep may run before its process counts as stalled around the deadlines
     * due then (a stop-the-world GC pause, a starved CPU): 50 ms, above what the probe thread's own work delays it (an
     * answer's send, 10 to 39 ms measured under load). During such a stall webrtc-java's callback thread, blocked too,
     * reads a pong's arrival time only after it, however soon the pong reached the socket.
     */
    public static final long STALL_NANOS = 50_000_000;
    /**
     * How long after a stalled sweep's wake-up a pong may still arrive for a ping whose deadline the stall covered, and
     * count as answered (in {@link ProbeCounters#processedLateCount()}, without a sample): 100 ms, for webrtc's threads
     * to deliver what queued during the stall. Given once per ping: a ping's fate is decided by then.
     */
    public static final long STALL_GRACE_NANOS = 100_000_000;

    private final Link link;
    private final ProbeExecutor executor;
    /** Where pings are sent: apart from {@link #executor}, so that a slow send never delays an answer. */
    private final ProbeExecutor sender;
    private final LongSupplier nanoTime;
    private final long timeoutNanos;
    private final long anchorNanos;
    private final long anchorEpochNanos;
    private final ClockOffsetEstimator offsets;
    /** Pings in flight, at {@code sequence & (length - 1)}; grows (doubles) when a slot is still taken. */
    private Slot[] slots = newSlots(INITIAL_SLOTS);
    private int inFlight;
    /** Whether {@link #sweepTask} is scheduled: one task for every ping in flight, at the oldest deadline. */
    private boolean sweepArmed;
    /** Whether a ping was sent since the sweep last ran: while pings keep coming, the sweep stays armed. */
    private boolean pingedSinceSweep;
    /** When the armed sweep is due ({@link #nanoTime}): running later than {@link #STALL_NANOS} after it is a stall. */
    private long sweepDueNanos;
    private final Runnable sweepTask = this::sweep;
    /** Reused for every ping sent; guarded by itself (sends happen outside the engine's monitor). */
    private final byte[] pingOut = new byte[ProbeCodec.PING_LENGTH];
    /** Reused for every pong sent; guarded by itself. */
    private final byte[] pongOut = new byte[ProbeCodec.PONG_LENGTH];
    /**
     * The last {@link #TIMED_OUT_MEMORY} pings that timed out: sequence, the t1 sent, and whether a late pong came.
     * A ping has one late pong at most: a replay of it, or a pong with another t1, answers no ping (unmatched).
     */
    private final int[] timedOut = new int[TIMED_OUT_MEMORY];
    private final long[] timedOutT1 = new long[TIMED_OUT_MEMORY];
    private final boolean[] timedOutAnswered = new boolean[TIMED_OUT_MEMORY];
    private int timedOutNext;
    private int timedOutSize;
    private int nextSequence = ThreadLocalRandom.current().nextInt();
    /**
     * Where the secrets each ping's {@code t1} carries come from (see {@link #nextSecretMicros}): AES-CTR under a key
     * drawn from {@link SecureRandom}, never sent. Made by the first ping, on the sending thread and outside the
     * monitor ({@link #secretStream()}), not when the engine is made: the first of a JVM loads and sets up the JCA
     * provider, the secure random and AES (117 to 246 ms measured at load average 11 on 2 cores), which must hold
     * neither the thread opening the probe (a game loop, webrtc-java's signalling thread) nor one waiting for this
     * monitor ({@link #counters()}). {@code null} until then.
     */
    private volatile @Nullable Cipher secretStream;
    /** Gives the key's random source, once, to {@link #secretStream()}. */
    private final Supplier<? extends SecureRandom> keySource;
    /** The next secrets, {@link #SECRET_BYTES} each, refilled {@link #SECRETS_PER_BATCH} at a time; under the monitor. */
    private final byte[] secrets = new byte[SECRETS_PER_BATCH * SECRET_BYTES];
    /** How many bytes of {@link #secrets} are used: all, at first, so that the first ping fills it. */
    private int secretsUsed = secrets.length;
    private boolean peerAnswered;
    private @Nullable String closedReason;
    /** What {@link #counters()} answers once {@link #close} has ended the pings in flight: nothing counts after it. */
    private @Nullable ProbeCounters finalCounters;
    private long sent;
    private long answered;
    private long lost;
    private long late;
    private long unanswered;
    private long malformed;
    private long unknownVersion;
    private long unmatched;
    private long peerPingsAnsweredCount;
    private long cappedHold;
    private long processedLate;
    /** Whether the sweep due now already let the messages waiting for the executor go first (see {@link #sweep}). */
    private boolean sweepDeferred;
    /** Not under the monitor: counted on webrtc-java's callback thread, which must never wait for it. */
    private final AtomicLong inboundDropped = new AtomicLong();
    /** Malformed messages refused before they were copied; lock-free as {@link #inboundDropped}. */
    private final AtomicLong refusedUncopied = new AtomicLong();
    /** Messages of another version refused before they were copied; lock-free as {@link #inboundDropped}. */
    private final AtomicLong unknownVersionUncopied = new AtomicLong();
    /**
     * One pass past a full inbound queue per ping in flight (see {@link #admitPong}): at {@code sequence & (PASSES -
     * 1)}, {@link #OPEN} with the sequence while its pass is unused, else anything else. Written under the monitor when
     * a ping starts and ends, taken lock-free on webrtc-java's callback thread.
     */
    private final AtomicLongArray passes = new AtomicLongArray(PASSES);
    /** Which of the peer's pings are answered: the rest are dropped, on arrival (see {@link #admitPing}). */
    private final TokenBucket peerPings = new TokenBucket(PEER_PING_RATE, PEER_PING_BURST);
    private long maxHoldNanos;

    /**
     * @param link         where messages go
     * @param executor     where messages are handled and timeouts run
     * @param wallClock    read at construction only, to anchor the wall-clock timeline
     * @param nanoTime     the monotonic clock ({@code System::nanoTime} outside tests)
     * @param pingTimeout  how long a ping waits for its pong
     * @param offsetWindowCount how many recent exchanges the offset is chosen from
     */
    public ProbeEngine(Link link, ProbeExecutor executor, InstantSource wallClock, LongSupplier nanoTime,
                       Duration pingTimeout, int offsetWindowCount) {
        this(link, executor, executor, wallClock, nanoTime, pingTimeout, offsetWindowCount);
    }

    /**
     * @param link         where messages go
     * @param executor     where messages are handled and timeouts run
     * @param sender       where pings are sent (a read hands its ping there)
     * @param wallClock    read at construction only, to anchor the wall-clock timeline
     * @param nanoTime     the monotonic clock ({@code System::nanoTime} outside tests)
     * @param pingTimeout  how long a ping waits for its pong
     * @param offsetWindowCount how many recent exchanges the offset is chosen from
     */
    public ProbeEngine(Link link, ProbeExecutor executor, ProbeExecutor sender, InstantSource wallClock,
                       LongSupplier nanoTime, Duration pingTimeout, int offsetWindowCount) {
        this(link, executor, sender, wallClock, nanoTime, pingTimeout, offsetWindowCount, SecureRandom::new);
    }

    /**
     * As the public constructor, with the source of the secrets' key: for tests.
     *
     * @param keySource gives the source of the key of the ping secrets' stream (16 bytes); asked once, by the first
     *                  ping, on the sending thread
     */
    ProbeEngine(Link link, ProbeExecutor executor, ProbeExecutor sender, InstantSource wallClock,
                LongSupplier nanoTime, Duration pingTimeout, int offsetWindowCount,
                Supplier<? extends SecureRandom> keySource) {
        this.keySource = Objects.requireNonNull(keySource, "keySource");
        this.link = link;
        this.executor = executor;
        this.sender = sender;
        this.nanoTime = nanoTime;
        this.timeoutNanos = pingTimeout.toNanos();
        this.offsets = new ClockOffsetEstimator(offsetWindowCount);
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
     * Hands a ping to the sender, which sends it; returns at once. The caller's thread makes no call into the
     * link: a send is a blocking call into webrtc-java (tens of microseconds, and 10 to 39 ms on a loaded machine),
     * which must not hold a telemetry's polling thread. The reading is its own task, so the hand-off allocates
     * nothing more.
     *
     * @return completes measured, stale or unavailable; never exceptionally
     */
    public CompletionStage<RttReading> read() {
        PingRead result = new PingRead();
        if (executor.isShutdown()) {
            result.complete(RttReading.unavailable("probe scheduler shut down"));
            return result;
        }
        try {
            sender.executeBatched(result);
        } catch (RejectedExecutionException e) {
            result.complete(RttReading.unavailable("probe scheduler shut down"));
        }
        return result;
    }

    /** One read: the reading to complete, and the task that sends its ping on the executor. */
    private final class PingRead extends CompletableFuture<RttReading> implements Runnable {
        @Override
        public void run() {
            if (isDone()) {
                return;
            }
            Cipher stream;
            try {
                stream = secretStream();
            } catch (RuntimeException noCipher) {
                // no AES/CTR (IllegalStateException), or a key source or provider that fails otherwise (a
                // ProviderException): unavailable, as read() promises, never a task that throws and a read left open
                complete(RttReading.unavailable(noCipher instanceof IllegalStateException
                        ? Objects.requireNonNullElse(noCipher.getMessage(),
                                "no AES/CTR/NoPadding in this JVM for the ping secrets")
                        : "the ping secrets' cipher could not be set up: " + noCipher));
                return;
            }
            ping(this, stream);
        }
    }

    /**
     * The ping secrets' stream, made by the first call: on the sending thread, outside the monitor. Two sending
     * threads (a scheduler of the user's) may both make one; the first kept is the engine's.
     *
     * @throws IllegalStateException when this JVM has no AES/CTR/NoPadding
     * @throws RuntimeException        what the key source or the security provider throws (a {@code ProviderException})
     */
    private Cipher secretStream() {
        Cipher stream = secretStream;
        if (stream != null) {
            return stream;
        }
        Cipher made = newSecretStream(keySource.get());
        synchronized (this) {
            if (secretStream == null) {
                secretStream = made;
            }
            return Objects.requireNonNull(secretStream);
        }
    }

    /**
     * Handles one received message; call on the executor. Keeps no reference to {@code data}.
     *
     * @param data          the bytes, copied off the native buffer
     * @param length        the message's length
     * @param binary        whether it was a binary message
     * @param receivedNanos {@code nanoTime} when it arrived, read in the native callback
     */
    public void onMessage(byte[] data, int length, boolean binary, long receivedNanos) {
        switch (ProbeCodec.classify(data, length, binary)) {
            case PING -> answer(ProbeCodec.sequence(data), ProbeCodec.t1Micros(data), receivedNanos);
            case PONG -> matchPong(ProbeCodec.sequence(data), ProbeCodec.t1Micros(data), ProbeCodec.t2Micros(data),
                    ProbeCodec.holdNanos(data), receivedNanos);
            case UNKNOWN_VERSION -> {
                synchronized (this) {
                    unknownVersion++;
                }
            }
            case MALFORMED -> {
                synchronized (this) {
                    malformed++;
                }
            }
        }
    }

    /**
     * Whether to answer a ping of the peer's that just arrived: at most {@link #PEER_PING_RATE} a second, in bursts
     * of {@link #PEER_PING_BURST}. Call on arrival, before copying or queueing the message: a refused ping is
     * dropped and counted ({@link ProbeCounters#peerPingsDroppedCount()}), so a flood never reaches the executor.
     * Thread-safe, allocation-free, never blocks on the engine.
     *
     * @param receivedNanos {@code nanoTime} when it arrived
     * @return {@code true} to hand it on, {@code false} to drop it
     */
    public boolean admitPing(long receivedNanos) {
        return peerPings.tryTake(receivedNanos);
    }

    /**
     * Whether a pong that arrived while this probe's inbound queue is full may be queued all the same: once per ping in
     * flight, for a pong carrying its sequence. Such a pong arrived, and in time or not its arrival decides (see {@link
     * #matchPong}): dropped, its ping would time out and count as lost, local overload read as network loss. Bounded:
     * one message more per ping this probe sent, a rate the probe sets, not the peer. Whether the pong is the honest
     * one (its t1) is checked as for any pong, when it is handled: a pong of another t1 that took the pass spends the
     * ping as it would on a quiet channel. Thread-safe, allocation-free, never blocks on the engine.
     *
     * @param sequence the pong's sequence
     * @return {@code true} to queue it, {@code false} to drop it (no ping of that sequence in flight, or its pass
     *         taken)
     */
    public boolean admitPong(int sequence) {
        return passes.compareAndSet(sequence & (PASSES - 1), OPEN | (sequence & 0xFFFF_FFFFL), 0);
    }

    /**
     * Counts a received message dropped because this probe already had too many waiting for the executor.
     * Lock-free: safe on webrtc-java's callback thread.
     */
    public void onInboundDropped() {
        inboundDropped.incrementAndGet();
    }

    /**
     * Counts a message refused before it was copied (e.g. far too long to be a probe message). Lock-free: safe on
     * webrtc-java's callback thread, so that a flood of such messages is counted there and never queued.
     */
    public void onMalformed() {
        refusedUncopied.incrementAndGet();
    }

    /**
     * Counts a message of another version refused before it was copied (too long to copy, as in {@link #onMalformed}).
     * Lock-free: safe on webrtc-java's callback thread.
     */
    public void onUnknownVersion() {
        unknownVersionUncopied.incrementAndGet();
    }

    /**
     * Ends every ping in flight as unanswered with {@code reason}; later reads are unavailable. The counters are final
     * once it returns: a message handled later (one already queued for the executor, or on the link's callback thread
     * at the moment of the close) is dropped uncounted. Idempotent: the first reason stays.
     *
     * @param reason why, for the readings
     */
    public void close(String reason) {
        synchronized (this) {
            if (closedReason != null) {
                return;
            }
            closedReason = reason;
        }
        abandonPending(reason);
        synchronized (this) {
            finalCounters = countersNow();
        }
    }

    /**
     * Ends every ping in flight as unanswered with {@code reason}, without closing: for a channel
     * that closed under the probe.
     *
     * @param reason why, for the readings
     */
    public void abandonPending(String reason) {
        while (true) {
            CompletableFuture<RttReading> cut = null;
            synchronized (this) {
                for (Slot s : slots) {
                    if (s.result != null) {
                        cut = end(s);
                        inFlight--;
                        unanswered++;
                        break;
                    }
                }
            }
            if (cut == null) {
                return;
            }
            cut.complete(RttReading.unavailable(reason)); // outside the monitor: dependents may read again
        }
    }

    /** @return the counters now; after {@link #close}, those it left */
    public synchronized ProbeCounters counters() {
        return finalCounters != null ? finalCounters : countersNow();
    }

    /** Under the monitor. */
    private ProbeCounters countersNow() {
        return new ProbeCounters(sent, answered, lost, late, unanswered, malformed + refusedUncopied.get(),
                unknownVersion + unknownVersionUncopied.get(),
                unmatched,
                peerPingsAnsweredCount, cappedHold, ClockOffsetEstimator.millis(maxHoldNanos), peerPings.refusedCount(),
                inboundDropped.get(), processedLate);
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

    private void ping(CompletableFuture<RttReading> result, Cipher stream) {
        String unavailable;
        int sequence = 0;
        long t1Micros = 0;
        synchronized (this) {
            unavailable = closedReason;
            if (unavailable == null) {
                unavailable = link.unavailableReason();
            }
            // the secret before t1: a refill of the secrets (every 256 pings) is then not in the round trip
            long secretMicros = nextSecretMicros(stream);
            // t1 before arming: the sweep then never fires before this ping's deadline
            long t1Nanos = nanoTime.getAsLong();
            if (unavailable == null && !sweepArmed) {
                try {
                    long delay = onTick(t1Nanos, timeoutNanos);
                    executor.schedule(sweepTask, delay);
                    sweepArmed = true;
                    sweepDueNanos = t1Nanos + delay;
                } catch (RejectedExecutionException e) {
                    unavailable = "probe scheduler shut down";
                }
            }
            if (unavailable == null) {
                sequence = nextSequence++;
                // our clock plus a secret: the peer cannot tell a ping's t1 before it arrives, so it cannot
                // answer it early (the sequence alone is predictable); the offset uses the true t1 (t1Nanos). The
                // slot keeps the t1 sent: a pong is checked against it, never against a secret computed again
                t1Micros = Math.floorDiv(wallNanos(t1Nanos), 1_000) + secretMicros;
                Slot slot = slotFor(sequence);
                slot.hold(sequence, result, t1Nanos, t1Micros, t1Nanos + timeoutNanos);
                passes.set(sequence & (PASSES - 1), OPEN | (sequence & 0xFFFF_FFFFL));
                slot.sending = true; // counted sent once its send returns, or once it ends (see end(Slot))
                inFlight++;
                pingedSinceSweep = true;
            }
        }
        if (unavailable != null) {
            result.complete(RttReading.unavailable(unavailable));
            return;
        }
        try {
            synchronized (pingOut) {
                ProbeCodec.encodePing(pingOut, sequence, t1Micros);
                link.send(pingOut);
            }
        } catch (Exception e) {
            unsent(sequence, result, "probe channel could not send: " + e.getClass().getSimpleName());
            return;
        }
        synchronized (this) {
            Slot s = inFlight(sequence);
            if (s != null && s.result == result && s.sending) {
                s.sending = false;
                sent++;
            }
        }
    }

    /**
     * Frees the slot of a ping that ends (answered, timed out or cut off), counting it sent if its send has not
     * returned yet: a pong can be handled, or the ping time out, before the sending thread comes back, and no
     * snapshot of the counters may show an ending of a ping that is not counted sent. Under the monitor.
     */
    private CompletableFuture<RttReading> end(Slot s) {
        if (s.sending) {
            s.sending = false;
            sent++;
        }
        passes.compareAndSet(s.sequence & (PASSES - 1), OPEN | (s.sequence & 0xFFFF_FFFFL), 0);
        return s.release();
    }

    /** The free slot for {@code sequence}, growing the ring when an older ping still holds it. */
    private Slot slotFor(int sequence) {
        Slot s = slots[sequence & (slots.length - 1)];
        if (s.result == null) {
            return s;
        }
        // every ping in flight is among the last slots.length sequences (an older one would have been
        // in this slot's way before): in a ring twice as large they, and this one, all have their own slot
        Slot[] larger = newSlots(slots.length * 2);
        for (Slot old : slots) {
            CompletableFuture<RttReading> held = old.result;
            if (held != null) {
                Slot moved = larger[old.sequence & (larger.length - 1)];
                moved.hold(old.sequence, held, old.t1Nanos, old.t1Micros, old.deadlineNanos);
                moved.sending = old.sending;
                moved.spent = old.spent;
                moved.graceUntilNanos = old.graceUntilNanos;
                moved.stalled = old.stalled;
            }
        }
        slots = larger;
        return slots[sequence & (slots.length - 1)];
    }

    private static Slot[] newSlots(int n) {
        Slot[] ring = new Slot[n];
        for (int i = 0; i < n; i++) {
            ring[i] = new Slot();
        }
        return ring;
    }

    /** The slot holding {@code sequence} in flight, or {@code null}. */
    private @Nullable Slot inFlight(int sequence) {
        Slot s = slots[sequence & (slots.length - 1)];
        return s.result != null && s.sequence == sequence ? s : null;
    }

    /**
     * A ping that never left: not a ping at all, never counted (unless it ended meanwhile, e.g. cut off by a close:
     * then it was counted sent as it ended, and stays so, since counters never go back).
     */
    private void unsent(int sequence, CompletableFuture<RttReading> result, String reason) {
        boolean mine = false;
        synchronized (this) {
            Slot s = inFlight(sequence);
            if (s != null && s.result == result) {
                mine = true;
                s.sending = false;
                passes.compareAndSet(sequence & (PASSES - 1), OPEN | (sequence & 0xFFFF_FFFFL), 0);
                s.release();
                inFlight--;
            }
        }
        if (mine) {
            result.complete(RttReading.unavailable(reason));
        }
    }

    /**
     * The one timeout task: ends every ping whose deadline has passed, one at a time (each completed
     * outside the monitor), then re-arms itself at the oldest remaining deadline; with none in flight, one
     * timeout later if a ping was sent since it last ran, else not. Run more than {@link #STALL_NANOS} after it was
     * due, it gives the pings due then {@link #STALL_GRACE_NANOS} (see {@link #markStalled}).
     */
    private void sweep() {
        boolean anyDue;
        // Messages that arrived before now and still wait for the executor (a starved probe thread, or timers run
        // first) go first: this sweep runs again as a task queued behind them, once, so that a pong that arrived in
        // time is matched, not taken for loss.
        synchronized (this) {
            long now = nanoTime.getAsLong();
            if (!sweepDeferred) {
                markStalled(now); // the timer's own run, not the one queued behind waiting messages
            }
            anyDue = anyDue(now);
            if (sweepDeferred) {
                sweepDeferred = false;
            } else if (anyDue && link.waitingMessages() > 0) {
                try {
                    executor.execute(sweepTask);
                    sweepDeferred = true;
                    return;
                } catch (RejectedExecutionException e) {
                    // nothing runs any more: sweep now
                }
            }
        }
        // Whether the channel closed without saying so: asked once, outside the monitor (it may block),
        // and only when a ping is due. A due ping then ends unavailable, not lost.
        String closedNow = anyDue ? link.unavailableReasonNow() : null;
        while (true) {
            CompletableFuture<RttReading> expired;
            boolean stale;
            synchronized (this) {
                long now = nanoTime.getAsLong();
                Slot due = null;
                CompletableFuture<RttReading> inGrace = null;
                long next = Long.MAX_VALUE;
                for (Slot s : slots) {
                    CompletableFuture<RttReading> held = s.result;
                    if (held == null) {
                        continue;
                    }
                    long end = s.stalled ? s.graceUntilNanos : s.deadlineNanos;
                    if (end - now <= 0) {
                        due = s;
                        break;
                    }
                    if (s.stalled && !held.isDone()) {
                        inGrace = held;
                        break;
                    }
                    next = Math.min(next, end - now);
                }
                if (inGrace != null) {
                    // a ping in its grace: its reading now, as at any timeout (no sample either way: the stall hides
                    // the round trip); its count once its pong came or the grace ran out
                    expired = inGrace;
                    stale = peerAnswered && closedNow == null;
                } else if (due == null) {
                    sweepArmed = false;
                    if (inFlight == 0) {
                        if (!pingedSinceSweep) {
                            return; // idle: the next ping arms it again
                        }
                        // Pings come and go (a telemetry polling): stay armed one timeout more, so that the
                        // next ping finds the task armed. Arming it from read() would wake the executor's
                        // thread, which sleeps until its earliest timer, only to sleep again.
                        next = timeoutNanos;
                    }
                    pingedSinceSweep = false;
                    try {
                        long delay = onTick(now, next);
                        executor.schedule(sweepTask, delay);
                        sweepArmed = true;
                        sweepDueNanos = now + delay;
                        return;
                    } catch (RejectedExecutionException e) {
                        // no timeout can run any more: end the pings in flight now, not never (below)
                    }
                    expired = null;
                    stale = false;
                } else {
                    rememberTimedOut(due, due.spent); // a spent ping has no late pong: it was refused
                    expired = end(due);
                    inFlight--;
                    stale = peerAnswered && closedNow == null;
                    if (stale) {
                        lost++;
                    } else {
                        unanswered++;
                    }
                }
            }
            if (expired == null) {
                abandonPending("probe scheduler shut down");
                return;
            }
            expired.complete(stale ? RttReading.stale()
                    : RttReading.unavailable(closedNow != null ? closedNow : "the peer has not answered a ping yet"));
        }
    }

    /**
     * The delay from {@code now} to the first tick of the {@link #SWEEP_TICK_NANOS} grid at or after {@code now +
     * delay}.
     */
    private static long onTick(long now, long delay) {
        long due = now + delay;
        long tick = Math.floorMod(due, SWEEP_TICK_NANOS);
        return delay + (tick == 0 ? 0 : SWEEP_TICK_NANOS - tick);
    }

    /**
     * Gives every ping whose deadline has passed {@link #STALL_GRACE_NANOS} from now, once, when the sweep runs more
     * than {@link #STALL_NANOS} after it was due: the process was stalled around those deadlines (a GC pause, a
     * starved CPU), and webrtc-java's callback thread, stalled too, may have read a pong that reached the socket in
     * time as arriving after its deadline. A pong for such a ping that arrives within the grace is an answer (see
     * {@link #matchPong}). Costs one subtraction when the sweep is on time. Under the monitor.
     *
     * @param now {@link #nanoTime} now
     */
    private void markStalled(long now) {
        if (now - sweepDueNanos <= STALL_NANOS) {
            return;
        }
        for (Slot s : slots) {
            if (s.result != null && !s.stalled && s.deadlineNanos - now <= 0) {
                s.stalled = true;
                s.graceUntilNanos = now + STALL_GRACE_NANOS;
            }
        }
    }

    /** Whether a ping in flight has passed its deadline at {@code now}; under the monitor. */
    private boolean anyDue(long now) {
        for (Slot s : slots) {
            if (s.result != null && s.deadlineNanos - now <= 0) {
                return true;
            }
        }
        return false;
    }

    private void answer(int sequence, long t1Micros, long receivedNanos) {
        synchronized (this) {
            if (closedReason != null) {
                return;
            }
        }
        long t2Micros = Math.floorDiv(wallNanos(receivedNanos), 1_000);
        try {
            synchronized (pongOut) {
                ProbeCodec.encodePong(pongOut, sequence, t1Micros, t2Micros, nanoTime.getAsLong() - receivedNanos);
                link.send(pongOut);
            }
            synchronized (this) {
                peerPingsAnsweredCount++;
            }
        } catch (Exception e) {
            // the channel went away: the peer's ping is lost, as on the network
        }
    }

    private void matchPong(int sequence, long t1Micros, long t2Micros, long holdNanos, long receivedNanos) {
        CompletableFuture<RttReading> result;
        RttReading reading;
        synchronized (this) {
            Slot s = inFlight(sequence);
            if (s == null) {
                if (lateAnswer(sequence, t1Micros)) {
                    late++;
                } else {
                    unmatched++;
                }
                return;
            }
            if (s.t1Micros != t1Micros || s.spent) {
                // Another t1 for a ping in flight is a guess at its secret (the peer answering before the ping
                // arrived); an honest peer echoes t1. It spends the ping: no later pong answers it, so a peer has one
                // guess per ping, not as many as it can send within a round trip.
                s.spent = true;
                unmatched++;
                return;
            }
            if (receivedNanos - s.deadlineNanos > 0 && s.stalled && receivedNanos - s.graceUntilNanos <= 0) {
                // Its deadline fell in a stall of this process (see markStalled), and it arrived within the grace: it
                // may have reached the socket in time, its arrival read only after the stall. An answer handled late,
                // not loss; no sample and no clock offset, since the stall hides when it arrived.
                if (holdNanos > receivedNanos - s.t1Nanos) {
                    malformed++; // held longer than even this round trip: no pong to trust, and it spends the ping
                    s.spent = true;
                    return;
                }
                processedLate++;
                result = end(s);
                inFlight--;
                answered++;
                peerAnswered = true;
                reading = RttReading.stale();
            } else if (receivedNanos - s.deadlineNanos > 0) {
                // It arrived after the ping's timeout, though no sweep ended the ping yet: lost and late, as if the
                // sweep had come first. What counts is when the pong arrived, not when this thread got to it.
                rememberTimedOut(s, true); // this pong is its late one
                late++;
                result = end(s);
                inFlight--;
                if (peerAnswered) {
                    lost++;
                    reading = RttReading.stale();
                } else {
                    unanswered++;
                    reading = RttReading.unavailable("the peer has not answered a ping yet");
                }
            } else {
                long tripNanos = receivedNanos - s.t1Nanos;
                if (holdNanos > tripNanos) {
                    // held longer than the round trip: not a pong to trust. It spends the ping, which times out: a
                    // peer cannot try hold after hold until one fits just under the round trip
                    malformed++;
                    s.spent = true;
                    return;
                }
                // the hold is the peer's claim: subtract at most the trusted bound (a cheater cannot shrink the RTT
                // by more), and note that this one was capped
                boolean capped = holdNanos > MAX_TRUSTED_HOLD_NANOS;
                long trustedHold = capped ? MAX_TRUSTED_HOLD_NANOS : holdNanos;
                long rttNanos = tripNanos - trustedHold;
                maxHoldNanos = Math.max(maxHoldNanos, holdNanos);
                if (capped) {
                    cappedHold++;
                }
                if (nanoTime.getAsLong() - s.deadlineNanos > 0) {
                    processedLate++; // arrived in time, handled after its deadline: local lateness, not loss
                }
                long t1Nanos = s.t1Nanos;
                result = end(s);
                inFlight--;
                answered++;
                peerAnswered = true;
                if (t2Micros >= -MAX_T2_MICROS && t2Micros <= MAX_T2_MICROS) {
                    long t2 = t2Micros * 1_000;
                    offsets.add(wallNanos(t1Nanos), t2, t2 + trustedHold, wallNanos(receivedNanos), capped);
                } // else no clock: in nanoseconds the claim would wrap; the round trip is still measured

                reading = RttReading.measured(ClockOffsetEstimator.millis(rttNanos));
            }
        }
        result.complete(reading);
    }

    /** The most a ping's {@code t1} exceeds its send time: 2^20 − 1 µs, about 1 s. */
    static final long T1_SECRET_RANGE_MICROS = 1L << 20;

    /** Secrets drawn at once: one refill of {@link #secrets} every this many pings. */
    private static final int SECRETS_PER_BATCH = 256;
    /** Bytes of keystream per secret: 24 bits, of which the top 20 are used. */
    private static final int SECRET_BYTES = 3;
    /** What {@link #secretStream} encrypts into {@link #secrets}: its keystream. Never written. */
    private static final byte[] ZEROS = new byte[SECRETS_PER_BATCH * SECRET_BYTES];

    /**
     * The secret added to the next ping's {@code t1}: from 0 to {@link #T1_SECRET_RANGE_MICROS} − 1 µs, 20 bits of
     * {@link #secretStream}'s keystream, a fresh part of it for every ping. No secret follows from others (AES-CTR's
     * keystream cannot be told from random bytes without the key), so what a peer learns of one ping's secret (from our pongs' {@code t2} it can tell
     * our clock, and so part of the secret in each {@code t1}) says nothing about the next ping's. A keyed mix of the
     * sequence did not promise that: a mix that is no cryptographic function might give its key away to a peer that
     * sees part of many of its outputs. Allocates nothing: the keystream goes into one reused array, 256 secrets at a
     * time (a {@code SecureRandom}'s {@code nextBytes} allocates at each call, measured on JDK 17: NativePRNG about 3
     * KB for 1 KB, DRBG 200 B). Under the monitor.
     */
    private long nextSecretMicros(Cipher stream) {
        if (secretsUsed == secrets.length) {
            try {
                stream.update(ZEROS, 0, ZEROS.length, secrets, 0);
            } catch (ShortBufferException e) {
                throw new AssertionError("a stream cipher's output is as long as its input", e);
            }
            secretsUsed = 0;
        }
        int i = secretsUsed;
        secretsUsed += SECRET_BYTES;
        return (secrets[i] & 0xFF) << 12 | (secrets[i + 1] & 0xFF) << 4 | (secrets[i + 2] & 0xFF) >>> 4;
    }

    /** AES-CTR under a 128-bit key from {@code keySource}, counting from 0: the key is this engine's alone. */
    private static Cipher newSecretStream(SecureRandom keySource) {
        byte[] key = new byte[16];
        keySource.nextBytes(key);
        try {
            Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
            return cipher;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR/NoPadding, which the probe's ping secrets come from, is not "
                    + "available in this JVM", e);
        }
    }

    /** @param answered whether no late pong may count any more: it came already, or a pong was refused (spent) */
    private void rememberTimedOut(Slot s, boolean answered) {
        timedOut[timedOutNext] = s.sequence;
        timedOutT1[timedOutNext] = s.t1Micros;
        timedOutAnswered[timedOutNext] = answered;
        timedOutNext = (timedOutNext + 1) % TIMED_OUT_MEMORY;
        timedOutSize = Math.min(timedOutSize + 1, TIMED_OUT_MEMORY);
    }

    /**
     * Whether a pong is the late answer of a ping that timed out: its sequence and t1, and no late pong for that ping
     * yet. A pong that is, is taken: a replay of it is no answer.
     */
    private boolean lateAnswer(int sequence, long t1Micros) {
        for (int i = 0; i < timedOutSize; i++) {
            if (timedOut[i] == sequence && timedOutT1[i] == t1Micros && !timedOutAnswered[i]) {
                timedOutAnswered[i] = true;
                return true;
            }
        }
        return false;
    }

    /**
     * One reusable place for a ping in flight: free while {@code result} is {@code null}. It remembers
     * its sequence, so a pong for an older ping that used the same slot does not match. Guarded by
     * the engine's monitor.
     */
    private static final class Slot {
        int sequence;
        @Nullable CompletableFuture<RttReading> result;
        long t1Nanos;
        long t1Micros;
        long deadlineNanos;
        /** Whether its send has not returned yet: the ping is not counted sent until it returns or the ping ends. */
        boolean sending;
        /** Whether a pong for it was refused (another t1, or a hold beyond its round trip): no pong answers it now. */
        boolean spent;
        /** Whether its deadline fell in a stall of the process: it ends at {@link #graceUntilNanos}, not its deadline. */
        boolean stalled;
        /** Until when a pong may still answer it, when {@link #stalled}. */
        long graceUntilNanos;

        void hold(int sequence, CompletableFuture<RttReading> result, long t1Nanos, long t1Micros, long deadlineNanos) {
            this.sequence = sequence;
            this.result = result;
            this.t1Nanos = t1Nanos;
            this.t1Micros = t1Micros;
            this.deadlineNanos = deadlineNanos;
            this.sending = false;
            this.spent = false;
            this.stalled = false;
        }

        /** Frees the slot, which holds a ping; returns the reading to complete. */
        CompletableFuture<RttReading> release() {
            CompletableFuture<RttReading> r = Objects.requireNonNull(result, "release of a free slot");
            result = null;
            return r;
        }
    }
}
