package io.peerpulse.session;

import io.peerpulse.session.internal.ExporterChannel;
import io.peerpulse.session.internal.JournalWriter;
import io.peerpulse.session.internal.Providers;
import io.peerpulse.session.internal.Redaction;
import io.peerpulse.session.internal.SerialQueue;
import io.peerpulse.session.internal.Settings;
import io.peerpulse.session.internal.SharedExecutor;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.LatencySummary;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.SessionLatencyStats;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryListener;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.spi.RttSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

/**
 * One multiplayer game session: owns one {@link LatencyTelemetry}, records the data channel's history,
 * the game's rounds, the connection quality and the measurement coverage, and at {@link #close()}
 * hands a {@link SessionReport} to every exporter.
 *
 * <pre>{@code
 * try (GameSession session = GameSession.builder("exp-42-pair-7").playerId("p1").build()) {
 *     session.onDataChannelOpen(WebRtcRttSource.of(peerConnection));   // starts measuring
 *     session.beginRound(1);
 *     // … every frame, without locking:
 *     hud.show(session.currentQuality(), session.lastRttMs());
 *     session.endRound();
 * }   // stops measuring first, then exports
 * }</pre>
 *
 * <p><b>Threads.</b> Every method may be called from any thread. The telemetry polls on its options'
 * scheduler; what it records is bookkept under a short lock, and everything slow — exporter calls,
 * quality listeners — runs on the session's executor (a shared pool of daemon threads unless
 * {@link Builder#executor(Executor) set}), one serial queue per exporter and one for the listeners, so
 * calls to one exporter never overlap, keep their order, and never delay polling. {@link #latest()},
 * {@link #currentQuality()} and {@link #lastRttMs()} read one volatile field.
 *
 * <p><b>Time.</b> Every timestamp comes from the telemetry options' clock (the session clock), so a
 * virtual-time scheduler and its clock drive a session completely; only {@link #close()} waits in
 * real time, for the exporters, at most the exporter timeout.
 *
 * <p><b>Privacy.</b> Nothing the session exports or logs holds an IP address, port or ICE candidate:
 * ids that look like an address are refused, and close reasons — free text from the caller — are
 * redacted (see {@link #onDataChannelClose(String)}).
 *
 * @since 0.1.0
 */
public final class GameSession implements AutoCloseable {

    /**
     * Default recent median from which the quality is FAIR: 150 ms.
     *
     * @since 0.1.0
     */
    public static final Duration DEFAULT_FAIR_FROM = Duration.ofMillis(150);
    /**
     * Default recent median from which the quality is POOR: 300 ms.
     *
     * @since 0.1.0
     */
    public static final Duration DEFAULT_POOR_FROM = Duration.ofMillis(300);
    /**
     * Default number of latest samples whose median judges the quality.
     *
     * @since 0.1.0
     */
    public static final int DEFAULT_RECENT_SAMPLES = 5;
    /**
     * Default number of consecutive unavailable or failed polls that are still not LOST.
     *
     * @since 0.1.0
     */
    public static final int DEFAULT_TOLERATED_BAD_POLLS = 3;
    /**
     * Default number of poll intervals without a measurement that are still not a gap.
     *
     * @since 0.1.0
     */
    public static final int DEFAULT_GAP_AFTER_POLLS = 3;
    /**
     * Default time {@link #close()} waits for the exporters: 10 s.
     *
     * @since 0.1.0
     */
    public static final Duration DEFAULT_EXPORTER_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Sample calls waiting for one exporter beyond which further ones are dropped (and counted).
     *
     * @since 0.1.0
     */
    public static final int MAX_QUEUED_EXPORTER_CALLS = 100_000;
    /**
     * Longest session or player id.
     *
     * @since 0.1.0
     */
    public static final int MAX_ID_LENGTH = 256;

    private static final System.Logger LOG = System.getLogger(GameSession.class.getName());
    private static final Duration MAX_DURATION = Duration.ofHours(24);
    private static final int MAX_RECENT_SAMPLES = 10_000;

    private final String sessionId;
    private final String playerId;
    private final TelemetryOptions telemetryOptions;
    private final InstantSource clock;
    private final Duration exporterTimeout;
    private final QualityThresholds thresholds;
    private final long gapThresholdNanos;
    private final List<ExporterChannel> exporters;
    private final SerialQueue listenerQueue;
    private final List<QualityListener> qualityListeners = new CopyOnWriteArrayList<>();
    private final long startEpochMs;
    private final long startNanoTime;
    private final long systemClockOffsetMs;
    private final Recorder recorder = new Recorder();
    /** The crash-safe journal, {@code null} when off; written under {@link #lock}, in event order. */
    private final JournalWriter journal;
    /** Set when this session replays a journal: the monotonic times come from it. */
    private final SessionJournal.ReplayTimes replayTimes;

    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile SessionReport report;
    private volatile LiveRtt live = LiveRtt.NONE;
    /** Written under {@link #lock}; read without it by the getters. */
    private volatile LatencyTelemetry telemetry;

    /** Guards everything below. Never held while calling an exporter, a listener or the executor. */
    private final Object lock = new Object();
    private boolean ended;
    private long endEpochMs;
    private long endNanoTime;
    private RttSource source;
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
    private final List<RoundMetrics> rounds = new ArrayList<>();
    private Round round;
    /** Samples this session recorded so far: the session-wide number of the next sample. */
    private long samplesRecorded;
    private long measuringStartMs = -1;
    private long coverageAnchorMs;
    private Long firstMeasurementMs;
    private Long lastMeasurementMs;
    private final List<CoverageGap> gaps = new ArrayList<>();
    private long gapMs;
    private final double[] recent;
    private int recentCount;
    private int recentNext;
    private double lastRtt = Double.NaN;
    private long lastSampleMs;
    private int badPolls;
    private ConnectionQuality quality = ConnectionQuality.UNKNOWN;
    private final List<QualityChange> qualityChanges = new ArrayList<>();
    /** The sample of the poll being reported, journaled with its outcome. */
    private RttSample journalSample;

