package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.telemetry.spi.RttReading;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ValuesTest {

    @Test
    void testsRunOnTheModulePath() {
        assertThat(ValuesTest.class.getModule().getName()).isEqualTo("io.peerpulse.telemetry");
        // java.base at run time; JSpecify's annotations only at compile time
        assertThat(LatencyTelemetry.class.getModule().getDescriptor().requires())
                .allSatisfy(r -> assertThat(r.name().equals("java.base") || r.name().equals("org.jspecify")
                        && r.modifiers().contains(java.lang.module.ModuleDescriptor.Requires.Modifier.STATIC))
                        .as(r.toString()).isTrue());
        assertThat(LatencyTelemetry.class.getModule().getDescriptor().exports())
                .filteredOn(e -> !e.isQualified()).extracting(e -> e.source())
                .containsExactlyInAnyOrder("io.peerpulse.telemetry", "io.peerpulse.telemetry.spi");
        // the shared package only to the sibling modules; internal to nobody
        assertThat(LatencyTelemetry.class.getModule().getDescriptor().exports())
                .filteredOn(e -> e.isQualified())
                .singleElement().satisfies(e -> {
                    assertThat(e.source()).isEqualTo("io.peerpulse.telemetry.shared");
                    assertThat(e.targets()).containsExactlyInAnyOrder("io.peerpulse.session",
                            "io.peerpulse.session.journal", "io.peerpulse.export.files", "io.peerpulse.export.json",
                            "io.peerpulse.export.html", "io.peerpulse.export.micrometer", "io.peerpulse.cli",
                            "io.peerpulse.testkit");
                });
    }

    @Test
    void aSampleIsAFiniteNonNegativeRtt() {
        assertThat(new RttSample(5, 0.0).rttMs()).isZero();
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.001}) {
            assertThatThrownBy(() -> new RttSample(1, bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("rttMs");
        }
    }

    @Test
    void readingsCarryWhatTheyWereGiven() {
        NetworkPath path = new NetworkPath("host", "srflx", "udp");
        assertThat(RttReading.measured(12.5))
                .isEqualTo(new RttReading.Measured(12.5, OptionalLong.empty(), Optional.empty()));
        assertThat(RttReading.measured(12.5, 99L))
                .isEqualTo(new RttReading.Measured(12.5, OptionalLong.of(99), Optional.empty()));
        assertThat(RttReading.measured(12.5, path))
                .isEqualTo(new RttReading.Measured(12.5, OptionalLong.empty(), Optional.of(path)));
        assertThat(RttReading.measured(Double.NaN)).isInstanceOf(RttReading.Measured.class);
        assertThat(RttReading.stale()).isSameAs(RttReading.stale()).isEqualTo(new RttReading.Stale(Optional.empty()));
        assertThat(RttReading.stale(path)).isEqualTo(new RttReading.Stale(Optional.of(path)));
        assertThat(RttReading.unavailable("closed")).isEqualTo(new RttReading.Unavailable("closed"));
        assertThatThrownBy(() -> RttReading.unavailable(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("reason");
        assertThatThrownBy(() -> new RttReading.Measured(1, null, Optional.empty()))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new RttReading.Measured(1, OptionalLong.empty(), null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void aNetworkPathCannotCarryAnAddress() {
        assertThat(new NetworkPath("host", "relay", "udp")).hasToString("host/relay/udp");
        for (String bad : new String[] {"192.168.1.20", "::1", "fe80::1%eth0", "Host", "", "candidate:1 1 udp",
                "a-very-long-token-indeed", "host;udp",
                // a relay's host name made a token: an IPv4 address spelled with dashes
                "ip-10-0-0-1", "relay-192-0-2-7", "turn-203-0-113-9", "ec2-54-12-34-56", "10-0-0-1"}) {
            assertThatThrownBy(() -> new NetworkPath(bad, "host", "udp"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("localType ")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(bad.isEmpty() ? "\u0000" : bad));
        }
        assertThatThrownBy(() -> new NetworkPath("host", "10.0.0.1", "udp")).hasMessageStartingWith("remoteType ");
        assertThatThrownBy(() -> new NetworkPath("host", "host", "UDP")).hasMessageStartingWith("protocol ");
        assertThatThrownBy(() -> new NetworkPath(null, "host", "udp")).isInstanceOf(NullPointerException.class);
        // numbers that are no address stay tokens
        assertThat(new NetworkPath("relay-1-2-3", "type-256-1-2-3", "quic-v1")).hasToString("relay-1-2-3/type-256-1-2-3/quic-v1");
    }

    @Test
    void countersMustAddUp() {
        TelemetryCounters counters = new TelemetryCounters(6, 1, 1, 1, 1, 1, 1, 0, 0, 0);
        assertThat(counters.measuredRatio()).isEqualTo(1.0 / 6);
        assertThat(TelemetryCounters.ZERO.measuredRatio()).isZero();
        assertThatThrownBy(() -> new TelemetryCounters(5, 1, 1, 1, 1, 1, 1, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pollCount=5");
        assertThatThrownBy(() -> new TelemetryCounters(0, 1, -1, 0, 0, 0, 0, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("staleCount=-1");
    }

    @Test
    void statsAreConsistentAndUnmodifiable() {
        List<RttSample> samples = new ArrayList<>(List.of(new RttSample(1, 10), new RttSample(2, 20)));
        LatencyStats stats = new LatencyStats(2, 10, 20, 15, 15, 19.5, 19.9, 5, 10, 7, samples);
        samples.clear();
        assertThat(stats.samples()).hasSize(2);
        assertThatThrownBy(() -> stats.samples().add(new RttSample(3, 3)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(stats.summary()).isEqualTo(new LatencySummary(2, 10, 20, 15, 15, 19.5, 19.9, 5, 10, 7));
        assertThatThrownBy(() -> new LatencyStats(3, 10, 20, 15, 15, 19.5, 19.9, 5, 10, 7, stats.samples()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sampleCount (3)");
        assertThatThrownBy(() -> new LatencyStats(2, 10, 20, 15, 15, 19.5, 19.9, 5, 10, 1, stats.samples()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("totalSampleCount");
        assertThatThrownBy(() -> new LatencyStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(">= 1");
    }
}
