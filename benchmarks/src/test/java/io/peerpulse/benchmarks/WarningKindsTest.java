package io.peerpulse.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** WARNINGs told apart by kind: what differs between occurrences of one fault is stripped. */
class WarningKindsTest {

    private static final String TELEMETRY = "io.peerpulse.telemetry.LatencyTelemetry";

    @Test
    void occurrencesOfOneFaultInManyTelemetriesAreOneKind() {
        String one = WarningKinds.kindOf(TELEMETRY, "RTT source io.peerpulse.webrtc.WebRtcRttSource of telemetry"
                + " 'pairs-17' did not answer a read within readTimeout (1000 ms); the poll counts as failed");
        String other = WarningKinds.kindOf(TELEMETRY, "RTT source io.peerpulse.webrtc.WebRtcRttSource of telemetry"
                + " 'pairs-401' did not answer a read within readTimeout (1000 ms); the poll counts as failed");
        assertThat(one).isEqualTo(other).isEqualTo("LatencyTelemetry: RTT source WebRtcRttSource of telemetry …"
                + " did not answer a read within readTimeout (N ms)");
        assertThat(WarningKinds.kindOf(TELEMETRY, "RTT source a.B of telemetry 'x' blocked the polling thread: 4 of"
                + " its last 10 calls took longer than 10 ms (12 ms, 14.5 ms, 1,200 ms, 11 ms); the rule"))
                .isEqualTo("LatencyTelemetry: RTT source B of telemetry … blocked the polling thread: N of its last N"
                        + " calls took longer than N ms (N ms, …)");
        assertThat(WarningKinds.kindOf(null, "x")).isEqualTo("(root): x");
    }

    @Test
    void countsByKindMostFrequentFirst() {
        WarningKinds kinds = new WarningKinds();
        for (int i = 0; i < 3; i++) {
            kinds.publish(record(Level.WARNING, "RTT source a.Slow of telemetry 's-" + i + "' threw in read()"));
        }
        kinds.publish(record(Level.WARNING, "Polls start late: a poll of telemetry 's-1' started 300 ms behind"));
        kinds.publish(record(Level.INFO, "not counted"));
        Map<String, String> results = kinds.results();
        assertThat(results).containsEntry("warnings.all", "4").containsEntry("warnings.late", "1")
                .containsEntry("warnings.kind.1", "3 LatencyTelemetry: RTT source Slow of telemetry … threw in read()")
                .containsEntry("warnings.kind.2", "1 LatencyTelemetry: Polls start late: a poll of telemetry … started"
                        + " N ms behind")
                .doesNotContainKey("warnings.kind.3");
        assertThat(WarningKinds.describe(results, 1)).isEqualTo("3 × `LatencyTelemetry: RTT source Slow of telemetry"
                + " … threw in read()`, 1 of 1 other kinds");
        assertThat(WarningKinds.describe(Map.of("warnings.all", "0"), 5)).isEqualTo("none");
    }

    private static LogRecord record(Level level, String message) {
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName(TELEMETRY);
        return record;
    }
}
