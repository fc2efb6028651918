package io.peerpulse.export.html;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders a real report in headless Chromium (Debian's package; see {@link #chromium()}) and checks the
 * screenshot: not blank, axes drawn, every point drawn. Skipped, saying why, where there is no Chromium.
 */
@Tag("integration")
class ChromiumScreenshotTest {

    private static final Path DEBIAN_CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void theChartIsDrawnInARealBrowser(@TempDir Path dir) throws Exception {
        Path chromiumBinary = chromium();
        Path page = dir.resolve("report.html");
        Files.writeString(page, HtmlReport.render(Reports.withGapAndRounds("screenshot")), StandardCharsets.UTF_8);
        Path png = dir.resolve("report.png");
        Process chromium = new ProcessBuilder(chromiumBinary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + dir.resolve("profile"),
                "--window-size=1100,1400", "--screenshot=" + png, page.toUri().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
        assertThat(chromium.waitFor(120, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(png).as("screenshot; chromium said: %s", Files.readString(dir.resolve("chromium.log"))).exists();

        BufferedImage image = ImageIO.read(png.toFile());
        int width = image.getWidth();
        int height = image.getHeight();
        long nonWhite = 0;
        long pointPixels = 0;
        int[] darkInColumn = new int[width];
        int[] darkInRow = new int[height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                if (r < 245 || g < 245 || b < 245) {
                    nonWhite++;
                }
                if (Math.abs(r - 0xd6) < 30 && Math.abs(g - 0x27) < 30 && Math.abs(b - 0x28) < 30) {
                    pointPixels++; // HtmlReport.POINT_COLOR
                }
                if (r < 90 && g < 90 && b < 90) {
                    darkInColumn[x]++;
                    darkInRow[y]++;
                }
            }
        }
        assertThat(nonWhite).as("not blank").isGreaterThan((long) width * height / 100);
        // 49 points of radius 3 px: about 28 px each, some overlapping
        assertThat(pointPixels).as("points drawn").isGreaterThan(49 * 10);
        int longestColumn = java.util.Arrays.stream(darkInColumn).max().orElse(0);
        int longestRow = java.util.Arrays.stream(darkInRow).max().orElse(0);
        assertThat(longestColumn).as("the y axis (288 px)").isGreaterThan(250);
        assertThat(longestRow).as("the x axis (872 px)").isGreaterThan(800);
    }

    /**
     * The browser: {@code -Dpeerpulse.chromium=<binary>}, else {@code chromium} on the {@code PATH}, else
     * {@code /usr/bin/chromium}. Nothing is installed here ({@code scripts/setup.sh --for-tests}, run by
     * {@code ./run-tests}, installs Debian's package when it can); where there is none the test is skipped,
     * saying what is missing on standard error too, since surefire's summary shows only "Skipped: 1".
     */
    private static Path chromium() {
        String configured = System.getProperty("peerpulse.chromium");
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            skipUnless(Files.isExecutable(path), "-Dpeerpulse.chromium=" + configured + " is not an executable file");
            return path;
        }
        String searchPath = System.getenv().getOrDefault("PATH", "");
        Optional<Path> found = Stream.concat(
                        Stream.of(searchPath.split(File.pathSeparator)).filter(d -> !d.isBlank())
                                .map(d -> Path.of(d, "chromium")),
                        Stream.of(DEBIAN_CHROMIUM))
                .filter(Files::isExecutable).findFirst();
        skipUnless(found.isPresent(), "Chromium is not installed (no 'chromium' on the PATH, no " + DEBIAN_CHROMIUM
                + "): run scripts/setup.sh --for-tests as root, or apt-get install chromium,"
                + " or pass -Dpeerpulse.chromium=<binary>");
        return found.orElseThrow();
    }

    private static void skipUnless(boolean condition, String reason) {
        if (!condition) {
            System.err.println("[PeerPulse] SKIPPED ChromiumScreenshotTest: " + reason);
            Assumptions.abort(reason);
        }
    }
}
