package io.peerpulse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standard output carries only the command's own output: run the way {@code ./peerpulse} runs java
 * ({@code exec 3>&1 1>&2; PEERPULSE_STDOUT_FD=3 exec java …}), whatever is written to descriptor 1 behind
 * the command's back — as webrtc-java's native code writes "VM attach current thread failed" — lands on
 * standard error.
 */
@Tag("integration")
class StandardOutputTest {

    @Test
    void nothingWrittenToDescriptorOneReachesStandardOutputThroughTheLaunchersRedirection(@TempDir Path dir)
            throws IOException, InterruptedException {
        String launcher = Files.readString(Path.of("..", "peerpulse"));
        assertThat(launcher).as("the launcher still redirects as this test does")
                .contains("exec 3>&1 1>&2").contains("PEERPULSE_STDOUT_FD=3 exec java");
        String classPath = Path.of("target", "classes").toAbsolutePath() + ":"
                + Path.of("target", "test-classes").toAbsolutePath();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process child = new ProcessBuilder(List.of("bash", "-c",
                "exec 3>&1 1>&2; PEERPULSE_STDOUT_FD=3 exec \"$0\" -cp \"$1\" io.peerpulse.cli.StdoutProbeMain",
                java, classPath))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child exits").isTrue();
        assertThat(child.exitValue()).as(Files.readString(err)).isZero();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo("our table line\n");
        assertThat(Files.readString(err, StandardCharsets.UTF_8))
                .contains("VM attach current thread failed").contains("a stray System.out line");
    }

    @Test
    void withoutTheLauncherTheCommandWritesToDescriptorOne(@TempDir Path dir) throws IOException, InterruptedException {
        String classPath = Path.of("target", "classes").toAbsolutePath() + ":"
                + Path.of("target", "test-classes").toAbsolutePath();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path out = dir.resolve("stdout");
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", classPath, "io.peerpulse.cli.StdoutProbeMain")
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().remove(StandardOutput.ENV);
        Process child = builder.start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).contains("our table line")
                .contains("VM attach current thread failed");
    }
}
