package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.webrtc.DataChannelProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The webrtc-adapter jar (as a reactor build resolves it for this module) holds
 * {@code io/peerpulse/webrtc/peerpulse-probe.js}, byte for byte the file in {@code browser/}, and
 * {@link DataChannelProbe#browserScript()} serves it.
 */
class BrowserScriptInJarTest {

    @Test
    void theJarCarriesTheBrowserFile() throws Exception {
        byte[] file = Files.readAllBytes(Path.of("..", "browser", "peerpulse-probe.js"));
        assertThat(DataChannelProbe.browserScript()).isEqualTo(file);
        Path location = Path.of(DataChannelProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(location)) { // a jar: `mvn verify` from the root; an IDE may give target/classes
            try (JarFile jar = new JarFile(location.toFile())) {
                ZipEntry entry = jar.getEntry("io/peerpulse/webrtc/peerpulse-probe.js");
                assertThat(entry).as("entry in %s", location).isNotNull();
                assertThat(jar.getInputStream(entry).readAllBytes()).isEqualTo(file);
            }
        } else {
            System.err.println("[PeerPulse] BrowserScriptInJarTest: webrtc-adapter is a directory here (" + location
                    + "), not a jar; compared through browserScript() only");
        }
    }
}
