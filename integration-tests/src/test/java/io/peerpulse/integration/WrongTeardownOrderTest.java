package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The caller closes the peers through our API while a telemetry still polls them: the JVM must neither
 * crash nor hang. In a child JVM, so that a native crash fails this test instead of killing surefire.
 */
// a child JVM busy with real peers: alone, so that it neither disturbs nor is disturbed by the RTT-accuracy tests
@Isolated
@Tag("integration")
class WrongTeardownOrderTest {

    @Test
    void closingThePeersWhileATelemetryPollsEvery20MsNeitherCrashesNorHangs(@TempDir Path dir) throws Exception {
        ChildJvm.Result child = ChildJvm.run(WrongTeardownOrderChild.class, dir, Duration.ofSeconds(90));
        System.out.println("child JVM (" + child.took().toMillis() + " ms): "
                + child.output().lines().collect(Collectors.joining(" | ")));
        assertThat(child.crashLogs()).as("hs_err files of the child; %s", child.crashSummary()).isEmpty();
        assertThat(child.exited()).as("the child JVM exits by itself; output:%n%s", child.output()).isTrue();
        assertThat(child.exitCode()).as(child.output()).isZero();
        assertThat(child.output()).contains(WrongTeardownOrderChild.DONE);
        // the dangerous case was really exercised: the factory disposed while a getStats callback was pending
        int pending = child.output().lines().filter(l -> l.startsWith(WrongTeardownOrderChild.PENDING))
                .mapToInt(l -> Integer.parseInt(l.substring(WrongTeardownOrderChild.PENDING.length()).split(" ")[0]))
                .findFirst().orElse(0);
        assertThat(pending).as("rounds closed under a pending getStats; output:%n%s", child.output()).isPositive();
    }
}
