/**
 * PeerPulse's integration tests as a module: the modules under test are required as their users
 * require them, and the tests (patched in by surefire) run on the module path. Open, so that JUnit
 * may reach the tests.
 *
 * @provides io.peerpulse.session.spi.SessionExporterProvider a recording exporter named {@code recording}
 *
 * @since 0.1.0
 */
@SuppressWarnings("requires-automatic") // micrometer.core is an automatic module
open module io.peerpulse.integration {
    requires io.peerpulse.webrtc;
    requires io.peerpulse.session;
    requires io.peerpulse.session.journal;
    requires io.peerpulse.testkit;
    requires io.peerpulse.lab;
    // the file exporters, found by ServiceLoader; their small APIs read the files back in the tests
    requires io.peerpulse.export.json;
    requires io.peerpulse.export.csv;
    // found by ServiceLoader (it exports nothing); micrometer.core for the tests' own registries
    requires io.peerpulse.export.micrometer;
    requires micrometer.core;
    // found by ServiceLoader (it exports nothing); jdk.jfr for the tests' own recordings
    requires io.peerpulse.export.jfr;
    requires jdk.jfr;
    requires webrtc.java;
    requires org.assertj.core;
    requires java.logging;
    // the Chromium tests: the page's results are JSON; BrowserPeer's HTTP server (in the lab) is the JDK's
    requires jakarta.json;
    requires jdk.httpserver;

    // ConcurrentSessionsTest looks the micrometer provider up itself to pass it to exporterProviders(List)
    uses io.peerpulse.session.spi.SessionExporterProvider;

    provides io.peerpulse.session.spi.SessionExporterProvider
            with io.peerpulse.integration.RecordingExporterProvider;
}
