package io.peerpulse.session;

import io.peerpulse.session.core.EventLog;
import io.peerpulse.session.core.EventLogProvider;
import io.peerpulse.session.core.SessionConfig;
import io.peerpulse.session.core.SessionCore;
import io.peerpulse.session.core.SessionEvent;
import io.peerpulse.session.core.SessionStart;
import io.peerpulse.session.internal.ExporterFanOut;
import io.peerpulse.session.internal.SerialQueue;
import io.peerpulse.session.internal.SharedExecutor;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.LatencyRecord;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.LatencySummary;
import io.peerpulse.telemetry.PollEvent;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.RttPoller;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.shared.FaultLog;
import io.peerpulse.telemetry.shared.Plugins;
import io.peerpulse.telemetry.shared.Redaction;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttSource;
import org.jspecify.annotations.Nullable;

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
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * One multiplayer game session: polls its RTT sources ({@link io.peerpulse.telemetry.RttPoller}s, one per view)
 * into {@link io.peerpulse.telemetry.LatencyRecord}s, records the data channel's history,
 * the game's rounds, the connection quality and the measurement coverage, and at {@link #close()}
 * hands a {@link SessionReport} to every exporter.
 *
 * <pre>{@code
 * try (GameSession session = GameSession.builder("exp-42-pair-7").playerId("p1").build()) {
 *     session.onDataChannelOpen(WebRtcRttSource.of(peerConnection));   // starts measuring
 *     session.beginRound(1);
 *     LiveRtt live = session.latest();          // every frame: one volatile read
 *     hud.show(live.quality(), live.lastRttMs());
 *     session.endRound();
 * }   // stops measuring first, then exports
 * }</pre>
 *
 * <p>Every method may be called from any thread; exporter calls, quality listeners and the sources'
 * {@code close()} run on the session's executor ({@link Builder#executor(Executor)}), never on the caller's or the
 * polling thread unless that executor runs tasks on the thread handing them over, and never under a lock of the
 * session's. A virtual-time scheduler and its clock ({@link Builder#telemetryOptions}) drive a session
 * completely; only {@link #close()} waits in real time. The rules — threads and exporter calls, the shared pool,
 * time and clock steps, text and privacy, sources, quality, gaps, fallback — are each stated once, in a row of
 * game-session's README.
 *
 * <p><b>Why one class.</b> The facade is the public API of a session (API.md fixes {@code GameSession} and its
 * {@code Builder}); most of its lines are that API's Javadoc. Its code is the live driver only: the pollers, the
 * sources it owns (checked at open, closed on the executor) and their fallback switch, guarded by one monitor
 * taken before the core's lock — all one lifecycle, which a split would spread over two monitors; the reading of
 * the probe's statistics, read and applied as one step under a lock of its own so that racing polls never apply
 * older statistics last; and the builder, which validates through {@code SessionConfig} and creates the exporter
 * runtime and journal found elsewhere. Every state change is in {@code SessionCore}.
 *
 * @since 0.1.0
 */
public final class GameSession implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(GameSession.class.getName());

    /** Default recent median from which the quality is FAIR, {@link QualityThresholds#DEFAULT}'s: 150 ms.
     * @since 0.1.0 */
    public static final Duration DEFAULT_FAIR_FROM = SessionConfig.ofMs(QualityThresholds.DEFAULT.fairFromMs());
    /** Default recent median from which the quality is POOR, {@link QualityThresholds#DEFAULT}'s: 300 ms.
     * @since 0.1.0 */
    public static final Duration DEFAULT_POOR_FROM = SessionConfig.ofMs(QualityThresholds.DEFAULT.poorFromMs());
    /** Default number of latest samples whose median judges the quality, {@link QualityThresholds#DEFAULT}'s: 5.
     * @since 0.1.0 */
    public static final int DEFAULT_RECENT_SAMPLES = QualityThresholds.DEFAULT.recentSampleCount();
    /** Default number of consecutive polls that reached no peer (unavailable, failed, a probe's lost pings) that are still not LOST,
     * {@link QualityThresholds#DEFAULT}'s: 3.
     * @since 0.1.0 */
    public static final int DEFAULT_TOLERATED_BAD_POLLS = QualityThresholds.DEFAULT.toleratedBadPollCount();
    /** Default number of poll intervals without a measurement that are still not a gap.
     * @since 0.1.0 */
    public static final int DEFAULT_GAP_AFTER_POLLS = 3;
    /** Default time a primary source may go without a measurement before the session falls back to the
     * secondary one: 10 s.
     * @since 0.1.0 */
    public static final Duration DEFAULT_FALLBACK_AFTER = Duration.ofSeconds(10);
    /** Default time {@link #close()} waits for the exporters: 10 s.
     * @since 0.1.0 */
    public static final Duration DEFAULT_EXPORTER_TIMEOUT = Duration.ofSeconds(10);
    /** Sample calls waiting for one exporter beyond which further ones are dropped (and counted).
     * @since 0.1.0 */
    public static final int MAX_QUEUED_EXPORTER_CALLS = 100_000;
    /** Longest session or player id.
     * @since 0.1.0 */
    public static final int MAX_ID_LENGTH = Redaction.MAX_ID_LENGTH;

    private final SessionCore core;
    /** The session's executor: also closes the sources it no longer polls, so a slow close() never holds a caller. */
    private final Executor runner;
    private final TelemetryOptions options;
    /**
     * A source's faults: a {@code probeStats()} that throws (e.g. a value {@link ProbeStats} refuses) or hangs at
     * {@link #close()}, a {@code close()} that throws or hangs. Rate-limited for the JVM per plugin class and fault,
     * as the exporters' faults are: a plugin that hangs in every session's {@code close()} gives a line a minute, not
     * one per session.
     */
    private final FaultLog sourceFaults;
    private final AtomicBoolean closing = new AtomicBoolean();
    /** The batches of replaced sources not closed yet. */
    private final Set<SourceBatch> replacing = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    /**
     * Guards the pollers and the sources below: what the session does to the outside world. Taken before the
     * core's lock, never while holding it; the pollers call back without holding a lock of theirs. Nothing is handed
     * to the session's executor under it (see {@link #open}).
     */
    private final Object pollers = new Object();
    private @Nullable RttPoller primaryPoller;
    private @Nullable RttPoller secondaryPoller;
    /** Volatile as well: a reconnection's task that closes the replaced sources reads them without the lock. */
    private volatile @Nullable RttSource primarySource;
    private volatile @Nullable RttSource secondarySource;
    /** The primary source opened last when it is a probe: its statistics become events. Written under the core's lock
     * as its open is applied, so that statistics read from a probe replaced meanwhile are never applied. */
    private volatile @Nullable ProbeStatsSource probe;
    /** Held while the probe's statistics are read and applied (see {@link #readProbe}); taken with no other lock waited for. */
    private final ReentrantLock probeReading = new ReentrantLock();
    /** The probe whose probeStats() is called under {@link #probeReading} now: a replaced one's too, which close() may
     * wait for, and then names. */
    private volatile @Nullable ProbeStatsSource probeRead;
    /**
     * Opens that changed the sources, counted as they are applied (under the core's lock, while {@link #pollers}
     * is held): a fallback switches the pollers only when no such open was applied after it.
     */
    private long sourceOpens;

    private GameSession(SessionCore core, Executor runner) {
        this.core = core;
        this.runner = runner;
        this.options = core.config().telemetryOptions();
        this.sourceFaults = new FaultLog(LOG, options.nanoClock(),
                "session '" + sessionId() + "'", "sessions");
    }

    /**
     * A builder for a session with the given id.
     *
     * @param sessionId the session's id: not blank, at most {@value #MAX_ID_LENGTH} characters, no
     *                  control or bidirectional control characters, nothing that looks like an IP address (checked by
     *                  {@link Builder#build()})
     * @return the builder
     * @since 0.1.0
     */
    public static Builder builder(String sessionId) {
        return new Builder(sessionId);
    }

    /**
     * A data channel opened. The first call creates and starts the telemetry on {@code source}; the
     * same source again while open changes nothing, and after {@link #onDataChannelClose} is recorded
     * as a reopening; another source (a reconnection on a new connection) becomes the polled source,
     * every sample kept, and is recorded as a reconnection. Sources are compared by identity. The session owns
     * the sources it is given: it closes ({@link RttSource#close()}, on the session's executor, at {@link #close()}
     * on a JVM-wide pool of daemon threads of its own) one it stops polling for good, the replaced one after a reconnection
     * and every one at {@link #close()}; a replaced one given again before its close began is polled again, and closed
     * once it is replaced again or at {@link #close()}. Only {@link #close()} waits for that (closing itself a replaced
     * one whose close the executor has not begun); to dispose a replaced connection's
     * factory, close its source yourself first (a source's {@code close()} is idempotent; {@code WebRtcRttSource}'s
     * waits for its call into webrtc-java).
     *
     * @param source the connection's RTT source
     * @throws IllegalArgumentException naming the plugin when its {@code refreshPeriod()} is null, negative, above
     *                                  1 h or fails (nothing changes then)
     * @throws IllegalStateException when the session is closed, or the telemetry's scheduler rejects it (then the
     *                               sources it replaced are closed all the same, and those given are the session's,
     *                               closed at {@link #close()}; the open is recorded, so the report shows the time
     *                               since as a gap with no poll, and every later open, of the same source too, asks
     *                               the scheduler again: it polls from then on or fails alike)
     * @since 0.1.0
     */
    public void onDataChannelOpen(RttSource source) {
        Objects.requireNonNull(source, "source");
        open(source, null);
    }

    /**
     * A data channel opened, with two views of its RTT: {@code source} is polled for {@code latency} (e.g. the
     * data-channel probe), {@code secondary} is polled beside it by a telemetry of its own and exported as
     * {@link ValidationData#secondary()} (e.g. the ICE view). As {@link #onDataChannelOpen(RttSource)}
     * otherwise (identity of {@code source} decides first open, reopening, reconnection).
     *
     * <p><b>Fallback.</b> When {@code source} has not measured within the {@link Builder#fallbackAfter(Duration)
     * fallback time} of its open while {@code secondary} has, or reads far below it ({@link SourceFallback} gives
     * both verdicts and their figures), the session
     * polls {@code secondary} for {@code latency} from then on, stops the second view, and exports when and why
     * ({@link ValidationData#fallback()}, {@link ValidationData#latencySource()}).
     *
     * @param source    the primary source
     * @param secondary the secondary source; {@code null} for none (as {@link #onDataChannelOpen(RttSource)})
     * @throws IllegalArgumentException when {@code secondary} is {@code source}, or a source's
     *                                  {@code refreshPeriod()} is bad (as {@link #onDataChannelOpen(RttSource)})
     * @throws IllegalStateException as {@link #onDataChannelOpen(RttSource)}
     * @since 0.1.0
     */
    public void onDataChannelOpen(RttSource source, RttSource secondary) {
        Objects.requireNonNull(source, "source");
        if (secondary == source) {
            throw new IllegalArgumentException("secondary must be another source than source");
        }
        open(source, secondary);
    }

    private void open(RttSource source, @Nullable RttSource secondary) {
        // the plugins' own calls first, outside every lock: a bad value fails the call before anything changes
        SessionEvent.Source described = describe(source);
        SessionEvent.Source describedSecondary = secondary == null ? null : describe(secondary);
        // known to close() from the moment the open holds the lock, so that a close() of another thread right after
        // it finds what it replaced; filled under that lock
        SourceBatch replaced = new SourceBatch(new ArrayList<>(2));
        // the exporter calls the open queued, handed to the executor once the pollers' lock is released: an executor
        // that runs them on this thread (a game loop's, a saturated pool's CallerRunsPolicy) runs them holding no lock
        // of the session's, so an exporter that hangs holds no other thread's open or close(), and one that calls
        // back (a reconnection from sourceChanged) finds the open done
        List<Runnable> calls = new ArrayList<>(1);
        try {
            boolean readProbe;
            try {
                readProbe = openLocked(source, described, secondary, describedSecondary, replaced, calls);
            } finally {
                calls.forEach(Runnable::run);
            }
            if (readProbe) {
                // on the session's executor, not the caller's thread (a game loop, webrtc-java's signalling thread): a
                // plugin's call, and the first of a JVM bootstraps the records' equals and the lambdas it takes (26 to
                // 31 ms of the caller's CPU measured on a loaded machine); the first poll reads them anyway if the
                // executor refuses. After the pollers' lock: an executor that runs it on this thread (a saturated
                // pool's CallerRunsPolicy) calls the plugin holding no lock. Marked as a callback: a probeStats()
                // calling close() there must not wait for that executor
                try {
                    runner.execute(() -> SerialQueue.runAsCallback(() -> readProbe(null)));
                } catch (RuntimeException rejected) {
                    // read at the first poll
                }
            }
        } finally {
            closeLater(replaced, runner, true).whenComplete((ignored, failure) -> replacing.remove(replaced));
        }
    }

    /**
     * Sources closed together by whoever claims them first: those a reconnection replaced are closed on the session's
     * executor, and {@link #close()} takes over a batch whose close has not begun there (an executor of the game's,
     * or one behind slow exporters, may run it only later) and waits for the others, so that none is still open, or
     * still closing, when it returns and the caller disposes the factory.
     */
    private record SourceBatch(List<RttSource> sources, AtomicBoolean claimed, CompletableFuture<Void> closed) {
        SourceBatch(List<RttSource> sources) {
            this(sources, new AtomicBoolean(), new CompletableFuture<>());
        }
    }

    /** @return whether the new primary is a probe whose statistics are to be read now */
    private boolean openLocked(RttSource source, SessionEvent.Source described, @Nullable RttSource secondary,
                               SessionEvent.@Nullable Source describedSecondary, SourceBatch batch,
                               List<Runnable> afterLock) {
        List<RttSource> replaced = batch.sources();
        synchronized (pollers) {
            if (closing.get()) {
                throw new IllegalStateException("session '" + sessionId() + "' is closed");
            }
            replacing.add(batch);
            RttPoller first = primaryPoller;
            SessionEvent.OpenKind kind = first == null ? SessionEvent.OpenKind.FIRST
                    : source != primarySource ? SessionEvent.OpenKind.NEW : SessionEvent.OpenKind.SAME;
            boolean reopen = kind == SessionEvent.OpenKind.SAME;
            core.applyNow(at -> {
                if (reopen) {
                    return core.isChannelOpen() ? null : new SessionEvent.Opened(at, kind, described, null);
                }
                sourceOpens++;
                // under the core's lock, as the open is applied: a read of the replaced probe's statistics that is
                // under way on another thread finds it replaced when it applies them (readProbe)
                probe = source instanceof ProbeStatsSource stats ? stats : null;
                return new SessionEvent.Opened(at, kind, described, describedSecondary);
            }, afterLock);
            if (reopen) {
                Objects.requireNonNull(first).start(); // a reopening has a poller; as a new source below
                return false;
            }
            if (closing.get()) {
                // another thread's close() began meanwhile: it stops and closes what is polled once this releases
                // the lock; the new sources are not polled, so they are closed too
                for (RttSource given : new RttSource[] {source, secondary}) {
                    if (given != null && given != primarySource && given != secondarySource) {
                        replaced.add(given);
                    }
                }
                return false;
            }
            RttSource oldPrimary = primarySource;
            RttSource oldSecondary = secondarySource;
            // the session's from here on: polled, or closed at close(), also when the scheduler refuses to start
            // polling them (the open fails then, and a first open's source would else stay open for good)
            primarySource = source;
            secondarySource = secondary;
            try {
                if (first == null) {
                    RttPoller created = new RttPoller(source, options, this::primaryPolled);
                    primaryPoller = created;
                    created.start();
                } else {
                    first.switchSource(source);
                    // nothing while it polls; after a first open the scheduler refused, it polls from now on, or this
                    // open fails alike: it never returns with nothing polled
                    first.start();
                }
                RttPoller view = secondaryPoller;
                if (secondary == null) {
                    if (view != null) {
                        view.stop();
                    }
                } else {
                    if (view == null) {
                        view = new RttPoller(secondary, options, this::secondaryPolled);
                        secondaryPoller = view;
                    } else {
                        view.switchSource(secondary);
                    }
                    view.start();
                }
            } finally {
                // the sources no longer polled are closed (after the lock): who polls a source closes it; also when
                // the scheduler refused the new view (the open fails then, but it replaced them already)
                for (RttSource old : new RttSource[] {oldPrimary, oldSecondary}) {
                    if (old != null && old != source && old != secondary && !replaced.contains(old)) {
                        replaced.add(old);
                    }
                }
            }
            return probe != null;
        }
    }

    /**
     * Closes sources no longer polled on {@code executor}, outside every lock, so that a {@code close()} that blocks
     * holds no caller (a game loop reconnecting, {@link #close()} past its timeout): after a reconnection on the
     * session's executor; at {@link #close()} on {@link SharedExecutor#sourceCloser()}, so that the sources it waits
     * for are closed also while an exporter slower than the exporter timeout holds the session's own executor, or
     * stuck exporters hold every thread of the shared pool (the caller disposes the connection's factory next: a
     * probe closed after that crashes the JVM).
     *
     * @param replaced whether these are sources a reconnection replaced: one of them given again since (a switch back
     *                 to the connection left) and polled when the close begins is kept, to be closed once it is
     *                 replaced again or at {@link #close()}, never under its poller
     * @return completed once every one has been closed
     */
    private CompletableFuture<Void> closeLater(SourceBatch batch, Executor executor, boolean replaced) {
        CompletableFuture<Void> done = batch.closed();
        if (batch.sources().isEmpty()) {
            done.complete(null);
            return done;
        }
        Runnable closing = () -> {
            try {
                // a source's close() (a connection's close handler) may call close() back, of this session or
                // another on the same executor of one thread: marked as the exporters' and listeners' calls are;
                // unless close() took the batch over
                if (batch.claimed().compareAndSet(false, true)) {
                    // without the pollers' lock, which no task of the executor takes (an executor whose execute()
                    // blocks while its threads are busy, called under that lock, would wait for this task for good):
                    // the fields are at least as new as this batch, so a source read as polled was given again since
                    // and is closed once it is replaced again or at close()
                    List<RttSource> sources = !replaced ? batch.sources() : batch.sources().stream()
                            .filter(old -> old != primarySource && old != secondarySource).toList();
                    SerialQueue.runAsCallback(() -> closeAll(sources));
                }
            } finally {
                done.complete(null);
            }
        };
        try {
            executor.execute(closing);
        } catch (RuntimeException rejected) { // an executor of the caller's that refuses work: here, then
            closing.run();
        }
        return done;
    }

    /**
     * Closes each source; what one throws (an Error too, but a VirtualMachineError) is logged, never thrown. Each
     * {@code close()} begins with the thread's interrupt cleared, as it may wait interruptibly (a probe's for webrtc's
     * signalling thread) and would give up at once: neither one another close() left set nor the caller's reaches it
     * (this runs on the caller's thread when the pool that closes the sources cannot start a thread, or an executor
     * runs tasks on the thread handing them over). The interrupt is set again after, when the thread had one.
     */
    private void closeAll(List<RttSource> sources) {
        boolean interrupted = false;
        try {
            for (RttSource old : sources) {
                interrupted |= Thread.interrupted();
                try {
                    old.close();
                } catch (RuntimeException | Error e) {
                    if (e instanceof VirtualMachineError vm) {
                        throw vm; // to the thread's uncaught handler, as every VirtualMachineError
                    }
                    // a logger that throws: the next source is closed all the same
                    FaultLog.quietly(() -> sourceFaults.report("RTT source " + old.getClass().getName(),
                            "failed in close()", () -> "failed in close()", e));
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static <T> T call(RttSource source, String method, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            // the plugin's message may quote its peer: the application logs or shows what is thrown here
            Throwable safe = Redaction.redactThrown(e);
            throw new IllegalArgumentException("RTT source " + source.getClass().getName() + ": " + method
                    + " failed: " + safe.getMessage(), safe);
        }
    }

    /** The longest refresh period a source may state. */
    private static final Duration MAX_REFRESH_PERIOD = Duration.ofHours(1);

    /** What the session records of a source: its name (by the text rule) and refresh period, both checked. */
    private static SessionEvent.Source describe(RttSource source) {
        String name = call(source, "name()", source::name);
        Duration refresh = call(source, "refreshPeriod()", source::refreshPeriod);
        if (refresh == null || refresh.isNegative() || refresh.compareTo(MAX_REFRESH_PERIOD) > 0) {
            throw new IllegalArgumentException("RTT source " + source.getClass().getName()
                    + ": refreshPeriod() must be from 0 to " + MAX_REFRESH_PERIOD + ", was " + refresh);
        }
        return new SessionEvent.Source(name, refresh.toNanos()); // applies the text rule
    }

    /**
     * The probe's statistics, when they changed since last applied, become an event. Reading and applying them is
     * one step under {@link #probeReading}: two polls may be handed on at once (a skipped one beside the read in
     * flight, or one beside {@link #close()}), and statistics read first but applied last would go back. A poll that
     * finds another thread at it leaves the step to that one (the next poll reads again), so that no caller waits
     * for a plugin's call on another thread while it holds a lock; {@link #close()} waits, holding none, and reads
     * last.
     *
     * @param wait how long to wait for another thread's step; {@code null}: not at all
     * @return {@code false} when it waited {@code wait} for another thread's step in vain
     */
    private boolean readProbe(@Nullable Duration wait) {
        ProbeStatsSource source = probe;
        if (source == null) {
            return true;
        }
        if (!lockProbeReading(wait)) {
            return wait == null;
        }
        try {
            if (core.isEnded()) {
                return true; // close() read the last ones; its source is closed, or about to be: asked nothing more
            }
            ProbeStats stats;
            ProbeStatsSource outer = probeRead; // this thread's read, when close() is called from its probeStats()
            probeRead = source;
            try {
                stats = source.probeStats();
            } catch (RuntimeException | Error e) {
                if (e instanceof VirtualMachineError vm) {
                    throw vm; // to the thread's uncaught handler, as every VirtualMachineError
                }
                // an Error of the plugin too (an UnsatisfiedLinkError of its native library), as closeAll: thrown
                // on, it left close() before the session ended, skipping every sessionEnded and the sources' close().
                // Every poll would fail alike: rate-limited; the class names the plugin, never its toString (an address)
                // a logger that throws: close() still ends the session and closes the sources after this
                FaultLog.quietly(() -> sourceFaults.report("RTT source " + source.getClass().getName(),
                        "failed in probeStats()", () -> "failed in probeStats(); its statistics are not exported", e));
                return true;
            } finally {
                probeRead = outer;
            }
            if (stats != null) {
                // a poll handed on as close() ended the session reads them too late: ignored, as the poll is; so are
                // those of a probe that an open applied meanwhile replaced (another thread's reconnection)
                core.applyNow(at -> core.isEnded() || probe != source || stats.equals(core.probe()) ? null
                        : new SessionEvent.ProbeRead(at, stats));
            }
            return true;
        } finally {
            probeReading.unlock();
        }
    }

    /** Uninterruptibly, the interrupt kept: a timed tryLock throws at once for an interrupted thread, free lock too. */
    private boolean lockProbeReading(@Nullable Duration wait) {
        if (wait == null) {
            return probeReading.tryLock();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return probeReading.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true; // the flag is cleared: the next tryLock waits the rest
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A poll of the primary view ended: the probe's statistics, then the poll, become events. */
    private void primaryPolled(PollEvent poll) {
        readProbe(null);
        long[] opensBefore = new long[1];
        SessionCore.Applied applied = core.applyNow(at -> {
            opensBefore[0] = sourceOpens;
            return core.polled(at, SessionEvent.View.PRIMARY, poll);
        });
        if (applied.fellBack() != null) {
            synchronized (pollers) {
                RttPoller view = secondaryPoller;
                RttPoller polled = primaryPoller;
                RttSource to = secondarySource;
                // an open applied since the fallback chose the sources anew: switching now would undo it
                if (view != null && polled != null && to != null && !closing.get() && sourceOpens == opensBefore[0]) {
                    view.stop();
                    polled.switchSource(to);
                }
            }
        }
    }

    private void secondaryPolled(PollEvent poll) {
        core.applyNow(at -> core.polled(at, SessionEvent.View.SECONDARY, poll));
    }

    /**
     * The data channel closed. Measuring goes on (the source then reports no connection, which shows
     * as gaps and LOST) until a channel opens again or the session closes. Does nothing when no channel
     * is open or the session is closed.
     *
     * <p>{@code reason} is free text that reaches exports and logs: address-like words and ICE candidates are
     * redacted by the session's one text rule (game-session's README, "text"). A bare port number cannot be
     * recognised: leave it out.
     *
     * @param reason why, e.g. {@code "peer left"}; may be {@code null}
     * @since 0.1.0
     */
    public void onDataChannelClose(@Nullable String reason) {
        core.applyNow(at -> core.isEnded() || !core.isChannelOpen() ? null : new SessionEvent.ChannelClosed(at, reason));
    }

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
        core.applyNow(at -> {
            SessionEvent began = new SessionEvent.RoundBegan(at, roundNumber); // checks the number, closed or not
            if (core.isEnded()) {
                throw new IllegalStateException("session '" + sessionId() + "' is closed");
            }
            return began;
        });
    }

    /**
     * Ends the open round. {@link #close()} ends a round still open.
     *
     * @return the round with its latency, empty when no round was open
     * @since 0.1.0
     */
    public Optional<RoundMetrics> endRound() {
        return Optional.ofNullable(core.applyNow(at -> core.currentRound().isPresent() && !core.isEnded()
                ? new SessionEvent.RoundEnded(at) : null).roundEnded());
    }

    /**
     * @return the number of the open round, empty when none is open
     * @since 0.1.0
     */
    public OptionalInt currentRound() {
        return core.currentRound();
    }

    /**
     * The connection quality, newest RTT and recent median as one snapshot; one volatile read, no lock,
     * no allocation: a game loop may call it every frame.
     *
     * @return the snapshot
     * @since 0.1.0
     */
    public LiveRtt latest() {
        return core.latest();
    }

    /**
     * Adds a listener told of every quality change from now on, on the session's executor, until {@link #close()}
     * returns.
     *
     * @param listener the listener
     * @since 0.1.0
     */
    public void addQualityListener(QualityListener listener) {
        core.addQualityListener(listener);
    }

    /**
     * @param listener a listener to remove
     * @return whether it was registered
     * @since 0.1.0
     */
    public boolean removeQualityListener(QualityListener listener) {
        return core.removeQualityListener(listener);
    }

    /**
     * @return the statistics of the telemetry's window with its samples, empty before any sample
     * @since 0.1.0
     */
    public Optional<LatencyStats> getLatencyStats() {
        return core.primary().flatMap(LatencyRecord::getStats);
    }

    /**
     * @return the window's statistics without the samples, read without locking; empty before any sample
     * @since 0.1.0
     */
    public Optional<LatencySummary> getLatencySummary() {
        return core.primary().flatMap(LatencyRecord::getSummary);
    }

    /**
     * @return session metrics now; after {@link #close()} those of the final report
     * @since 0.1.0
     */
    public SessionMetrics exportSessionMetrics() {
        return exportReport().sessionMetrics();
    }

    /**
     * @return validation data now; after {@link #close()} those of the final report
     * @since 0.1.0
     */
    public ValidationData exportValidationData() {
        return exportReport().validationData();
    }

    /**
     * @return multiplayer metrics now; after {@link #close()} those of the final report
     * @since 0.1.0
     */
    public MultiplayerMetrics exportMultiplayerMetrics() {
        return exportReport().multiplayerMetrics();
    }

    /**
     * All three exports as one consistent snapshot; after {@link #close()} the final report (the same
     * instance every time, the one the exporters got). It copies the session's history (rounds, connection
     * events, changes, gaps), so its cost grows with the session: a game loop reads {@link #latest()}.
     *
     * @return the report
     * @since 0.1.0
     */
    public SessionReport exportReport() {
        return core.report();
    }

    /** @return the session's id
     * @since 0.1.0 */
    public String sessionId() {
        return core.config().sessionId();
    }

    /** @return the local player's id, empty when none was given
     * @since 0.1.0 */
    public Optional<String> playerId() {
        return Optional.ofNullable(core.config().playerId());
    }

    /** @return the session clock: the telemetry options' clock
     * @since 0.1.0 */
    public InstantSource sessionClock() {
        return options.clock();
    }

    /** @return the names of the exporters this session feeds, in call order
     * @since 0.1.0 */
    public List<String> exporterNames() {
        return core.exporters().names();
    }

    /** @return whether {@link #close()} was called
     * @since 0.1.0 */
    public boolean isClosed() {
        return closing.get();
    }

    /** @return the journal file this session appends to, empty when the journal is off
     * @since 0.1.0 */
    public Optional<Path> journalPath() {
        return core.log().path();
    }

    /**
     * @return journal lines that could not be written (each failure is counted; the first is logged)
     * @since 0.1.0
     */
    public long journalFailureCount() {
        return core.log().failureCount();
    }

    /**
     * Ends the session: stops the telemetry first (its statistics are kept), ends an open round, builds the
     * {@link SessionReport}, runs every exporter's {@code sessionEnded} exactly once, each after that exporter's last
     * {@code sampleRecorded} (one that fails is logged and the others still run; every sample in the report's
     * statistics was passed to {@code sampleRecorded} first, also one whose recording raced with this call), and
     * closes its sources and its journal. Waits in real time until they have all returned, the quality listeners
     * were told every change (none is told after this returns) and the journal's lines are written, or at most the
     * exporter timeout (default 10 s; an exporter, listener, source or journal write still running then is logged and
     * left to finish on its own), so it always returns — unless the executor runs tasks on the calling thread, which
     * only tests should do. A caller's interrupt does not cut these bounded waits short (nor the last read of the
     * probe's statistics); it is kept for the caller.
     *
     * <p>Idempotent and safe from many threads at once: one call does the work, the others wait for it (at most the
     * exporter timeout and a second). Called from a session's callback — an exporter call, a quality listener, a source's
     * {@link RttSource#close()} (e.g. a connection's close handler) or the probe's {@code probeStats()} read after an
     * open, of any session — it waits for none of these,
     * which may need that very thread (an executor of one thread): made first there, it leaves them to run, each
     * once, after it returns (one still running at the exporter timeout is logged alike), and a {@code close()} of
     * another thread waits for them; made while another call is under way (from a probe's {@code probeStats()}
     * too), it returns at once. Do not call it on webrtc-java's signalling thread (from a
     * {@code PeerConnectionObserver} or data channel callback): a {@code DataChannelProbe}'s {@code close()}, which
     * this waits for, calls onto that thread, so this returns only after the exporter timeout, holding that thread
     * and every connection of its factory meanwhile.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        Duration timeout = core.config().exporterTimeout();
        if (!closing.compareAndSet(false, true)) {
            if (SerialQueue.inCallback() || probeReading.isHeldByCurrentThread()) {
                // an exporter call, listener or source's close() (of any session) or a probe's probeStats() calling
                // back: the closing call waits for that very call, or for tasks of an executor it may hold
                return;
            }
            long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
            SerialQueue.awaitUntil(closed, deadline, () -> { }); // the closing call logs what it waited for
            return;
        }
        // called back from a task of the session's executor: what it would wait for may need this very thread (the
        // game's executor of one thread), so it is queued and left to run once this call returns
        boolean fromExecutor = SerialQueue.inCallback();
        CompletableFuture<Void> finishing = null; // then: when the others waiting for this call may go on
        // one deadline for everything this call waits for, the last probe read included: at most the exporter timeout
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            synchronized (pollers) {
                // before anything else: the caller closes the connection once we return
                for (RttPoller poller : new RttPoller[] {primaryPoller, secondaryPoller}) {
                    if (poller != null) {
                        poller.stop();
                    }
                }
            }
            // the last statistics: after another thread's step that is under way, for at most half the timeout, so
            // that a probeStats() that hangs leaves the exporters the other half, not 0 ns (nor blames them as hung)
            readLastProbeStats(deadline - timeout.toNanos() / 2);
            // a poll still being delivered is applied before this, or ignored after it: either way the
            // report, the exporters and the journal saw the same samples
            List<CompletableFuture<Void>> done = core.applyNow(SessionEvent.Ended::new).exportersDone();
            List<RttSource> polled = new ArrayList<>(2);
            List<SourceBatch> closings = new ArrayList<>();
            synchronized (pollers) {
                for (RttSource given : new RttSource[] {primarySource, secondarySource}) {
                    if (given != null && !polled.contains(given)) {
                        polled.add(given);
                    }
                }
                // replaced sources whose close has not begun on the session's executor are closed here with the
                // others; those being closed there are waited for with them. Under the lock that opens fill them in
                for (SourceBatch batch : replacing) {
                    if (batch.sources().isEmpty()) {
                        continue; // nothing replaced, or an open still under way on this thread: closed after it
                    }
                    if (batch.claimed().compareAndSet(false, true)) {
                        batch.sources().stream().filter(old -> !polled.contains(old)).forEach(polled::add);
                    } else {
                        closings.add(batch);
                    }
                }
            }
            // after the last read and probe statistics; not behind the exporters on the session's executor, nor
            // behind exporters stuck on every thread of the shared pool
            SourceBatch last = new SourceBatch(polled);
            closings.add(last);
            closeLater(last, SharedExecutor.sourceCloser(), false);
            CompletableFuture<Void> sourcesClosed = CompletableFuture.allOf(
                    closings.stream().map(SourceBatch::closed).toArray(CompletableFuture[]::new));
            if (!fromExecutor) {
                core.exporters().await(done, timeout, deadline);
                core.awaitListeners(deadline);
                awaitSources(sourcesClosed, closings, deadline);
            } else {
                List<CompletableFuture<Void>> all = new ArrayList<>(done);
                all.add(core.listenersDrained());
                all.add(sourcesClosed);
                finishing = CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
                // nobody waits for them here: what still runs at the exporter timeout is logged as a waiting close()
                // logs it (else a hung exporter stays silent for good); the timer goes once they have all finished
                long due = deadline;
                finishing.copy().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete((ignored, late) -> {
                    if (late != null) {
                        core.exporters().await(done, timeout, due);
                        core.awaitListeners(due);
                        awaitSources(sourcesClosed, closings, due);
                    }
                });
            }
            core.log().awaitClosed(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } finally {
            if (finishing == null) {
                closed.complete(null);
            } else {
                finishing.whenComplete((ignored, failure) -> closed.complete(null));
            }
        }
    }

    /**
     * The probe's last statistics for {@link #close()}, read by {@link #readProbe} until {@code readBy}: on the pool
     * that closes the sources, marked as a callback, so that a {@code probeStats()} that hangs in this very read holds
     * the caller no longer than another thread's read would (logged, the statistics read before are kept). Here when
     * {@code probeStats()} is what called {@code close()} (this thread holds the read's lock) or the pool refuses.
     */
    private void readLastProbeStats(long readBy) {
        if (probe == null) {
            return;
        }
        java.util.function.BooleanSupplier read =
                () -> readProbe(Duration.ofNanos(Math.max(0, readBy - System.nanoTime())));
        if (probeReading.isHeldByCurrentThread()) {
            read.getAsBoolean();
            return;
        }
        // whether the read was made: false when it gave up waiting for another thread's read (which hangs)
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        boolean[] made = {true};
        try {
            SharedExecutor.sourceCloser().execute(() -> {
                try {
                    SerialQueue.runAsCallback(() -> made[0] = read.getAsBoolean());
                } finally {
                    done.complete(made[0]);
                }
            });
        } catch (RuntimeException rejected) {
            read.getAsBoolean();
            return;
        }
        // the read that hangs may be another thread's, of a probe that a reconnection replaced since: named; late
        // either way, whether this wait or the read's own wait for that one's lock ran out first
        ProbeStatsSource hung = probeRead;
        SerialQueue.awaitUntil(done, readBy, () -> { });
        if (!done.getNow(false)) {
            String plugin = "RTT source " + Optional.ofNullable(probeRead).or(() -> Optional.ofNullable(hung))
                    .or(() -> Optional.ofNullable(probe)).map(p -> p.getClass().getName()).orElse("?");
            // a logger that throws: close() still ends the session and closes the sources after this
            FaultLog.quietly(() -> sourceFaults.report(plugin, "did not return from probeStats()",
                    () -> "did not return from probeStats() within half the exporter timeout "
                            + core.config().exporterTimeout() + "; close() goes on with the statistics read before",
                    null));
        }
    }

    /**
     * Waits for the sources' close() until the deadline of {@link #close()}; the sources of a batch still closing then
     * are logged (one of them holds the rest).
     */
    private void awaitSources(CompletableFuture<Void> closed, List<SourceBatch> batches, long deadline) {
        SerialQueue.awaitUntil(closed, deadline, () -> {
            // sorted: one fault kind per set of plugins, whatever order the batches come in; all of them when the
            // late ones finished since the wait ran out
            List<SourceBatch> late = batches.stream().filter(batch -> !batch.closed().isDone()).toList();
            String plugin = "RTT source " + (late.isEmpty() ? batches : late).stream()
                    .flatMap(batch -> batch.sources().stream()).map(p -> p.getClass().getName()).distinct().sorted()
                    .collect(java.util.stream.Collectors.joining(" or "));
            sourceFaults.report(plugin, "did not return from close()", () -> "did not return from close() within the"
                    + " exporter timeout " + core.config().exporterTimeout() + "; close() returns without waiting for"
                    + " it", null);
        });
    }

    @Override
    public String toString() {
        return "GameSession[" + sessionId() + (closing.get() ? ", closed" : "") + "]";
    }

    /**
     * Builds a {@link GameSession}. Setters take any value; {@link #build()} checks them all and names
     * the first bad field.
     *
     * @since 0.1.0
     */
    public static final class Builder {

        private final String sessionId;
        private @Nullable String playerId;
        private TelemetryOptions telemetryOptions = TelemetryOptions.defaults();
        private final Map<String, String> settings = new LinkedHashMap<>();
        private final Map<Class<?>, Object> attributes = new LinkedHashMap<>();
        private @Nullable List<String> exporterNames;
        private boolean exporterNamesNull;
        private @Nullable List<? extends SessionExporterProvider> providers;
        private boolean providersSet;
        private @Nullable Executor executor;
        private boolean executorSet;
        private Duration exporterTimeout = GameSession.DEFAULT_EXPORTER_TIMEOUT;
        private Duration fairFrom = GameSession.DEFAULT_FAIR_FROM;
        private Duration poorFrom = GameSession.DEFAULT_POOR_FROM;
        private int recentSamples = GameSession.DEFAULT_RECENT_SAMPLES;
        private int toleratedBadPolls = GameSession.DEFAULT_TOLERATED_BAD_POLLS;
        private QualityThresholds model = QualityThresholds.DEFAULT;
        private int gapAfterPolls = GameSession.DEFAULT_GAP_AFTER_POLLS;
        private Duration fallbackAfter = GameSession.DEFAULT_FALLBACK_AFTER;
        private @Nullable Path journalDirectory;
        private boolean journalEnabled = true;
        private @Nullable Boolean journalFsync;

        private Builder(String sessionId) {
            this.sessionId = sessionId;
        }

        /**
         * @param playerId the local player's id (rules as the session id); {@code null} (default) for none
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
         * A string setting for the exporters, before the system property of that key; a later call wins.
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
         * A typed object for the exporters, e.g. a metrics registry; a later call for the same type wins.
         *
         * @param type  the type exporters ask for
         * @param value an instance of it
         * @param <T>   the type
         * @return this builder
         * @since 0.1.0
         */
        public <T> Builder exportAttribute(Class<T> type, T value) {
            attributes.put(type, value);
            return this;
        }

        /**
         * @param names the exporters' provider names, in call order, each known and named once; none for
         *              no exporter. Default: every provider found
         * @return this builder
         * @since 0.1.0
         */
        public Builder exporters(String... names) {
            this.exporterNamesNull = names == null;
            this.exporterNames = names == null ? null : new ArrayList<>(Arrays.asList(names));
            return this;
        }

        /**
         * @param providers the providers (names unique) that {@link #exporters(String...)} selects from,
         *                  instead of those {@link java.util.ServiceLoader} finds
         * @return this builder
         * @since 0.1.0
         */
        public Builder exporterProviders(List<? extends SessionExporterProvider> providers) {
            this.providers = providers == null ? null : new ArrayList<>(providers);
            this.providersSet = true;
            return this;
        }

        /**
         * @param executor runs exporter calls and quality listeners (default: a JVM-wide pool of daemon
         *                 threads); one running tasks on the caller's thread makes {@link #close()} wait
         *                 without bound; a task it refuses (anything {@code execute} throws, a
         *                 {@code RejectedExecutionException} or e.g. an {@code IllegalStateException} once shut
         *                 down) is lost and logged, and {@link #close()} still closes the sources and returns
         * @return this builder
         * @since 0.1.0
         */
        public Builder executor(Executor executor) {
            this.executor = executor;
            this.executorSet = true;
            return this;
        }

        /**
         * @param timeout how long {@link GameSession#close()} waits, in real time, for all exporters to
         *                finish {@code sessionEnded}: above 0, at most 24 h; default 10 s
         * @return this builder
         * @since 0.1.0
         */
        public Builder exporterTimeout(Duration timeout) {
            this.exporterTimeout = timeout;
            return this;
        }

        /**
         * Sets the RTT median criterion of {@link #qualityThresholds(QualityThresholds)}, keeping the other parts.
         *
         * @param fairFrom {@code fairFromMs} as a duration: above 0
         * @param poorFrom {@code poorFromMs} as a duration: above {@code fairFrom}, at most 60 s
         * @return this builder
         * @since 0.1.0
         */
        public Builder qualityThresholds(Duration fairFrom, Duration poorFrom) {
            this.fairFrom = fairFrom;
            this.poorFrom = poorFrom;
            return this;
        }

        /**
         * Sets every criterion of the quality at once; {@code QualityThresholds.rttOnly(150, 300, 5, 3)} is the rule
         * of earlier versions (the RTT median alone, no hysteresis).
         *
         * @param thresholds the criteria, window and hysteresis; default {@link QualityThresholds#DEFAULT}; checked
         *                   by {@link #build()} (naming the bad component)
         * @return this builder
         * @since 0.1.0
         */
        public Builder qualityThresholds(QualityThresholds thresholds) {
            this.model = Objects.requireNonNull(thresholds, "thresholds");
            this.fairFrom = SessionConfig.ofMs(thresholds.fairFromMs());
            this.poorFrom = SessionConfig.ofMs(thresholds.poorFromMs());
            this.recentSamples = thresholds.recentSampleCount();
            this.toleratedBadPolls = thresholds.toleratedBadPollCount();
            return this;
        }

        /**
         * Sets one part of {@link #qualityThresholds(QualityThresholds)}, keeping the others.
         *
         * @param samples {@code recentSampleCount}: 1 to 10,000
         * @return this builder
         * @since 0.1.0
         */
        public Builder qualityRecentSamples(int samples) {
            this.recentSamples = samples;
            return this;
        }

        /**
         * Sets one part of {@link #qualityThresholds(QualityThresholds)}, keeping the others.
         *
         * @param polls {@code toleratedBadPollCount}: {@code >= 0}
         * @return this builder
         * @since 0.1.0
         */
        public Builder toleratedBadPolls(int polls) {
            this.toleratedBadPolls = polls;
            return this;
        }

        /**
         * @param polls how many poll intervals may pass without a measurement before the stretch counts
         *              as a coverage gap (it must be longer than this): {@code >= 1}; default 3
         * @return this builder
         * @since 0.1.0
         */
        public Builder gapAfterPolls(int polls) {
            this.gapAfterPolls = polls;
            return this;
        }

        /**
         * @param after how long a primary source may go without any measurement, from its open, before the
         *              session falls back to the secondary source (see
         *              {@link GameSession#onDataChannelOpen(RttSource, RttSource)}): above 0, at most 24 h;
         *              default 10 s
         * @return this builder
         * @since 0.1.0
         */
        public Builder fallbackAfter(Duration after) {
            this.fallbackAfter = after;
            return this;
        }

        /**
         * @param directory where the crash-safe journal {@code <stem>.journal.jsonl} is created (the module
         *                  {@code io.peerpulse.session.journal} must be present); {@code null} (default) for the
         *                  setting {@code peerpulse.journal.directory}, no journal when unset
         * @return this builder
         * @since 0.1.0
         */
        public Builder journalDirectory(Path directory) {
            this.journalDirectory = directory;
            return this;
        }

        /**
         * @param enabled {@code false} for no journal whatever the settings say; default {@code true}
         * @return this builder
         * @since 0.1.0
         */
        public Builder journal(boolean enabled) {
            this.journalEnabled = enabled;
            return this;
        }

        /**
         * @param fsync whether the journal's writer also forces the lines it wrote to the device, a batch at a
         *              time (they then survive a power loss; lines still queued for it do not); default: the
         *              setting {@code peerpulse.journal.fsync}, else {@code false}; without a journal directory
         *              there is no journal, and {@code true} is logged at WARNING by {@link #build()}
         * @return this builder
         * @since 0.1.0
         */
        public Builder journalFsync(boolean fsync) {
            this.journalFsync = fsync;
            return this;
        }

        /**
         * Checks every value, creates the exporters and tells them the session started. A provider whose
         * {@code create} rejects its settings ({@link IllegalArgumentException}) fails the build; one whose
         * {@code create} fails otherwise, or answers {@code null}, fails the build when it was named in
         * {@link #exporters(String...)}, and is logged at WARNING and left out with the default selection.
         * Providers sharing a name, or with an invalid name, fail only when that name is selected; the default
         * selection logs them once and leaves them out.
         *
         * @return the session; measuring starts at its first {@link GameSession#onDataChannelOpen}
         * @throws IllegalArgumentException     naming the field when a value is bad, when {@code exporters}
         *                                      names an unknown exporter or one twice (listing the known
         *                                      ones, and each provider that could not be loaded, with why),
         *                                      or naming the exporter when it rejects its settings, or
         *                                      naming the system property {@code peerpulse.session.executor.maxThreads}
         *                                      when the shared pool is not made yet and its value is bad (an
         *                                      {@link #executor executor} of the caller's too: {@link
         *                                      GameSession#close()} closes the sources on a pool of that bound)
         * @throws IllegalStateException        quoting the name when a selected name is shared by two providers
         *                                      or invalid; naming the exporter and why when one selected by
         *                                      name cannot be created
         * @throws java.io.UncheckedIOException when the journal's directory or file cannot be created, or its
         *                                      header cannot be written
         * @since 0.1.0
         */
        public GameSession build() {
            // The one id rule first (also the telemetry name's): then the session id names the telemetry's log
            // lines unless the caller named them.
            Redaction.checkId("sessionId", sessionId, false);
            TelemetryOptions options = telemetryOptions != null && telemetryOptions.name().isEmpty()
                    ? telemetryOptions.toBuilder().name(sessionId).build() : telemetryOptions;
            SessionConfig config = new SessionConfig(sessionId, playerId, options, exporterTimeout, thresholds(),
                    gapAfterPolls, fallbackAfter);
            if (exporterNamesNull) {
                throw new IllegalArgumentException("exporters must not be null; call exporters() for none");
            }
            if (providersSet && providers == null) {
                throw new IllegalArgumentException("exporterProviders must not be null");
            }
            if (executorSet && executor == null) {
                throw new IllegalArgumentException("executor must not be null");
            }
            Map<String, String> journalSettings = new LinkedHashMap<>(settings);
            if (journalDirectory != null) {
                journalSettings.put(EventLogProvider.DIRECTORY_SETTING, journalDirectory.toString());
            }
            if (journalFsync != null) {
                journalSettings.put(EventLogProvider.FSYNC_SETTING, journalFsync.toString());
            }
            ExportSettings exportSettings = ExportSettings.of(settings, attributes);
            Executor own = executor;
            // asked on an executor of the caller's too: close() closes the sources on a pool of the same bound, and
            // a bad bound fails here, naming it, not there
            Executor shared = SharedExecutor.get();
            Executor runner = own != null ? own : shared;
            // On the shared pool each exporter plugin holds at most half its threads (a stuck one cannot take all).
            Function<String, Executor> exporterRunners = own != null ? name -> own : SharedExecutor::forPlugin;
            // Exporters first: a bad setting fails build() before anything (the journal) is opened.
            ExporterFanOut exporters = ExporterFanOut.create(sessionId, providersSet ? providers : null,
                    exporterNames, exportSettings, settings.keySet(), exporterRunners,
                    options.nanoClock()); // rate limits on the monotonic clock
            long startMs = options.clock().millis();
            SessionStart start = new SessionStart(startMs, options.nanoClock().getAsLong(),
                    startMs - System.currentTimeMillis());
            EventLog log = journalEnabled ? openJournal(config, start, ExportSettings.of(journalSettings, attributes),
                    journalSettings.containsKey(EventLogProvider.FSYNC_SETTING)) : EventLog.NONE;
            GameSession session = new GameSession(new SessionCore(config, start, exporters, runner, log), runner);
            exporters.started();
            return session;
        }

        /**
         * The quality thresholds: those given whole, with the parts the older setters set; the FAIR and POOR
         * medians in whole nanoseconds, as their durations hold them.
         */
        private QualityThresholds thresholds() {
            if (fairFrom == null || poorFrom == null) {
                throw new IllegalArgumentException("qualityThresholds " + (fairFrom == null ? "fairFrom" : "poorFrom")
                        + " must not be null");
            }
            return new QualityThresholds(SessionConfig.toMs(fairFrom), SessionConfig.toMs(poorFrom), recentSamples,
                    toleratedBadPolls, model.jitterFairFromMs(), model.jitterPoorFromMs(), model.lossFairFromRatio(),
                    model.lossPoorFromRatio(), model.fairBelowScore(), model.poorBelowScore(), model.lossWindowMs(),
                    model.hysteresisPollCount());
        }

        /** Whether fsync set as a system property without a journal directory was logged: once for the JVM. */
        private static final AtomicBoolean FSYNC_PROPERTY_WARNED = new AtomicBoolean();

        /**
         * The journal the settings ask for, from the journal module found with {@link ServiceLoader}; or none. A
         * broken provider is skipped (logged); two are refused, naming both. Fsync asked for without a directory
         * is logged at WARNING: no journal, nothing durable (for the session's setting each time, for the system
         * property once for the JVM, as a mistyped one is).
         */
        private static EventLog openJournal(SessionConfig config, SessionStart start, ExportSettings settings,
                                            boolean fsyncGiven) {
            Optional<String> directory = settings.get(EventLogProvider.DIRECTORY_SETTING);
            if (directory.isEmpty()) {
                Optional<String> fsync = settings.get(EventLogProvider.FSYNC_SETTING);
                if (fsync.isPresent() && !fsync.get().strip().equalsIgnoreCase("false")
                        && (fsyncGiven || FSYNC_PROPERTY_WARNED.compareAndSet(false, true))) {
                    LOG.log(System.Logger.Level.WARNING, "session '"
                            + config.sessionId() + "': " + (fsyncGiven ? "" : "system property ")
                            + EventLogProvider.FSYNC_SETTING + " is '" + Redaction.escapeControls(fsync.get())
                            + "', but no journal directory is set (" + EventLogProvider.DIRECTORY_SETTING
                            + " or GameSession.Builder.journalDirectory): no journal is written, so nothing of the"
                            + " session survives a crash");
                }
                return EventLog.NONE;
            }
            List<EventLogProvider> found = Plugins.loadAll(ServiceLoader.load(EventLogProvider.class,
                    Plugins.loaderFor(EventLogProvider.class)));
            if (found.size() > 1) {
                throw new IllegalStateException("two session journals are present: " + found.get(0).getClass().getName()
                        + " and " + found.get(1).getClass().getName() + "; keep one io.peerpulse:session-journal");
            }
            if (found.isEmpty()) {
                throw new IllegalStateException(EventLogProvider.DIRECTORY_SETTING + " is set ('" + directory.get()
                        + "'), but no session journal is present: add the artifact io.peerpulse:session-journal (module"
                        + " io.peerpulse.session.journal) to the module or class path, or turn the journal off with"
                        + " GameSession.Builder.journal(false)");
            }
            return found.get(0).open(config, start, settings).orElse(EventLog.NONE);
        }
    }
}
