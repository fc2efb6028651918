package io.peerpulse.webrtc;

import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCStatsReport;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.webrtc.internal.CandidatePairRtt;
import io.peerpulse.webrtc.internal.StatsHandoff;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
 * <p><b>Never waiting.</b> {@link #read()} makes no call into webrtc-java on its caller's thread:
 * {@code getConnectionState()} and {@code getStats} are blocking calls through libwebrtc's signalling
 * thread (up to 320 ms measured on a loaded machine), so a read hands them to a PeerPulse call thread and
 * returns. Better still, forward your {@code PeerConnectionObserver.onConnectionChange} to
 * {@link #onConnectionChange(RTCPeerConnectionState)}: the source then knows the state from webrtc-java's
 * callbacks, a read of a connection that is not connected is answered at once without any call, and a
 * connected one only asks for stats — {@code getStats} with a callback, which completes the read. The stats
 * callback, which arrives on webrtc-java's one native thread, only hands the report to a PeerPulse daemon
 * thread, where it is interpreted; nothing webrtc-java throws escapes {@link #read()} other than as an
 * {@code unavailable} reading or a failed stage.
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
 * <p>Teardown order: stop the telemetry, then close the peer connection, then dispose the factory.
 * A {@code getStats} after the factory was disposed crashes the JVM in native code.
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

    private final RTCPeerConnection peerConnection;
    private final Mode mode;
    private final CandidatePairRtt interpreter;
    /** The state webrtc-java's observer last reported, {@code null} until the application forwards one. */
    private volatile @Nullable RTCPeerConnectionState reportedState;

    private WebRtcRttSource(RTCPeerConnection peerConnection, Mode mode) {
        this.peerConnection = Objects.requireNonNull(peerConnection, "peerConnection");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.interpreter = new CandidatePairRtt(mode == Mode.CURRENT_EVERY_POLL);
    }

    /**
     * A source in {@link Mode#RESPONSES}.
     *
     * @param peerConnection the connection to measure
     * @return the source
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
     */
    public static WebRtcRttSource of(RTCPeerConnection peerConnection, Mode mode) {
        return new WebRtcRttSource(peerConnection, mode);
    }

    /** @return what a read reports */
    public Mode mode() {
        return mode;
    }

    /** @return the connection measured */
    public RTCPeerConnection peerConnection() {
        return peerConnection;
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
     * Starts one read and returns at once, without calling into webrtc-java on this thread: a connection
     * reported not connected ({@link #onConnectionChange(RTCPeerConnectionState)}) is answered at once;
     * otherwise a PeerPulse thread asks for the state (unless reported) and the stats.
     *
     * @return a stage completed on a PeerPulse thread with the reading
     */
    @Override
    public CompletionStage<RttReading> read() {
        RTCPeerConnectionState reported = reportedState;
        if (reported != null && reported != RTCPeerConnectionState.CONNECTED) {
            return CompletableFuture.completedFuture(RttReading.unavailable("connection state " + reported));
        }
        CompletableFuture<RttReading> result = new CompletableFuture<>();
        StatsHandoff.call(() -> request(reported, result), result);
        return result;
    }

    /** On a call thread: the state unless reported, then the stats, whose callback completes the read. */
    private void request(@Nullable RTCPeerConnectionState reported, CompletableFuture<RttReading> result) {
        if (reported == null) {
            RTCPeerConnectionState state;
            try {
                state = peerConnection.getConnectionState();
            } catch (RuntimeException closed) {
                // webrtc-java throws NullPointerException("Object handle is null") once closed
                result.complete(RttReading.unavailable("peer connection closed"));
                return;
            }
            if (state != RTCPeerConnectionState.CONNECTED) {
                result.complete(RttReading.unavailable("connection state " + state));
                return;
            }
        }
        try {
            peerConnection.getStats(report -> StatsHandoff.execute(() -> interpret(report, result), result));
        } catch (RuntimeException closedMeanwhile) {
            result.complete(RttReading.unavailable("peer connection closed"));
        }
    }

    private void interpret(RTCStatsReport report, CompletableFuture<RttReading> result) {
        try {
            result.complete(interpreter.interpret(report.getStats()));
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
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
