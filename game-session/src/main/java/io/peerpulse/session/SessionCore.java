package io.peerpulse.session;

import io.peerpulse.session.internal.ExporterChannel;
import io.peerpulse.session.internal.ExporterFanOut;
import io.peerpulse.session.internal.Redaction;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.PollEvent;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.SessionLatencyStats;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryListener;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * A session's state, changed only by events that carry their time: data-channel opens and closes, round
 * marks, poll events and the end. The live {@link GameSession} reads its clock once per call and hands the
 * time in; a journal replay ({@link JournalReplay}) hands in the journaled times. Nothing here reads a
 * clock. Thread-safe: one short lock, never held while calling an exporter or a listener.
 */
final class SessionCore implements TelemetryListener {

    private static final System.Logger LOG = System.getLogger(GameSession.class.getName());

    private final SessionConfig config;
    private final SessionConfig.Start start;
    private final boolean live;
    private final ExporterFanOut exporters;
    private final JournalRecorder journal;
    private final QualityListeners qualityListeners;

    /** Written under {@link #lock}; read without it by the getters. */
    private volatile LatencyTelemetry telemetry;
    private volatile LiveRtt latest = LiveRtt.NONE;
    private volatile SessionReport report;

    /** Guards everything below. */
    private final Object lock = new Object();
    private final ConnectionLog connections;
    private final Rounds rounds = new Rounds();
    private final CoverageTracker coverage;
    private final QualityJudge quality;
    private RttSource source;
    /** The second view, polled by its own telemetry (no listener) beside the primary; null when none. */
    private RttSource secondarySource;
    private LatencyTelemetry secondaryTelemetry;
    /** Whether the primary source opened at {@link #primarySince} has measured since. */
    private boolean primaryMeasured;
    private long primarySince;
    private long fallbackAfterMs = GameSession.DEFAULT_FALLBACK_AFTER.toMillis();
    private SourceFallback fallback;
    /** The probe statistics last journaled for the primary source; {@code null} when none since its open. */
    private ProbeStats journaledProbe;
    /** Journals the second view's polls. */
    private final TelemetryListener secondaryListener = this::secondaryPollEnded;
    private boolean closing;
    private boolean ended;
    private long endEpochMs;
    private long endNanoTime;

    /**
     * @param live whether the telemetry polls: {@code false} for a replay, which applies journaled poll
     *             events to a telemetry that never starts
     */
    SessionCore(SessionConfig config, SessionConfig.Start start, boolean live, ExporterFanOut exporters,
                JournalRecorder journal, QualityListeners qualityListeners) {
        this.config = config;
        this.start = start;
        this.live = live;
        this.exporters = exporters;
        this.journal = journal;
        this.qualityListeners = qualityListeners;
        this.connections = new ConnectionLog(start.startEpochMs());
        this.coverage = new CoverageTracker(config.gapThresholdNanos());
        this.quality = new QualityJudge(config.thresholds());
        journal.header(config, start);
    }

    SessionConfig config() {
        return config;
    }

    SessionConfig.Start start() {
        return start;
    }

    ExporterFanOut exporters() {
        return exporters;
    }

    QualityListeners qualityListeners() {
        return qualityListeners;
    }

    /** @return the telemetry, {@code null} before the first open */
    LatencyTelemetry telemetry() {
        return telemetry;
    }

    /** @return the second view's telemetry, {@code null} before a secondary source was opened */
    LatencyTelemetry secondaryTelemetry() {
        synchronized (lock) {
            return secondaryTelemetry;
        }
    }

    LiveRtt latest() {
        return latest;
    }

    /** @return the final report, {@code null} before {@link #end} */
    SessionReport finalReport() {
        return report;
    }

    // ---- events --------------------------------------------------------------------------------

    /** @param ms how long a primary source may go without a measurement before the session falls back */
    void fallbackAfter(long ms) {
        synchronized (lock) {
            fallbackAfterMs = ms;
        }
    }

    /** See {@link GameSession#onDataChannelOpen}; sources are compared by identity. */
    void open(RttSource next, long now) {
        open(next, null, now);
    }

