package io.peerpulse.telemetry;

import io.peerpulse.telemetry.internal.SharedScheduler;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Immutable options of a {@link LatencyTelemetry}, validated by {@link Builder#build()}.
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>option</th><th>default</th><th>allowed</th></tr>
 * <tr><td>{@code pollInterval}</td><td>1 s</td><td>1 ms to 24 h</td></tr>
 * <tr><td>{@code maxSamples}</td><td>600</td><td>1 to 1,000,000</td></tr>
 * <tr><td>{@code readTimeout}</td><td>{@code pollInterval}</td><td>above 0, to 24 h</td></tr>
 * <tr><td>{@code scheduler}</td><td>one shared daemon scheduler for the whole JVM</td><td>any</td></tr>
 * <tr><td>{@code clock}</td><td>{@link InstantSource#system()}</td><td>any</td></tr>
 * </table>
 *
 * <p>All timing of a telemetry runs on {@link #scheduler()} and every timestamp comes from
 * {@link #clock()} (unless a reading carries its own), so a virtual-time scheduler with its clock
 * drives a telemetry completely.
 *
 * @since 0.1.0
 */
public final class TelemetryOptions {

    /** Largest {@code maxSamples}: a window of a million samples already takes 20 MB. */
    public static final int MAX_SAMPLES_LIMIT = 1_000_000;

    /** Longest {@code pollInterval} and {@code readTimeout}. */
    public static final Duration MAX_INTERVAL = Duration.ofHours(24);

    private static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(1);
    private static final TelemetryOptions DEFAULTS = builder().build();

    private final Duration pollInterval;
    private final int maxSamples;
    private final Duration readTimeout;
    private final ScheduledExecutorService scheduler;
    private final InstantSource clock;

    private TelemetryOptions(Builder builder) {
        this.pollInterval = builder.pollInterval;
        this.maxSamples = builder.maxSamples;
        this.readTimeout = builder.readTimeout != null ? builder.readTimeout : builder.pollInterval;
        this.scheduler = builder.scheduler;
        this.clock = builder.clock;
    }

    /** @return options with every default */
    public static TelemetryOptions defaults() {
        return DEFAULTS;
    }

    /** @return a builder starting from the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder starting from these options */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.pollInterval = pollInterval;
        builder.maxSamples = maxSamples;
        builder.readTimeout = readTimeout;
        builder.scheduler = scheduler;
        builder.schedulerSet = scheduler != null;
        builder.clock = clock;
        return builder;
    }

    /** @return the time between polls */
    public Duration pollInterval() {
        return pollInterval;
    }

    /** @return the number of samples the window keeps */
    public int maxSamples() {
        return maxSamples;
    }

    /** @return how long a read may take before it counts as failed and its answer is ignored */
    public Duration readTimeout() {
        return readTimeout;
    }

    /** @return the scheduler that runs polls and read timeouts; the shared one unless set */
    public ScheduledExecutorService scheduler() {
        return scheduler != null ? scheduler : SharedScheduler.get();
    }

    /** @return the wall clock of sample timestamps */
    public InstantSource clock() {
        return clock;
    }

    @Override
    public String toString() {
        return "TelemetryOptions[pollInterval=" + pollInterval + ", maxSamples=" + maxSamples + ", readTimeout="
                + readTimeout + ", scheduler=" + (scheduler != null ? scheduler : "shared") + ", clock=" + clock + "]";
    }

    /**
     * Builds {@link TelemetryOptions}. Setters take any value; {@link #build()} checks them all and
     * names the first bad field.
     *
     * @since 0.1.0
     */
    public static final class Builder {

        private Duration pollInterval = Duration.ofSeconds(1);
        private int maxSamples = 600;
        private Duration readTimeout;
        private ScheduledExecutorService scheduler;
        private boolean schedulerSet;
        private InstantSource clock = InstantSource.system();

        private Builder() {
        }

        /**
         * @param pollInterval time between polls, 1 ms to 24 h
         * @return this builder
         */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        /**
         * @param maxSamples samples kept in the window, 1 to {@value TelemetryOptions#MAX_SAMPLES_LIMIT}
         * @return this builder
         */
        public Builder maxSamples(int maxSamples) {
            this.maxSamples = maxSamples;
            return this;
        }

        /**
         * @param readTimeout how long a read may take, above 0 and at most 24 h; default the poll interval
         * @return this builder
         */
        public Builder readTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
            return this;
        }

        /**
         * @param scheduler runs polls and read timeouts; its tasks never block
         * @return this builder
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = scheduler;
            this.schedulerSet = true;
            return this;
        }

        /**
         * @param clock the wall clock of sample timestamps
         * @return this builder
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
         */
        public TelemetryOptions build() {
            if (pollInterval == null || pollInterval.compareTo(MIN_POLL_INTERVAL) < 0
                    || pollInterval.compareTo(MAX_INTERVAL) > 0) {
                throw new IllegalArgumentException("pollInterval must be between 1 ms and 24 h, was " + pollInterval);
            }
            if (maxSamples < 1 || maxSamples > MAX_SAMPLES_LIMIT) {
                throw new IllegalArgumentException("maxSamples must be between 1 and " + MAX_SAMPLES_LIMIT
                        + ", was " + maxSamples);
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
            return new TelemetryOptions(this);
        }
    }
}
