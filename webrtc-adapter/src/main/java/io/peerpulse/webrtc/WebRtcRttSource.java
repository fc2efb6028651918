package io.peerpulse.webrtc;

import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCStatsCollectorCallback;
import dev.onvoid.webrtc.RTCStatsReport;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.webrtc.internal.CandidatePairRtt;
import io.peerpulse.webrtc.internal.ProbeLoop;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The RTT of a webrtc-java {@link RTCPeerConnection}, read from the ICE candidate pair its
 * transport selected.
 *
 * <p><b>Fresh, not stale.</b> libwebrtc refreshes a stable pair's {@code currentRoundTripTime}
 * only about every 2.5 s and freezes it during an outage. In the default {@link Mode#RESPONSES}
 * a read is {@code measured} only when {@code responsesReceived} grew since the previous read of
 * the same pair, valued Δ{@code totalRoundTripTime} / Δ{@code responsesReceived} (the exact mean of
 * the STUN round trips in between); otherwise {@code stale}. A new selected pair (ICE restart, new
 * path) starts a new baseline whose first reading is its {@code currentRoundTripTime}.
 * {@link Mode#CURRENT_EVERY_POLL} records {@code currentRoundTripTime} on every read instead, as
 * the original browser feature did, for parity.
 *
 * <p>A read is {@code unavailable} when the connection state is not {@code CONNECTED}, the
 * connection is closed, or no pair is selected; it never calls {@code getStats} on a connection
 * that is not connected. Readings carry the path type (candidate types and protocol), never an
 * address.
 *
 * <p><b>At libwebrtc's pace.</b> In {@link Mode#RESPONSES} the source asks for stats no more often than
 * libwebrtc refreshes them: within {@link #REFRESH_PERIOD} of the start of the last request that found new STUN
 * responses, a read is {@code stale} at once (connected, nothing new), as it would be after asking (without
 * {@link #onConnectionChange(RTCPeerConnectionState)} forwarded, the stats thread asks only the state). Every STUN
 * round trip is still counted (the mean over Δ{@code responsesReceived}); at 1 Hz polling a fresh reading comes
 * every 3 s instead of 2 or 3 s apart, at a third of the requests. Readers of one source share the request in
 * flight.
 *
 * <p><b>Never waiting.</b> {@link #read()} makes no call into webrtc-java on its caller's thread:
 * {@code getConnectionState()} and {@code getStats} are blocking calls (webrtc-java's JNI calls
 * {@code GetStats} on the calling thread, and libwebrtc's peer-connection proxy runs it synchronously on the
 * signalling thread; up to 395 ms measured with 500 connections on 2 cores), so a read queues its request for the
 * JVM's one stats thread, {@code peerpulse-webrtc-stats} (which, while requests come faster than one per 10 ms,
 * takes them at its ticks, so that a read wakes nobody). Better still, forward
 * your {@code PeerConnectionObserver.onConnectionChange} to {@link #onConnectionChange(RTCPeerConnectionState)}:
 * the source then knows the state from webrtc-java's callbacks, a read of a connection that is not connected is
 * answered at once without any call, and a connected one only asks for stats — {@code getStats} with a callback,
 * which completes the read. The stats callback, which arrives on libwebrtc's signalling thread, only hands the
 * report to the stats thread, where it is interpreted; nothing webrtc-java throws escapes {@link #read()} other
 * than as an {@code unavailable} reading or a failed stage.
 *
 * <pre>{@code
 * WebRtcRttSource[] ice = new WebRtcRttSource[1];
 * RTCPeerConnection pc = factory.createPeerConnection(config, new PeerConnectionObserver() {
 *     public void onConnectionChange(RTCPeerConnectionState state) {
 *         WebRtcRttSource source = ice[0];
 *         if (source != null) {
 *             source.onConnectionChange(state);   // only stores it: fine on webrtc-java's native thread
 *         }
 *     }
 *     ...
 * });
 * ice[0] = WebRtcRttSource.of(pc);
 * }</pre>
 *
 * <p>Teardown order: close the source (a session's {@code close()} does), then the peer connection, then dispose
 * the factory. A call into webrtc-java that is in progress when the factory is disposed crashes the JVM in native
 * code, so {@link #close()} waits for the one in progress, and none starts after it; stopping a telemetry does not
 * close its source. Closing the connection first is answered {@code unavailable}, but a call already in progress
 * then may still meet the disposed factory.
 *
 * @since 0.1.0
 */
public final class WebRtcRttSource implements RttSource {

    /**
     * What a read reports.
     *
     * @since 0.1.0
     */
    public enum Mode {
        /** A measurement only when new STUN responses arrived: the mean of their round trips (default). */
        RESPONSES,
        /** {@code currentRoundTripTime} on every read, duplicates and frozen values included (parity). */
        CURRENT_EVERY_POLL
    }

    /**
     * The source's {@link RttSource#name() name}: the ICE view of RTT.
     *
     * @since 0.1.0
     */
    public static final String NAME = "ice";

    /**
     * How often libwebrtc refreshes a stable candidate pair's round trip: its STUN checks of a
     * writable, stable connection, every 2.5 s ({@code STRONG_PING_INTERVAL}); between them reads are
     * {@code stale}.
     *
     * @since 0.1.0
     */
    public static final Duration REFRESH_PERIOD = Duration.ofMillis(2500);

    /** How long a request may wait for libwebrtc's answer before a read asks again: 10 s. */
    private static final long ANSWER_LIMIT_NANOS = 10_000_000_000L;
    private static final long NEVER = Long.MIN_VALUE;
    private static final CompletionStage<RttReading> STALE = CompletableFuture.completedStage(RttReading.stale());
    private static final CompletionStage<RttReading> CLOSED =
            CompletableFuture.completedStage(RttReading.unavailable("source closed"));

    /** How long {@link #close()} waits for a call into webrtc-java in progress: 1 s. */
    private static final long CLOSE_WAIT_NANOS = 1_000_000_000L;

    /** The calls a read makes into webrtc-java, on the stats thread; a test's own in this package. */
    interface Calls {
        RTCPeerConnectionState connectionState();

        void stats(RTCStatsCollectorCallback callback);
    }

    private final @Nullable RTCPeerConnection peerConnection;
    private final Calls calls;
    private final long closeWaitNanos;
    /** Held by the stats thread while it checks {@link #closed} and calls into webrtc-java: what close() waits for. */
    private final ReentrantLock calling = new ReentrantLock();
    /**
     * The thread the stats callbacks come on (webrtc-java's signalling thread, where its observers are called too),
     * once one came: close() there cannot wait.
     */
    private volatile @Nullable Thread callbackThread;
    private final Mode mode;
    private final CandidatePairRtt interpreter;
    private final long refreshNanos;
    private volatile boolean closed;
    /* Under this object's monitor: the request all readers share, when it started, and the start of the last one
       that found new STUN responses. */
    private @Nullable CompletableFuture<RttReading> inFlight;
    private long inFlightSince;
    private long freshSince = NEVER;
    /** The state webrtc-java's observer last reported, {@code null} until the application forwards one. */
    private volatile @Nullable RTCPeerConnectionState reportedState;

    private WebRtcRttSource(RTCPeerConnection peerConnection, Mode mode) {
        this(Objects.requireNonNull(peerConnection, "peerConnection"), mode, new Calls() {
            @Override
            public RTCPeerConnectionState connectionState() {
                return peerConnection.getConnectionState();
            }

            @Override
            public void stats(RTCStatsCollectorCallback callback) {
                peerConnection.getStats(callback);
            }
        }, CLOSE_WAIT_NANOS);
    }

    WebRtcRttSource(@Nullable RTCPeerConnection peerConnection, Mode mode, Calls calls, long closeWaitNanos) {
        this.peerConnection = peerConnection;
        this.calls = calls;
        this.closeWaitNanos = closeWaitNanos;
        this.mode = Objects.requireNonNull(mode, "mode");
        this.interpreter = new CandidatePairRtt(mode == Mode.CURRENT_EVERY_POLL);
        this.refreshNanos = refreshPeriod().toNanos();
    }

    /**
     * A source in {@link Mode#RESPONSES}.
     *
     * @param peerConnection the connection to measure
     * @return the source
     * @since 0.1.0
     */
    public static WebRtcRttSource of(RTCPeerConnection peerConnection) {
        return new WebRtcRttSource(peerConnection, Mode.RESPONSES);
    }

    /**
     * A source in the given mode.
     *
     * @param peerConnection the connection to measure
     * @param mode           what a read reports
     * @return the source
     * @since 0.1.0
     */
    public static WebRtcRttSource of(RTCPeerConnection peerConnection, Mode mode) {
        return new WebRtcRttSource(peerConnection, mode);
    }

    /**
     * @return what a read reports
     * @since 0.1.0
     */
    public Mode mode() {
        return mode;
    }

    /**
     * @return the connection measured
     * @since 0.1.0
     */
    public RTCPeerConnection peerConnection() {
        return Objects.requireNonNull(peerConnection, "a test's source has no connection");
    }

    /**
     * Takes the connection's state as webrtc-java's observer reports it: call from your
     * {@code PeerConnectionObserver.onConnectionChange}. It only stores the state (fine on webrtc-java's
     * native thread). From the first call on, reads take the state from here and never ask the connection
     * for it.
     *
     * @param state the new state
     * @since 0.1.0
     */
    public void onConnectionChange(RTCPeerConnectionState state) {
        this.reportedState = Objects.requireNonNull(state, "state");
    }

    /**
     * Starts one read and returns at once, without calling into webrtc-java:
     * <ul>
     *   <li>a connection reported not connected ({@link #onConnectionChange(RTCPeerConnectionState)}), or a closed
     *       source, is answered {@code unavailable} at once;</li>
     *   <li>while a stats request of this source is in flight, every read shares it: each gets a stage of its own
     *       (a copy) completed with the same reading, so a reader that cancels or completes its stage changes no
     *       other reader's;</li>
     *   <li>in {@link Mode#RESPONSES}, within {@link #REFRESH_PERIOD} of the start of the last request that found
     *       new STUN responses, libwebrtc has nothing new to tell: the read is answered {@code stale} (connected,
     *       nothing new) at once, with no request, when the state is reported connected; when it is not reported,
     *       the stats thread asks only the state ({@code getConnectionState()}, far cheaper than the stats) and
     *       answers {@code stale} or {@code unavailable};</li>
     *   <li>otherwise the read queues a request for the JVM's stats thread, {@code peerpulse-webrtc-stats}, and
     *       its stage completes there with the reading.</li>
     * </ul>
     *
     * @return the reading's stage; completed at once when no request is needed
     */
    @Override
    public CompletionStage<RttReading> read() {
        RTCPeerConnectionState reported = reportedState;
        if (reported != null && reported != RTCPeerConnectionState.CONNECTED) {
            return CompletableFuture.completedStage(RttReading.unavailable("connection state " + reported));
        }
        if (closed) {
            return CLOSED;
        }
        CompletableFuture<RttReading> started;
        boolean stateOnly = false;
        synchronized (this) {
            long now = System.nanoTime();
            CompletableFuture<RttReading> pending = inFlight;
            if (pending != null) {
                if (now - inFlightSince < ANSWER_LIMIT_NANOS) {
                    return pending.copy();
                }
                inFlight = null; // libwebrtc never answered (a connection closed meanwhile): ask again
                pending.complete(RttReading.unavailable("no stats from libwebrtc within "
                        + ANSWER_LIMIT_NANOS / 1_000_000_000 + " s"));
            }
            if (refreshNanos > 0 && freshSince != NEVER && now - freshSince < refreshNanos) {
                if (reported != null) {
                    return STALE; // connected, as reported: nothing new to ask for
                }
                stateOnly = true; // connected? only the connection knows: ask it that, not for the stats
                started = new CompletableFuture<>();
            } else {
                started = new CompletableFuture<>();
                inFlight = started;
                inFlightSince = now;
            }
        }
        ProbeLoop.stats().executeBatched(stateOnly ? () -> staleIfConnected(started) : () -> request(started));
        return started.copy(); // the request's own stage stays ours: readers share it, none can complete it

    }

    /**
     * Closes the source: reads from now on are {@code unavailable} and a request still queued makes no call into
     * webrtc-java. A call into webrtc-java in progress on the stats thread ({@code getConnectionState()} or
     * {@code getStats}, which wait for the connection's signalling thread) is waited for, at most 1 s, so that the
     * factory can be disposed once this returns, also on an interrupted thread (whose interrupt is kept); on
     * webrtc-java's own callback thread, which that call waits for, it returns at once (the thread the stats
     * callbacks came on: until the first came, a close() there waits out the 1 s). Idempotent. It does not close the peer connection.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        closed = true;
        if (Thread.currentThread() == callbackThread) {
            return; // the call in progress waits for this very thread to return
        }
        // not interruptible: a game loop stopped by interrupt() closes its source, then disposes the factory
        boolean interrupted = false;
        boolean idle;
        long deadline = System.nanoTime() + closeWaitNanos;
        while (true) {
            try {
                idle = calling.tryLock(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                break;
            } catch (InterruptedException e) {
                interrupted = true; // kept for the caller, once the wait is over
            }
        }
        if (idle) {
            calling.unlock();
        } else {
            System.getLogger(WebRtcRttSource.class.getName()).log(System.Logger.Level.WARNING, "close() of "
                    + this + " returned after " + TimeUnit.NANOSECONDS.toMillis(closeWaitNanos) + " ms with a call"
                    + " into webrtc-java still in progress: disposing the connection's factory now may crash the"
                    + " JVM (is close() called from a thread webrtc-java's signalling thread waits for?)");
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** On the stats thread: the state unless reported, then the stats, whose callback completes the read. */
    private void request(CompletableFuture<RttReading> result) {
        RttReading known;
        calling.lock();
        try {
            known = askStats(result);
        } finally {
            calling.unlock();
        }
        if (known != null) {
            finish(result, known);
        }
    }

    /** Under {@link #calling}: the reading known without the stats, or {@code null} once they were asked for. */
    private @Nullable RttReading askStats(CompletableFuture<RttReading> result) {
        RTCPeerConnectionState reported = reportedState; // the latest: the connection may have closed since the read
        if (closed) {
            return RttReading.unavailable("source closed");
        }
        if (reported != null && reported != RTCPeerConnectionState.CONNECTED) {
            return RttReading.unavailable("connection state " + reported);
        }
        if (reported == null) {
            RttReading notConnected = unlessConnected();
            if (notConnected != null) {
                return notConnected;
            }
        }
        try {
            calls.stats(report -> {
                callbackThread = Thread.currentThread();
                ProbeLoop.stats().execute(() -> interpret(report, result));
            });
            return null;
        } catch (RuntimeException closedMeanwhile) {
            return RttReading.unavailable("peer connection closed");
        }
    }

    /** Under {@link #calling}: {@code null} when the connection says it is connected, else why it is unavailable. */
    private @Nullable RttReading unlessConnected() {
        RTCPeerConnectionState state;
        try {
            state = calls.connectionState();
        } catch (RuntimeException closedConnection) {
            // webrtc-java throws NullPointerException("Object handle is null") once closed
            return RttReading.unavailable("peer connection closed");
        }
        return state == RTCPeerConnectionState.CONNECTED ? null : RttReading.unavailable("connection state " + state);
    }

    /** On the stats thread, between refreshes of a source not told the state: stale when connected. */
    private void staleIfConnected(CompletableFuture<RttReading> result) {
        RttReading reading;
        calling.lock();
        try {
            RTCPeerConnectionState reported = reportedState;
            if (closed) {
                reading = RttReading.unavailable("source closed");
            } else if (reported != null) {
                reading = reported == RTCPeerConnectionState.CONNECTED ? RttReading.stale()
                        : RttReading.unavailable("connection state " + reported);
            } else {
                RttReading notConnected = unlessConnected();
                reading = notConnected != null ? notConnected : RttReading.stale();
            }
        } finally {
            calling.unlock();
        }
        result.complete(reading);
    }

    private void interpret(RTCStatsReport report, CompletableFuture<RttReading> result) {
        RttReading reading;
        try {
            reading = interpreter.interpret(report.getStats());
        } catch (RuntimeException e) {
            synchronized (this) {
                if (inFlight == result) {
                    inFlight = null;
                }
            }
            result.completeExceptionally(e);
            return;
        }
        finish(result, reading);
    }

    /**
     * Ends the request in flight: a reading with new STUN responses starts the refresh period, measured from when
     * the read asked (the responses it found arrived before that).
     */
    private void finish(CompletableFuture<RttReading> result, RttReading reading) {
        synchronized (this) {
            if (inFlight == result) {
                inFlight = null;
                if (reading instanceof RttReading.Measured) {
                    freshSince = inFlightSince;
                }
            }
        }
        result.complete(reading);
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
     * @return {@link #REFRESH_PERIOD} in {@link Mode#RESPONSES}; {@link Duration#ZERO} in
     *         {@link Mode#CURRENT_EVERY_POLL}, which records a value at every read
     * @since 0.1.0
     */
    @Override
    public Duration refreshPeriod() {
        return mode == Mode.RESPONSES ? REFRESH_PERIOD : Duration.ZERO;
    }

    @Override
    public String toString() {
        return "WebRtcRttSource[mode=" + mode + "]";
    }
}