    /**
     * See {@link GameSession#onDataChannelOpen(RttSource, RttSource)}: {@code next} is polled for the latency,
     * {@code secondary} (may be null) beside it by a telemetry of its own; sources compared by identity.
     */
    void open(RttSource next, RttSource secondary, long now) {
        synchronized (lock) {
            if (closing) {
                throw new IllegalStateException("session '" + config.sessionId() + "' is closed");
            }
            ConnectionLog.OpenKind kind = telemetry == null ? ConnectionLog.OpenKind.FIRST
                    : next != source ? ConnectionLog.OpenKind.NEW : ConnectionLog.OpenKind.SAME;
            if (kind == ConnectionLog.OpenKind.SAME && connections.isOpen()) {
                return;
            }
            if (kind == ConnectionLog.OpenKind.FIRST) {
                LatencyTelemetry created = new LatencyTelemetry(next, config.telemetryOptions());
                created.addListener(this);
                if (live) {
                    created.start();
                }
                telemetry = created;
                coverage.start(now);
            } else if (kind == ConnectionLog.OpenKind.NEW) {
                telemetry.switchSource(next);
            }
            long refreshNanos = next.refreshPeriod().toNanos();
            if (kind != ConnectionLog.OpenKind.SAME) {
                primaryMeasured = false;
                primarySince = now;
                coverage.refreshPeriod(refreshNanos);
                openSecondary(secondary);
            }
            source = next;
            boolean withSecondary = kind != ConnectionLog.OpenKind.SAME && secondary != null;
            journal.open(kind, now, nameOf(next), refreshNanos, withSecondary ? nameOf(secondary) : null,
                    withSecondary ? secondary.refreshPeriod().toNanos() : 0);
            connections.opened(kind, now);
            if (kind != ConnectionLog.OpenKind.SAME) {
                journaledProbe = null;
                journalProbe(now);
            }
        }
    }

    /**
     * Under the lock: journals the primary source's probe statistics at {@code t} when they changed since
     * last journaled, so that a recovery has the latest ones written. Nothing without a journal or a probe.
     *
     * @return the statistics read, {@code null} when none were
     */
    private ProbeStats journalProbe(long t) {
        if (!journal.on() || !(source instanceof ProbeStatsSource)) {
            return null;
        }
        ProbeStats now = probeStats(source);
        if (now != null && !now.equals(journaledProbe)) {
            journal.probe(now, t);
            journaledProbe = now;
        }
        return now;
    }

    /** Under the lock: polls {@code secondary} beside the primary from now on, or stops the second view. */
    private void openSecondary(RttSource secondary) {
        secondarySource = secondary == null ? secondarySource : secondary;
        if (secondary == null) {
            if (secondaryTelemetry != null) {
                secondaryTelemetry.stop();
            }
            return;
        }
        if (secondaryTelemetry == null) {
            secondaryTelemetry = new LatencyTelemetry(secondary, config.telemetryOptions());
            secondaryTelemetry.addListener(secondaryListener);
        } else {
            secondaryTelemetry.switchSource(secondary);
        }
        if (live) {
            secondaryTelemetry.start();
        }
    }

    /**
     * Under the lock, at each poll of the primary: falls back to the secondary source when the primary has
     * not measured for the fallback time since it was opened while the secondary has measured.
     */
    private void maybeFallBack(PollEvent event) {
        if (event.hasSample() && telemetry.source() == source) {
            primaryMeasured = true;
        }
        if (primaryMeasured || secondaryTelemetry == null || !secondaryTelemetry.isRunning()
                || telemetry.source() != source) {
            return;
        }
        long t = event.timestampEpochMs();
        if (t - primarySince < fallbackAfterMs || secondaryTelemetry.getCounters().measured() == 0) {
            return;
        }
        String from = nameOf(source);
        String to = nameOf(secondarySource);
        ProbeStats stats = probeStats(source);
        String reason = stats != null && stats.answeredCount() == 0
                ? "the peer never answered the " + from + " (" + stats.sentCount() + " pings in " + (t - primarySince)
                        + " ms)"
                : "no measurement from '" + from + "' in " + (t - primarySince) + " ms";
        fallBack(new SourceFallback(from, to, t, reason));
        LOG.log(System.Logger.Level.INFO, "session {0}: measuring with ''{1}'' from now on: {2}",
                config.sessionId(), to, reason);
    }

