package io.peerpulse.lab;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A headless Chromium showing one page: the far end of a {@link BrowserPeer}.
 *
 * <p>The browser is found by {@link #find()}: {@code -Dpeerpulse.chromium=<binary>}, else
 * {@code chromium} on the {@code PATH}, else {@code /usr/bin/chromium} (Debian's package). Nothing
 * is installed here: where there is none, {@link #missingReason()} says what to install.
 *
 * <p>It runs with {@code --headless=new --no-sandbox} (required as root) and without background
 * networking, component updates or sync, with a fresh profile in a temporary directory that
 * {@link #close()} deletes. Chromium's own WebRTC settings stay the defaults a participant's
 * browser has; in particular host candidates stay hidden behind mDNS names (see {@link BrowserPeer}).
 *
 * @since 0.1.0
 */
public final class Chromium implements AutoCloseable {

    /**
     * The system property naming the browser binary.
     *
     * @since 0.1.0
     */
    public static final String PROPERTY = "peerpulse.chromium";

    private static final Path DEBIAN_CHROMIUM = Path.of("/usr/bin/chromium");

    private final Process process;
    private final Path profile;
    private final Path log;

    private Chromium(Process process, Path profile, Path log) {
        this.process = process;
        this.profile = profile;
        this.log = log;
    }

    /**
     * Finds the browser binary.
     *
     * @return {@code -Dpeerpulse.chromium} when set (whether or not it is executable: see
     *         {@link #missingReason()}), else {@code chromium} on the {@code PATH}, else
     *         {@code /usr/bin/chromium}, when executable; else empty
     * @since 0.1.0
     */
    public static Optional<Path> find() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        String searchPath = System.getenv().getOrDefault("PATH", "");
        return Stream.concat(
                        Stream.of(searchPath.split(File.pathSeparator)).filter(d -> !d.isBlank())
                                .map(d -> Path.of(d, "chromium")),
                        Stream.of(DEBIAN_CHROMIUM))
                .filter(Files::isExecutable).findFirst();
    }

    /**
     * Why {@link #find()} found nothing, and what to install.
     *
     * @return one sentence for a user or a skipped test
     * @since 0.1.0
     */
    public static String missingReason() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return "-D" + PROPERTY + "=" + configured + " is not an executable file; install Chromium"
                    + " (Debian: apt-get install chromium) or point -D" + PROPERTY + " at its binary";
        }
        return "Chromium is not installed (no 'chromium' on the PATH, no " + DEBIAN_CHROMIUM
                + "): install it with apt-get install chromium (as root; scripts/setup.sh --for-tests does it),"
                + " or pass -D" + PROPERTY + "=<binary>";
    }

    /**
     * Starts headless Chromium on {@code page} with a fresh profile.
     *
     * @param binary the browser, e.g. from {@link #find()}
     * @param page   the page to open
     * @return the running browser; close it
     * @throws IOException when it cannot be started
     * @since 0.1.0
     */
    public static Chromium launch(Path binary, URI page) throws IOException {
        Objects.requireNonNull(binary, "binary");
        Objects.requireNonNull(page, "page");
        Path profile = Files.createTempDirectory("peerpulse-chromium-");
        Path log = profile.resolve("chromium.log");
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless=new", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--mute-audio",
                // headless tabs are not throttled by default; keep timers at full rate all the same
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--user-data-dir=" + profile.resolve("profile"), page.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.remove("DISPLAY"); // headless: never a window on a developer's screen
        try {
            return new Chromium(builder.start(), profile, log);
        } catch (IOException e) {
            deleteTree(profile);
            throw e;
        }
    }

    /**
     * @return whether the browser process still runs
     * @since 0.1.0
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * What the browser wrote to standard output and error so far, for failure messages.
     *
     * @return the log, at most its last 4000 characters
     * @since 0.1.0
     */
    public String log() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * Ends the browser (its process and the processes it started), waits for them up to 10 s each,
     * and deletes the profile. Idempotent.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        boolean interrupted = false;
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle child : children) {
                if (child.isAlive()) {
                    child.destroyForcibly();
                    child.onExit().get(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            interrupted = true;
            process.destroyForcibly();
        } catch (Exception e) {
            // a child that does not end in time: nothing more to do here
        }
        deleteTree(profile);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a file Chromium still holds: the temporary directory keeps it
                }
            });
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public String toString() {
        return "Chromium[pid " + process.pid() + (process.isAlive() ? "" : ", exited " + process.exitValue()) + "]";
    }
}
