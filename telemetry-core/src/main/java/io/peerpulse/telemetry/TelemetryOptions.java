package io.peerpulse.telemetry;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.internal.IsolatedReads;
import io.peerpulse.telemetry.internal.SharedScheduler;
import io.peerpulse.telemetry.shared.Redaction;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;

/**
 * Immutable options of a {@link LatencyTelemetry}, validated by {@link Builder#build()}.
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>option</th><th>default</th><th>allowed</th></tr>
 * <tr><td>{@code pollInterval}</td><td>1 s</td><td>1 ms to 24 h</td></tr>
 * <tr><td>{@code firstPollDelay}</td><td>to the next tick of the JVM's poll grid: within one
 *     {@code pollInterval}, at a random phase</td><td>0 to 24 h</td></tr>
 * <tr><td>{@code maxSampleCount}</td><td>600</td><td>1 to 1,000,000</td></tr>
 * <tr><td>{@code readTimeout}</td><td>{@code pollInterval}</td><td>above 0, to 24 h</td></tr>
 * <tr><td>{@code scheduler}</td><td>one shared daemon scheduler for the whole JVM</td><td>any</td></tr>
 * <tr><td>{@code clock}</td><td>{@link InstantSource#system()}</td><td>any</td></tr>
 * <tr><td>{@code nanoClock}</td><td>{@code System::nanoTime} with the system clock, else {@code clock} read in
 *     nanoseconds</td><td>any</td></tr>
 * <tr><td>{@code blockingReadThreshold}</td><td>10 ms</td><td>1 ms to 10 s</td></tr>
 * <tr><td>{@code name}</td><td>none ({@code GameSession} sets its session id)</td><td>an id by the rule of a
 *     session id: 1 to 256 characters, not blank, no control character, no lone surrogate, nothing
 *     address-like</td></tr>
 * </table>
 *
 * <p>A source that blocks the polling thread, by the rule stated at {@link #blockingReadThreshold()}, is
 * warned about, and on the shared scheduler read on the isolated-read pool from then on, so that it cannot
 * delay the other telemetries sharing it; see {@link LatencyTelemetry}. {@code name} labels the telemetry's
 * log lines (e.g. a session id); it must not hold an address.
 *
 * <p><b>When the first poll comes.</b> By default at the next tick of the JVM's poll grid: one of 64
 * slots per {@code pollInterval}, at a phase drawn at random once per JVM, the slot drawn at random at each
 * start; then every {@code pollInterval}. A poll wakes threads (the scheduler's, and a probe's pings wake
 * the connection's). Were the first poll at once, a game that starts its telemetry and then its 60 Hz loop
 * would have every poll fall due with one of its frames for the whole session, since 100 ms and 1 s are
 * whole numbers of frames: measured, every sixth frame then started later ({@code docs/PERFORMANCE.md}).
 * The grid's random phase puts the polls anywhere in the frame; and its few slots let thousands of
 * telemetries of the same interval share the shared scheduler's wake-ups, whenever each started. Set
 * {@code firstPollDelay} to fix the delay instead, e.g. {@link Duration#ZERO} for the first poll at once.
 *
 * <p>All timing of a telemetry runs on {@link #scheduler()}, every timestamp comes from
 * {@link #clock()} (unless a reading carries its own) and every duration it measures itself from
 * {@link #nanoClock()}, which by default follows a clock of the caller's own; so a virtual-time scheduler
 * with its clock drives a telemetry completely.
 *
 * @since 0.1.0
 */
public final class TelemetryOptions {

    /** Largest {@code maxSampleCount}: a window of a million samples already takes 20 MB. */
    public static final int MAX_SAMPLE_COUNT_LIMIT = 1_000_000;

    /** Longest {@code pollInterval} and {@code readTimeout}. */
    public static final Duration MAX_INTERVAL = Duration.ofHours(24);

    /** Default {@code blockingReadThreshold}: 10 ms. */
    public static final Duration DEFAULT_BLOCKING_READ_THRESHOLD = Duration.ofMillis(10);

    /**
     * The blocking rule (see {@link #blockingReadThreshold()}): a source's first {@value} calls are not counted,
     * since a cold start (class loading, the JIT, a pool's first thread, many sessions starting at once) is no
     * evidence.
     *
     * @since 0.1.0
     */
    public static final int UNCOUNTED_FIRST_CALLS = 3;

