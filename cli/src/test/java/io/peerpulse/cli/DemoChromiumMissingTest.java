package io.peerpulse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code demo --peer chromium} without a browser says what to install and exits 2, before starting anything. */
class DemoChromiumMissingTest {

    @Test
    void aMissingBrowserIsNamedWithWhatToInstall(@TempDir Path dir) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String previous = System.getProperty("peerpulse.chromium");
        System.setProperty("peerpulse.chromium", dir.resolve("no-such-chromium").toString());
        int code;
        try {
            code = Main.run(new String[] {"demo", "--peer", "chromium", "--duration", "1s", "--out",
                    dir.resolve("out").toString()}, new PrintWriter(out, true), new PrintWriter(err, true));
        } finally {
            if (previous == null) {
                System.clearProperty("peerpulse.chromium");
            } else {
                System.setProperty("peerpulse.chromium", previous);
            }
        }
        assertThat(code).as("stdout %s stderr %s", out, err).isEqualTo(2);
        assertThat(err.toString()).contains("apt-get install chromium").contains("no-such-chromium")
                .contains("(through the launcher: JAVA_TOOL_OPTIONS='-Dpeerpulse.chromium=<binary>' ./peerpulse …)");
        assertThat(out.toString()).doesNotContain("connected");
    }

    /** Options the Chromium demo does not use are refused before anything is created, not silently ignored. */
    @Test
    void aJournalOrASourceWithChromiumIsRefusedNotIgnored(@TempDir Path dir) {
        for (String[] option : new String[][] {{"--journal", dir.resolve("journal").toString()}, {"--source", "ice"}}) {
            StringWriter err = new StringWriter();
            int code = Main.run(new String[] {"demo", "--peer", "chromium", option[0], option[1], "--out",
                    dir.resolve("out").toString()}, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
            assertThat(code).isEqualTo(2);
            assertThat(err.toString().strip()).isEqualTo("demo: " + option[0] + " applies to --peer java only: the"
                    + " Chromium demo writes no journal and always shows the Java side's ICE view beside both ends'"
                    + " probes");
        }
        assertThat(dir.resolve("journal")).doesNotExist();
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void anUnknownPeerIsABadArgument(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"demo", "--peer", "firefox", "--out", dir.toString()},
                new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--peer must be java or chromium");
    }

    /**
     * The browser's clock offset is printed with its error bound only when the page marks it verified: one from an
     * exchange whose claimed hold was capped is the other side's claim (docs/PROBE-PROTOCOL.md, Trust model).
     */
    @Test
    void theBrowsersOffsetIsPrintedWithABoundOnlyWhenVerified() {
        jakarta.json.JsonObjectBuilder stats = jakarta.json.Json.createObjectBuilder()
                .add("clockOffsetMs", 3_600_038.9).add("clockOffsetErrorBoundMs", 1.1);
        assertThat(ChromiumDemo.offsetLine(stats.add("clockOffsetVerified", true).build()))
                .endsWith(": 3600038.9 ms ± 1.1 ms");
        stats = jakarta.json.Json.createObjectBuilder().add("clockOffsetMs", 3_600_038.9)
                .add("clockOffsetErrorBoundMs", 1.1).add("clockOffsetVerified", false);
        assertThat(ChromiumDemo.offsetLine(stats.build())).contains("3600038.9 ms (unverified").doesNotContain("±");
        assertThat(ChromiumDemo.offsetLine(jakarta.json.Json.createObjectBuilder().addNull("clockOffsetMs").build()))
                .isNull();
        assertThat(ChromiumDemo.offsetLine(null)).isNull();
    }
}
