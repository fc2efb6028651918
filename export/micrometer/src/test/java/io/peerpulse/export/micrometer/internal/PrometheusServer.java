package io.peerpulse.export.micrometer.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * {@code ${XDG_CACHE_HOME:-~/.cache}/peerpulse/prometheus/prometheus}, which {@code scripts/setup.sh
 * --for-tests} fills with {@code apt-get download prometheus} and {@code dpkg -x}. Tests install nothing:
 * where there is no binary the calling test is skipped through a JUnit assumption that says what is missing
 * and how to get it; it is never faked.
 */
final class PrometheusServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);
    /** What Prometheus logs once its HTTP API answers (2.x). */
    private static final String READY_LINE = "Server is ready to receive web requests.";
    /** One result of an instant vector query: {@code {"metric":{…},"value":[<time>,"<value>"]}}. */
    private static final Pattern RESULT = Pattern.compile(
            "\\{\"metric\":\\{([^}]*)},\"value\":\\[[0-9.e+-]+,\"([^\"]*)\"]}");
    private static final Pattern LABEL = Pattern.compile("\"([^\"]+)\":\"([^\"]*)\"");

    private final Process process;
    private final URI base;
    private final Path log;
    /** Completed by the log copier when Prometheus logs {@link #READY_LINE}; failed when it exits first. */
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    /** Stops the server should the test JVM exit without {@link #close()} (e.g. a surefire timeout). */
    private final Thread stopAtExit;

    private PrometheusServer(Process process, URI base, Path log) {
        this.process = process;
        this.base = base;
        this.log = log;
        this.stopAtExit = new Thread(process::destroyForcibly, "stop-prometheus-" + process.pid());
        Runtime.getRuntime().addShutdownHook(stopAtExit);
        Thread copier = new Thread(this::copyLog, "prometheus-log-" + process.pid());
        copier.setDaemon(true);
        copier.start();
    }

    /** Copies Prometheus' output into the log file line by line, watching for {@link #READY_LINE}. */
    private void copyLog() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                out.write(line);
                out.write('\n');
                out.flush();
                if (line.contains(READY_LINE)) {
                    ready.complete(null);
                }
            }
        } catch (IOException e) {
            ready.completeExceptionally(e);
        } finally {
            ready.completeExceptionally(new IOException("Prometheus' output ended before it was ready"));
        }
    }

    /** One series of a query's answer. */
    record Series(Map<String, String> labels, double value) {
    }

    // ---- the binary ----------------------------------------------------------------------------

    /**
     * The Prometheus binary; skips the calling test, saying what is missing and how to get it, when there is
     * none. Nothing is installed here: {@code scripts/setup.sh --for-tests} (run by {@code ./run-tests})
     * fetches Debian's package into the cache.
     *
     * @return the binary
     */
    static Path binary() {
        String configured = System.getProperty("peerpulse.prometheus");
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            skipUnless(Files.isExecutable(path),
                    "-Dpeerpulse.prometheus=" + configured + " is not an executable file");
            return path;
        }
        Optional<Path> found = Stream.concat(onPath("prometheus").stream(), Stream.of(cachedBinary()))
                .filter(Files::isExecutable).findFirst();
        skipUnless(found.isPresent(), "Prometheus is not installed (no 'prometheus' on the PATH, no " + cachedBinary()
                + "): run scripts/setup.sh --for-tests (as root on a fresh Debian: it fetches Debian's 'prometheus'"
                + " package there), or apt-get install prometheus, or pass -Dpeerpulse.prometheus=<binary>");
        return found.orElseThrow();
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

    /** Where {@code scripts/setup.sh --for-tests} puts the binary. */
    private static Path cachedBinary() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path root = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return root.resolve("peerpulse").resolve("prometheus").resolve("prometheus");
    }

    private static Optional<Path> onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(java.io.File.pathSeparator)).filter(d -> !d.isBlank())
                .map(d -> Path.of(d, command)).filter(Files::isExecutable).findFirst();
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
                    .redirectErrorStream(true).start();
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

    /** Waits (bounded) for the line Prometheus logs once it is ready, or for its exit. */
    private void awaitReady() throws IOException, InterruptedException {
        try {
            ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new IOException("Prometheus " + (e instanceof TimeoutException ? "not ready within " + START_TIMEOUT
                    : "did not get ready (" + e.getCause().getMessage() + ")")
                    + (process.isAlive() ? "" : ", exited with " + process.exitValue()) + "; its log: " + logTail());
        }
        int status = get(base.resolve("/-/ready")).status();
        if (status != 200) {
            throw new IOException("Prometheus logged that it is ready, but /-/ready answered " + status);
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
}
