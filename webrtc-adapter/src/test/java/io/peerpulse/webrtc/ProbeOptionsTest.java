package io.peerpulse.webrtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

class ProbeOptionsTest {

    @Test
    void defaults() {
        ProbeOptions options = ProbeOptions.defaults();
        assertThat(options.channelId()).isEqualTo(1023);
        assertThat(options.pingTimeout()).isEqualTo(Duration.ofMillis(800));
        assertThat(options.clock()).isEqualTo(InstantSource.system());
        assertThat(options.scheduler()).isEmpty();
        assertThat(options.offsetWindowCount()).isEqualTo(64);
    }

    @Test
    void everyOptionCanBeSetAndCopied() {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            InstantSource clock = InstantSource.offset(InstantSource.system(), Duration.ofSeconds(3));
            ProbeOptions options = ProbeOptions.builder().channelId(0).pingTimeout(Duration.ofMillis(1))
                    .clock(clock).scheduler(scheduler).offsetWindowCount(4096).build();
            ProbeOptions copy = options.toBuilder().build();
            for (ProbeOptions o : new ProbeOptions[] {options, copy}) {
                assertThat(o.channelId()).isZero();
                assertThat(o.pingTimeout()).isEqualTo(Duration.ofMillis(1));
                assertThat(o.clock()).isSameAs(clock);
                assertThat(o.scheduler()).containsSame(scheduler);
                assertThat(o.offsetWindowCount()).isEqualTo(4096);
            }
        } finally {
            scheduler.shutdown();
        }
    }

    @Test
    void invalidValuesNameTheirField() {
        assertThatThrownBy(() -> ProbeOptions.builder().channelId(-1).build()).hasMessageContaining("channelId")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> ProbeOptions.builder().channelId(1024).build()).hasMessageContaining("channelId")
                .hasMessageContaining("1024");
        assertThatThrownBy(() -> ProbeOptions.builder().pingTimeout(null).build()).hasMessageContaining("pingTimeout");
        assertThatThrownBy(() -> ProbeOptions.builder().pingTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pingTimeout");
        assertThatThrownBy(() -> ProbeOptions.builder().pingTimeout(Duration.ofSeconds(61)).build())
                .hasMessageContaining("pingTimeout");
        assertThatThrownBy(() -> ProbeOptions.builder().clock(null).build()).hasMessageContaining("clock");
        assertThatThrownBy(() -> ProbeOptions.builder().offsetWindowCount(0).build()).hasMessageContaining("offsetWindowCount");
        assertThatThrownBy(() -> ProbeOptions.builder().offsetWindowCount(4097).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offsetWindowCount");
    }

    @Test
    void countersDeriveInFlightAndLossRatio() {
        ProbeCounters counters = new ProbeCounters(10, 6, 2, 1, 1, 0, 0, 0, 3);
        assertThat(counters.inFlightCount()).isEqualTo(1);
        assertThat(counters.lossRatio()).isEqualTo(0.25);
        assertThat(new ProbeCounters(0, 0, 0, 0, 0, 0, 0, 0, 0).lossRatio()).isZero();
    }
}
