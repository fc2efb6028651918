package io.peerpulse.export.jfr.internal;

import io.peerpulse.export.jfr.internal.PeerPulseEvents.Types;
import io.peerpulse.session.ConnectionEvent;
import io.peerpulse.session.PathChange;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.QualityReason;
import io.peerpulse.session.QualitySummary;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.SessionLatencyStats;
import org.jspecify.annotations.Nullable;

import java.util.stream.Collectors;

/**
 * One session's JFR events. Each call first asks whether a recording enables its event type (one read of the
 * type's state) and builds nothing when none does. The source and path a sample came from are the last ones the
 * session named; the exporter's calls never overlap and come in order, so plain fields hold them.
 */
final class JfrExporter implements SessionExporter {

    private String source = "";
    private String path = "";

    @Override
    public void sourceChanged(String sessionId, String sourceName) {
        source = sourceName;
    }

    @Override
    public void pathChanged(String sessionId, PathChange change) {
        path = change.current().toString();
    }

    @Override
    public void sampleRecorded(String sessionId, RttSample sample) {
        if (!Types.on(Types.SAMPLE)) {
            return;
        }
        PeerPulseEvents.RttSampleEvent event = new PeerPulseEvents.RttSampleEvent();
        event.sessionId = sessionId;
        event.source = source;
        event.rttMs = sample.rttMs();
        event.path = path;
        event.sampleTime = sample.timestampEpochMs();
        event.commit();
    }

    @Override
    public void qualityChanged(String sessionId, QualityChange change) {
        if (!Types.on(Types.QUALITY)) {
            return;
        }
        PeerPulseEvents.QualityChangeEvent event = new PeerPulseEvents.QualityChangeEvent();
        event.sessionId = sessionId;
        event.from = change.previous().name();
        event.to = change.current().name();
        event.score = orNaN(change.score());
        event.recentMedianMs = orNaN(change.recentMedianMs());
        event.reasons = change.reasons().stream().map(QualityReason::text).collect(Collectors.joining("; "));
        event.changeTime = change.timestampEpochMs();
        event.commit();
    }

    @Override
    public void connectionChanged(String sessionId, ConnectionEvent change) {
        if (!Types.on(Types.CONNECTION)) {
            return;
        }
        PeerPulseEvents.ConnectionEvent event = new PeerPulseEvents.ConnectionEvent();
        event.sessionId = sessionId;
        event.type = change.type().name();
        String reason = change.reason();
        event.reason = reason == null ? "" : reason;
        event.source = source;
        event.eventTime = change.timestampEpochMs();
        event.commit();
    }

    @Override
    public void sessionEnded(SessionReport report) {
        if (!Types.on(Types.END)) {
            return;
        }
        PeerPulseEvents.SessionEndEvent event = new PeerPulseEvents.SessionEndEvent();
        event.sessionId = report.sessionMetrics().sessionId();
        String player = report.sessionMetrics().playerId();
        event.playerId = player == null ? "" : player;
        event.sessionDuration = report.sessionMetrics().durationMs();
        SessionLatencyStats whole = report.validationData().sessionLatency();
        LatencyStats window = report.validationData().latency();
        if (whole != null) {
            event.sampleCount = whole.sampleCount();
            event.minMs = whole.minMs();
            event.medianMs = whole.medianMs();
            event.p95Ms = whole.p95Ms();
            event.maxMs = whole.maxMs();
        } else if (window != null) {
            event.sampleCount = window.totalSampleCount();
            event.minMs = window.minMs();
            event.medianMs = window.medianMs();
            event.p95Ms = window.p95Ms();
            event.maxMs = window.maxMs();
        } else {
            event.minMs = Double.NaN;
            event.medianMs = Double.NaN;
            event.p95Ms = Double.NaN;
            event.maxMs = Double.NaN;
        }
        event.covered = report.validationData().coverage().coveredRatio();
        event.quality = report.multiplayerMetrics().quality().name();
        QualitySummary summary = report.multiplayerMetrics().qualitySummary();
        event.medianScore = Double.NaN;
        if (summary != null) {
            event.timeGood = summary.goodMs();
            event.timeFair = summary.fairMs();
            event.timePoor = summary.poorMs();
            event.timeLost = summary.lostMs();
            event.timeUnknown = summary.unknownMs();
            event.medianScore = orNaN(summary.medianScore());
        }
        event.commit();
    }

    private static double orNaN(@Nullable Double value) {
        return value == null ? Double.NaN : value;
    }
}
