package io.peerpulse.webrtc;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * Immutable options of a {@link DataChannelProbe}; build with {@link #builder()}.
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>option</th><th>default</th><th>valid</th></tr>
 * <tr><td>{@code channelId}</td><td>{@value #DEFAULT_CHANNEL_ID}</td><td>0 to {@value #MAX_CHANNEL_ID}; the same on both peers</td></tr>
 * <tr><td>{@code pingTimeout}</td><td>800 ms</td><td>1 ms to 60 s; below the telemetry's read timeout</td></tr>
 * <tr><td>{@code clock}</td><td>{@code InstantSource.system()}</td><td>any</td></tr>
 * <tr><td>{@code scheduler}</td><td>none: one daemon thread that every probe shares, allocating nothing per message</td><td>any</td></tr>
 * <tr><td>{@code offsetWindowCount}</td><td>{@value #DEFAULT_OFFSET_WINDOW}</td><td>1 to {@value #MAX_OFFSET_WINDOW}</td></tr>
 * </table>
 *
 * @since 0.1.0
 */
public final class ProbeOptions {

    /**
     * The default channel id: libwebrtc's highest SCTP stream id. In-band channels get ids counting
     * up from 0 (even ids on the DTLS client, odd on the server), so they reach 1023 only after 511
     * other channels of the server; and once the probe holds it, the allocator skips it.
     *
     * @since 0.1.0
     */
    public static final int DEFAULT_CHANNEL_ID = 1023;
    /**
     * The highest stream id libwebrtc accepts (it negotiates 1024 SCTP streams).
     *
     * @since 0.1.0
     */
    public static final int MAX_CHANNEL_ID = 1023;
    /**
     * The default ping timeout: below a 1 s poll interval, above any RTT a game could play with.
     *
     * @since 0.1.0
     */
    public static final Duration DEFAULT_PING_TIMEOUT = Duration.ofMillis(800);
    /**
     * The longest ping timeout.
     *
     * @since 0.1.0
     */
    public static final Duration MAX_PING_TIMEOUT = Duration.ofSeconds(60);
    /**
     * The default number of recent exchanges the clock offset is estimated from.
     *
     * @since 0.1.0
     */
    public static final int DEFAULT_OFFSET_WINDOW = 64;
    /**
     * The largest offset window.
     *
     * @since 0.1.0
     */
    public static final int MAX_OFFSET_WINDOW = 4096;

    private static final ProbeOptions DEFAULTS = builder().build();

    private final int channelId;
    private final Duration pingTimeout;
    private final InstantSource clock;
    private final @Nullable ScheduledExecutorService scheduler;
    private final int offsetWindowCount;

    private ProbeOptions(Builder builder) {
        this.channelId = builder.channelId;
        this.pingTimeout = builder.pingTimeout;
        this.clock = builder.clock;
        this.scheduler = builder.scheduler;
        this.offsetWindowCount = builder.offsetWindowCount;
    }

    /**
     * @return the default options
     * @since 0.1.0
     */
    public static ProbeOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @return a builder holding the defaults
     * @since 0.1.0
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return a builder holding these options
     * @since 0.1.0
     */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.channelId = channelId;
        builder.pingTimeout = pingTimeout;
        builder.clock = clock;
        builder.scheduler = scheduler;
        builder.offsetWindowCount = offsetWindowCount;
        return builder;
    }

    /**
     * The negotiated id of the probe's data channel; both peers must use the same.
     *
     * @return the SCTP stream id
     * @since 0.1.0
     */
    public int channelId() {
        return channelId;
    }

    /**
     * How long a ping waits for its pong before it counts as lost and its read completes
     * {@code stale}. Keep it below the telemetry's read timeout, or reads count as failed.
     *
     * @return the timeout
     * @since 0.1.0
     */
    public Duration pingTimeout() {
        return pingTimeout;
    }

    /**
     * The wall clock for the clock-offset timestamps. It is read at open to anchor the probe's
     * timeline; from then on times advance with {@link System#nanoTime()}, so they are monotonic.
     *
     * @return the wall clock
     * @since 0.1.0
     */
    public InstantSource clock() {
        return clock;
    }

    /**
     * Where received messages are handled (pings answered, pongs matched) and timeouts run; the
     * probe never blocks it for longer than one data-channel send. Without one, every probe of the
     * JVM shares one daemon thread of PeerPulse's, which allocates nothing per message; a
     * {@code ScheduledExecutorService} allocates a task object for each (about 100 B).
     *
     * @return the scheduler, empty for the shared probe thread
     * @since 0.1.0
     */
    public Optional<ScheduledExecutorService> scheduler() {
        return Optional.ofNullable(scheduler);
    }

    /**
     * How many of the most recent exchanges the clock offset is chosen from.
     *
     * @return the window size
     * @since 0.1.0
     */
    public int offsetWindowCount() {
        return offsetWindowCount;
    }

    @Override
    public String toString() {
        return "ProbeOptions[channelId=" + channelId + ", pingTimeout=" + pingTimeout + ", clock=" + clock
                + ", scheduler=" + (scheduler == null ? "shared probe thread" : scheduler)
                + ", offsetWindowCount=" + offsetWindowCount + "]";
    }

    /**
     * Builds {@link ProbeOptions}; validates in {@link #build()}.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private int channelId = DEFAULT_CHANNEL_ID;
        private Duration pingTimeout = DEFAULT_PING_TIMEOUT;
        private InstantSource clock = InstantSource.system();
        private @Nullable ScheduledExecutorService scheduler;
        private int offsetWindowCount = DEFAULT_OFFSET_WINDOW;

        private Builder() {
        }

        /**
         * @param channelId the negotiated channel id, 0 to {@value #MAX_CHANNEL_ID}
         * @return this builder
         * @since 0.1.0
         */
        public Builder channelId(int channelId) {
            this.channelId = channelId;
            return this;
        }

        /**
         * @param pingTimeout how long a ping waits for its pong, 1 ms to 60 s
         * @return this builder
         * @since 0.1.0
         */
        public Builder pingTimeout(Duration pingTimeout) {
            this.pingTimeout = pingTimeout;
            return this;
        }

        /**
         * @param clock the wall clock, e.g. one shifted by a known offset in a test
         * @return this builder
         * @since 0.1.0
         */
        public Builder clock(InstantSource clock) {
            this.clock = clock;
            return this;
        }

        /**
         * @param scheduler where messages are handled and timeouts run; {@code null} for the shared
         *                  probe thread (the default)
         * @return this builder
         * @since 0.1.0
         */
        public Builder scheduler(@Nullable ScheduledExecutorService scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /**
         * @param offsetWindowCount how many recent exchanges the clock offset is chosen from, 1 to {@value #MAX_OFFSET_WINDOW}
         * @return this builder
         * @since 0.1.0
         */
        public Builder offsetWindowCount(int offsetWindowCount) {
            this.offsetWindowCount = offsetWindowCount;
            return this;
        }

        /**
         * @return the options
         * @throws IllegalArgumentException naming the field and value that are invalid
         * @since 0.1.0
         */
        public ProbeOptions build() {
            if (channelId < 0 || channelId > MAX_CHANNEL_ID) {
                throw new IllegalArgumentException("channelId must be in [0, " + MAX_CHANNEL_ID + "]: " + channelId);
            }
            if (pingTimeout == null) {
                throw new IllegalArgumentException("pingTimeout must not be null");
            }
            if (pingTimeout.compareTo(Duration.ofMillis(1)) < 0 || pingTimeout.compareTo(MAX_PING_TIMEOUT) > 0) {
                throw new IllegalArgumentException("pingTimeout must be in [1 ms, 60 s]: " + pingTimeout);
            }
            if (clock == null) {
                throw new IllegalArgumentException("clock must not be null");
            }
            if (offsetWindowCount < 1 || offsetWindowCount > MAX_OFFSET_WINDOW) {
                throw new IllegalArgumentException("offsetWindowCount must be in [1, " + MAX_OFFSET_WINDOW + "]: "
                        + offsetWindowCount);
            }
            return new ProbeOptions(this);
        }
    }
}
