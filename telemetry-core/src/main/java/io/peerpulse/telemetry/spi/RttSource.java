package io.peerpulse.telemetry.spi;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * One connection's round-trip time, read on demand.
 *
 * <p>{@link #read()} must not block: it starts the read and returns a stage at once; the stage
 * completes later, on any thread, with an {@link RttReading}, and attaching to it ({@code whenComplete})
 * must not block either. Never wait for the answer inside {@code read()}: against a peer that answers at once
 * it goes unseen, on a real network it holds the telemetry's thread for a round trip. The telemetry never waits
 * for more than one read of a source at a time: it gives up on a read after its read timeout, and on one in
 * flight when it stops (a restart reads at once), so a source may get a read while an earlier one is still
 * pending. It times what a source does on its thread and moves a source that blocks it off its shared
 * scheduler, by the rule stated at {@code TelemetryOptions.blockingReadThreshold()}.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface RttSource {

    /**
     * Starts one read of the connection's RTT. It may call its session or telemetry back, but the first
     * {@code close()} of a session waits for the exporters (up to the exporter timeout) on this polling thread:
     * hand that one to another thread.
     *
     * @return a stage completed with the reading, or exceptionally when the read failed
     * @since 0.1.0
     */
    CompletionStage<RttReading> read();

    /**
     * A short lower-case name of the view of RTT this source gives, e.g. {@code "ice"} or
     * {@code "probe"}; a session exports it as the source of its samples.
     *
     * @return the name; {@code "unnamed"} unless the source says otherwise
     * @since 0.1.0
     */
    default String name() {
        return "unnamed";
    }

    /**
     * How often the source can have a new measurement at most: a source that learns of a new round
     * trip only every so often (the ICE view: libwebrtc's STUN checks, about every 2.5 s) reads
     * {@code stale} in between without anything being wrong. A session does not count such a stretch
     * as a coverage gap until it lasts more than two refresh periods.
     *
     * @return the refresh period; {@link Duration#ZERO} (the default) for a source that measures at
     *         every read
     * @since 0.1.0
     */
    default Duration refreshPeriod() {
        return Duration.ZERO;
    }

    /**
     * Releases what the source holds (a data channel, a socket). A {@code GameSession} owns the sources it is
     * given and closes each once it stops polling it for good — the replaced one
     * after a reconnection ({@code onDataChannelOpen} with another source), every one at its {@code close()}
     * (after its last read) — on the session's executor (at its {@code close()}, on a JVM-wide pool of daemon
     * threads of its own, whatever the session's executor) — and never one it still polls. So give a source to one session only, and do not
     * close it yourself while that session polls it (a replaced one you may, and before disposing its connection's
     * factory should: the session closes it later); closing it again afterwards must be harmless. A
     * {@code LatencyTelemetry} used on its own leaves closing its source to its caller. What {@code
     * close()} throws is logged, never passed on. It may call its session back, {@code close()} too (e.g. from the
     * connection's own close handler): that call returns at once. The default does nothing (a source that holds
     * nothing).
     *
     * @since 0.1.0
     */
    default void close() {
    }
}
