package io.peerpulse.integration;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a {@code main} class of these tests in a child JVM with everything on the class path, so that a
 * native crash (webrtc-java) fails a test instead of killing surefire's JVM. The child writes any
 * {@code hs_err} file into its own working directory.
 */
final class ChildJvm {

    /** What the child did: whether it exited by itself within the bound, its exit code, output and crash logs. */
    record Result(boolean exited, int exitCode, String output, List<Path> crashLogs, Duration took) {
        String crashSummary() {
            StringBuilder summary = new StringBuilder();
            for (Path log : crashLogs) {
                try {
                    summary.append(log).append(":\n");
                    Files.readAllLines(log).stream().limit(60).forEach(l -> summary.append(l).append('\n'));
                } catch (IOException e) {
                    summary.append(e).append('\n');
                }
            }
            return summary.toString();
        }
    }

    private ChildJvm() {
    }

    static Result run(Class<?> main, Path workingDirectory, Duration bound) throws Exception {
        Set<String> entries = new LinkedHashSet<>();
        Path module = Path.of(System.getProperty("user.dir"), "target");
        entries.add(module.resolve("test-classes").toString());
        entries.add(module.resolve("classes").toString());
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            String value = System.getProperty(property, "");
            entries.addAll(Arrays.stream(value.split(File.pathSeparator)).filter(s -> !s.isBlank()).toList());
        }
        Files.createDirectories(workingDirectory);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:ErrorFile=" + workingDirectory.toAbsolutePath().resolve("hs_err_pid%p.log"),
                "-cp", String.join(File.pathSeparator, entries), main.getName()));
        long start = System.nanoTime();
        Process child = new ProcessBuilder(command).directory(workingDirectory.toFile()).redirectErrorStream(true)
                .start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        boolean exited = child.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (!exited) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String log = output.get(10, TimeUnit.SECONDS);
        List<Path> crashLogs;
        try (Stream<Path> files = Files.list(workingDirectory)) {
            crashLogs = files.filter(p -> p.getFileName().toString().startsWith("hs_err")).toList();
        }
        return new Result(exited, exited ? child.exitValue() : -1, log, crashLogs, took);
    }
}
