package io.peerpulse.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The module's copy of {@code peerpulse-probe.js} is the file in {@code browser/}, byte for byte. */
class BrowserScriptTest {

    @Test
    void theResourceIsTheBrowserFile() throws Exception {
        byte[] file = Files.readAllBytes(Path.of("..", "browser", DataChannelProbe.BROWSER_SCRIPT));
        assertThat(file).isNotEmpty();
        assertThat(DataChannelProbe.browserScript()).isEqualTo(file);
    }
}
