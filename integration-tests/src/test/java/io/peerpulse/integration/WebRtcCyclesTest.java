package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/** Many open/close cycles of real peers under a polling telemetry, in a child JVM that must end by itself. */
// a child JVM busy with real peers: alone, so that it neither disturbs nor is disturbed by the RTT-accuracy tests
@Isolated
@Tag("integration")
class WebRtcCyclesTest {

    @Test
    void aHundredOpenCloseCyclesUnderA50MsTelemetryNeitherCrashNorLeaveAThreadAndTheJvmExits(@TempDir Path dir)
            throws Exception {
        ChildJvm.Result child = ChildJvm.run(WebRtcCyclesChild.class, dir, Duration.ofSeconds(120));
        System.out.println("child JVM (" + child.took().toMillis() + " ms): "
                + child.output().lines().collect(Collectors.joining(" | ")));
        assertThat(child.crashLogs()).as("hs_err files of the child; %s", child.crashSummary()).isEmpty();
        assertThat(child.exited()).as("the child JVM exits by itself after main returned; output:%n%s",
                child.output()).isTrue();
        assertThat(child.exitCode()).as(child.output()).isZero();
        assertThat(child.output()).contains(WebRtcCyclesChild.DONE).doesNotContain(WebRtcCyclesChild.LEAK);
    }
}
