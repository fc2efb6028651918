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
 * address. The stats callback, which arrives on webrtc-java's one native thread, only hands the
 * report to a PeerPulse daemon thread, where it is interpreted; nothing webrtc-java throws escapes
 * {@link #read()} other than as an {@code unavailable} reading or a failed stage.
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
     * Starts one read; returns at once.
     *
     * @return a stage completed on a PeerPulse thread with the reading
     */
    @Override
    public CompletionStage<RttReading> read() {
        RTCPeerConnectionState state;
        try {
            state = peerConnection.getConnectionState();
        } catch (RuntimeException closed) {
            // webrtc-java throws NullPointerException("Object handle is null") once closed
            return CompletableFuture.completedFuture(RttReading.unavailable("peer connection closed"));
        }
        if (state != RTCPeerConnectionState.CONNECTED) {
            return CompletableFuture.completedFuture(RttReading.unavailable("connection state " + state));
        }
        CompletableFuture<RttReading> result = new CompletableFuture<>();
        try {
            peerConnection.getStats(report -> StatsHandoff.execute(() -> interpret(report, result), result));
        } catch (RuntimeException closedMeanwhile) {
            result.complete(RttReading.unavailable("peer connection closed"));
        }
        return result;
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
