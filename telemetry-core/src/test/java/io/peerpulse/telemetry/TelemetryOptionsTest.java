package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class TelemetryOptionsTest {

    @Test
    void defaultsAreThoseOfTheContract() {
        TelemetryOptions options = TelemetryOptions.defaults();
        assertThat(options.pollInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.maxSampleCount()).isEqualTo(600);
        assertThat(options.readTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.scheduler()).isSameAs(TelemetryOptions.builder().build().scheduler());
        assertThat(options.clock().millis()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
    }

    @Test
    void readTimeoutFollowsThePollIntervalUnlessSet() {
        assertThat(TelemetryOptions.builder().pollInterval(Duration.ofMillis(250)).build().readTimeout())
                .isEqualTo(Duration.ofMillis(250));
        assertThat(TelemetryOptions.builder().pollInterval(Duration.ofMillis(250)).readTimeout(Duration.ofSeconds(3))
                .build().readTimeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void keepsWhatIsSet() {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
            TelemetryOptions options = TelemetryOptions.builder().pollInterval(Duration.ofMillis(1)).maxSampleCount(1)
                    .readTimeout(Duration.ofNanos(1)).scheduler(scheduler).clock(clock).build();
            assertThat(options.pollInterval()).isEqualTo(Duration.ofMillis(1));
            assertThat(options.maxSampleCount()).isEqualTo(1);
            assertThat(options.readTimeout()).isEqualTo(Duration.ofNanos(1));
            assertThat(options.scheduler()).isSameAs(scheduler);
            assertThat(options.clock()).isSameAs(clock);
            assertThat(options.toBuilder().build().scheduler()).isSameAs(scheduler);
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void firstPollDelayIsRandomUnlessSetAndIsKept() {
        assertThat(TelemetryOptions.defaults().firstPollDelay()).isEmpty();
        assertThat(TelemetryOptions.defaults().toString()).contains("firstPollDelay=grid");
        TelemetryOptions set = TelemetryOptions.builder().firstPollDelay(Duration.ZERO).build();
        assertThat(set.firstPollDelay()).contains(Duration.ZERO);
        assertThat(set.toBuilder().build().firstPollDelay()).contains(Duration.ZERO);
        assertThat(TelemetryOptions.defaults().toBuilder().build().firstPollDelay()).isEmpty();
        assertThat(TelemetryOptions.builder().firstPollDelay(Duration.ofHours(24)).build().firstPollDelay())
                .contains(Duration.ofHours(24));
    }

    @Test
    void blockingReadThresholdAndNameHaveDefaultsAndAreKept() {
        TelemetryOptions defaults = TelemetryOptions.defaults();
        assertThat(defaults.blockingReadThreshold()).isEqualTo(Duration.ofMillis(10));
        assertThat(defaults.name()).isEmpty();
        TelemetryOptions set = TelemetryOptions.builder().blockingReadThreshold(Duration.ofMillis(1)).name("s-1").build();
        assertThat(set.blockingReadThreshold()).isEqualTo(Duration.ofMillis(1));
        assertThat(set.name()).contains("s-1");
        assertThat(set.toBuilder().build().name()).contains("s-1");
        assertThat(TelemetryOptions.builder().blockingReadThreshold(Duration.ofSeconds(10)).build()
                .blockingReadThreshold()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void everyBadValueFailsAtBuildNamingTheField() {
        assertBad(b -> b.pollInterval(null), "pollInterval");
        assertBad(b -> b.pollInterval(Duration.ZERO), "pollInterval");
        assertBad(b -> b.pollInterval(Duration.ofMillis(-5)), "pollInterval");
        assertBad(b -> b.pollInterval(Duration.ofNanos(999_999)), "pollInterval");
        assertBad(b -> b.pollInterval(Duration.ofDays(365_000)), "pollInterval");
        assertBad(b -> b.firstPollDelay(null), "firstPollDelay");
        assertBad(b -> b.firstPollDelay(Duration.ofNanos(-1)), "firstPollDelay");
        assertBad(b -> b.firstPollDelay(Duration.ofHours(24).plusNanos(1)), "firstPollDelay");
        assertBad(b -> b.maxSampleCount(0), "maxSampleCount");
        assertBad(b -> b.maxSampleCount(-1), "maxSampleCount");
        assertBad(b -> b.maxSampleCount(Integer.MAX_VALUE), "maxSampleCount");
        assertBad(b -> b.readTimeout(Duration.ZERO), "readTimeout");
        assertBad(b -> b.readTimeout(Duration.ofSeconds(-1)), "readTimeout");
        assertBad(b -> b.readTimeout(Duration.ofSeconds(Long.MAX_VALUE)), "readTimeout");
        assertBad(b -> b.blockingReadThreshold(null), "blockingReadThreshold");
        assertBad(b -> b.blockingReadThreshold(Duration.ofNanos(999_999)), "blockingReadThreshold");
        assertBad(b -> b.blockingReadThreshold(Duration.ofSeconds(11)), "blockingReadThreshold");
        assertBad(b -> b.name(null), "name");
        assertBad(b -> b.name(" "), "name");
        assertBad(b -> b.name("a\nb"), "name");
        assertBad(b -> b.name("x".repeat(257)), "name must be at most 256 characters,"); // a session id's limit
        assertBad(b -> b.name("peer-10.0.0.7"), "name must not contain an IP address or");
        assertBad(b -> b.scheduler(null), "scheduler");
        assertBad(b -> b.clock(null), "clock");
        assertBad(b -> b.nanoClock(null), "nanoClock");
    }

    @Test
    void theNanoClockIsSystemNanoTimeWithTheSystemClock() {
        for (TelemetryOptions options : List.of(TelemetryOptions.defaults(),
                TelemetryOptions.builder().clock(java.time.InstantSource.system()).build(),
                TelemetryOptions.builder().clock(Clock.systemDefaultZone()).build())) {
            long before = System.nanoTime();
            long read = options.nanoClock().getAsLong();
            long after = System.nanoTime();
            assertThat(read).isBetween(before, after);
        }
    }

    @Test
    void theNanoClockFollowsAClockOfTheCallersOwnInEpochNanosecondsSaturating() {
        Instant at = Instant.parse("2026-01-01T00:00:00.123456789Z");
        TelemetryOptions fixed = TelemetryOptions.builder().clock(Clock.fixed(at, ZoneOffset.UTC)).build();
        assertThat(fixed.nanoClock().getAsLong()).isEqualTo(at.getEpochSecond() * 1_000_000_000L + 123_456_789);
        assertThat(TelemetryOptions.builder().clock(Clock.fixed(Instant.MAX, ZoneOffset.UTC)).build().nanoClock()
                .getAsLong()).isEqualTo(Long.MAX_VALUE);
        assertThat(TelemetryOptions.builder().clock(Clock.fixed(Instant.MIN, ZoneOffset.UTC)).build().nanoClock()
                .getAsLong()).isEqualTo(Long.MIN_VALUE);
        // toBuilder() keeps the default a default: it follows a clock set later
        Instant later = at.plusSeconds(1);
        assertThat(fixed.toBuilder().clock(Clock.fixed(later, ZoneOffset.UTC)).build().nanoClock().getAsLong())
                .isEqualTo(fixed.nanoClock().getAsLong() + 1_000_000_000L);
    }

    @Test
    void aNanoClockSetIsKeptWhateverTheClock() {
        java.util.function.LongSupplier mine = () -> 42;
        TelemetryOptions options = TelemetryOptions.builder().nanoClock(mine)
                .clock(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC)).build();
        assertThat(options.nanoClock()).isSameAs(mine);
        assertThat(options.toBuilder().clock(java.time.InstantSource.system()).build().nanoClock()).isSameAs(mine);
        assertThat(TelemetryOptions.builder().nanoClock(System::nanoTime).build().nanoClock().getAsLong())
                .isPositive();
    }

    @Test
    void theSharedSchedulerCannotBeShutDownByACaller() {
        ScheduledExecutorService shared = TelemetryOptions.defaults().scheduler();
        assertThatThrownBy(shared::shutdown).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(shared::shutdownNow).isInstanceOf(UnsupportedOperationException.class);
        assertThat(shared.isShutdown()).isFalse();
    }

    @Test
    void theSharedSchedulerRunsOnOneDaemonThread() throws Exception {
        ScheduledExecutorService shared = TelemetryOptions.defaults().scheduler();
        Thread first = shared.submit(Thread::currentThread).get(10, java.util.concurrent.TimeUnit.SECONDS);
        Thread second = shared.submit(Thread::currentThread).get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(first).isSameAs(second);
        assertThat(first.isDaemon()).isTrue();
        assertThat(first.getName()).startsWith("peerpulse-telemetry");
    }

    private static void assertBad(UnaryOperator<TelemetryOptions.Builder> change, String field) {
        TelemetryOptions.Builder builder = change.apply(TelemetryOptions.builder());
        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(field + " ");
    }
}
