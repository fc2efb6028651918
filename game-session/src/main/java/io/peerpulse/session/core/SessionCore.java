package io.peerpulse.session.core;

import io.peerpulse.session.ClockInfo;
import io.peerpulse.session.ClockStep;
import io.peerpulse.session.LiveRtt;
import io.peerpulse.session.MultiplayerMetrics;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.QualityListener;
import io.peerpulse.session.RoundMetrics;
import io.peerpulse.session.SecondaryLatency;
import io.peerpulse.session.SessionMetrics;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.SourceFallback;
import io.peerpulse.session.ValidationData;
import io.peerpulse.session.internal.ExporterChannel;
import io.peerpulse.session.internal.ExporterFanOut;
import io.peerpulse.session.internal.SerialQueue;
import io.peerpulse.session.internal.SharedExecutor;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.LatencyRecord;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.PollEvent;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryCounters;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A session's state and the one place it changes: {@link #apply(SessionEvent)}. The live session stamps each
 * input under this core's lock and applies it ({@link #applyNow}); a recovery applies the journaled events
 * with their own stamps. Either way each applied event is appended to the {@link EventLog} (the journal), and
 * its consequences — a sample for the exporters, a quality change for the listeners, the final report — come
 * from the same code, so a live report and a recovered one cannot differ.
 *
 * <p><b>Time.</b> Events are applied in stamp order: an event whose monotonic time is before the last one's
 * is refused, and {@link #applyNow} stamps under the lock, never going back, so no racing pair of calls can
 * produce a negative duration. Durations, gaps and coverage come from the monotonic times; wall-clock times
 * only label, and their steps against the monotonic clock are reported ({@link ClockInfo#clockSteps()}).
 *
 * <p><b>Threads.</b> One monitor, {@link #lock}, guards every field that changes, except the volatile
 * snapshots read without it ({@link #latest()}, {@link #finalReport()}, the views' records, which are
 * thread-safe themselves). Nothing slow runs under it: exporter calls, quality listeners and the journal's
 * lines are queued, and their draining starts after the lock is released (the journal's on its own thread), and
 * after a lock of the caller's too when it asks ({@link #applyNow(java.util.function.Function, List)}).
 *
 * <p><b>Why one class.</b> It is the one place state changes, by design: every {@code Handler} method, the
 * fallback verdicts and the report read and write the same fields under one lock, and a recovery must run the
 * very same code. The parts with a job of their own already live beside it ({@code Rounds},
 * {@code ConnectionLog}, {@code CoverageTracker}, {@code QualityJudge} with {@code QualityModel} and
 * {@code QualityTally},
 * {@code QualityListeners}); what stays is the dispatch and the decisions that need all of them at once.
 *
 * @since 0.1.0
 */
public final class SessionCore {

    private static final System.Logger LOG = System.getLogger(SessionCore.class.getName());

    private final SessionConfig config;
    private final SessionStart start;
    private final ExporterFanOut exporters;
    private final QualityListeners qualityListeners;
    private final EventLog log;

    private final Object lock = new Object();
    private final ConnectionLog connections;
    private final Rounds rounds;
    private final CoverageTracker coverage;
    private final QualityJudge quality;
    private final List<ClockStep> clockSteps = new ArrayList<>();
    private long clockStepCount;
    private long reportedDriftMs;
    private Stamp last;
    private SessionEvent.@Nullable Source source;
    private SessionEvent.@Nullable Source secondarySource;
    private boolean secondaryActive;
    private boolean primaryMeasured;
    private @Nullable Stamp primarySince;
    private boolean fellBack;
    /** The two views' RTTs since the last open, paired by time for the cross-check of the two views. */
    private CrossCheck crossCheck = new CrossCheck(0);
    private @Nullable SourceFallback fallback;
    private @Nullable ProbeStats probe;
    private @Nullable Stamp endAt;
    /**
     * The path each view named last since its source opened, from the session's path at that open: a poll's path
     * change starts from it. Not the view's record's path, which a view keeps across reconnections: beside it the
     * other view may have moved the session's path since, and naming the record's path again must move it back. At a
     * fallback the primary view takes the second view's source, and its path with it.
     */
    private @Nullable NetworkPath primaryPath;
    private @Nullable NetworkPath secondaryPath;

    /** Under {@link #lock}. */
    private @Nullable NetworkPath pathOf(SessionEvent.View view) {
        return view == SessionEvent.View.PRIMARY ? primaryPath : secondaryPath;
    }

    private volatile @Nullable LatencyRecord primary;
    private volatile @Nullable LatencyRecord secondary;
    private volatile LiveRtt latest;
    private volatile @Nullable SessionReport report;

    /**
     * A live session's core; {@code GameSession.Builder.build()} makes it.
     *
     * @param config            the configuration
     * @param start             the start
     * @param exporters         the exporters fed
     * @param listenerExecutor  where quality listeners run
     * @param log               where applied events are appended
     * @since 0.1.0
     */
    public SessionCore(SessionConfig config, SessionStart start, ExporterFanOut exporters, Executor listenerExecutor,
                       EventLog log) {
        this.config = Objects.requireNonNull(config, "config");
        this.start = Objects.requireNonNull(start, "start");
        this.exporters = exporters;
        this.qualityListeners = new QualityListeners(config.sessionId(), listenerExecutor);
        this.log = log;
        this.last = start.stamp();
        this.connections = new ConnectionLog(start.stamp());
        this.rounds = new Rounds(start.stamp());
        this.coverage = new CoverageTracker(start.stamp(), config.gapThresholdNanos());
        this.quality = new QualityJudge(config.thresholds(), start.stamp());
        this.latest = quality.live(); // UNKNOWN, no sample
    }

    /**
     * A core for a recovery: no journal, the exporters named (as {@code GameSession.Builder.exporters}) fed on
     * the shared pool behind their plugins' bulkheads (as a live session's), or none.
     *
     * @param config    the journaled configuration; its clocks are never read
     * @param start     the journaled start
     * @param settings  the exporters' settings
     * @param exporters exporter names, {@code null} for every provider found, empty for none
     * @return the core; its exporters were told the session started
     * @throws IllegalArgumentException when an exporter name is unknown
     * @since 0.1.0
     */
    public static SessionCore forReplay(SessionConfig config, SessionStart start, Map<String, String> settings,
                                        @Nullable List<String> exporters) {
        return forReplay(config, start, settings, exporters, null);
    }

    /** As {@link #forReplay(SessionConfig, SessionStart, Map, List)}, from {@code providers} ({@code null}: found). */
    static SessionCore forReplay(SessionConfig config, SessionStart start, Map<String, String> settings,
                                 @Nullable List<String> exporters,
                                 @Nullable List<? extends SessionExporterProvider> providers) {
        boolean none = exporters != null && exporters.isEmpty();
        // each plugin behind its bulkhead, as a live session's: a stuck one holds at most half the shared pool
        ExporterFanOut fanOut = ExporterFanOut.create(config.sessionId(), none ? List.of() : providers, exporters,
                ExportSettings.of(settings, Map.of()), settings.keySet(), SharedExecutor::forPlugin,
                TelemetryOptions.defaults().nanoClock()); // the live sessions' clock: one rate limit with them
        SessionCore core = new SessionCore(config, start, fanOut, none ? Runnable::run : SharedExecutor.get(),
                EventLog.NONE);
        fanOut.started();
        return core;
    }

    /** @return the configuration
     * @since 0.1.0 */
    public SessionConfig config() {
        return config;
    }

    /** @return the start
     * @since 0.1.0 */
    public SessionStart start() {
        return start;
    }

    /** @return the exporters
     * @since 0.1.0 */
    public ExporterFanOut exporters() {
        return exporters;
    }

    /** @return the journal (or {@link EventLog#NONE})
     * @since 0.1.0 */
    public EventLog log() {
        return log;
    }

    /** @param listener told of every quality change from now on
     * @since 0.1.0 */
    public void addQualityListener(QualityListener listener) {
        qualityListeners.add(listener);
    }

    /** @param listener a listener to remove
     * @return whether it was registered
     * @since 0.1.0 */
    public boolean removeQualityListener(QualityListener listener) {
        return qualityListeners.remove(listener);
    }

    /**
     * Waits, in real time and at most until {@code deadline} ({@link System#nanoTime()}), until the quality listeners
     * were told every change queued so far (never called from one of them: {@code close()} then waits for none). A
     * listener still running then is logged at WARNING.
     *
     * @param deadline when to stop waiting; already past, it only logs a listener still running
     * @since 0.1.0
     */
    public void awaitListeners(long deadline) {
        SerialQueue.awaitUntil(listenersDrained(), deadline, () -> LOG.log(System.Logger.Level.WARNING, () -> "session '"
                + config.sessionId() + "': a QualityListener did not return within the exporter timeout "
                + config.exporterTimeout() + "; close() returns without waiting for it"));
    }

    /**
     * @return completed once the quality listeners were told every change queued so far (or can never be)
     * @since 0.1.0
     */
    public CompletableFuture<Void> listenersDrained() {
        return qualityListeners.drained();
    }

    /** @return the primary view's record, empty before the first open; thread-safe to read
     * @since 0.1.0 */
    public Optional<LatencyRecord> primary() {
        return Optional.ofNullable(primary);
    }

    /** @return the live snapshot, one volatile read
     * @since 0.1.0 */
    public LiveRtt latest() {
        return latest;
    }

    /** @return the final report, empty before {@link SessionEvent.Ended}
     * @since 0.1.0 */
    public Optional<SessionReport> finalReport() {
        return Optional.ofNullable(report);
    }

    // ---- reading the state under the lock (for the live session's decisions) ------------------------

    /** @return whether a data channel is open now
     * @since 0.1.0 */
    public boolean isChannelOpen() {
        synchronized (lock) {
            return connections.isOpen();
        }
    }

    /** @return whether the session ended
     * @since 0.1.0 */
    public boolean isEnded() {
        synchronized (lock) {
            return endAt != null;
        }
    }

    /** @return the number of the open round, empty when none
     * @since 0.1.0 */
    public OptionalInt currentRound() {
        synchronized (lock) {
            return rounds.current();
        }
    }

    /**
     * @param view a view
     * @return the path it named last since its source opened, else the session's path at that open: where its next
     *         poll's path change starts; empty when neither (or before it was opened)
     * @since 0.1.0
     */
    public Optional<NetworkPath> path(SessionEvent.View view) {
        synchronized (lock) {
            return Optional.ofNullable(pathOf(view));
        }
    }

    /**
     * @return whether a second view's poll is applied now: the latest open named a second view and the session did not
     *         fall back to it since (live, no second view's poll is handed on otherwise)
     * @since 0.1.0
     */
    public boolean isSecondaryPolled() {
        synchronized (lock) {
            return secondaryActive;
        }
    }

    /** @return whether the session fell back to the second view's source since the latest open
     * @since 0.1.0 */
    public boolean hasFallenBack() {
        synchronized (lock) {
            return fellBack;
        }
    }

    /** @return the probe statistics applied last, {@code null} when none since the last new source
     * @since 0.1.0 */
    public @Nullable ProbeStats probe() {
        synchronized (lock) {
            return probe;
        }
    }

    // ---- applying ---------------------------------------------------------------------------------

    /**
     * What applying an event did beyond changing the state.
     *
     * @param roundEnded    the round a {@link SessionEvent.RoundEnded} ended, else {@code null}
     * @param fellBack      the fallback a primary poll caused, else {@code null}
     * @param exportersDone after {@link SessionEvent.Ended}: one future per exporter, completed when its
     *                      {@code sessionEnded} returned or threw; else empty
     * @since 0.1.0
     */
    public record Applied(@Nullable RoundMetrics roundEnded, @Nullable SourceFallback fellBack,
                          List<CompletableFuture<Void>> exportersDone) {
        static final Applied NOTHING = new Applied(null, null, List.of());
    }

    /**
     * Makes an input at the time now, under the lock, and applies it: the live session's only way in. The
     * stamp reads the session clock and the monotonic clock once each; the monotonic time never goes back,
     * whatever the clock says.
     *
     * @param input makes the event from the stamp, or {@code null} when the input changes nothing (it may
     *              read the state: it runs under the lock)
     * @return what applying did; {@link Applied#NOTHING} when there was no event
     * @since 0.1.0
     */
    public Applied applyNow(java.util.function.Function<Stamp, @Nullable SessionEvent> input) {
        return applyUnderLock(() -> input.apply(now()), null);
    }

    /**
     * As {@link #applyNow(java.util.function.Function)}, for a caller holding a lock of its own (the live session's
     * pollers'): the exporter and quality listener calls that applying queued, in the order the events were applied,
     * are handed to their executor by the task added to {@code afterLocks}, which the caller runs once it released
     * that lock, also when this throws. Else an executor that runs them on the calling thread (a game loop's, a
     * saturated pool's {@code CallerRunsPolicy}) would run them under it, and one whose {@code execute} waits for a
     * busy thread would wait there.
     *
     * @param input      as {@link #applyNow(java.util.function.Function)}
     * @param afterLocks where the task that starts the calls is added
     * @return what applying did
     * @since 0.1.0
     */
    public Applied applyNow(java.util.function.Function<Stamp, @Nullable SessionEvent> input,
                            List<Runnable> afterLocks) {
        return applyUnderLock(() -> input.apply(now()), Objects.requireNonNull(afterLocks, "afterLocks"));
    }

    /**
     * Applies an event with its own stamp: a recovery's way in.
     *
     * @param event the event
     * @return what applying did
     * @throws IllegalArgumentException naming what is wrong when the event cannot follow the state (a time
     *                                  before the last event's, a poll before the first open, an open of the
     *                                  wrong kind). A poll whose path change starts from another path than the
     *                                  view's current one ({@link #path}) is no such case: only a journal with lost lines holds
     *                                  one (live, {@link #polled} takes the previous path from the view under this
     *                                  lock), and it is applied: the view's path set to its new one, the change
     *                                  listed as any, from the latest path recorded (the change between, lost
     *                                  with its line, neither listed nor counted)
     * @throws IllegalStateException    when the session ended already (only polls are ignored then)
     * @since 0.1.0
     */
    public Applied apply(SessionEvent event) {
        return applyUnderLock(() -> event, null);
    }

    /**
     * Makes the event under the lock and applies it there; then, after the lock (or, when {@code afterLocks} is
     * given, after the caller's lock too), starts the exporters' and the quality listeners' draining that applying
     * queued: also when applying threw, so that no call queued waits for a drain that never comes.
     */
    private Applied applyUnderLock(java.util.function.Supplier<@Nullable SessionEvent> make,
                                   @Nullable List<Runnable> afterLocks) {
        List<ExporterChannel> toStart = new ArrayList<>();
        boolean[] listen = new boolean[1];
        Runnable startCalls = () -> {
            ExporterFanOut.startDrains(toStart);
            if (listen[0]) {
                qualityListeners.startDrain();
            }
        };
        try {
            synchronized (lock) {
                SessionEvent event = make.get();
                return event == null ? Applied.NOTHING : applyLocked(event, toStart, listen);
            }
        } finally {
            if (afterLocks == null) {
                startCalls.run();
            } else {
                afterLocks.add(startCalls);
            }
        }
    }

    /** The time now, under the lock: the session clock, and the monotonic clock never before the last event. */
    private Stamp now() {
        long nanos = Math.max(config.telemetryOptions().nanoClock().getAsLong(), last.nanoTime());
        return new Stamp(config.telemetryOptions().clock().millis(), nanos);
    }

    /**
     * A poll of a view as the session applies it: stamped now, its path change relative to the state's path of
     * that view (a poller's own idea of the last path may differ after polls the session ignored). A sample the
     * poller labelled with the poll's end (one without a timestamp of its own) is labelled with the stamp too: the
     * clock steps are judged at the stamp, so a step between the two reads (a VM suspended there) would otherwise
     * list the sample on the stepped clock with a label from before the step, out of place by the whole step.
     *
     * @param at   the stamp
     * @param view the view
     * @param poll the poll as the telemetry ended it
     * @return the event, {@code null} when the session ignores the poll (ended, or the view is not polled)
     * @since 0.1.0
     */
    public SessionEvent.@Nullable Polled polled(Stamp at, SessionEvent.View view, PollEvent poll) {
        synchronized (lock) {
            LatencyRecord record = view == SessionEvent.View.PRIMARY ? primary : secondary;
            if (endAt != null || record == null || view == SessionEvent.View.SECONDARY && !secondaryActive) {
                return null;
            }
            NetworkPath current = pathOf(view);
            NetworkPath next = poll.path() != null && !poll.path().equals(current) ? poll.path() : null;
            RttSample sample = poll.sample();
            if (sample != null && sample.timestampEpochMs() == poll.timestampEpochMs()) {
                sample = new RttSample(at.epochMs(), sample.rttMs());
            }
            return new SessionEvent.Polled(at, view, new PollEvent(poll.outcome(), at.epochMs(), sample,
                    next == null ? null : current, next, poll.lateMs()));
        }
    }

    private Applied applyLocked(SessionEvent event, List<ExporterChannel> toStart, boolean[] listen) {
        Stamp at = event.at();
        if (at.nanoTime() < last.nanoTime()) {
            throw new IllegalArgumentException("nanoTime " + at.nanoTime() + " is before the last event's "
                    + last.nanoTime() + ": events are applied in time order");
        }
        if (endAt != null) {
            if (event instanceof SessionEvent.Polled) {
                return Applied.NOTHING; // a poll ended as the session closed: nothing may follow the end
            }
            throw new IllegalStateException("session '" + config.sessionId() + "' ended: " + event + " cannot follow");
        }
        long samplesBefore = rounds.samplesRecorded();
        Applied applied = event.accept(new Apply(toStart, listen));
        noteClock(at, samplesBefore);
        last = at;
        log.append(event);
        if (endAt != null) {
            log.close();
        }
        return applied;
    }

    /**
     * Reports a step of the wall clock against the monotonic clock since the last step reported (or the start):
     * a sudden one, or a slow drift (a slew) once it adds up to the threshold, so that the start plus the
     * monotonic time plus the steps always maps onto the wall clock within the threshold.
     *
     * @param samplesBefore the samples recorded before this event: the first of its sample, if any, and of every
     *                      later one is on the stepped clock
     */
    private void noteClock(Stamp at, long samplesBefore) {
        long driftMs = at.epochMs() - start.startEpochMs() - (at.nanoTime() - start.startNanoTime()) / 1_000_000;
        long step = driftMs - reportedDriftMs;
        if (Math.abs(step) >= ClockInfo.CLOCK_STEP_MS) {
            if (clockStepCount++ < ClockInfo.MAX_LISTED_CLOCK_STEPS) {
                clockSteps.add(new ClockStep(at.epochMs(), step, samplesBefore));
            }
            reportedDriftMs = driftMs;
        }
    }

    /** Applies one event under the lock. */
    private final class Apply implements SessionEvent.Handler<Applied> {
        private final List<ExporterChannel> toStart;
        private final boolean[] listen;

        Apply(List<ExporterChannel> toStart, boolean[] listen) {
            this.toStart = toStart;
            this.listen = listen;
        }

        @Override
        public Applied opened(SessionEvent.Opened event) {
            Stamp at = event.at();
            SessionEvent.OpenKind kind = event.kind();
            if ((kind == SessionEvent.OpenKind.FIRST) != (primary == null)) {
                throw new IllegalArgumentException("an open of kind " + kind + (primary == null
                        ? " before the first open" : " after the first open"));
            }
            if (kind == SessionEvent.OpenKind.SAME && connections.isOpen()) {
                return Applied.NOTHING;
            }
            if (kind == SessionEvent.OpenKind.FIRST) {
                primary = new LatencyRecord(config.telemetryOptions().maxSampleCount());
                coverage.start(at);
            }
            if (kind != SessionEvent.OpenKind.SAME) {
                source = event.source();
                primaryMeasured = false;
                primarySince = at;
                fellBack = false;
                crossCheck = new CrossCheck(at.nanoTime());
                probe = null;
                quality.sourceChanged();
                coverage.refreshPeriod(event.source().refreshNanos());
                SessionEvent.Source view = event.secondary();
                secondaryActive = view != null;
                if (view != null) {
                    secondarySource = view;
                    if (secondary == null) {
                        secondary = new LatencyRecord(config.telemetryOptions().maxSampleCount());
                    }
                }
                exporters.source(event.source().name(), toStart);
                primaryPath = connections.path();
                secondaryPath = primaryPath;
            }
            exporters.connection(connections.opened(kind, at), toStart);
            return Applied.NOTHING;
        }

        @Override
        public Applied polled(SessionEvent.Polled event) {
            PollEvent poll = event.poll();
            if (event.view() == SessionEvent.View.SECONDARY) {
                LatencyRecord view = secondary;
                if (view == null) {
                    throw new IllegalArgumentException("a secondary poll before a secondary source was opened");
                }
                if (secondaryActive) {
                    view.apply(poll);
                    // the ICE view beside a probe, whose readings name none: the views share one connection
                    pathSeen(SessionEvent.View.SECONDARY, poll, event.at());
                    if (poll.sample() != null) {
                        crossCheck.secondary(event.at().nanoTime(), poll.sample().rttMs());
                    }
                }
                return Applied.NOTHING;
            }
            LatencyRecord record = primary;
            if (record == null) {
                throw new IllegalArgumentException("a poll before the first open");
            }
            record.apply(poll);
            Stamp at = event.at();
            pathSeen(SessionEvent.View.PRIMARY, poll, at);
            if (poll.sample() != null) {
                rounds.sample(poll.sample().rttMs());
                exporters.sample(poll.sample(), toStart);
                coverage.measured(at, poll.sample().rttMs());
            }
            SourceFallback fell = maybeFallBack(poll, at);
            boolean suspect = fell != null && SourceFallback.SUSPECT.equals(fell.verdict());
            if (fell != null) {
                quality.fellBack(suspect);
                exporters.source(fell.toSource(), toStart);
            }
            QualityChange change = quality.poll(poll, at, !suspect, rounds);
            if (change != null) {
                listen[0] |= qualityListeners.enqueue(change);
                exporters.quality(change, toStart);
            }
            if (change != null || quality.judgedLastPoll()) {
                latest = quality.live(); // a judged poll may change the score and the reasons without the grade
            }
            return fell == null ? Applied.NOTHING : new Applied(null, fell, List.of());
        }

        /**
         * A view's poll that named another path than the view's: the view's path, and a change of the session's path
         * when it differs from the latest one recorded, whichever view recorded that (the ICE view beside a probe,
         * then the same view as the primary after a fallback, names the same path once).
         */
        private void pathSeen(SessionEvent.View view, PollEvent poll, Stamp at) {
            NetworkPath path = poll.path();
            if (!poll.pathChanged() || path == null) {
                return;
            }
            if (view == SessionEvent.View.PRIMARY) {
                primaryPath = path;
            } else {
                secondaryPath = path;
            }
            NetworkPath latest = connections.path();
            if (!path.equals(latest)) {
                exporters.path(connections.pathChanged(latest, path, at), toStart);
            }
        }

        @Override
        public Applied probeRead(SessionEvent.ProbeRead event) {
            if (primary == null) {
                throw new IllegalArgumentException("probe statistics before the first open");
            }
            probe = event.stats();
            if (!fellBack) {
                quality.probe(event.stats(), event.at()); // a fallen-back probe's loss is not the primary's
            }
            return Applied.NOTHING;
        }

        @Override
        public Applied channelClosed(SessionEvent.ChannelClosed event) {
            if (connections.isOpen()) {
                exporters.connection(connections.closed(event.reason(), event.at()), toStart);
            }
            return Applied.NOTHING;
        }

        @Override
        public Applied roundBegan(SessionEvent.RoundBegan event) {
            rounds.begin(event.roundNumber(), event.at(), quality.quality());
            return Applied.NOTHING;
        }

        @Override
        public Applied roundEnded(SessionEvent.RoundEnded event) {
            return rounds.end(event.at()).map(round -> new Applied(round, null, List.of())).orElse(Applied.NOTHING);
        }

        @Override
        public Applied ended(SessionEvent.Ended event) {
            Stamp at = event.at();
            rounds.end(at);
            // a step since the last event is on the end's label: listed in the final report, not after it
            noteClock(at, rounds.samplesRecorded());
            endAt = at;
            SessionReport done = snapshot(at);
            report = done;
            return new Applied(null, null, exporters.ended(done, toStart));
        }
    }


    /**
     * At a primary poll: falls back to the secondary source for one of {@link SourceFallback}'s two verdicts,
     * decided from the state alone (so that a recovery decides the same); {@link CrossCheck} pairs the views' RTTs
     * for {@link SourceFallback#SUSPECT}.
     */
    private @Nullable SourceFallback maybeFallBack(PollEvent poll, Stamp at) {
        if (poll.sample() != null) {
            primaryMeasured = true;
            crossCheck.primary(at.nanoTime(), poll.sample().rttMs());
        }
        LatencyRecord view = secondary;
        SessionEvent.Source from = source;
        SessionEvent.Source to = secondarySource;
        Stamp since = primarySince;
        if (fellBack || !secondaryActive || view == null || from == null || to == null || since == null) {
            return null;
        }
        String verdict;
        String reason;
        Double primaryMedian = null;
        Double secondaryMedian = null;
        if (!primaryMeasured) {
            long waitedMs = at.msSince(since);
            if (waitedMs < config.fallbackAfter().toMillis() || view.getCounters().measuredCount() == 0) {
                return null;
            }
            ProbeStats stats = probe;
            verdict = SourceFallback.UNANSWERED;
            reason = stats != null && stats.answeredCount() == 0
                    ? "the peer never answered the " + from.name() + " (" + stats.sentCount() + " pings in " + waitedMs
                            + " ms)"
                    : "no measurement from '" + from.name() + "' in " + waitedMs + " ms";
        } else {
            CrossCheck.Suspect suspect = crossCheck.suspect(from.name(), to.name());
            if (suspect == null) {
                return null;
            }
            verdict = SourceFallback.SUSPECT;
            primaryMedian = suspect.primaryMedianMs();
            secondaryMedian = suspect.secondaryMedianMs();
            reason = suspect.reason();
        }
        SourceFallback fell = new SourceFallback(from.name(), to.name(), at.epochMs(), reason, verdict, primaryMedian,
                secondaryMedian);
        fallback = fell;
        fellBack = true;
        secondaryActive = false;
        primaryPath = secondaryPath; // the primary view polls the second view's source from now on: its path too
        coverage.refreshPeriod(to.refreshNanos());
        LOG.log(System.Logger.Level.INFO, "session {0}: measuring with ''{1}'' from now on: {2}",
                config.sessionId(), to.name(), reason);
        return fell;
    }

    // ---- the report: each record built here only ---------------------------------------------------

    /**
     * The report: the final one once ended, else a snapshot as of now (stamped under the lock).
     *
     * @return the report
     * @since 0.1.0
     */
    public SessionReport report() {
        SessionReport done = report;
        if (done != null) {
            return done;
        }
        synchronized (lock) {
            SessionReport ended = report;
            if (ended != null) {
                return ended;
            }
            return snapshot(now());
        }
    }

    /** Builds the report as of {@code at}; under {@link #lock}. */
    private SessionReport snapshot(Stamp at) {
        LatencyRecord current = primary;
        LatencyStats latency = current == null ? null : current.getStats().orElse(null);
        TelemetryCounters counters = current == null ? TelemetryCounters.ZERO : current.getCounters();
        Stamp end = endAt;
        long startMs = start.startEpochMs();
        SessionMetrics sessionMetrics = new SessionMetrics(config.sessionId(), config.playerId(), startMs,
                end == null ? null : end.epochMs(), at.msSince(start.stamp()), connections.history(at),
                connections.path(), latency);
        ClockInfo clockInfo = new ClockInfo(startMs, start.startNanoTime(), end == null ? null : end.epochMs(),
                end == null ? null : end.nanoTime(), start.systemClockOffsetMs(),
                SessionConfig.toMs(config.telemetryOptions().pollInterval()),
                SessionConfig.toMs(config.telemetryOptions().readTimeout()), clockStepCount, clockSteps);
        SessionEvent.Source named = fellBack ? secondarySource : source;
        ValidationData validationData = new ValidationData(config.sessionId(), latency,
                current == null ? null : current.getSessionStats().orElse(null), counters,
                coverage.coverage(at, counters), LatencyTelemetry.MAX_PLAUSIBLE_RTT_MS,
                Math.max(0, connections.pathChanges().size() - 1), exporters.dropped(), clockInfo,
                named == null ? null : named.name(), probe, secondary(), fallback,
                exporters.stuckCount(config.exporterTimeout()));
        MultiplayerMetrics multiplayerMetrics = new MultiplayerMetrics(config.sessionId(), config.playerId(), latency,
                rounds.all(at), connections.reconnections(), connections.pathChanges(), quality.quality(),
                quality.changes(), quality.thresholds(), quality.summary(at));
        return new SessionReport(sessionMetrics, validationData, multiplayerMetrics);
    }

    private @Nullable SecondaryLatency secondary() {
        LatencyRecord view = secondary;
        SessionEvent.Source named = secondarySource;
        return view == null || named == null ? null
                : new SecondaryLatency(named.name(), view.getSummary().orElse(null), view.getCounters());
    }

    /**
     * Waits, in real time and at most the exporter timeout, until the exporters finished: for a module that
     * cannot read {@link #exporters()}' type (its package is not exported), e.g. the journal's recovery.
     *
     * @param done {@link Applied#exportersDone()} of the {@link SessionEvent.Ended} event
     * @since 0.1.0
     */
    public void awaitExporters(List<CompletableFuture<Void>> done) {
        exporters.await(done, config.exporterTimeout(), System.nanoTime() + config.exporterTimeout().toNanos());
    }
}