    /** Under the lock: polls the secondary source for the latency from now on, stops the second view, journals it. */
    private void fallBack(SourceFallback to) {
        secondaryTelemetry.stop();
        telemetry.switchSource(secondarySource);
        coverage.refreshPeriod(secondarySource.refreshPeriod().toNanos());
        fallback = to;
        journal.fallback(to);
    }

    /**
     * A journaled fallback, applied as the live session did at its time.
     *
     * @throws IllegalArgumentException when the session has no second view to fall back to, fell back
     *                                  already, or the sources' names are not those opened
     */
    void replayFallback(SourceFallback journaled) {
        synchronized (lock) {
            if (secondaryTelemetry == null || telemetry.source() != source) {
                throw new IllegalArgumentException(secondaryTelemetry == null
                        ? "a fallback without a secondary source" : "a fallback after the session fell back");
            }
            if (!journaled.fromSource().equals(nameOf(source)) || !journaled.toSource().equals(nameOf(secondarySource))) {
                throw new IllegalArgumentException("a fallback from '" + journaled.fromSource() + "' to '"
                        + journaled.toSource() + "', but the sources opened are '" + nameOf(source) + "' and '"
                        + nameOf(secondarySource) + "'");
            }
            fallBack(journaled);
        }
    }

    private static String nameOf(RttSource s) {
        String name = s.name();
        return name == null || name.isBlank() ? "unnamed" : name;
    }

