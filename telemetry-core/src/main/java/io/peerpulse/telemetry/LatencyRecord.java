package io.peerpulse.telemetry;

import io.peerpulse.telemetry.shared.Micros;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.internal.LatenessHistogram;
import io.peerpulse.telemetry.internal.RttWindow;
import io.peerpulse.telemetry.internal.SessionHistogram;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.StampedLock;

/**
 * What a telemetry keeps of its polls: the window of the last {@code maxSampleCount} RTT samples with exact
 * statistics, aggregates over every sample, how every poll ended and how many started late (with how late:
 * p99 and maximum, from an 800-byte histogram made at the first late poll), the current {@link NetworkPath} and how often it changed, and the
 * newest sample.
 *
 * <p>It changes only through {@link #apply(PollEvent)}, the same way for a live poll (an {@link RttPoller}
 * hands its events to whoever owns the record) and for a journaled event applied again later: nothing here
 * reads a clock, every time comes from the event.
 *
 * <p><b>Thread safety.</b> Every method may be called from any thread. {@link #getStats()},
 * {@link #getSamples()}, {@link #getSessionStats()}, {@link #getCounters()}, {@link #getPath()} and
 * {@link #getPathChangeCount()} return consistent snapshots; {@link #getSummary()} and
 * {@link #getLastSample()} do not lock at all (optimistic reads), so a game loop may call them every
 * frame. Applying an event allocates nothing.
 *
 * @since 0.1.0
 */
public final class LatencyRecord {

    /*
     * One concurrency mechanism: the StampedLock `lock` guards every field below it. apply() takes its
     * write lock; the snapshot getters its read lock; getSummary() and getLastSample() read optimistically
     * and fall back to the read lock when a write intervened.
     */
    private final StampedLock lock = new StampedLock();
    private final RttWindow window;
    private final SessionHistogram session = new SessionHistogram();
    private long lastTimestamp;
    private double lastRttMs;
    private @Nullable NetworkPath path;
    private long pathChanges;
    private long measured;
    private long stale;
    private long unavailable;
    private long failed;
    private long rejected;
    private long skipped;
    private long latePolls;
    /** Made at the first late poll: a telemetry that is never late carries none. */
    private @Nullable LatenessHistogram lateness;

    /**
     * An empty record.
     *
     * @param maxSampleCount how many samples the window keeps, 1 to {@link TelemetryOptions#MAX_SAMPLE_COUNT_LIMIT}
     * @throws IllegalArgumentException naming {@code maxSampleCount} when it is out of range
     * @since 0.1.0
     */
    public LatencyRecord(int maxSampleCount) {
        if (maxSampleCount < 1 || maxSampleCount > TelemetryOptions.MAX_SAMPLE_COUNT_LIMIT) {
            throw new IllegalArgumentException("maxSampleCount must be between 1 and "
                    + TelemetryOptions.MAX_SAMPLE_COUNT_LIMIT + ", was " + maxSampleCount);
        }
        this.window = new RttWindow(maxSampleCount);
    }

