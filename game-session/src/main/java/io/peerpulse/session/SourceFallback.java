package io.peerpulse.session;

import java.util.Objects;

/**
 * The session stopped measuring with its primary source and measures with the secondary one from then
 * on: the primary never measured within the fallback time (e.g. the peer never answered the probe: an
 * old client) while the secondary did.
 *
 * @param fromSource the primary source's name, e.g. {@code "probe"}
 * @param toSource   the secondary source's name, e.g. {@code "ice"}: {@code latency}'s samples from then on
 * @param timestampEpochMs  when the session fell back, epoch ms of the session clock
 * @param reason     why, for people, e.g. {@code "the peer never answered the probe (10 pings in 10000 ms)"}
 * @since 0.1.0
 */
public record SourceFallback(String fromSource, String toSource, long timestampEpochMs, String reason) {

    /**
     * Checks that the required parts are present.
     *
     * @param fromSource see the record description
     * @param toSource   see the record description
     * @param timestampEpochMs  see the record description
     * @param reason     see the record description
     * @throws NullPointerException when a component is null
     * @since 0.1.0
     */
    public SourceFallback {
        Objects.requireNonNull(fromSource, "fromSource");
        Objects.requireNonNull(toSource, "toSource");
        Objects.requireNonNull(reason, "reason");
    }
}
