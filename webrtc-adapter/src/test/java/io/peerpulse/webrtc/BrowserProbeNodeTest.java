package io.peerpulse.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the browser probe's own unit tests, {@code browser/peerpulse-probe.test.mjs} ({@code node:test}, no npm
 * packages, no browser), so that {@code mvn verify} fails when {@code peerpulse-probe.js} breaks. Needs Node.js 20
 * or later as {@code node} on the {@code PATH}; where there is none the test is skipped, saying so on standard
 * error too, since surefire's summary shows only "Skipped: 1".
 */
class BrowserProbeNodeTest {

    private static final long TIMEOUT_SECONDS = 60;

    @Test
    void theBrowserProbesNodeTestsPass() throws Exception {
        Path node = node();
        Path repository = Path.of("..").toAbsolutePath().normalize(); // surefire runs in webrtc-adapter/
        Path tests = repository.resolve(Path.of("browser", "peerpulse-probe.test.mjs"));
        assertThat(tests).as("the browser probe's tests").isRegularFile();

        Path output = Files.createTempFile("peerpulse-probe-node-test", ".log");
        try {
            Process process = new ProcessBuilder(node.toString(), "--test", tests.toString())
                    .directory(repository.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            boolean finished = process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!finished) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String said = Files.readString(output, StandardCharsets.UTF_8);
            // its summary only (tests, pass, fail, …): the whole output is in the assertion messages below
            System.out.println("[PeerPulse] " + node + " --test " + tests + ": " + said.lines()
                    .filter(line -> line.matches("[#ℹ] (tests|pass|fail|cancelled|skipped|todo) \\d+"))
                    .map(line -> line.substring(2))
                    .collect(Collectors.joining(", ")));
            assertThat(finished).as("node --test finished within %d s; it said:%n%s", TIMEOUT_SECONDS, said).isTrue();
            assertThat(process.exitValue()).as("node --test exit code; it said:%n%s", said).isZero();
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** {@code node} on the {@code PATH}; skips the test, saying how to install it, where there is none. */
    private static Path node() {
        String searchPath = System.getenv().getOrDefault("PATH", "");
        Optional<Path> found = Stream.of(searchPath.split(File.pathSeparator))
                .filter(d -> !d.isBlank())
                .flatMap(d -> Stream.of(Path.of(d, "node"), Path.of(d, "node.exe")))
                .filter(Files::isRegularFile)
                .filter(Files::isExecutable)
                .findFirst();
        if (found.isEmpty()) {
            String reason = "node not found: no 'node' on the PATH (" + searchPath + "); install Node.js 20 or later"
                    + " (e.g. apt-get install nodejs, or https://nodejs.org/) to run browser/peerpulse-probe.test.mjs";
            System.err.println("[PeerPulse] SKIPPED BrowserProbeNodeTest: " + reason);
            Assumptions.abort(reason);
        }
        return found.orElseThrow();
    }
}
