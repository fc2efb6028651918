package io.peerpulse.session;

import io.peerpulse.telemetry.NetworkPath;

import java.util.ArrayList;
import java.util.List;

/**
 * The data channel's history: opens, closes, reconnections, disconnections and network path changes.
 * Every method takes the event's time; nothing here reads a clock. Not thread-safe: the session's lock
 * guards it.
 */
final class ConnectionLog {

    /** How a data channel opened. */
    enum OpenKind {
        /** The first open of the session. */
        FIRST,
        /** The same source again, after a close. */
        SAME,
        /** Another source: a reconnection on a new connection. */
        NEW
    }

    private boolean channelOpen;
    private long channelDownSinceMs;
    private long noChannelMs;
    private Long firstOpenEpochMs;
    private long disconnectedSinceMs = -1;
    private String disconnectReason;
    private final List<ConnectionEvent> events = new ArrayList<>();
    private final List<Disconnection> disconnections = new ArrayList<>();
    private final List<Reconnection> reconnections = new ArrayList<>();
    private final List<PathChange> pathChanges = new ArrayList<>();

    /** @param startEpochMs the session's start: no channel since then */
    ConnectionLog(long startEpochMs) {
        this.channelDownSinceMs = startEpochMs;
    }

    boolean isOpen() {
        return channelOpen;
    }

    /** A channel opened at {@code now}. */
    void opened(OpenKind kind, long now) {
        if (kind == OpenKind.FIRST) {
            firstOpenEpochMs = now;
            events.add(new ConnectionEvent(now, ConnectionEvent.Type.OPENED, null));
            channelUp(now);
            return;
        }
        boolean newConnection = kind == OpenKind.NEW;
        boolean wasDown = !channelOpen;
        reconnections.add(new Reconnection(now, newConnection, wasDown ? now - channelDownSinceMs : 0,
                wasDown ? disconnectReason : null));
        events.add(new ConnectionEvent(now,
                newConnection ? ConnectionEvent.Type.RECONNECTED : ConnectionEvent.Type.REOPENED, null));
        if (wasDown) {
            disconnections.add(new Disconnection(disconnectedSinceMs, now, now - disconnectedSinceMs,
                    disconnectReason));
            disconnectedSinceMs = -1;
            disconnectReason = null;
            channelUp(now);
        }
    }

    /** The open channel closed at {@code now}, for an already redacted reason. */
    void closed(String safeReason, long now) {
        events.add(new ConnectionEvent(now, ConnectionEvent.Type.CLOSED, safeReason));
        channelOpen = false;
        channelDownSinceMs = now;
        disconnectedSinceMs = now;
        disconnectReason = safeReason;
    }

    /** The telemetry's readings named another path at {@code t}. */
    void pathChanged(NetworkPath previous, NetworkPath current, long t) {
        pathChanges.add(new PathChange(t, previous, current));
    }

    private void channelUp(long now) {
        noChannelMs += now - channelDownSinceMs;
        channelOpen = true;
    }

    /** @return the history as of {@code at}, a disconnection still going on counted up to then */
    ConnectionHistory history(long at) {
        List<Disconnection> all = new ArrayList<>(disconnections);
        if (disconnectedSinceMs >= 0) {
            all.add(new Disconnection(disconnectedSinceMs, null, at - disconnectedSinceMs, disconnectReason));
        }
        long disconnectedMs = all.stream().mapToLong(Disconnection::durationMs).sum();
        return new ConnectionHistory(events, firstOpenEpochMs, channelOpen, reconnections.size(), all, disconnectedMs,
                noChannelMs + (channelOpen ? 0 : at - channelDownSinceMs));
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
