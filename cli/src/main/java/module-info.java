/**
 * The {@code peerpulse} command line: {@code demo} (two real peers through the ground-truth relay,
 * a game loop and a session, with exports), {@code summarize}, {@code report} and {@code recover}.
 *
 * <p>Started by the {@code ./peerpulse} launcher at the repository root, on the module path.
 *
 * @since 0.1.0
 */
module io.peerpulse.cli {
    requires io.peerpulse.session;
    requires io.peerpulse.session.journal;
    requires io.peerpulse.webrtc;
    requires io.peerpulse.lab;
    requires io.peerpulse.export.json;
    requires io.peerpulse.export.csv;
    requires io.peerpulse.export.files;
    requires io.peerpulse.export.html;
    requires io.peerpulse.export.jsonl;
    requires info.picocli;
    // summarize reads the original browser feature's export shape
    requires jakarta.json;
    requires java.logging;

    opens io.peerpulse.cli to info.picocli;

    uses io.peerpulse.session.spi.SessionExporterProvider;
}