    private GameSession(Builder builder, Executor executor, Map<String, SessionExporter> created,
                        JournalWriter journal) {
        this.sessionId = builder.sessionId;
        this.playerId = builder.playerId;
        this.telemetryOptions = builder.telemetryOptions;
        this.clock = telemetryOptions.clock();
        this.exporterTimeout = builder.exporterTimeout;
        this.thresholds = new QualityThresholds(toMs(builder.fairFrom), toMs(builder.poorFrom),
                builder.recentSamples, builder.toleratedBadPolls);
        this.gapThresholdNanos = telemetryOptions.pollInterval().toNanos() * builder.gapAfterPolls;
        this.recent = new double[builder.recentSamples];
        this.listenerQueue = new SerialQueue(executor, "quality listeners of session '" + sessionId + "'",
                Integer.MAX_VALUE);
        List<ExporterChannel> channels = new ArrayList<>();
        created.forEach((name, exporter) -> channels.add(
                new ExporterChannel(name, sessionId, exporter, executor, MAX_QUEUED_EXPORTER_CALLS)));
        this.exporters = List.copyOf(channels);
        this.replayTimes = builder.replayTimes;
        this.startEpochMs = clock.millis();
        this.startNanoTime = replayTimes != null ? replayTimes.startNanoTime() : System.nanoTime();
        this.systemClockOffsetMs = replayTimes != null ? replayTimes.systemClockOffsetMs()
                : startEpochMs - System.currentTimeMillis();
        this.channelDownSinceMs = startEpochMs;
        this.journal = journal;
        if (journal != null) {
            journal.append(SessionJournal.headerLine(sessionId, playerId, startEpochMs, startNanoTime,
                    systemClockOffsetMs, telemetryOptions, builder.fairFrom, builder.poorFrom, builder.recentSamples,
                    builder.toleratedBadPolls, builder.gapAfterPolls));
        }
    }

    /**
     * A builder for a session with the given id.
     *
     * @param sessionId the session's id: not blank, at most {@value #MAX_ID_LENGTH} characters, no
     *                  control characters, nothing that looks like an IP address (checked by
     *                  {@link Builder#build()})
     * @return the builder
     * @since 0.1.0
     */
    public static Builder builder(String sessionId) {
        return new Builder(sessionId);
    }

    // ---- connection ----------------------------------------------------------------------------

