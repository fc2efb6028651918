package io.peerpulse.webrtc;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import dev.onvoid.webrtc.RTCPeerConnection;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.webrtc.internal.ProbeCodec;
import io.peerpulse.webrtc.internal.ProbeEngine;
import io.peerpulse.webrtc.internal.ProbeExecutor;
import io.peerpulse.webrtc.internal.ProbeLoop;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * RTT over a negotiated, unordered, zero-retransmit data channel that both peers open; each
 * answers the other's pings. Wire format: {@code docs/PROBE-PROTOCOL.md}.
 *
 * <p>Open one on each peer's {@link RTCPeerConnection}, before or after it connects: the channel
 * is pre-negotiated (label {@value #LABEL}, the same {@link ProbeOptions#channelId() id} on both
 * sides), so no signalling is needed and no {@code onDataChannel} event fires. A probe answers the
 * peer's pings from the moment it is open, whether or not anything reads it.
 *
 * <p>Each {@link #read()} sends one ping and returns at once. It completes
 * <ul>
 *   <li>{@code measured} when the pong arrives: the round trip from {@link System#nanoTime()} minus
 *       the peer's hold time (its receive-to-send interval, trusted up to {@link #MAX_TRUSTED_HOLD}), rounded
 *       to 1 µs;</li>
 *   <li>{@code stale} when no pong arrived within the {@link ProbeOptions#pingTimeout() ping timeout}:
 *       the ping counts as lost (or, when this process was stalled at its deadline and the pong came within a
 *       grace after the stall, answered in {@link ProbeCounters#processedLateCount()}, unmeasured);</li>
 *   <li>{@code unavailable} when the peer has never answered yet (an old client, or its probe not
 *       open yet: not loss), or the channel is not open, or the probe is closed, or this JVM cannot set up the
 *       cipher of the pings' secrets (no {@code AES/CTR/NoPadding}: every read, its reason saying so).</li>
 * </ul>
 * It never completes exceptionally. Each pong also yields one clock-offset exchange
 * ({@link #getClockOffset()}). As a {@link ProbeStatsSource} it hands a session its counts and the
 * offset ({@link #probeStats()}), which the session exports beside the latency.
 *
 * <p><b>Threads.</b> {@link #read()} makes no call into webrtc-java: it hands its ping to the sending
 * thread that every probe of the JVM shares, {@code peerpulse-probe-send} (which, while pings come faster than
 * one per 10 ms, takes them at its ticks, so that a read wakes nobody; or the
 * {@link ProbeOptions#scheduler() scheduler} given), which sends it. A send is a blocking call into libwebrtc's threads — a few microseconds on an idle
 * machine, 10 to 39 ms measured on a loaded one — that must not hold the caller (a telemetry's polling
 * thread). webrtc-java calls back on its single native thread; the probe's callback only
 * reads {@code System.nanoTime()}, drops a peer's ping beyond {@link #PEER_PING_RATE} or a message beyond
 * {@link #MAX_QUEUED_MESSAGES} waiting but a pong to a ping in flight (counted), copies the message into a pooled
 * buffer and hands it to the probe thread, where pings are answered, pongs matched and pings timed out. In steady
 * state a ping allocates nothing in the probe beyond its reading; webrtc-java itself allocates a buffer object for
 * each message it delivers.
 *
 * <p><b>Teardown order:</b> stop whatever reads the probe (the telemetry), close the probe, close
 * the peer connection, dispose the factory. Closing the peer connection first is safe too (reads
 * become {@code unavailable}); but close the probe before the factory is disposed.
 *
 * @since 0.1.0
 */
public final class DataChannelProbe implements RttSource, ProbeStatsSource, AutoCloseable {

    /**
     * The label of the probe's data channel.
     *
     * @since 0.1.0
     */
    public static final String LABEL = "peerpulse-probe";

    /**
     * The file name of the browser script, {@link #browserScript()}.
     *
     * @since 0.1.0
     */
    public static final String BROWSER_SCRIPT = "peerpulse-probe.js";

    /**
     * The probe's {@link RttSource#name() name} as a source: the probe view of RTT.
     *
     * @since 0.1.0
     */
    public static final String NAME = "probe";

    /**
     * The longest hold time of the peer's that a reading subtracts from its round trip. The hold is the peer's
     * claim (a cheating peer claimed all but 2 ms of an 80 ms round trip); an honest responder holds a ping for
     * microseconds, a few ms when its thread waits for a CPU. A longer claim is capped to this and counted
     * ({@link ProbeCounters#cappedHoldCount()}), and a clock offset from such an exchange is not
     * {@link ClockOffset#verified() verified}. See docs/PROBE-PROTOCOL.md, "Trust model".
     *
     * @since 0.1.0
     */
    public static final Duration MAX_TRUSTED_HOLD = Duration.ofNanos(ProbeEngine.MAX_TRUSTED_HOLD_NANOS);

    /**
     * The peer's pings a probe answers per second at most; more are dropped on arrival and counted
     * ({@link ProbeCounters#peerPingsDroppedCount()}). An honest peer pings at 1 to 10 Hz; a flooding one (9,000
     * pings a second were measured) must not occupy the probe thread that every probe of the JVM shares. See
     * docs/PROBE-PROTOCOL.md, "Trust model".
     *
     * @since 0.1.0
     */
    public static final int PEER_PING_RATE = ProbeEngine.PEER_PING_RATE;

    /**
     * The peer's pings a probe answers at once, before {@link #PEER_PING_RATE} applies (a token bucket of this size).
     *
     * @since 0.1.0
     */
    public static final int PEER_PING_BURST = ProbeEngine.PEER_PING_BURST;

    /**
     * Received messages of one probe that may wait for the probe thread; more are dropped on arrival and counted
     * ({@link ProbeCounters#inboundDroppedCount()}), so that one probe's traffic never stands in front of another
     * probe's work for long; but a pong to a ping of this probe in flight passes, once per ping, so that a flood is
     * not read as the loss of that ping. An honest exchange has one ping and one pong per poll in flight.
     *
     * @since 0.1.0
     */
    public static final int MAX_QUEUED_MESSAGES = 32;

    /** Longer messages are not copied off the native buffer: they cannot be probe messages. */
    private static final int MAX_MESSAGE = 1024;
    /** Received messages waiting for the executor in reusable buffers; more wait in fresh ones. */
    private static final int INBOUND_POOL = 8;

    private final RTCDataChannel channel;
    private final ProbeOptions options;
    private final ProbeExecutor executor;
    private final ProbeEngine engine;
    private final Object closeLock = new Object();
    private final Inbound[] freeInbound = new Inbound[INBOUND_POOL];
    private int freeInboundCount;
    /** Received messages handed to the executor and not handled yet; guarded by {@link #freeInbound}. */
    private int queuedInbound;
    private volatile boolean closed;
    /**
     * The channel's state as last read: at open, after each state change the channel reports, and by a
     * ping that finds it not open. A ping on an open channel checks only this, not {@code getState()},
     * which is a blocking call through libwebrtc's signalling thread (about 60 µs and two thread
     * wake-ups on this machine). A ping sent after a close that is not reported yet (or never: a local
     * {@code RTCPeerConnection.close()}) is ended unavailable when the report arrives, as any ping in flight
     * then, or when it times out and the state, read again, is not open. Written under {@link #closeLock}.
     */
    private volatile RTCDataChannelState channelState = RTCDataChannelState.CONNECTING;
    /**
     * What the channel calls back. webrtc-java 0.14 never releases the JNI global reference it takes to a registered
     * observer ({@code unregisterObserver} and {@code dispose} leave it): the observer stays reachable for the life
     * of the JVM, so it refers to this probe only until {@link #close()}, and a closed probe can be collected.
     */
    private final Observer observer = new Observer(this);

    private DataChannelProbe(RTCDataChannel channel, ProbeOptions options) {
        this.channel = channel;
        this.options = options;
        this.executor = options.scheduler().map(ProbeExecutor::of).orElseGet(ProbeLoop::shared);
        this.engine = new ProbeEngine(new ChannelLink(), executor,
                options.scheduler().map(ProbeExecutor::of).orElseGet(ProbeLoop::sender), options.clock(), System::nanoTime,
                options.pingTimeout(), options.offsetWindowCount());
        for (int i = 0; i < INBOUND_POOL; i++) {
            freeInbound[freeInboundCount++] = new Inbound(true, new byte[ProbeCodec.PONG_LENGTH]);
        }
    }

    /**
     * Opens a probe with the {@link ProbeOptions#defaults() default options}.
     *
     * @param peerConnection a connection that has, or will have, an SCTP transport
     * @return the probe, answering the peer's pings from now on
     * @throws IllegalStateException when the channel cannot be created because the connection is closed. A channel
     *                               id still in use on the connection is no exception but a JVM crash: see
     *                               {@link #open(RTCPeerConnection, ProbeOptions)}
     * @since 0.1.0
     */
    public static DataChannelProbe open(RTCPeerConnection peerConnection) {
        return open(peerConnection, ProbeOptions.defaults());
    }

    /**
     * Opens a probe.
     *
     * @param peerConnection a connection that has, or will have, an SCTP transport
     * @param options        channel id, ping timeout, clock, scheduler, offset window
     * @return the probe, answering the peer's pings from now on
     * @throws IllegalStateException when the channel cannot be created because the connection is closed. <b>A
     *                               channel id still in use on the connection</b> (another channel of that id, or a
     *                               probe's closed less than a round trip ago, before the peer confirmed the close)
     *                               is no exception: libwebrtc refuses the channel and webrtc-java 0.14 crashes the
     *                               JVM formatting that error (SIGSEGV in libc). Open one probe per connection and
     *                               id at a time, and keep it for the connection's life.
     * @since 0.1.0
     */
    public static DataChannelProbe open(RTCPeerConnection peerConnection, ProbeOptions options) {
        Objects.requireNonNull(peerConnection, "peerConnection");
        Objects.requireNonNull(options, "options");
        RTCDataChannelInit init = new RTCDataChannelInit();
        init.negotiated = true;
        init.id = options.channelId();
        init.ordered = false;
        init.maxRetransmits = 0;
        // webrtc-java passes every field on; libwebrtc reads a negative value as unset, and refuses
        // a channel with both a retransmit limit and a lifetime
        init.maxPacketLifeTime = -1;
        RTCDataChannel channel;
        try {
            channel = peerConnection.createDataChannel(LABEL, init);
        } catch (RuntimeException e) {
            throw new IllegalStateException("could not open the probe channel (id " + options.channelId()
                    + "): " + e.getMessage(), e);
        }
        if (channel == null) {
            throw new IllegalStateException("could not open the probe channel (id " + options.channelId() + ")");
        }
        DataChannelProbe probe = new DataChannelProbe(channel, options);
        channel.registerObserver(probe.observer);
        // after registering: a change from now on is read again by the observer's refresh
        probe.refreshState();
        return probe;
    }

    /**
     * The browser side of the probe, {@code peerpulse-probe.js}: a dependency-free ES module speaking the
     * same protocol, for a Java server to serve to its pages (as {@code text/javascript}). It is the
     * resource {@code io/peerpulse/webrtc/peerpulse-probe.js} of this module, read here because a named
     * module's resources are not visible to other modules' {@code getResourceAsStream}.
     *
     * @return the script's bytes (UTF-8), a fresh copy
     * @throws IllegalStateException when the resource is missing from the jar (a broken build)
     * @since 0.1.0
     */
    public static byte[] browserScript() {
        try (java.io.InputStream in = DataChannelProbe.class.getResourceAsStream(BROWSER_SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException("resource " + BROWSER_SCRIPT + " missing next to DataChannelProbe");
            }
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + BROWSER_SCRIPT, e);
        }
    }

    /**
     * Starts a ping, sent by the probes' sending thread, and returns at once.
     *
     * @return completes measured (RTT minus the peer's hold time, ms, 1 µs resolution), stale (no pong
     *         in time: lost) or unavailable (never answered yet, channel not open, closed, no AES/CTR in this JVM)
     * @since 0.1.0
     */
    @Override
    public CompletionStage<RttReading> read() {
        return engine.read();
    }

    /**
     * @return what the probe has seen since it opened; once {@link #close()} returned, what it had seen until then,
     *         for good
     * @since 0.1.0
     */
    public ProbeCounters getCounters() {
        return engine.counters();
    }

    /**
     * The counts and the clock offset, as a session exports them.
     *
     * @return sent, answered, lost, late and unanswered pings, the loss ratio, and the offset (with its
     *         error bound and time) when there is one and it is {@link ClockOffset#verified() verified}: an offset
     *         from an exchange whose hold time was capped is the claim of a peer that is not an honest responder,
     *         and is not exported ({@link #getClockOffset()} still shows it, marked); the hold and drop counts and
     *         the peer's refused, unknown-version, unmatched and inbound-dropped messages, so that a hostile peer's
     *         flood shows in the export ({@link ProbeCounters} without {@code peerPingsAnsweredCount})
     * @since 0.1.0
     */
    @Override
    public ProbeStats probeStats() {
        ProbeCounters c = getCounters();
        ClockOffset offset = getClockOffset().filter(ClockOffset::verified).orElse(null);
        return new ProbeStats(c.sentCount(), c.answeredCount(), c.lostCount(), c.lateCount(), c.unansweredCount(),
                c.lossRatio(),
                offset == null ? null : offset.offsetMs(), offset == null ? null : offset.errorBoundMs(),
                offset == null ? null : offset.timestampEpochMs(), c.cappedHoldCount(), c.maxHoldMs(),
                c.peerPingsDroppedCount(), c.processedLateCount(), c.malformedCount(), c.unknownVersionCount(),
                c.unmatchedCount(), c.inboundDroppedCount());
    }

    /**
     * @return {@value #NAME}
     * @since 0.1.0
     */
    @Override
    public String name() {
        return NAME;
    }

    /**
     * The peer's clock minus ours, from the lowest-delay exchange of the recent
     * {@link ProbeOptions#offsetWindowCount() window}.
     *
     * @return the estimate, empty before the first pong
     * @since 0.1.0
     */
    public Optional<ClockOffset> getClockOffset() {
        return engine.clockOffset();
    }

    /**
     * @return the options the probe was opened with
     * @since 0.1.0
     */
    public ProbeOptions options() {
        return options;
    }

    /**
     * Closes the probe's data channel; reads in flight and later complete {@code unavailable} (pings in flight
     * count as unanswered). Its counters, {@link #probeStats()} and clock offset are final once it returned: a
     * peer's message still waiting for the probe thread then, or arriving after, is dropped uncounted.
     * Idempotent, never throws. Call it before the peer connection's factory is disposed. It may be called on
     * webrtc-java's signalling thread (from a callback); a call that comes while another one closes the channel
     * returns at once, leaving the channel to that one.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            // under the lock: every send and state query checks it there first, so none touches the channel now
            closed = true;
            channelState = RTCDataChannelState.CLOSED;
        }
        // outside the lock: these calls wait for the connection's signalling thread, where another close() (from a
        // callback) would otherwise wait for the lock, both for good
        quietly(channel::unregisterObserver);
        quietly(channel::close);
        quietly(channel::dispose);
        observer.probe = null; // webrtc-java keeps the observer for good: it must not keep this probe
        engine.close("probe closed");
    }

    @Override
    public String toString() {
        return "DataChannelProbe[channelId=" + options.channelId() + (closed ? ", closed" : "") + ", "
                + getCounters() + "]";
    }

    /** webrtc-java throws NullPointerException on a disposed handle, and an Error when dispose finds other references. */
    private static void quietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException | AssertionError | LinkageError e) {
            // closing anyway
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Error e) {
            // "Native object was not deleted": our reference is released all the same
        }
    }

    /**
     * Reads the channel's state and keeps it for the pings. Under the lock, so that of two refreshes the
     * one that reads later also writes later.
     */
    private RTCDataChannelState refreshState() {
        synchronized (closeLock) {
            RTCDataChannelState state;
            if (closed) {
                state = RTCDataChannelState.CLOSED;
            } else {
                try {
                    state = channel.getState();
                } catch (RuntimeException disposed) {
                    state = RTCDataChannelState.CLOSED;
                }
            }
            channelState = state;
            return state;
        }
    }

    /**
     * @param batched whether the task may wait for the loop's next tick ({@link ProbeExecutor#executeBatched})
     * @return whether the executor took the task (a shut-down scheduler does not: nothing can answer any more)
     */
    private boolean handOff(Runnable task, boolean batched) {
        try {
            if (batched) {
                executor.executeBatched(task);
            } else {
                executor.execute(task);
            }
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /**
     * A pooled buffer for a probe-sized message, or a fresh one for a longer message or when all are in use; or
     * {@code null} when {@link #MAX_QUEUED_MESSAGES} already wait for the executor (the message is then dropped), unless
     * {@code beyondBound} (a pong with its ping's pass, {@link ProbeEngine#admitPong}).
     */
    private @Nullable Inbound takeInbound(int length, boolean beyondBound) {
        synchronized (freeInbound) {
            if (queuedInbound >= MAX_QUEUED_MESSAGES && !beyondBound) {
                return null;
            }
            queuedInbound++;
            if (length <= ProbeCodec.PONG_LENGTH && freeInboundCount > 0) {
                Inbound in = freeInbound[--freeInboundCount];
                freeInbound[freeInboundCount] = null;
                return in;
            }
        }
        return new Inbound(false, new byte[length]);
    }

    private void release(Inbound in) {
        synchronized (freeInbound) {
            queuedInbound--;
            if (in.pooled) {
                freeInbound[freeInboundCount++] = in;
            }
        }
    }

    private final class ChannelLink implements ProbeEngine.Link {
        @Override
        public int waitingMessages() {
            synchronized (freeInbound) {
                return queuedInbound;
            }
        }

        /** One wrapper per array the engine reuses (its ping and its pong buffer), made on first use; under closeLock. */
        private final RTCDataChannelBuffer[] wrappers = new RTCDataChannelBuffer[2];

        @Override
        public @Nullable String unavailableReason() {
            // open when last read (the steady state): no native call; else it may be open by now, its change
            // still on the way to the executor
            return !closed && channelState == RTCDataChannelState.OPEN ? null : unavailableReasonNow();
        }

        @Override
        public @Nullable String unavailableReasonNow() {
            if (closed) {
                return "probe closed";
            }
            RTCDataChannelState state = refreshState();
            return state == RTCDataChannelState.OPEN ? null : "probe channel " + state;
        }

        @Override
        public void send(byte[] message) throws Exception {
            synchronized (closeLock) {
                if (closed) {
                    throw new IllegalStateException("probe closed");
                }
                // webrtc-java sends a heap buffer's whole array() and copies it (JNI_RTCDataChannel.cpp,
                // sendByteArrayBuffer: a CopyOnWriteBuffer made before Send): reusing it after this is safe
                channel.send(wrapper(message));
            }
        }

        private RTCDataChannelBuffer wrapper(byte[] message) {
            for (int i = 0; i < wrappers.length; i++) {
                if (wrappers[i] == null) {
                    wrappers[i] = new RTCDataChannelBuffer(ByteBuffer.wrap(message), true);
                    return wrappers[i];
                }
                if (wrappers[i].data.array() == message) {
                    return wrappers[i];
                }
            }
            return new RTCDataChannelBuffer(ByteBuffer.wrap(message), true);
        }
    }

    /** A received message on its way to the executor; pooled ones go back to the pool once handled. */
    private final class Inbound implements Runnable {
        final boolean pooled;
        final byte[] bytes;
        int length;
        boolean binary;
        long receivedNanos;

        Inbound(boolean pooled, byte[] bytes) {
            this.pooled = pooled;
            this.bytes = bytes;
        }

        @Override
        public void run() {
            try {
                engine.onMessage(bytes, length, binary, receivedNanos);
            } finally {
                release(this);
            }
        }
    }

    /** A message from the channel, on webrtc-java's native thread: note the time, copy, hand off, return. */
    private void received(RTCDataChannelBuffer buffer) {
        long receivedNanos = System.nanoTime();
        if (closed) {
            return;
        }
        // the buffer wraps native memory that is freed when this callback returns
        ByteBuffer data = buffer.data;
        int length = data == null ? 0 : data.remaining();
        if (length > MAX_MESSAGE) {
            // counted here, lock-free: a flood of large messages queues nothing. In the protocol's order of checks:
            // text is malformed, and a binary message of another version is a newer peer's at any length
            if (buffer.binary && data.get(data.position()) != ProbeCodec.VERSION) {
                engine.onUnknownVersion();
            } else {
                engine.onMalformed();
            }
            return;
        }
        // a peer's ping beyond the answer rate is dropped here, before any copy or hand-off: a flood of pings
        // never reaches the probe thread that every probe shares. A text message is no ping (malformed): it takes
        // no token, or text shaped like pings would use up the peer's answers and count as its dropped pings
        if (ProbeCodec.isPing(data, length, buffer.binary) && !engine.admitPing(receivedNanos)) {
            return;
        }
        boolean pong = ProbeCodec.isPong(data, length, buffer.binary);
        Inbound in = takeInbound(length, false);
        // a full queue: a pong to a ping of ours in flight still goes (once per ping: ProbeEngine.admitPong), since it
        // arrived, and dropped it would count as network loss; anything else is dropped
        if (in == null && pong && engine.admitPong(ProbeCodec.pongSequence(data))) {
            in = takeInbound(length, true);
        }
        if (in == null) {
            engine.onInboundDropped(); // lock-free: this thread never waits for the engine's monitor
            return;
        }
        if (length > 0) {
            data.get(data.position(), in.bytes, 0, length);
        }
        in.length = length;
        in.binary = buffer.binary;
        in.receivedNanos = receivedNanos;
        // the executor's queue publishes these fields to its thread. A pong may wait for the probe thread's next tick
        // while it is busy: its arrival time is read above, and a due ping's timeout waits for the messages queued
        // before it (ProbeEngine's sweep), so only its reading completes later; a peer's ping is answered at once
        // (its hold time, which the peer subtracts up to a bound, would grow), and anything else is rare
        if (!handOff(in, pong)) {
            release(in);
        }
    }

    /** The channel's state changed, on webrtc-java's thread: see {@link Observer}. */
    private void stateChanged() {
        if (closed) {
            return;
        }
        handOff(() -> {
            RTCDataChannelState state = refreshState();
            if (!closed && (state == RTCDataChannelState.CLOSING || state == RTCDataChannelState.CLOSED)) {
                engine.abandonPending("probe channel " + state);
            }
        }, false);
    }

    /**
     * The channel's observer: passes each callback to its probe until the probe closes. Static, and its probe
     * cleared at {@link #close()}, because webrtc-java holds a registered observer for the life of the JVM.
     */
    private static final class Observer implements RTCDataChannelObserver {
        volatile @Nullable DataChannelProbe probe;

        Observer(DataChannelProbe probe) {
            this.probe = probe;
        }

        @Override
        public void onMessage(RTCDataChannelBuffer buffer) {
            DataChannelProbe to = probe;
            if (to != null) {
                to.received(buffer);
            }
        }

        @Override
        public void onStateChange() {
            DataChannelProbe to = probe;
            if (to != null) {
                to.stateChanged();
            }
        }

        @Override
        public void onBufferedAmountChange(long previousAmount) {
            // nothing: a probe message is tiny and never waits
        }
    }
}
