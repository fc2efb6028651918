package io.peerpulse.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.benchmarks.ThreadCpu.Group;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real-peer scale run's parts that need no peers: its options, its thread groups, where it writes. */
class PairsScaleRunTest {

    @Test
    void pairCountsAreACommaSeparatedList() {
        assertThat(PairsScaleRun.pairCounts("100,200,400")).containsExactly(100, 200, 400);
        assertThat(PairsScaleRun.pairCounts(" 10 , 50")).containsExactly(10, 50);
        assertThat(PairsScaleRun.pairCounts("2")).containsExactly(2);
    }

    @Test
    void aWrongCountIsNamed() {
        assertThatThrownBy(() -> PairsScaleRun.pairCounts("10,x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--pairs must be whole numbers separated by commas, e.g. 100,200,400: 'x' in '10,x' is not");
        assertThatThrownBy(() -> PairsScaleRun.pairCounts("10,,20"))
                .hasMessageContaining("'' in '10,,20' is not");
        assertThatThrownBy(() -> PairsScaleRun.pairCounts("0")).hasMessage("--pairs: each count must be at least 1: 0");
        assertThatThrownBy(() -> PairsScaleRun.main(new String[] {"--child", "maybe", "--pairs", "1"}))
                .hasMessage("--child must be with or without: maybe");
    }

    /** The child JVMs load webrtc-java's library from the class path: JDK 24+ warns unless that is granted. */
    @Test
    void theChildJvmGrantsWebRtcNativeAccess() {
        assertThat(PairsScaleRun.childCommand(10, true, 1, 2)).contains("--enable-native-access=ALL-UNNAMED")
                .containsSubsequence("-cp", System.getProperty("java.class.path"), PairsScaleRun.class.getName(),
                        "--child", "with", "--pairs", "10");
    }

    /** The thread names a run on webrtc-java 0.14 and HotSpot 17 showed, digits dropped as the run drops them. */
    @Test
    void everyThreadSeenInARunFallsInItsGroup() {
        assertThat(ThreadCpu.groupOf("peerpulse-relay-receiver-N")).isEqualTo(Group.RELAY);
        assertThat(ThreadCpu.groupOf("peerpulse-relay-sender-N")).isEqualTo(Group.RELAY);
        assertThat(ThreadCpu.groupOf("peerpulse-webrtc-N")).isEqualTo(Group.LAB_PEERS);
        for (String own : new String[] {"peerpulse-probe", "peerpulse-probe-send", "peerpulse-telemetry-N",
                "peerpulse-webrtc-call-N", "peerpulse-webrtc-stats", "peerpulse-isolated-read-N", "peerpulse-session-N"}) {
            assertThat(ThreadCpu.groupOf(own)).as(own).isEqualTo(Group.PEERPULSE);
        }
        for (String webrtc : new String[] {"webrtc_jni_sign", "webrtc_jni_netw", "webrtc_jni_work", "rtc-low-prio",
                "AudioDeviceBuff"}) {
            assertThat(ThreadCpu.groupOf(webrtc)).as(webrtc).isEqualTo(Group.WEBRTC);
        }
        for (String jvm : new String[] {"GC Thread#N", "GN Conc#N", "GN Main Marker", "GN Refine#N", "GN Service",
                "CN CompilerThre", "VM Thread", "VM Periodic Tas", "Sweeper thread", "Service Thread", "Monitor Deflati",
                "Reference Handl", "Finalizer", "Signal Dispatch", "Common-Cleaner", "Notification Th"}) {
            assertThat(ThreadCpu.groupOf(jvm)).as(jvm).isEqualTo(Group.JVM);
        }
        assertThat(ThreadCpu.groupOf("java")).isEqualTo(Group.HARNESS); // main
        assertThat(ThreadCpu.groupOf("pairs-echo")).isEqualTo(Group.HARNESS);
    }

    @Test
    void quantilesInterpolateBetweenClosestRanks() {
        double[] sorted = {40, 41, 42, 43, 44};
        assertThat(PairsScaleRun.quantile(sorted, 0.5)).isEqualTo(42);
        assertThat(PairsScaleRun.quantile(sorted, 0.99)).isEqualTo(43.96, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(PairsScaleRun.quantile(new double[0], 0.5)).isNaN();
    }

    @Test
    void eachSectionIsWrittenBetweenItsOwnMarkersOnly(@TempDir Path dir) throws IOException {
        Path doc = dir.resolve("PERFORMANCE.md");
        Files.writeString(doc, "# P\n<!-- results:start -->\nold results\n<!-- results:end -->\ntext\n"
                + "<!-- pairs:start -->\nold pairs\n<!-- pairs:end -->\nend\n");
        PerformanceReport.write(doc, "pairs", "new pairs\n");
        assertThat(Files.readString(doc)).isEqualTo("# P\n<!-- results:start -->\nold results\n<!-- results:end -->\n"
                + "text\n<!-- pairs:start -->\nnew pairs\n<!-- pairs:end -->\nend\n");

        Files.writeString(doc, "# P\n<!-- results:start -->\n<!-- results:end -->\n");
        assertThatThrownBy(() -> PerformanceReport.write(doc, "pairs", "lost?\n")).isInstanceOf(IOException.class)
                .hasMessage(doc + " has no <!-- pairs:start --> … <!-- pairs:end --> section");
        assertThat(Files.readString(doc)).isEqualTo("# P\n<!-- results:start -->\n<!-- results:end -->\n");
    }
}
