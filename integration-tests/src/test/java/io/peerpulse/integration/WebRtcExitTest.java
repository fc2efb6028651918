package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

@Isolated
@Tag("integration")
class WebRtcExitTest {

    /**
     * A JVM that used WebRtcPeers exits by itself once main returns: no native non-daemon thread
     * is left. Runs {@link WebRtcExitCheck} in a child JVM with everything on the class path, which
     * also proves the class path works (the native jar is found there too).
     */
    @Test
    void aJvmThatClosedItsPeersExitsByItself(@TempDir Path dir) throws Exception {
        ChildJvm.Result child = ChildJvm.run(WebRtcExitCheck.class, dir, Duration.ofSeconds(60));
        String log = child.output();
        assertThat(child.exited()).as("the child JVM exits by itself after main returned; output:%n%s", log).isTrue();
        assertThat(child.exitCode()).as(log).isZero();
        assertThat(log).contains(WebRtcExitCheck.DONE);
        System.out.println("child JVM output: " + log.lines().collect(Collectors.joining(" | ")));
    }
}