    /**
     * A data channel opened. The first call creates and starts the telemetry on {@code source}; the
     * same source again while open changes nothing, and after {@link #onDataChannelClose} is recorded
     * as a reopening; another source (a reconnection on a new connection) becomes the polled source,
     * every sample kept, and is recorded as a reconnection. Sources are compared by identity.
     *
     * @param source the connection's RTT source
     * @throws IllegalStateException when the session is closed, or the telemetry's scheduler rejects it
     * @since 0.1.0
     */
    public void onDataChannelOpen(RttSource source) {
        Objects.requireNonNull(source, "source");
        synchronized (lock) {
            if (closing.get()) {
                throw new IllegalStateException("session '" + sessionId + "' is closed");
            }
            long now = clock.millis();
            if (telemetry == null) {
                LatencyTelemetry created = new LatencyTelemetry(source, telemetryOptions);
                created.addListener(recorder);
                measuringStartMs = now;
                coverageAnchorMs = now;
                try {
                    created.start();
                } catch (RuntimeException e) {
                    measuringStartMs = -1;
                    throw e;
                }
                telemetry = created;
                this.source = source;
                journal(SessionJournal.openLine(now, SessionJournal.OPEN_FIRST));
                firstOpenEpochMs = now;
                events.add(new ConnectionEvent(now, ConnectionEvent.Type.OPENED, null));
                channelOpened(now);
                return;
            }
            boolean newConnection = source != this.source;
            if (!newConnection && channelOpen) {
                return;
            }
            if (newConnection) {
                telemetry.switchSource(source);
                this.source = source;
            }
            journal(SessionJournal.openLine(now, newConnection ? SessionJournal.OPEN_NEW : SessionJournal.OPEN_SAME));
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
                channelOpened(now);
            }
        }
    }

    /**
     * The data channel closed. Measuring goes on (the source then reports no connection, which shows
     * as gaps and LOST) until a channel opens again or the session closes. Does nothing when no channel
     * is open or the session is closed.
     *
     * <p>{@code reason} is free text from the caller and reaches exports and logs, so it must not
     * hold an address: words that look like an IP address (with or without port) are replaced by
     * {@code <redacted>}, a reason holding an ICE candidate ({@code candidate:…}) is replaced as a
     * whole, and it is cut to 200 characters. A bare port number cannot be recognised: leave it out.
     *
     * @param reason why, e.g. {@code "peer left"}; may be {@code null}
     * @since 0.1.0
     */
    public void onDataChannelClose(String reason) {
        synchronized (lock) {
            if (ended || !channelOpen) {
                return;
            }
            long now = clock.millis();
            String safe = Redaction.redact(reason);
            journal(SessionJournal.closeLine(now, safe));
            events.add(new ConnectionEvent(now, ConnectionEvent.Type.CLOSED, safe));
            channelOpen = false;
            channelDownSinceMs = now;
            disconnectedSinceMs = now;
            disconnectReason = safe;
        }
    }

    private void channelOpened(long now) {
        noChannelMs += now - channelDownSinceMs;
        channelOpen = true;
    }

    // ---- rounds --------------------------------------------------------------------------------

    /**
     * Begins a round; from now on recorded samples count for it too. A round still open is ended first
     * (as by {@link #endRound()}), so a game may simply mark the start of every round.
     *
     * @param roundNumber the game's number for it, {@code >= 0}; numbers need not be unique or ordered
     * @throws IllegalArgumentException when {@code roundNumber} is negative
     * @throws IllegalStateException    when the session is closed
     * @since 0.1.0
     */
    public void beginRound(int roundNumber) {
        if (roundNumber < 0) {
            throw new IllegalArgumentException("roundNumber must be >= 0, was " + roundNumber);
        }
        synchronized (lock) {
            if (ended) {
                throw new IllegalStateException("session '" + sessionId + "' is closed");
            }
            long now = clock.millis();
            journal(SessionJournal.roundBeginLine(now, roundNumber));
            if (round != null) {
                rounds.add(round.metrics(now, true));
            }
            round = new Round(roundNumber, now);
        }
    }

    /**
     * Ends the open round. {@link #close()} ends a round still open.
     *
     * @return the round with its latency, empty when no round was open
     * @since 0.1.0
     */
    public Optional<RoundMetrics> endRound() {
        synchronized (lock) {
            if (round == null) {
                return Optional.empty();
            }
            long now = clock.millis();
            journal(SessionJournal.roundEndLine(now));
            RoundMetrics metrics = round.metrics(now, true);
            rounds.add(metrics);
            round = null;
            return Optional.of(metrics);
        }
    }

    /**
     * @return the number of the open round, empty when none is open
     * @since 0.1.0
     */
    public OptionalInt currentRound() {
        synchronized (lock) {
            return round == null ? OptionalInt.empty() : OptionalInt.of(round.number);
        }
    }

    // ---- live reads ----------------------------------------------------------------------------

    /**
     * The connection quality, newest RTT and recent median as one snapshot; one volatile read, no lock,
     * no allocation: a game loop may call it every frame.
     *
     * @return the snapshot
     * @since 0.1.0
     */
    public LiveRtt latest() {
        return live;
    }

    /**
     * @return the connection quality now; one volatile read
     * @since 0.1.0
     */
    public ConnectionQuality currentQuality() {
        return live.quality();
    }

    /**
     * @return the newest sample's RTT in milliseconds, NaN before any sample; one volatile read
     * @since 0.1.0
     */
    public double lastRttMs() {
        return live.lastRttMs();
    }

    /**
     * Adds a listener told of every quality change from now on, on the session's executor.
     *
     * @param listener the listener
     * @since 0.1.0
     */
    public void addQualityListener(QualityListener listener) {
        qualityListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Removes a listener.
     *
     * @param listener the listener
     * @return whether it was registered
     * @since 0.1.0
     */
    public boolean removeQualityListener(QualityListener listener) {
        return qualityListeners.remove(listener);
    }

    /**
     * The statistics of the telemetry's window with its samples.
     *
     * @return the statistics, empty before any sample
     * @since 0.1.0
     */
    public Optional<LatencyStats> getLatencyStats() {
        LatencyTelemetry current = telemetry;
        return current == null ? Optional.empty() : current.getStats();
    }

    /**
     * The statistics of the telemetry's window without the samples, read without locking.
     *
     * @return the summary, empty before any sample
     * @since 0.1.0
     */
    public Optional<LatencySummary> getLatencySummary() {
        LatencyTelemetry current = telemetry;
        return current == null ? Optional.empty() : current.getSummary();
    }

    // ---- exports -------------------------------------------------------------------------------

    /**
     * Session metrics now; after {@link #close()} those of the final report.
     *
     * @return a snapshot
     * @since 0.1.0
     */
    public SessionMetrics exportSessionMetrics() {
        return exportReport().sessionMetrics();
    }

    /**
     * Validation data now; after {@link #close()} those of the final report.
     *
     * @return a snapshot
     * @since 0.1.0
     */
    public ValidationData exportValidationData() {
        return exportReport().validationData();
    }

    /**
     * Multiplayer metrics now; after {@link #close()} those of the final report.
     *
     * @return a snapshot
     * @since 0.1.0
     */
    public MultiplayerMetrics exportMultiplayerMetrics() {
        return exportReport().multiplayerMetrics();
    }

    /**
     * All three exports as one consistent snapshot; after {@link #close()} the final report.
     *
     * @return the report
     * @since 0.1.0
     */
    public SessionReport exportReport() {
        SessionReport done = report;
        if (done != null) {
            return done;
        }
        synchronized (lock) {
            return report != null ? report : snapshot(clock.millis());
        }
    }

    /**
     * @return the final report, empty until {@link #close()} built it
     * @since 0.1.0
     */
    public Optional<SessionReport> report() {
        return Optional.ofNullable(report);
    }

    // ---- identity ------------------------------------------------------------------------------

    /**
     * @return the session's id
     * @since 0.1.0
     */
    public String sessionId() {
        return sessionId;
    }

    /**
     * @return the local player's id, empty when none was given
     * @since 0.1.0
     */
    public Optional<String> playerId() {
        return Optional.ofNullable(playerId);
    }

    /**
     * @return the session clock: the telemetry options' clock
     * @since 0.1.0
     */
    public InstantSource sessionClock() {
        return clock;
    }

    /**
     * @return the names of the exporters this session feeds, in call order
     * @since 0.1.0
     */
    public List<String> exporterNames() {
        return exporters.stream().map(ExporterChannel::name).toList();
    }

    /**
     * @return whether {@link #close()} was called
     * @since 0.1.0
     */
    public boolean isClosed() {
        return closing.get();
    }

    // ---- close ---------------------------------------------------------------------------------

    /**
     * Ends the session: stops the telemetry first (its statistics are kept), ends an open round,
     * builds the {@link SessionReport} and runs every exporter's {@code sessionEnded} exactly once, each
     * after that exporter's last {@code sampleRecorded}; one that fails is logged and the others still
     * run. Waits in real time until they have all returned, or at most the exporter timeout (default
     * 10 s; an exporter still running then is logged and left to finish on its own), so it always
     * returns — unless the executor runs tasks on the calling thread, which only tests should do.
     *
     * <p>Idempotent and safe from many threads at once: one call does the work, the others wait for it
     * (as long as the exporter timeout at most). A sample whose recording raced with this call may be in
     * the report's statistics without having been passed to {@code sampleRecorded}.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            awaitClosed();
            return;
        }
        try {
            end();
        } finally {
            closed.complete(null);
        }
    }

    private void end() {
        LatencyTelemetry current;
        synchronized (lock) {
            current = telemetry;
        }
        if (current != null) {
            current.stop(); // before anything else: the caller closes the connection once we return
        }
        List<CompletableFuture<Void>> done = new ArrayList<>();
        List<ExporterChannel> toStart = new ArrayList<>();
        SessionReport built;
        synchronized (lock) {
            long now = clock.millis();
            if (round != null) {
                rounds.add(round.metrics(now, true));
                round = null;
            }
            ended = true;
            endEpochMs = now;
            endNanoTime = replayTimes != null ? replayTimes.endNanoTime() : System.nanoTime();
            if (journal != null) {
                journal.append(SessionJournal.endLine(now, endNanoTime));
                journal.close();
            }
            built = snapshot(now);
            report = built;
            for (ExporterChannel exporter : exporters) {
                CompletableFuture<Void> finished = new CompletableFuture<>();
                done.add(finished);
                if (exporter.enqueueEnded(built, finished)) {
                    toStart.add(exporter);
                }
            }
        }
        toStart.forEach(ExporterChannel::startDrain);
        awaitExporters(done);
    }

    private void awaitExporters(List<CompletableFuture<Void>> done) {
        long deadline = System.nanoTime() + exporterTimeout.toNanos();
        for (int i = 0; i < done.size(); i++) {
            try {
                done.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                String name = exporters.get(i).name();
                LOG.log(Level.WARNING, () -> "exporter '" + name + "' did not finish sessionEnded for session '"
                        + sessionId + "' within " + exporterTimeout + "; close() returns without waiting for it");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.log(Level.WARNING, () -> "close() of session '" + sessionId
                        + "' was interrupted while waiting for its exporters");
                return;
            } catch (ExecutionException e) {
                // never: the futures are only completed normally
            }
        }
    }

    private void awaitClosed() {
        try {
            closed.get(exporterTimeout.toNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the closing call logs what it waited for
        }
    }

    /** Appends a line when the journal is on; under {@link #lock}. */
    private void journal(String line) {
        if (journal != null) {
            journal.append(line);
        }
    }

    /**
     * @return the journal file this session appends to, empty when the journal is off
     * @since 0.1.0
     */
    public Optional<Path> journalPath() {
        return journal == null ? Optional.empty() : Optional.of(journal.path());
    }

    /**
     * @return journal lines that could not be written (each failure is counted; the first is logged)
     * @since 0.1.0
     */
    public long journalFailures() {
        synchronized (lock) {
            return journal == null ? 0 : journal.failures();
        }
    }

    @Override
    public String toString() {
        return "GameSession[" + sessionId + (closing.get() ? ", closed" : "") + "]";
    }

    // ---- snapshots -----------------------------------------------------------------------------

    /** Builds the report as of {@code at}; under {@link #lock}. */
    private SessionReport snapshot(long at) {
        LatencyTelemetry current = telemetry;
        LatencyStats latency = current == null ? null : current.getStats().orElse(null);
        SessionLatencyStats sessionLatency = current == null ? null : current.getSessionStats().orElse(null);
        TelemetryCounters counters = current == null ? TelemetryCounters.ZERO : current.getCounters();
        NetworkPath path = current == null ? null : current.getPath().orElse(null);
        long pathChangeCount = current == null ? 0 : current.getPathChanges();
        Long end = ended ? endEpochMs : null;

        List<Disconnection> allDisconnections = new ArrayList<>(disconnections);
        if (disconnectedSinceMs >= 0) {
            allDisconnections.add(new Disconnection(disconnectedSinceMs, null, at - disconnectedSinceMs,
                    disconnectReason));
        }
        long disconnectedMs = allDisconnections.stream().mapToLong(Disconnection::durationMs).sum();
        ConnectionHistory history = new ConnectionHistory(events, firstOpenEpochMs, channelOpen,
                reconnections.size(), allDisconnections, disconnectedMs,
                noChannelMs + (channelOpen ? 0 : at - channelDownSinceMs));
        SessionMetrics sessionMetrics = new SessionMetrics(sessionId, playerId, startEpochMs, end,
                at - startEpochMs, history, path, latency);

        long dropped = exporters.stream().mapToLong(ExporterChannel::dropped).sum();
        ClockInfo clockInfo = new ClockInfo(startEpochMs, startNanoTime, end, ended ? endNanoTime : null,
                systemClockOffsetMs, toMs(telemetryOptions.pollInterval()), toMs(telemetryOptions.readTimeout()));
        ValidationData validationData = new ValidationData(sessionId, latency, sessionLatency, counters,
                coverage(at, counters), LatencyTelemetry.MAX_PLAUSIBLE_RTT_MS, pathChangeCount, dropped, clockInfo);

        List<RoundMetrics> allRounds = new ArrayList<>(rounds);
        if (round != null) {
            allRounds.add(round.metrics(at, false));
        }
        MultiplayerMetrics multiplayerMetrics = new MultiplayerMetrics(sessionId, playerId, latency, allRounds,
                reconnections, pathChanges, quality, qualityChanges, thresholds);
        return new SessionReport(sessionMetrics, validationData, multiplayerMetrics);
    }

    private Coverage coverage(long at, TelemetryCounters counters) {
        if (measuringStartMs < 0) {
            return new Coverage(null, 0, 0, 0, gapThresholdNanos / 1e6, 0, List.of(), null, null);
        }
        List<CoverageGap> allGaps = new ArrayList<>(gaps);
        long total = gapMs;
        if (isGap(coverageAnchorMs, at)) {
            allGaps.add(new CoverageGap(coverageAnchorMs, at, at - coverageAnchorMs));
            total += at - coverageAnchorMs;
        }
        long measuringMs = at - measuringStartMs;
        double covered = firstMeasurementMs == null || measuringMs <= 0 ? 0
                : Math.max(0, Math.min(1, (double) (measuringMs - total) / measuringMs));
        return new Coverage(measuringStartMs, measuringMs, covered, counters.measuredRatio(),
                gapThresholdNanos / 1e6, total, allGaps, firstMeasurementMs, lastMeasurementMs);
    }

    private boolean isGap(long fromMs, long toMs) {
        long ms = toMs - fromMs;
        return ms > 0 && (ms >= Long.MAX_VALUE / 1_000_000 || ms * 1_000_000 > gapThresholdNanos);
    }

    private static double toMs(Duration duration) {
        return duration.toNanos() / 1e6;
    }

    // ---- recording (telemetry listener) --------------------------------------------------------

    /** Told by the telemetry, on its polling threads; keeps every call short and hands slow work off. */
    private final class Recorder implements TelemetryListener {

        @Override
        public void pathChanged(NetworkPath previous, NetworkPath current) {
            synchronized (lock) {
                if (!ended) {
                    long now = clock.millis();
                    journal(SessionJournal.pathLine(now, previous, current));
                    pathChanges.add(new PathChange(now, previous, current));
                }
            }
        }

        @Override
        public void sampleRecorded(RttSample sample) {
            List<ExporterChannel> toStart = null;
            synchronized (lock) {
                if (ended) {
                    return; // sessionEnded is already queued: nothing may follow it
                }
                journalSample = sample;
                if (round != null) {
                    round.add(sample.rttMs(), samplesRecorded);
                }
                samplesRecorded++;
                recent[recentNext] = sample.rttMs();
                recentNext = (recentNext + 1) % recent.length;
                recentCount = Math.min(recentCount + 1, recent.length);
                lastRtt = sample.rttMs();
                lastSampleMs = sample.timestamp();
                for (ExporterChannel exporter : exporters) {
                    if (exporter.enqueueSample(sample)) {
                        if (toStart == null) {
                            toStart = new ArrayList<>(exporters.size());
                        }
                        toStart.add(exporter);
                    }
                }
            }
            if (toStart != null) {
                toStart.forEach(ExporterChannel::startDrain);
            }
        }

        @Override
        public void pollEnded(PollOutcome outcome, long timestampEpochMs) {
            boolean startListeners = false;
            synchronized (lock) {
                if (ended) {
                    return;
                }
                if (journal != null) {
                    RttSample sample = outcome == PollOutcome.MEASURED ? journalSample : null;
                    journal.append(SessionJournal.pollLine(timestampEpochMs, outcome, sample));
                    if (sample != null) {
                        journalSample = null;
                    }
                }
                if (outcome == PollOutcome.MEASURED) {
                    if (isGap(coverageAnchorMs, timestampEpochMs)) {
                        gaps.add(new CoverageGap(coverageAnchorMs, timestampEpochMs,
                                timestampEpochMs - coverageAnchorMs));
                        gapMs += timestampEpochMs - coverageAnchorMs;
                    }
                    coverageAnchorMs = Math.max(coverageAnchorMs, timestampEpochMs);
                    if (firstMeasurementMs == null) {
                        firstMeasurementMs = timestampEpochMs;
                    }
                    lastMeasurementMs = timestampEpochMs;
                }
                double median = recentCount == 0 ? Double.NaN : LatencySummary.of(recent, recentCount).medianMs();
                ConnectionQuality next = judge(outcome, median);
                if (next != quality) {
                    QualityChange change = new QualityChange(timestampEpochMs, quality, next,
                            recentCount == 0 ? null : median);
                    qualityChanges.add(change);
                    quality = next;
                    if (!qualityListeners.isEmpty()) {
                        startListeners = listenerQueue.enqueue(() -> notifyListeners(change), false);
                    }
                }
                if (outcome == PollOutcome.MEASURED || live.quality() != quality) {
                    live = new LiveRtt(quality, lastRtt, lastSampleMs, median);
                }
            }
            if (startListeners) {
                listenerQueue.startDrain();
            }
        }

        /** Under {@link #lock}. */
        private ConnectionQuality judge(PollOutcome outcome, double median) {
            switch (outcome) {
                case MEASURED -> {
                    badPolls = 0;
                    if (median < thresholds.fairFromMs()) {
                        return ConnectionQuality.GOOD;
                    }
                    return median < thresholds.poorFromMs() ? ConnectionQuality.FAIR : ConnectionQuality.POOR;
                }
                case STALE -> badPolls = 0;
                case UNAVAILABLE, FAILED -> {
                    badPolls++;
                    if (badPolls > thresholds.toleratedBadPollCount()) {
                        return ConnectionQuality.LOST;
                    }
                }
                default -> {
                    // rejected and skipped polls say nothing about the connection
                }
            }
            return quality;
        }
    }

    private void notifyListeners(QualityChange change) {
        for (QualityListener listener : qualityListeners) {
            try {
                listener.qualityChanged(change);
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "a QualityListener of session '" + sessionId + "' failed: " + listener, t);
            }
        }
    }

    /** An open round and its samples' values. */
    private static final class Round {
        final int number;
        final long startMs;
        double[] values = new double[16];
        int count;
        long firstIndex;

        Round(int number, long startMs) {
            this.number = number;
            this.startMs = startMs;
        }

        void add(double rttMs, long index) {
            if (count == 0) {
                firstIndex = index;
            }
            if (count == values.length) {
                values = Arrays.copyOf(values, count * 2);
            }
            values[count++] = rttMs;
        }

        RoundMetrics metrics(long at, boolean ending) {
            return new RoundMetrics(number, startMs, ending ? at : null, at - startMs,
                    count == 0 ? null : LatencySummary.of(values, count), count == 0 ? null : firstIndex);
        }
    }

    // ---- builder -------------------------------------------------------------------------------

    /**
     * Builds a {@link GameSession}. Setters take any value; {@link #build()} checks them all and names
     * the first bad field.
     *
     * @since 0.1.0
     */
    public static final class Builder {

        private final String sessionId;
        private String playerId;
        private TelemetryOptions telemetryOptions = TelemetryOptions.defaults();
        private final Map<String, String> settings = new LinkedHashMap<>();
        private final List<Object[]> attributes = new ArrayList<>();
        private List<String> exporterNames;
        private boolean exporterNamesNull;
        private List<? extends SessionExporterProvider> providers;
        private boolean providersSet;
        private Executor executor;
        private boolean executorSet;
        private Duration exporterTimeout = DEFAULT_EXPORTER_TIMEOUT;
        private Duration fairFrom = DEFAULT_FAIR_FROM;
        private Duration poorFrom = DEFAULT_POOR_FROM;
        private int recentSamples = DEFAULT_RECENT_SAMPLES;
        private int toleratedBadPolls = DEFAULT_TOLERATED_BAD_POLLS;
        private int gapAfterPolls = DEFAULT_GAP_AFTER_POLLS;
        private Path journalDirectory;
        private boolean journalEnabled = true;
        private Boolean journalFsync;
        /** Package-private hooks: a journal replay's times, and tests' journal sink wrapper. */
        SessionJournal.ReplayTimes replayTimes;
        UnaryOperator<JournalWriter.Sink> journalSinkWrapper = UnaryOperator.identity();

        private Builder(String sessionId) {
            this.sessionId = sessionId;
        }

        /**
         * @param playerId the local player's id, exported with the session; same rules as the session
         *                 id; {@code null} (the default) for none
         * @return this builder
         * @since 0.1.0
         */
        public Builder playerId(String playerId) {
            this.playerId = playerId;
            return this;
        }

        /**
         * @param options the telemetry's options; their clock is the session clock. Default
         *                {@link TelemetryOptions#defaults()}
         * @return this builder
         * @since 0.1.0
         */
        public Builder telemetryOptions(TelemetryOptions options) {
            this.telemetryOptions = options;
            return this;
        }

        /**
         * A string setting for the exporters ({@link io.peerpulse.session.spi.ExportSettings#get}); it
         * takes precedence over the system property of the same key. A later call for the same key wins.
         *
         * @param key   not blank, e.g. {@code peerpulse.export.json.directory}
         * @param value not null
         * @return this builder
         * @since 0.1.0
         */
        public Builder exportSetting(String key, String value) {
            settings.put(key, value);
            return this;
        }

        /**
         * A typed object for the exporters ({@link io.peerpulse.session.spi.ExportSettings#attribute}),
         * e.g. a metrics registry. A later call for the same type wins.
         *
         * @param type  the type exporters ask for
         * @param value an instance of it
         * @param <T>   the type
         * @return this builder
         * @since 0.1.0
         */
        public <T> Builder exportAttribute(Class<T> type, T value) {
            attributes.add(new Object[] {type, value});
            return this;
        }

        /**
         * Selects the exporters by provider name, called in this order. Default: every provider found.
         * No names: no exporter.
         *
         * @param names provider names, each known and named once
         * @return this builder
         * @since 0.1.0
         */
        public Builder exporters(String... names) {
            this.exporterNamesNull = names == null;
            this.exporterNames = names == null ? null : new ArrayList<>(Arrays.asList(names));
            return this;
        }

        /**
         * The providers to choose exporters from, instead of those {@link java.util.ServiceLoader} finds:
         * for integrators who assemble plugins themselves (e.g. in a custom module layer) and for tests.
         * {@link #exporters(String...)} then selects among these.
         *
         * @param providers the providers, names unique
         * @return this builder
         * @since 0.1.0
         */
        public Builder exporterProviders(List<? extends SessionExporterProvider> providers) {
            this.providers = providers == null ? null : new ArrayList<>(providers);
            this.providersSet = true;
            return this;
        }

        /**
         * Runs exporter calls and quality listeners, in one serial queue per exporter and one for the
         * listeners. Default: a JVM-wide pool of daemon threads made on demand. An executor that runs
         * tasks on the submitting thread (e.g. {@code Runnable::run}) makes every call synchronous —
         * deterministic for tests, but then exporters run on the polling thread and {@link #close()}
         * waits for them without bound.
         *
         * @param executor the executor
         * @return this builder
         * @since 0.1.0
         */
        public Builder executor(Executor executor) {
            this.executor = executor;
            this.executorSet = true;
            return this;
        }

        /**
         * How long {@link GameSession#close()} waits, in real time, for all exporters to finish
         * {@code sessionEnded}. Default {@link GameSession#DEFAULT_EXPORTER_TIMEOUT}.
         *
         * @param timeout above 0, at most 24 h
         * @return this builder
         * @since 0.1.0
         */
        public Builder exporterTimeout(Duration timeout) {
            this.exporterTimeout = timeout;
            return this;
        }

        /**
         * The recent medians from which the quality is FAIR and POOR: GOOD below {@code fairFrom},
         * FAIR from {@code fairFrom} and below {@code poorFrom}, POOR from {@code poorFrom}. Default
         * 150 ms and 300 ms.
         *
         * @param fairFrom above 0
         * @param poorFrom above {@code fairFrom}, at most 60 s
         * @return this builder
         * @since 0.1.0
         */
        public Builder qualityThresholds(Duration fairFrom, Duration poorFrom) {
            this.fairFrom = fairFrom;
            this.poorFrom = poorFrom;
            return this;
        }

        /**
         * How many of the latest samples "recent" means for the quality. Default 5.
         *
         * @param samples 1 to 10,000
         * @return this builder
         * @since 0.1.0
         */
        public Builder qualityRecentSamples(int samples) {
            this.recentSamples = samples;
            return this;
        }

        /**
         * How many consecutive unavailable or failed polls are still tolerated; one more makes the
         * quality LOST. Default 3.
         *
         * @param polls {@code >= 0}
         * @return this builder
         * @since 0.1.0
         */
        public Builder toleratedBadPolls(int polls) {
            this.toleratedBadPolls = polls;
            return this;
        }

        /**
         * How many poll intervals may pass without a measurement before the stretch counts as a
         * coverage gap (it must be longer than this). Default 3.
         *
         * @param polls {@code >= 1}
         * @return this builder
         * @since 0.1.0
         */
        public Builder gapAfterPolls(int polls) {
            this.gapAfterPolls = polls;
            return this;
        }

        /**
         * Turns the crash-safe journal on: every poll outcome and connection event is appended, as it
         * happens, to a new file {@code <directory>/<stem>.journal.jsonl} ({@code <stem>} as
         * {@link io.peerpulse.session.spi.ExportFiles#fileStem(String)}, with {@code -1}, {@code -2}, … when
         * taken), which {@link SessionJournal#recover(Path)} turns back into the report. Default: the
         * setting {@value SessionJournal#DIRECTORY_SETTING} (session setting, else system property);
         * no journal when neither is set.
         *
         * @param directory created when missing; {@code null} for the setting
         * @return this builder
         * @since 0.1.0
         */
        public Builder journalDirectory(Path directory) {
            this.journalDirectory = directory;
            return this;
        }

        /**
         * Whether the journal is written when a directory is configured. Default {@code true}.
         *
         * @param enabled {@code false} for no journal whatever the settings say
         * @return this builder
         * @since 0.1.0
         */
        public Builder journal(boolean enabled) {
            this.journalEnabled = enabled;
            return this;
        }

        /**
         * Whether every journal line is also forced to the device ({@code fsync}), surviving a power loss,
         * at the cost of a device flush per line (see the module README). Default: the setting
         * {@value SessionJournal#FSYNC_SETTING}, else {@code false}: each line reaches the OS page cache
         * before the recording thread moves on, which survives the death of the process.
         *
         * @param fsync whether to force every line
         * @return this builder
         * @since 0.1.0
         */
        public Builder journalFsync(boolean fsync) {
            this.journalFsync = fsync;
            return this;
        }

        /**
         * Checks every value, selects and creates the exporters and tells them the session started.
         * A provider whose {@code create} rejects its settings ({@link IllegalArgumentException}) fails
         * the build; one whose {@code create} fails otherwise, or answers {@code null}, is a broken
         * plugin: logged and left out, the session runs without it.
         *
         * @return the session; measuring starts at its first {@link GameSession#onDataChannelOpen}
         * @throws IllegalArgumentException naming the field when a value is bad, when {@code exporters}
         *                                  names an unknown exporter or one twice (listing the known ones),
         *                                  or naming the exporter and its setting when an exporter rejects
         *                                  its settings
         * @throws IllegalStateException    when two providers share a name or a name is invalid
         * @throws java.io.UncheckedIOException when the journal is on and its directory or file cannot be
         *                                  created (naming the path)
         * @since 0.1.0
         */
        public GameSession build() {
            checkId("sessionId", sessionId, false);
            checkId("playerId", playerId, true);
            if (telemetryOptions == null) {
                throw new IllegalArgumentException("telemetryOptions must not be null");
            }
            if (exporterNamesNull) {
                throw new IllegalArgumentException("exporters must not be null; call exporters() for none");
            }
            if (providersSet && providers == null) {
                throw new IllegalArgumentException("exporterProviders must not be null");
            }
            if (executorSet && executor == null) {
                throw new IllegalArgumentException("executor must not be null");
            }
            if (exporterTimeout == null || exporterTimeout.isNegative() || exporterTimeout.isZero()
                    || exporterTimeout.compareTo(MAX_DURATION) > 0) {
                throw new IllegalArgumentException("exporterTimeout must be above 0 and at most 24 h, was "
                        + exporterTimeout);
            }
            if (fairFrom == null || fairFrom.isNegative() || fairFrom.isZero()) {
                throw new IllegalArgumentException("qualityThresholds fairFrom must be above 0, was " + fairFrom);
            }
            if (poorFrom == null || poorFrom.compareTo(fairFrom) <= 0 || poorFrom.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("qualityThresholds poorFrom must be above fairFrom (" + fairFrom
                        + ") and at most 60 s, was " + poorFrom);
            }
            if (recentSamples < 1 || recentSamples > MAX_RECENT_SAMPLES) {
                throw new IllegalArgumentException("qualityRecentSamples must be between 1 and " + MAX_RECENT_SAMPLES
                        + ", was " + recentSamples);
            }
            if (toleratedBadPolls < 0) {
                throw new IllegalArgumentException("toleratedBadPolls must be >= 0, was " + toleratedBadPolls);
            }
            if (gapAfterPolls < 1 || gapAfterPolls > 1_000_000) {
                throw new IllegalArgumentException("gapAfterPolls must be between 1 and 1000000, was " + gapAfterPolls);
            }
            Map<Class<?>, Object> typed = new LinkedHashMap<>();
            for (Object[] attribute : attributes) {
                if (attribute[0] == null) {
                    throw new IllegalArgumentException("exportAttribute type must not be null");
                }
                typed.put((Class<?>) attribute[0], attribute[1]);
            }
            Executor runOn = executorSet ? executor : SharedExecutor.get(); // a bad bound fails before any exporter
            Settings exportSettings = Settings.of(settings, typed);
            Map<String, SessionExporterProvider> selected =
                    Providers.select(providersSet ? providers : Providers.discover(), exporterNames);
            // Exporters first: a bad setting fails build() before anything (the journal) is opened.
            Map<String, SessionExporter> created = new LinkedHashMap<>();
            selected.forEach((name, provider) -> {
                SessionExporter exporter;
                try {
                    exporter = provider.create(exportSettings);
                } catch (IllegalArgumentException badSetting) {
                    // a configuration error: fail fast, naming the exporter and (in its message) the setting
                    throw new IllegalArgumentException("exporter '" + name + "': " + badSetting.getMessage(),
                            badSetting);
                } catch (VirtualMachineError fatal) {
                    throw fatal;
                } catch (Throwable t) {
                    // a broken plugin: contained, the session runs without it
                    LOG.log(Level.WARNING, "exporter '" + name + "' could not be created for session '" + sessionId
                            + "' and is left out", t);
                    return;
                }
                if (exporter == null) {
                    LOG.log(Level.WARNING, () -> "exporter '" + name + "' answered null to create() for session '"
                            + sessionId + "' and is left out");
                } else {
                    created.put(name, exporter);
                }
            });
            JournalWriter journal = openJournal(exportSettings);
            GameSession session = new GameSession(this, runOn, created, journal);
            List<ExporterChannel> toStart = new ArrayList<>();
            for (ExporterChannel exporter : session.exporters) {
                if (exporter.enqueueStarted()) {
                    toStart.add(exporter);
                }
            }
            toStart.forEach(ExporterChannel::startDrain);
            return session;
        }

        private JournalWriter openJournal(Settings exportSettings) {
            if (!journalEnabled || replayTimes != null) {
                return null;
            }
            Path directory = journalDirectory;
            if (directory == null) {
                Optional<String> value = exportSettings.get(SessionJournal.DIRECTORY_SETTING);
                if (value.isEmpty()) {
                    return null;
                }
                if (value.get().isBlank()) {
                    throw new IllegalArgumentException(SessionJournal.DIRECTORY_SETTING + " must not be blank");
                }
                try {
                    directory = Path.of(value.get());
                } catch (InvalidPathException e) {
                    throw new IllegalArgumentException(SessionJournal.DIRECTORY_SETTING + " is not a valid path: "
                            + e.getMessage(), e);
                }
            }
            boolean fsync = journalFsync != null ? journalFsync
                    : exportSettings.get(SessionJournal.FSYNC_SETTING).map(Builder::parseFsync).orElse(false);
            try {
                return JournalWriter.create(directory, io.peerpulse.session.spi.ExportFiles.fileStem(sessionId),
                        sessionId, fsync, journalSinkWrapper);
            } catch (IOException e) {
                throw new UncheckedIOException("session '" + sessionId + "': " + e.getMessage(), e);
            }
        }

        private static boolean parseFsync(String value) {
            String text = value.strip();
            if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(text);
            }
            throw new IllegalArgumentException(SessionJournal.FSYNC_SETTING + " must be true or false, was '"
                    + value + "'");
        }

        private static void checkId(String field, String value, boolean optional) {
            if (value == null) {
                if (optional) {
                    return;
                }
                throw new IllegalArgumentException(field + " must not be null");
            }
            if (value.isBlank()) {
                throw new IllegalArgumentException(field + " must not be blank, was '" + value + "'");
            }
            if (value.length() > MAX_ID_LENGTH) {
                throw new IllegalArgumentException(field + " must be at most " + MAX_ID_LENGTH
                        + " characters, was " + value.length());
            }
            if (value.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException(field + " must not contain control characters");
            }
            if (Redaction.looksLikeAddress(value)) {
                // the value is not echoed: it might be an address
                throw new IllegalArgumentException(field + " must not contain an IP address or ICE candidate: it is"
                        + " exported and logged");
            }
        }
    }
}
