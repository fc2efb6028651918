package io.peerpulse.export.html;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders a real report in headless Chromium (Debian's package, installed here when missing and
 * possible) and checks the screenshot: not blank, axes drawn, every point drawn.
 */
class ChromiumScreenshotTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void theChartIsDrawnInARealBrowser(@TempDir Path dir) throws Exception {
        ensureChromium();
        Path page = dir.resolve("report.html");
        Files.writeString(page, HtmlReport.render(Reports.withGapAndRounds("screenshot")), StandardCharsets.UTF_8);
        Path png = dir.resolve("report.png");
        Process chromium = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
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

    /** Debian's chromium, installed with apt-get when missing and run as root; otherwise skipped, visibly. */
    private static void ensureChromium() throws IOException, InterruptedException {
        if (Files.isExecutable(CHROMIUM)) {
            return;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean apt = Files.isExecutable(Path.of("/usr/bin/apt-get"));
        Assumptions.assumeTrue(root && apt, "skipped: Chromium is not installed at " + CHROMIUM
                + " and cannot be installed here (needs root and apt-get): apt-get install chromium");
        for (List<String> command : List.of(List.of("apt-get", "install", "-y", "-q", "chromium"),
                List.of("apt-get", "update", "-q"), List.of("apt-get", "install", "-y", "-q", "chromium"))) {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(new File("target/apt-chromium.log"));
            builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process process = builder.start();
            if (!process.waitFor(15, TimeUnit.MINUTES)) {
                process.destroyForcibly();
            }
            if (Files.isExecutable(CHROMIUM)) {
                return;
            }
        }
        Assumptions.abort("skipped: installing Chromium with apt-get failed (see target/apt-chromium.log)");
    }
}