    /**
     * Records how one poll ended: counts its outcome; sets the path when the event names another one than this
     * record's (a change counted unless it is the first path); and a {@link PollOutcome#MEASURED} event's sample
     * enters the window and the aggregates with its own timestamp. The event is checked first: a bad one changes
     * nothing.
     *
     * <p>The path change is this record's: from its current path, whatever the event's {@code previousPath} says.
     * They differ only when the event's source saw a path this record never did: an event that a racing
     * {@code stop()} kept from a telemetry's record, a view whose source was switched while another view moved the
     * session's path, a journal whose line with the change between was lost. The event as recorded is returned.
     *
     * @param event the poll's event, live or journaled
     * @return the event as recorded: its path change taken from this record's path (the event itself when they agree)
     * @throws NullPointerException     when {@code event} is null
     * @throws IllegalArgumentException when its sample is not a plausible RTT (NaN, infinite, negative or
     *                                  above {@link LatencyTelemetry#MAX_PLAUSIBLE_RTT_MS})
     * @since 0.1.0
     */
    public PollEvent apply(PollEvent event) {
        Objects.requireNonNull(event, "event");
        RttSample sample = event.sample();
        if (sample != null && !(sample.rttMs() >= 0 && sample.rttMs() <= LatencyTelemetry.MAX_PLAUSIBLE_RTT_MS)) {
            throw new IllegalArgumentException("the event's sample is not a plausible RTT (0 to "
                    + LatencyTelemetry.MAX_PLAUSIBLE_RTT_MS + " ms): " + sample.rttMs() + " ms");
        }
        long stamp = lock.writeLock();
        try {
            NetworkPath newPath = event.path();
            PollEvent recorded = event;
            if (newPath != null && !Objects.equals(event.previousPath(), path)) {
                recorded = new PollEvent(event.outcome(), event.timestampEpochMs(), sample,
                        newPath.equals(path) ? null : path, newPath.equals(path) ? null : newPath, event.lateMs());
                newPath = recorded.path();
            }
            if (newPath != null) {
                if (path != null) {
                    pathChanges++;
                }
                path = newPath;
            }
            if (event.late()) {
                latePolls++;
                if (lateness == null) {
                    lateness = new LatenessHistogram();
                }
                lateness.recordLate(event.lateMs());
            }
            switch (event.outcome()) {
                case MEASURED -> {
                    RttSample measuredSample = Objects.requireNonNull(sample, "a MEASURED event has a sample");
                    measured++;
                    window.add(measuredSample.timestampEpochMs(), measuredSample.rttMs());
                    session.record(measuredSample.rttMs());
                    lastTimestamp = measuredSample.timestampEpochMs();
                    lastRttMs = measuredSample.rttMs();
                }
                case STALE -> stale++;
                case UNAVAILABLE -> unavailable++;
                case FAILED -> failed++;
                case REJECTED -> rejected++;
                case SKIPPED -> skipped++;
            }
            return recorded;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * The statistics of the window with its samples: a consistent snapshot. The samples are copied
     * once, as primitive arrays; their {@link RttSample} records are made as they are read.
     *
     * @return the statistics, empty when no sample was recorded
     * @since 0.1.0
     */
    public Optional<LatencyStats> getStats() {
        List<RttSample> samples;
        LatencySummary summary;
        long stamp = lock.readLock();
        try {
            if (window.count() == 0) {
                return Optional.empty();
            }
            samples = window.snapshot();
            summary = LatencySummary.of(window);
        } finally {
            lock.unlockRead(stamp);
        }
        return Optional.of(new LatencyStats(summary.sampleCount(), summary.minMs(), summary.maxMs(),
                summary.meanMs(), summary.medianMs(), summary.p95Ms(), summary.p99Ms(), summary.stdDevMs(),
                summary.jitterMs(), summary.totalSampleCount(), samples));
    }

    /**
     * The statistics of the window without its samples. Does not lock: a game loop may call it
     * every frame.
     *
     * @return the summary, empty when no sample was recorded
     * @since 0.1.0
     */
    public Optional<LatencySummary> getSummary() {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            try {
                LatencySummary summary = window.count() == 0 ? null : LatencySummary.of(window);
                if (lock.validate(stamp)) {
                    return Optional.ofNullable(summary);
                }
            } catch (RuntimeException torn) {
                // a torn optimistic read; fall through to the read lock
            }
        }
        stamp = lock.readLock();
        try {
            return window.count() == 0 ? Optional.empty() : Optional.of(LatencySummary.of(window));
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * The newest sample. Does not lock.
     *
     * @return the newest sample, empty when no sample was recorded
     * @since 0.1.0
     */
    public Optional<RttSample> getLastSample() {
        long stamp = lock.tryOptimisticRead();
        long total = window.total();
        long timestamp = lastTimestamp;
        double rtt = lastRttMs;
        if (!lock.validate(stamp)) {
            stamp = lock.readLock();
            try {
                total = window.total();
                timestamp = lastTimestamp;
                rtt = lastRttMs;
            } finally {
                lock.unlockRead(stamp);
            }
        }
        return total == 0 ? Optional.empty() : Optional.of(new RttSample(timestamp, rtt));
    }

    /**
     * The samples of the window.
     *
     * @return an independent, unmodifiable copy, oldest first
     * @since 0.1.0
     */
    public List<RttSample> getSamples() {
        long stamp = lock.readLock();
        try {
            return window.snapshot();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * Aggregates over every sample recorded, evicted ones included.
     *
     * @return the aggregates, empty when no sample was recorded
     * @since 0.1.0
     */
    public Optional<SessionLatencyStats> getSessionStats() {
        long stamp = lock.readLock();
        try {
            if (session.count() == 0) {
                return Optional.empty();
            }
            if (session.count() == window.count()) {
                // every sample is still in the window: its exact statistics, one answer per question
                LatencySummary exact = LatencySummary.of(window);
                return Optional.of(new SessionLatencyStats(exact.sampleCount(), exact.minMs(), exact.maxMs(),
                        exact.meanMs(), exact.medianMs(), exact.p95Ms(), exact.p99Ms()));
            }
            return Optional.of(new SessionLatencyStats(session.count(), session.min(), session.max(),
                    Micros.round(session.mean()), Micros.round(session.quantile(0.5)),
                    Micros.round(session.quantile(0.95)), Micros.round(session.quantile(0.99))));
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * The network path of the latest event that changed it; kept while the connection is unavailable.
     *
     * @return the path, empty when no event named one
     * @since 0.1.0
     */
    public Optional<NetworkPath> getPath() {
        long stamp = lock.readLock();
        try {
            return Optional.ofNullable(path);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * How many times the path changed, the first path not counted.
     *
     * @return the number of path changes
     * @since 0.1.0
     */
    public long getPathChangeCount() {
        long stamp = lock.readLock();
        try {
            return pathChanges;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * How every poll applied so far ended.
     *
     * @return the counters, a consistent snapshot
     * @since 0.1.0
     */
    public TelemetryCounters getCounters() {
        long stamp = lock.readLock();
        try {
            long polls = measured + stale + unavailable + failed + rejected + skipped;
            LatenessHistogram late = lateness;
            return new TelemetryCounters(polls, measured, stale, unavailable, failed, rejected, skipped, latePolls,
                    late == null ? 0 : Micros.round(late.p99(polls)), late == null ? 0 : Micros.round(late.max()));
        } finally {
            lock.unlockRead(stamp);
        }
    }
}
