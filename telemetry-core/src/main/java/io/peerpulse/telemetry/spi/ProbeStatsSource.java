package io.peerpulse.telemetry.spi;

import io.peerpulse.telemetry.ProbeStats;

/**
 * An {@link RttSource} that measures by sending probes of its own (pings answered by the peer) and so
 * also knows loss and, optionally, the peer's clock offset. A session reads {@link #probeStats()} — after the
 * source's open, before its polls and at its end: when and on which thread, the "probe" row of game-session's
 * README says — and exports it beside the latency.
 *
 * @since 0.1.0
 */
public interface ProbeStatsSource extends RttSource {

    /**
     * What the probe has seen so far; cheap and non-blocking (a session calls it under its lock). It may call its
     * session back, {@code close()} too: a {@code close()} already under way then returns at once.
     *
     * @return the counts and the clock-offset estimate now
     * @since 0.1.0
     */
    ProbeStats probeStats();
}
