package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.telemetry.fixtures.Records;
import org.junit.jupiter.api.Test;

/** The shared fixture that builds records by component name (telemetry-core's test-jar). */
class RecordsFixtureTest {

    @Test
    void namedComponentsAreSetWideningNumbersAndTheOthersAreZeroOrNull() {
        assertThat(Records.record(TelemetryCounters.class, "pollCount", 3, "measuredCount", 2L, "staleCount", 1))
                .extracting(TelemetryCounters::pollCount, TelemetryCounters::measuredCount, TelemetryCounters::staleCount,
                        TelemetryCounters::failedCount, TelemetryCounters::latenessMaxMs)
                .containsExactly(3L, 2L, 1L, 0L, 0.0);
        assertThat(Records.record(TelemetryCounters.class)).isEqualTo(TelemetryCounters.ZERO);
        assertThat(Records.record(ProbeStats.class, "sentCount", 4).offsetMs()).isNull();
    }

    @Test
    void aWrongNameOrValueIsNamedAndTheRecordsOwnChecksRun() {
        assertThatThrownBy(() -> Records.record(TelemetryCounters.class, "polls", 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("TelemetryCounters has no component 'polls'");
        assertThatThrownBy(() -> Records.record(TelemetryCounters.class, "pollCount", 1, "pollCount", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice the component 'pollCount'");
        assertThatThrownBy(() -> Records.record(TelemetryCounters.class, "pollCount"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("in pairs");
        assertThatThrownBy(() -> Records.record(TelemetryCounters.class, "pollCount", "three"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit TelemetryCounters");
        assertThatThrownBy(() -> Records.record(TelemetryCounters.class, "pollCount", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sum of the outcomes");
    }
}
