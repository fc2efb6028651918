package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/** 2,000 sessions with 5 % faulty sources and 5 % hanging exporters, in a child JVM that must exit by itself. */
@Isolated
@Tag("integration")
class FaultLoadTest {

    /**
     * Counts each healthy session's polls against the wall clock (95 % of those due): beside two busy loops one of
     * 1,900 healthy sessions kept 16 of 51, the machine's doing, so this holds on a quiet machine only.
     */
    @Test
    @Tag("timing")
    void faultyPluginsInTwoThousandSessionsCostTheHealthyOnesNoPollNoExportAndNoThreadBeyondTheBound(
            @TempDir Path dir) throws Exception {
        ChildJvm.Result child = ChildJvm.run(FaultLoadChild.class, dir, Duration.ofSeconds(120));
        System.out.println("fault load child JVM (" + child.took().toMillis() + " ms): " + child.output());
        assertThat(child.exited()).as("the child JVM exits by itself after main returned; output:%n%s",
                child.output()).isTrue();
        assertThat(child.exitCode()).as(child.output()).isZero();
        assertThat(child.output()).contains(FaultLoadChild.DONE);
    }
}
