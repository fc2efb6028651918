package io.peerpulse.export.json;

import io.peerpulse.session.MultiplayerMetrics;
import io.peerpulse.session.SessionMetrics;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.ValidationData;

/** Test helpers for reports. */
public final class Reports {

    private Reports() {
    }

    /** The same report under another session id, e.g. one that a GameSession would refuse. */
    public static SessionReport withSessionId(SessionReport report, String id) {
        SessionMetrics s = report.sessionMetrics();
        ValidationData v = report.validationData();
        MultiplayerMetrics m = report.multiplayerMetrics();
        return new SessionReport(
                new SessionMetrics(id, s.playerId(), s.startEpochMs(), s.endEpochMs(), s.durationMs(), s.connection(),
                        s.path(), s.latency()),
                new ValidationData(id, v.latency(), v.sessionLatency(), v.counters(), v.coverage(),
                        v.maxPlausibleRttMs(), v.pathChangeCount(), v.droppedExporterCallCount(),
                        v.clock(), v.latencySource(), v.probe(), v.secondary(),
                        v.fallback(), v.stuckExporterCount()),
                new MultiplayerMetrics(id, m.playerId(), m.latency(), m.rounds(), m.reconnections(), m.pathChanges(),
                        m.quality(), m.qualityChanges(), m.qualityThresholds()));
    }
}
