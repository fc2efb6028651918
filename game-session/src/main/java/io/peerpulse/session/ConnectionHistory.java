package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * The data channel's history over a session.
 *
 * @param events               every open, reopen, reconnection and close, oldest first
 * @param firstOpenEpochMs     when a channel first opened; {@code null} when none did
 * @param channelOpen          whether a channel was open at the end (or at the snapshot)
 * @param reconnectionCount    how many times a channel opened again after the first open (reopenings of the
 *                             same connection and new connections alike)
 * @param disconnections       every close, with how long the session was without a channel afterwards
 * @param disconnectedMs       the sum of the disconnections' durations
 * @param timeWithoutChannelMs all the time without an open channel, including before the first open
 * @since 0.1.0
 */
public record ConnectionHistory(List<ConnectionEvent> events, @Nullable Long firstOpenEpochMs, boolean channelOpen,
                                int reconnectionCount, List<Disconnection> disconnections, long disconnectedMs,
                                long timeWithoutChannelMs) {

    /**
     * Makes the lists unmodifiable copies.
     *
     * @param events see the record description
     * @param firstOpenEpochMs see the record description
     * @param channelOpen see the record description
     * @param reconnectionCount see the record description
     * @param disconnections see the record description
     * @param disconnectedMs see the record description
     * @param timeWithoutChannelMs see the record description
     * @throws NullPointerException when a required component is null
     * @since 0.1.0
     */
    public ConnectionHistory {
        events = List.copyOf(events);
        disconnections = List.copyOf(disconnections);
    }
}