    private static ProbeStats probeStats(RttSource s) {
        if (s instanceof ProbeStatsSource probe) {
            try {
                return probe.probeStats();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "probeStats() of " + s + " failed", e);
            }
        }
        return null;
    }

    /** See {@link GameSession#onDataChannelClose}. */
    void channelClosed(String reason, long now) {
        synchronized (lock) {
            if (ended || !connections.isOpen()) {
                return;
            }
            String safe = Redaction.redact(reason);
            journal.close(safe, now);
            connections.closed(safe, now);
        }
    }

    void beginRound(int roundNumber, long now) {
        synchronized (lock) {
            if (ended) {
                throw new IllegalStateException("session '" + config.sessionId() + "' is closed");
            }
            journal.roundBegin(roundNumber, now);
            rounds.begin(roundNumber, now);
        }
    }

    Optional<RoundMetrics> endRound(long now) {
        synchronized (lock) {
            if (rounds.current().isEmpty()) {
                return Optional.empty();
            }
            journal.roundEnd(now);
            return rounds.end(now);
        }
    }

    OptionalInt currentRound() {
        synchronized (lock) {
            return rounds.current();
        }
    }

    /** A poll ended: told by the telemetry, live or replayed; keeps the call short and hands slow work off. */
    @Override
    public void pollEnded(PollEvent event) {
        List<ExporterChannel> toStart;
        boolean startListeners = false;
        synchronized (lock) {
            if (ended) {
                return; // sessionEnded is already queued: nothing may follow it
            }
            journal.poll(event);
            long t = event.timestampEpochMs();
            if (event.pathChanged()) {
                connections.pathChanged(event.previousPath(), event.path(), t);
            }
            toStart = List.of();
            if (event.hasSample()) {
                rounds.sample(event.sample().rttMs());
                toStart = exporters.sample(event.sample());
                coverage.measured(t);
            }
            if (live) {
                maybeFallBack(event);
            }
            journalProbe(t);
            QualityChange change = quality.poll(event);
            if (change != null) {
                startListeners = qualityListeners.enqueue(change);
            }
            if (event.hasSample() || change != null) {
                latest = quality.live();
            }
        }
        ExporterFanOut.startDrains(toStart);
        if (startListeners) {
            qualityListeners.startDrain();
        }
    }

    /** A poll of the second view ended: journaled (live), nothing else; the telemetry keeps its state. */
    private void secondaryPollEnded(PollEvent event) {
        synchronized (lock) {
            if (!ended) {
                journal.secondaryPoll(event);
            }
        }
    }

    /**
     * Marks the session closing: no channel opens any more.
     *
     * @return the telemetry to stop before {@link #end}, {@code null} when none
     */
    LatencyTelemetry closing() {
        synchronized (lock) {
            closing = true;
            if (secondaryTelemetry != null) {
                secondaryTelemetry.stop();
            }
            return telemetry;
        }
    }

    /**
     * Ends the session at {@code now}: ends an open round, journals the end, builds the final report and
     * queues {@code sessionEnded} for every exporter.
     *
     * @return one future per exporter, completed when its {@code sessionEnded} returned or threw
     */
    List<CompletableFuture<Void>> end(long now, long endNanos) {
        List<ExporterChannel> toStart = new ArrayList<>();
        List<CompletableFuture<Void>> done;
        synchronized (lock) {
            closing = true;
            rounds.end(now);
            ended = true;
            endEpochMs = now;
            endNanoTime = endNanos;
            ProbeStats probe = journal.on() ? journalProbe(now) : probeStats(source);
            journal.end(now, endNanos);
            report = snapshot(now, probe);
            done = exporters.ended(report, toStart);
        }
        ExporterFanOut.startDrains(toStart);
        return done;
    }

    /** @return the final report once ended, else a snapshot as of {@code at} */
    SessionReport report(long at) {
        SessionReport done = report;
        if (done != null) {
            return done;
        }
        synchronized (lock) {
            return report != null ? report : snapshot(at, probeStats(source));
        }
    }

    long journalFailures() {
        synchronized (lock) {
            return journal.failures();
        }
    }

    Optional<java.nio.file.Path> journalPath() {
        return journal.path();
    }

    // ---- the report: each record built here only -------------------------------------------------

    /**
     * Builds the report as of {@code at}; under {@link #lock}.
     *
     * @param probe the primary source's probe statistics, read once by the caller (the final report's are
     *              those journaled at the end)
     */
    private SessionReport snapshot(long at, ProbeStats probe) {
        LatencyTelemetry current = telemetry;
        LatencyStats latency = current == null ? null : current.getStats().orElse(null);
        SessionLatencyStats sessionLatency = current == null ? null : current.getSessionStats().orElse(null);
        TelemetryCounters counters = current == null ? TelemetryCounters.ZERO : current.getCounters();
        NetworkPath path = current == null ? null : current.getPath().orElse(null);
        long pathChangeCount = current == null ? 0 : current.getPathChangeCount();
        Long end = ended ? endEpochMs : null;
        long startMs = start.startEpochMs();

        SessionMetrics sessionMetrics = new SessionMetrics(config.sessionId(), config.playerId(), startMs, end,
                at - startMs, connections.history(at), path, latency);
        ClockInfo clockInfo = new ClockInfo(startMs, start.startNanoTime(), end, ended ? endNanoTime : null,
                start.systemClockOffsetMs(), SessionConfig.toMs(config.telemetryOptions().pollInterval()),
                SessionConfig.toMs(config.telemetryOptions().readTimeout()));
        ValidationData validationData = new ValidationData(config.sessionId(), latency, sessionLatency, counters,
                coverage.coverage(at, counters), LatencyTelemetry.MAX_PLAUSIBLE_RTT_MS,
                pathChangeCount, exporters.dropped(), clockInfo, current == null ? null : nameOf(current.source()),
                probe, secondary(), fallback, exporters.stuckCount(config.exporterTimeout()));
        MultiplayerMetrics multiplayerMetrics = new MultiplayerMetrics(config.sessionId(), config.playerId(), latency,
                rounds.all(at), connections.reconnections(), connections.pathChanges(), quality.quality(),
                quality.changes(), quality.thresholds());
        return new SessionReport(sessionMetrics, validationData, multiplayerMetrics);
    }

    private SecondaryLatency secondary() {
        LatencyTelemetry view = secondaryTelemetry;
        return view == null ? null : new SecondaryLatency(nameOf(secondarySource), view.getSummary().orElse(null),
                view.getCounters());
    }
}
