package io.peerpulse.session.core;

import io.peerpulse.session.ConnectionEvent;
import io.peerpulse.session.ConnectionHistory;
import io.peerpulse.session.Disconnection;
import io.peerpulse.session.PathChange;
import io.peerpulse.session.Reconnection;
import io.peerpulse.telemetry.NetworkPath;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;

/**
 * The data channel's history: opens, closes, reconnections, disconnections and network path changes.
 * Durations come from the stamps' monotonic times, epoch times only label. Not thread-safe: the core's
 * lock guards it.
 */
final class ConnectionLog {

    private boolean channelOpen;
    private Stamp channelDownSince;
    private long noChannelMs;
    private @Nullable Long firstOpenEpochMs;
    private @Nullable Stamp disconnectedSince;
    private @Nullable String disconnectReason;
    private final List<ConnectionEvent> events = new ArrayList<>();
    private final List<Disconnection> disconnections = new ArrayList<>();
    private final List<Reconnection> reconnections = new ArrayList<>();
    private final List<PathChange> pathChanges = new ArrayList<>();

    /** @param start the session's start: no channel since then */
    ConnectionLog(Stamp start) {
        this.channelDownSince = start;
    }

    boolean isOpen() {
        return channelOpen;
    }

    /** A channel opened; answers the history's entry for it. */
    ConnectionEvent opened(SessionEvent.OpenKind kind, Stamp at) {
        long now = at.epochMs();
        if (kind == SessionEvent.OpenKind.FIRST) {
            firstOpenEpochMs = now;
            ConnectionEvent first = new ConnectionEvent(now, ConnectionEvent.Type.OPENED, null);
            events.add(first);
            channelUp(at);
            return first;
        }
        boolean newConnection = kind == SessionEvent.OpenKind.NEW;
        Stamp down = disconnectedSince;
        reconnections.add(new Reconnection(now, newConnection, down == null ? 0 : at.msSince(channelDownSince),
                down == null ? null : disconnectReason));
        ConnectionEvent again = new ConnectionEvent(now,
                newConnection ? ConnectionEvent.Type.RECONNECTED : ConnectionEvent.Type.REOPENED, null);
        events.add(again);
        if (down != null) {
            disconnections.add(new Disconnection(down.epochMs(), now, at.msSince(down), disconnectReason));
            disconnectedSince = null;
            disconnectReason = null;
            channelUp(at);
        }
        return again;
    }

    /** The open channel closed, for an already redacted reason; answers the history's entry for it. */
    ConnectionEvent closed(@Nullable String safeReason, Stamp at) {
        ConnectionEvent closed = new ConnectionEvent(at.epochMs(), ConnectionEvent.Type.CLOSED, safeReason);
        events.add(closed);
        channelOpen = false;
        channelDownSince = at;
        disconnectedSince = at;
        disconnectReason = safeReason;
        return closed;
    }

    /** @return the latest path recorded, {@code null} before the first */
    @Nullable NetworkPath path() {
        return pathChanges.isEmpty() ? null : pathChanges.get(pathChanges.size() - 1).current();
    }

    /**
     * A view's readings named another path than the latest recorded (the primary's or the secondary's); answers the
     * change.
     */
    PathChange pathChanged(@Nullable NetworkPath previous, NetworkPath current, Stamp at) {
        PathChange change = new PathChange(at.epochMs(), previous, current);
        pathChanges.add(change);
        return change;
    }

    private void channelUp(Stamp at) {
        noChannelMs += at.msSince(channelDownSince);
        channelOpen = true;
    }

    /** @return the history as of {@code at}, a disconnection still going on counted up to then */
    ConnectionHistory history(Stamp at) {
        List<Disconnection> all = new ArrayList<>(disconnections);
        Stamp down = disconnectedSince;
        if (down != null) {
            all.add(new Disconnection(down.epochMs(), null, at.msSince(down), disconnectReason));
        }
        long disconnectedMs = all.stream().mapToLong(Disconnection::durationMs).sum();
        return new ConnectionHistory(events, firstOpenEpochMs, channelOpen, reconnections.size(), all, disconnectedMs,
                noChannelMs + (channelOpen ? 0 : at.msSince(channelDownSince)));
    }

    /** @return the reconnections so far (the record copies it) */
    List<Reconnection> reconnections() {
        return reconnections;
    }

    /** @return the path changes so far (the record copies it) */
    List<PathChange> pathChanges() {
        return pathChanges;
    }
}