    /**
     * The blocking rule (see {@link #blockingReadThreshold()}): how many of a source's recent counted calls are
     * looked at, {@value}.
     *
     * @since 0.1.0
     */
    public static final int RECENT_CALLS = 10;

    /**
     * The blocking rule (see {@link #blockingReadThreshold()}): how many slow calls among the
     * {@value #RECENT_CALLS} recent ones are evidence that a source blocks, {@value}.
     *
     * @since 0.1.0
     */
    public static final int SLOW_CALLS_TO_ISOLATE = 3;

    /**
     * The blocking rule (see {@link #blockingReadThreshold()}): after a slow call, on the shared scheduler, a
     * source is read on the isolated-read pool until {@value} calls in a row were fast (probation), so that the
     * polling thread is not risked while the evidence is gathered; probation is not isolation and logs nothing.
     *
     * @since 0.1.0
     */
    public static final int PROBATION_FAST_CALLS = 3;

    /**
     * A poll is <em>late</em> when it starts more than {@link #latePollThreshold()} behind its fixed-rate schedule:
     * at least this, {@value #LATE_POLL_FLOOR_MILLIS} ms. Below it lie the polling thread's ordinary wake-up
     * delays on a loaded machine (a timer wakes tens of microseconds to a few ms late, a garbage-collection pause
     * holds it a few ms), which move no sample noticeably.
     *
     * @since 0.1.0
     */
    public static final long LATE_POLL_FLOOR_MILLIS = 20;

    /**
     * A poll is <em>late</em> when it starts more than {@link #latePollThreshold()} behind its fixed-rate schedule:
     * {@value}&nbsp;% of the poll interval, or {@link #LATE_POLL_FLOOR_MILLIS} ms when that is more. A poll that
     * late has moved its sample a tenth of the way to the next one: at 1 Hz, 100 ms, ten times the blocking rule's
     * threshold and far above any healthy scheduler's jitter, so that a late poll means the machine or the
     * polling thread cannot keep up.
     *
     * @since 0.1.0
     */
    public static final int LATE_POLL_PERCENT = 10;

    private static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(1);
    private static final Duration MAX_BLOCKING_READ_THRESHOLD = Duration.ofSeconds(10);
    /**
     * The one instance of the default monotonic clock: what is kept per clock for the whole JVM (the rate limits of
     * WARNINGs) is shared by every telemetry and session of default options. Declared before {@code DEFAULTS},
     * which uses it.
     */
    private static final LongSupplier SYSTEM_NANO_CLOCK = System::nanoTime;
    private static final TelemetryOptions DEFAULTS = builder().build();

    private final Duration pollInterval;
    private final @Nullable Duration firstPollDelay;
    private final int maxSampleCount;
    private final Duration readTimeout;
    private final @Nullable ScheduledExecutorService scheduler;
    private final InstantSource clock;
    private final Duration blockingReadThreshold;
    private final @Nullable String name;
    /** What the builder was given, {@code null} for the default: kept apart so that toBuilder() can derive it again. */
    private final @Nullable LongSupplier nanoClockSet;
    private final LongSupplier nanoClock;
    private final @Nullable Executor isolatedReadExecutor;

    private TelemetryOptions(Builder builder) {
        this.pollInterval = builder.pollInterval;
        this.firstPollDelay = builder.firstPollDelay;
        this.maxSampleCount = builder.maxSampleCount;
        this.readTimeout = builder.readTimeout != null ? builder.readTimeout : builder.pollInterval;
        this.scheduler = builder.scheduler;
        this.clock = builder.clock;
        this.blockingReadThreshold = builder.blockingReadThreshold;
        this.name = builder.name;
        this.nanoClockSet = builder.nanoClock;
        this.nanoClock = builder.nanoClock != null ? builder.nanoClock : defaultNanoClock(builder.clock);
        this.isolatedReadExecutor = builder.isolatedReadExecutor;
    }

