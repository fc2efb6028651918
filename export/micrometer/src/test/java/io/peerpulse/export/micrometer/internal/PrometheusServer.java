package io.peerpulse.export.micrometer.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus server for tests: Debian's {@code prometheus} package (2.42 on Debian 12), run from
 * a private directory on 127.0.0.1 with its own configuration and data, stopped by {@link #close()}.
 *
 * <p>The binary is found in this order: the system property {@code peerpulse.prometheus} (a path to
 * the binary), {@code prometheus} on the {@code PATH}, the cache
 * {@code ${XDG_CACHE_HOME:-~/.cache}/peerpulse/prometheus/prometheus} (or {@code <tmpdir>/peerpulse-prometheus}
 * where the home directory is read-only); else it is installed into that cache with {@code apt-get download prometheus} and {@code dpkg -x} — no service is started, nothing
 * is installed system-wide — running {@code apt-get update} first when the package is unknown and the
 * test runs as root (a fresh Debian has no package lists). Where none of that works (no apt, not root
 * without package lists, no network) the calling test is skipped through a JUnit assumption that says
 * why; it is never faked.
 */
final class PrometheusServer implements AutoCloseable {

    private static final Duration APT_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);
    /** One result of an instant vector query: {@code {"metric":{…},"value":[<time>,"<value>"]}}. */
    private static final Pattern RESULT = Pattern.compile(
            "\\{\"metric\":\\{([^}]*)},\"value\":\\[[0-9.e+-]+,\"([^\"]*)\"]}");
    private static final Pattern LABEL = Pattern.compile("\"([^\"]+)\":\"([^\"]*)\"");

    private final Process process;
    private final URI base;
    private final Path log;
    /** Stops the server should the test JVM exit without {@link #close()} (e.g. a surefire timeout). */
    private final Thread stopAtExit;

    private PrometheusServer(Process process, URI base, Path log) {
        this.process = process;
        this.base = base;
        this.log = log;
        this.stopAtExit = new Thread(process::destroyForcibly, "stop-prometheus-" + process.pid());
        Runtime.getRuntime().addShutdownHook(stopAtExit);
    }

    /** One series of a query's answer. */
    record Series(Map<String, String> labels, double value) {
    }

    // ---- the binary ----------------------------------------------------------------------------

    /**
     * The Prometheus binary, installed into the cache when missing; skips the calling test (with the
     * reason) when it cannot be had.
     *
     * @return the binary
     */
    static Path binary() throws IOException, InterruptedException {
        String configured = System.getProperty("peerpulse.prometheus");
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            skipUnless(Files.isExecutable(path),
                    "peerpulse.prometheus=" + configured + " is not an executable file");
            return path;
        }
        Optional<Path> onPath = onPath("prometheus");
        if (onPath.isPresent()) {
            return onPath.get();
        }
        Path cache = cacheDirectory();
        Path cached = cache.resolve("prometheus");
        if (Files.isExecutable(cached)) {
            return cached;
        }
        try {
            Files.createDirectories(cache);
        } catch (IOException readOnlyHome) {
            cache = Path.of(System.getProperty("java.io.tmpdir"), "peerpulse-prometheus");
            cached = cache.resolve("prometheus");
            if (Files.isExecutable(cached)) {
                return cached;
            }
            Files.createDirectories(cache);
        }
        // one install at a time, also across JVMs (parallel builds share the cache)
        try (FileChannel lockFile = FileChannel.open(cache.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            FileLock lock = lockFile.lock();
            try {
                if (!Files.isExecutable(cached)) {
                    install(cache, cached);
                }
            } finally {
                lock.release();
            }
        }
        return cached;
    }

    /**
     * Skips the calling test unless {@code condition} holds, saying why on standard error too: surefire's
     * summary shows only "Skipped: 1", not an assumption's message.
     */
    private static void skipUnless(boolean condition, String reason) {
        if (!condition) {
            System.err.println("[PeerPulse] SKIPPED a test that needs a real Prometheus server: " + reason);
            Assumptions.abort(reason);
        }
    }

    private static Path cacheDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path root = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return root.resolve("peerpulse").resolve("prometheus");
    }

    private static void install(Path cache, Path target) throws IOException, InterruptedException {
        skipUnless(onPath("apt-get").isPresent() && onPath("dpkg").isPresent(),
                "no real Prometheus server: it is not installed and there is no apt-get/dpkg to fetch Debian's"
                        + " 'prometheus' package (set -Dpeerpulse.prometheus=/path/to/prometheus to use one)");
        Path work = Files.createTempDirectory(cache, "download-");
        try {
            Result download = run(work, "apt-get", "download", "prometheus");
            if (download.exit() != 0) {
                boolean root = isRoot();
                skipUnless(root, "no real Prometheus server: 'apt-get download prometheus' failed and"
                        + " 'apt-get update' needs root: " + download.tail());
                Result update = run(work, "apt-get", "update", "-q");
                skipUnless(update.exit() == 0,
                        "no real Prometheus server: 'apt-get update' failed (no network?): " + update.tail());
                download = run(work, "apt-get", "download", "prometheus");
                skipUnless(download.exit() == 0,
                        "no real Prometheus server: 'apt-get download prometheus' failed: " + download.tail());
            }
            Path deb;
            try (Stream<Path> files = Files.list(work)) {
                deb = files.filter(f -> f.getFileName().toString().endsWith(".deb")).findFirst()
                        .orElseThrow(() -> new IOException("apt-get download prometheus left no .deb in " + work));
            }
            Path extracted = work.resolve("x");
            Result unpack = run(work, "dpkg", "-x", deb.toString(), extracted.toString());
            if (unpack.exit() != 0) {
                throw new IOException("dpkg -x " + deb + " failed: " + unpack.tail());
            }
            Path binary = extracted.resolve("usr/bin/prometheus");
            if (!Files.isExecutable(binary)) {
                throw new IOException(deb + " holds no usr/bin/prometheus");
            }
            // only the binary is kept (the API needs no web assets); the move makes it appear whole
            Path partial = cache.resolve("prometheus.partial");
            Files.copy(binary, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            deleteTree(work);
        }
    }

    private static boolean isRoot() throws IOException, InterruptedException {
        Result id = run(Path.of("."), "id", "-u");
        return id.exit() == 0 && id.output().strip().equals("0");
    }

    private static Optional<Path> onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(java.io.File.pathSeparator)).filter(d -> !d.isBlank())
                .map(d -> Path.of(d, command)).filter(Files::isExecutable).findFirst();
    }

    private record Result(int exit, String output) {
        String tail() {
            String text = output.strip();
            return text.length() <= 600 ? text : "…" + text.substring(text.length() - 600);
        }
    }

    /** Runs a command with a bounded wait; its output goes to a file, so it never blocks on a full pipe. */
    private static Result run(Path dir, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("peerpulse-cmd-", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(out.toFile());
            builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process process = builder.start();
            if (!process.waitFor(APT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                return new Result(-1, String.join(" ", command) + " did not finish within " + APT_TIMEOUT);
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    // ---- the server ----------------------------------------------------------------------------

    /**
     * Starts Prometheus scraping {@code http://127.0.0.1:<targetPort>/metrics} every second, with its
     * configuration, data and log in {@code dir}, and waits (bounded) until it is ready.
     *
     * @param binary     the binary
     * @param targetPort the port of the endpoint to scrape
     * @param dir        an empty private directory
     * @return the running server
     */
    static PrometheusServer start(Path binary, int targetPort, Path dir) throws IOException, InterruptedException {
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, String.join("\n",
                "global:",
                "  scrape_interval: 1s",
                "  scrape_timeout: 1s",
                "  evaluation_interval: 1s",
                "scrape_configs:",
                "  - job_name: peerpulse",
                "    metrics_path: /metrics",
                "    static_configs:",
                "      - targets: ['127.0.0.1:" + targetPort + "']",
                ""));
        IOException last = null;
        for (int attempt = 1; attempt <= 3; attempt++) { // a free port may be taken before Prometheus binds it
            int port = freePort();
            Path log = dir.resolve("prometheus-" + attempt + ".log");
            Process process = new ProcessBuilder(binary.toString(),
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("data-" + attempt),
                    "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            PrometheusServer server = new PrometheusServer(process, URI.create("http://127.0.0.1:" + port), log);
            try {
                server.awaitReady();
                return server;
            } catch (IOException e) {
                server.close();
                last = e;
            }
        }
        throw last;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            try {
                if (get(base.resolve("/-/ready")).status() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (pause() || System.nanoTime() > deadline) {
                throw new IOException("Prometheus " + (process.isAlive() ? "not ready within " + START_TIMEOUT
                        : "exited with " + process.exitValue()) + "; its log: " + logTail());
            }
        }
    }

    /**
     * Waits a poll interval for the process to end: the pause of a bounded wait, which also notices a
     * crashed server at once.
     *
     * @return whether the process has ended
     */
    private boolean pause() throws InterruptedException {
        return process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** @return the server's base address, e.g. {@code http://127.0.0.1:41234} */
    URI base() {
        return base;
    }

    /**
     * An instant query through the HTTP API ({@code /api/v1/query}).
     *
     * @param promql the expression; its answer must be a vector
     * @return every series of the answer
     */
    List<Series> query(String promql) throws IOException, InterruptedException {
        URI uri = base.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        Response response = get(uri);
        String body = response.body();
        if (response.status() != 200 || !body.startsWith("{\"status\":\"success\"")) {
            throw new IOException("query " + promql + " answered " + response.status() + ": " + body);
        }
        if (!body.contains("\"resultType\":\"vector\"")) {
            throw new IOException("query " + promql + " did not answer a vector: " + body);
        }
        List<Series> series = new ArrayList<>();
        Matcher result = RESULT.matcher(body);
        while (result.find()) {
            Map<String, String> labels = new LinkedHashMap<>();
            Matcher label = LABEL.matcher(result.group(1));
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
            series.add(new Series(labels, parse(result.group(2))));
        }
        return series;
    }

    private record Response(int status, String body) {
    }

    /** A GET with bounded connect and read timeouts. */
    private static Response get(URI uri) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        connection.setConnectTimeout(5_000);
        connection.setReadTimeout(10_000);
        try {
            int status = connection.getResponseCode();
            try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                return new Response(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } finally {
            connection.disconnect();
        }
    }

    private static double parse(String value) {
        return switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(value);
        };
    }

    /**
     * Queries until the answer fulfils {@code condition} (Prometheus scrapes every second), at most
     * {@code timeout}.
     *
     * @return the answer that fulfilled it
     * @throws AssertionError with the last answer when the time is up
     */
    List<Series> await(String promql, Predicate<List<Series>> condition, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Series> answer = query(promql);
        while (!condition.test(answer)) {
            if (pause() || System.nanoTime() > deadline) {
                throw new AssertionError("Prometheus' answer to " + promql + " was still " + answer + " after "
                        + timeout + (process.isAlive() ? "" : " (Prometheus exited)") + "; its log: " + logTail());
            }
            answer = query(promql);
        }
        return answer;
    }

    String logTail() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() <= 2000 ? text : "…" + text.substring(text.length() - 2000);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops the server (SIGTERM, then SIGKILL after 10 s). */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(stopAtExit);
        } catch (IllegalStateException exiting) {
            // the JVM is exiting: the hook stops the server
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a leftover temporary directory in the cache does no harm
        }
    }
}
