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
 * Runs a {@code main} class of a test in a child JVM with the test's whole class path and module path on
 * its class path: so that a native crash (webrtc-java) or a {@code kill -9} fails a test instead of
 * killing the test's own JVM, and so that a test can see whether a JVM exits by itself.
 *
 * <p>Meant for surefire runs: the child's class path is the module's {@code target/test-classes} and
 * {@code target/classes} plus the entries of {@code jdk.module.path} and {@code java.class.path}.
 *
 * @since 0.1.0
 */
public final class ChildJvm {

    /**
     * What the child did.
     *
     * @param exited    whether it exited by itself within the bound (otherwise it was killed)
     * @param exitCode  its exit code, or -1 when it did not exit by itself
     * @param output    its standard output and error
     * @param crashLogs the {@code hs_err} files it wrote into its working directory
     * @param took      how long it ran
     * @since 0.1.0
     */
    public record Result(boolean exited, int exitCode, String output, List<Path> crashLogs, Duration took) {

        /**
         * The first lines of every crash log, for an assertion message.
         *
         * @return the summary; empty without crash logs
         * @since 0.1.0
         */
        public String crashSummary() {
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

    /**
     * The command line that starts {@code main} in a child JVM with this JVM's class path and module path.
     *
     * @param main        the class whose {@code main} runs
     * @param jvmOptions  options for the child JVM, before the class path
     * @param programArgs arguments of {@code main}
     * @return the command
     * @since 0.1.0
     */
    public static List<String> command(Class<?> main, List<String> jvmOptions, String... programArgs) {
        Set<String> entries = new LinkedHashSet<>();
        Path module = Path.of(System.getProperty("user.dir"), "target");
        entries.add(module.resolve("test-classes").toString());
        entries.add(module.resolve("classes").toString());
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            String value = System.getProperty(property, "");
            entries.addAll(Arrays.stream(value.split(File.pathSeparator)).filter(s -> !s.isBlank()).toList());
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // webrtc-java loads its library with System::load: no restricted-method warning on JDK 24+
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", String.join(File.pathSeparator, entries), main.getName()));
        command.addAll(Arrays.asList(programArgs));
        return command;
    }

    /**
     * Runs {@code main} in a child JVM in {@code workingDirectory} (created when missing), where it
     * writes any {@code hs_err} file, and waits for it to exit by itself at most {@code bound}; a child
     * still running then is killed.
     *
     * @param main             the class whose {@code main} runs
     * @param workingDirectory the child's working directory
     * @param bound            how long to wait for it
     * @return what the child did
     * @throws Exception when the child cannot be started or its output cannot be read
     * @since 0.1.0
     */
    public static Result run(Class<?> main, Path workingDirectory, Duration bound) throws Exception {
        Files.createDirectories(workingDirectory);
        List<String> command = command(main,
                List.of("-XX:ErrorFile=" + workingDirectory.toAbsolutePath().resolve("hs_err_pid%p.log")));
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