    /**
     * @return options with every default
     * @since 0.1.0
     */
    public static TelemetryOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @return a builder starting from the defaults
     * @since 0.1.0
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return a builder starting from these options
     * @since 0.1.0
     */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.pollInterval = pollInterval;
        builder.firstPollDelay = firstPollDelay;
        builder.firstPollDelaySet = firstPollDelay != null;
        builder.maxSampleCount = maxSampleCount;
        builder.readTimeout = readTimeout;
        builder.scheduler = scheduler;
        builder.schedulerSet = scheduler != null;
        builder.clock = clock;
        builder.blockingReadThreshold = blockingReadThreshold;
        builder.name = name;
        builder.nameSet = name != null;
        builder.nanoClock = nanoClockSet;
        builder.nanoClockSet = nanoClockSet != null;
        builder.isolatedReadExecutor = isolatedReadExecutor;
        return builder;
    }

    /**
     * @return the time between polls
     * @since 0.1.0
     */
    public Duration pollInterval() {
        return pollInterval;
    }

    /**
     * How far behind its fixed-rate schedule a poll may start before it counts as late: {@value #LATE_POLL_PERCENT}
     * % of {@link #pollInterval()}, at least {@value #LATE_POLL_FLOOR_MILLIS} ms (1 s at 1 Hz: 100 ms; 100 ms: 20
     * ms). Late polls are counted in {@link TelemetryCounters#latePollCount()} and told in a WARNING rate-limited
     * per JVM.
     *
     * @return the threshold
     * @since 0.1.0
     */
    public Duration latePollThreshold() {
        Duration tenth = pollInterval.multipliedBy(LATE_POLL_PERCENT).dividedBy(100);
        Duration floor = Duration.ofMillis(LATE_POLL_FLOOR_MILLIS);
        return tenth.compareTo(floor) > 0 ? tenth : floor;
    }

    /**
     * @return how long after {@code start()} the first poll comes; empty for the default, the time to the
     *         next tick of the JVM's poll grid, less than {@code pollInterval}
     * @since 0.1.0
     */
    public Optional<Duration> firstPollDelay() {
        return Optional.ofNullable(firstPollDelay);
    }

    /**
     * @return the number of samples the window keeps
     * @since 0.1.0
     */
    public int maxSampleCount() {
        return maxSampleCount;
    }

    /**
     * @return how long a read may take before it counts as failed and its answer is ignored
     * @since 0.1.0
     */
    public Duration readTimeout() {
        return readTimeout;
    }

    /**
     * @return the scheduler that runs polls and read timeouts; the shared one unless set
     * @since 0.1.0
     */
    public ScheduledExecutorService scheduler() {
        return scheduler != null ? scheduler : SharedScheduler.get();
    }

    /**
     * @return the wall clock of sample timestamps
     * @since 0.1.0
     */
    public InstantSource clock() {
        return clock;
    }

    /**
     * How long one call of a source may keep the polling thread before it counts as slow; the blocking rule
     * decides on a few calls, never on one.
     *
     * <p><b>The blocking rule.</b> A <em>call</em> is everything a source does on the polling thread at one poll:
     * its {@code read()} and attaching the telemetry's handler to the stage it returned ({@code whenComplete}),
     * less the time the telemetry's own handler ran there when the stage was already complete. A source's first
     * {@value #UNCOUNTED_FIRST_CALLS} calls are not counted (a cold start is no evidence); a counted call is
     * <em>slow</em> when it took longer than this threshold; a source with {@value #SLOW_CALLS_TO_ISOLATE} slow
     * calls among its last {@value #RECENT_CALLS} counted ones blocks the polling thread. It is then logged at
     * WARNING (naming the source's class, the telemetry, the slow calls and this rule) and, on the shared
     * scheduler, its telemetry reads it on the isolated-read pool for the rest of its life. One slow call —
     * a garbage-collection pause, a preempted thread on a loaded machine, a cold start — isolates nothing and
     * logs nothing; it only puts the source on probation: on the shared scheduler its next reads run on the
     * isolated-read pool (at the head of its queue, before the reads of isolated sources), where they are timed
     * the same way, until {@value #PROBATION_FAST_CALLS} calls in a row were fast. So a source that blocks at every call holds the polling thread once, and is isolated at its
     * {@code UNCOUNTED_FIRST_CALLS + SLOW_CALLS_TO_ISOLATE}th (6th) call.
     *
     * @return the threshold of a slow call, by default 10 ms
     * @since 0.1.0
     */
    public Duration blockingReadThreshold() {
        return blockingReadThreshold;
    }

    /** The blocking rule in a few words, for log lines: see {@link #blockingReadThreshold()}. */
    static String blockingRule(Duration threshold) {
        return "the rule: a source blocks when " + SLOW_CALLS_TO_ISOLATE + " of its last " + RECENT_CALLS
                + " calls (read() and attaching to its stage) took longer than "
                + io.peerpulse.telemetry.shared.Durations.format(threshold) + ", its first " + UNCOUNTED_FIRST_CALLS
                + " calls not counted";
    }

    /**
     * @return the label of the telemetry's log lines, e.g. a session id; empty when not set
     * @since 0.1.0
     */
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    /**
     * The monotonic clock of durations and the poll grid, in nanoseconds: it times a source's calls
     * against {@code blockingReadThreshold} and places the first poll on the poll grid. Only differences
     * between its values mean anything. Unless set, {@code System::nanoTime} when {@link #clock()} is the
     * system clock ({@link InstantSource#system()}, the default, or a {@code Clock.system…} clock), else
     * {@code clock()}'s instant in epoch nanoseconds (saturating at the ends of a {@code long}), so that a
     * clock of the caller's own, e.g. a virtual one, is the one time base of everything. A clock of the caller's
     * own that reads the system's wall clock (e.g. {@code Clock.offset(Clock.systemUTC(), skew)},
     * {@code Clock.tickMillis(zone)}, {@code Instant::now}) steps with it, and so would every duration: give it
     * {@code nanoClock(System::nanoTime)} beside it.
     *
     * @return the monotonic clock
     * @since 0.1.0
     */
    public LongSupplier nanoClock() {
        return nanoClock;
    }

    private static LongSupplier defaultNanoClock(InstantSource clock) {
        boolean system = clock.equals(InstantSource.system())
                || clock instanceof Clock c && c.withZone(ZoneOffset.UTC).equals(Clock.systemUTC());
        return system ? SYSTEM_NANO_CLOCK : new EpochNanos(clock);
    }

    /** A clock's instant in epoch nanoseconds, saturating: the default nanoClock with a clock of the caller's own. */
    private record EpochNanos(InstantSource clock) implements LongSupplier {
        @Override
        public long getAsLong() {
            Instant now = clock.instant();
            try {
                return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
            } catch (ArithmeticException beyondALong) { // before 1677 or after 2262
                return now.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
        }
    }

    /**
     * Where an isolated source's reads run: the JVM's isolated-read pool with the shared scheduler,
     * what a test set, else {@code null}: a scheduler of the caller's own is the caller's to protect.
     */
    @Nullable Executor isolatedReadExecutor() {
        return isolatedReadExecutor != null ? isolatedReadExecutor : scheduler == null ? IsolatedReads.get() : null;
    }

    @Override
    public String toString() {
        return "TelemetryOptions[pollInterval=" + pollInterval + ", firstPollDelay="
                + (firstPollDelay != null ? firstPollDelay : "grid") + ", maxSampleCount=" + maxSampleCount + ", readTimeout="
                + readTimeout + ", scheduler=" + (scheduler != null ? scheduler : "shared") + ", clock=" + clock
                + ", blockingReadThreshold=" + blockingReadThreshold + (name != null ? ", name=" + name : "") + "]";
    }

    /**
     * Builds {@link TelemetryOptions}. Setters take any value; {@link #build()} checks them all and
     * names the first bad field.
     *
     * @since 0.1.0
     */
    public static final class Builder {

        private Duration pollInterval = Duration.ofSeconds(1);
        private @Nullable Duration firstPollDelay;
        private boolean firstPollDelaySet;
        private int maxSampleCount = 600;
        private @Nullable Duration readTimeout;
        private @Nullable ScheduledExecutorService scheduler;
        private boolean schedulerSet;
        private InstantSource clock = InstantSource.system();
        private Duration blockingReadThreshold = DEFAULT_BLOCKING_READ_THRESHOLD;
        private @Nullable String name;
        private boolean nameSet;
        private @Nullable LongSupplier nanoClock;
        private boolean nanoClockSet;
        private @Nullable Executor isolatedReadExecutor;

        private Builder() {
        }

        /**
         * @param threshold how long one call of a source ({@code read()} and attaching to its stage) may keep the
         *                  polling thread before it counts as slow, 1 ms to 10 s; default 10 ms; see
         *                  {@link TelemetryOptions#blockingReadThreshold()} for the rule
         * @return this builder
         * @since 0.1.0
         */
        public Builder blockingReadThreshold(Duration threshold) {
            this.blockingReadThreshold = threshold;
            return this;
        }

        /**
         * @param name the label of the telemetry's log lines, e.g. a session id, by the rule of a session id: 1 to
         *             256 characters, not blank, no control character or lone surrogate, nothing address-like
         * @return this builder
         * @since 0.1.0
         */
        public Builder name(String name) {
            this.name = name;
            this.nameSet = true;
            return this;
        }

        /**
         * Sets the monotonic clock of durations and the poll grid; see {@link TelemetryOptions#nanoClock()}
         * for its default.
         *
         * @param nanoClock nanoseconds of a clock that never steps back, e.g. {@code System::nanoTime}
         * @return this builder
         * @since 0.1.0
         */
        public Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = nanoClock;
            this.nanoClockSet = true;
            return this;
        }

        /** For tests: where an isolated source's reads run. */
        Builder isolatedReadExecutor(Executor executor) {
            this.isolatedReadExecutor = java.util.Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * @param pollInterval time between polls, 1 ms to 24 h
         * @return this builder
         * @since 0.1.0
         */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        /**
         * Fixes when the first poll comes after {@code start()}; the polls after it follow every
         * {@code pollInterval}. Unset, the first poll comes at the next tick of a random slot of the JVM's
         * poll grid, at a random phase, so that the polls do not fall in step with a game loop started at the
         * same time, and telemetries of the same interval share wake-ups (see {@link TelemetryOptions}).
         *
         * @param firstPollDelay 0 (the first poll at once) to 24 h
         * @return this builder
         * @since 0.1.0
         */
        public Builder firstPollDelay(Duration firstPollDelay) {
            this.firstPollDelay = firstPollDelay;
            this.firstPollDelaySet = true;
            return this;
        }

        /**
         * @param maxSampleCount samples kept in the window, 1 to {@value TelemetryOptions#MAX_SAMPLE_COUNT_LIMIT}
         * @return this builder
         * @since 0.1.0
         */
        public Builder maxSampleCount(int maxSampleCount) {
            this.maxSampleCount = maxSampleCount;
            return this;
        }

        /**
         * @param readTimeout how long a read may take, above 0 and at most 24 h; default the poll interval
         * @return this builder
         * @since 0.1.0
         */
        public Builder readTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
            return this;
        }

        /**
         * @param scheduler runs polls and read timeouts; its tasks never block
         * @return this builder
         * @since 0.1.0
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = scheduler;
            this.schedulerSet = true;
            return this;
        }

        /**
         * @param clock the wall clock of sample timestamps
         * @return this builder
         * @since 0.1.0
         */
        public Builder clock(InstantSource clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Checks every value and builds the options.
         *
         * @return the options
         * @throws IllegalArgumentException naming the field and the value when a value is out of range
         * @since 0.1.0
         */
        public TelemetryOptions build() {
            if (pollInterval == null || pollInterval.compareTo(MIN_POLL_INTERVAL) < 0
                    || pollInterval.compareTo(MAX_INTERVAL) > 0) {
                throw new IllegalArgumentException("pollInterval must be between 1 ms and 24 h, was " + pollInterval);
            }
            if (firstPollDelaySet && (firstPollDelay == null || firstPollDelay.isNegative()
                    || firstPollDelay.compareTo(MAX_INTERVAL) > 0)) {
                throw new IllegalArgumentException("firstPollDelay must be between 0 and 24 h, was " + firstPollDelay);
            }
            if (maxSampleCount < 1 || maxSampleCount > MAX_SAMPLE_COUNT_LIMIT) {
                throw new IllegalArgumentException("maxSampleCount must be between 1 and " + MAX_SAMPLE_COUNT_LIMIT
                        + ", was " + maxSampleCount);
            }
            if (readTimeout != null && (readTimeout.isNegative() || readTimeout.isZero()
                    || readTimeout.compareTo(MAX_INTERVAL) > 0)) {
                throw new IllegalArgumentException("readTimeout must be above 0 and at most 24 h, was " + readTimeout);
            }
            if (schedulerSet && scheduler == null) {
                throw new IllegalArgumentException("scheduler must not be null");
            }
            if (clock == null) {
                throw new IllegalArgumentException("clock must not be null");
            }
            if (nanoClockSet && nanoClock == null) {
                throw new IllegalArgumentException("nanoClock must not be null");
            }
            if (blockingReadThreshold == null || blockingReadThreshold.compareTo(Duration.ofMillis(1)) < 0
                    || blockingReadThreshold.compareTo(MAX_BLOCKING_READ_THRESHOLD) > 0) {
                throw new IllegalArgumentException("blockingReadThreshold must be between 1 ms and 10 s, was "
                        + blockingReadThreshold);
            }
            if (nameSet) {
                Redaction.checkId("name", name, false); // the rule of a session id, which names the log lines
            }
            return new TelemetryOptions(this);
        }
    }
}
