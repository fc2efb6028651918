package io.peerpulse.cli;

import io.peerpulse.export.csv.SessionReportCsv;
import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.journal.SessionJournal;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Text enters a session once and is written one way: the live report, the JSON export read back and the
 * recovery from the journal hold the same strings, and no file holds an address a source name carried.
 */
class TextAtTheEdgeTest {

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void loneSurrogatesAndAddressesInFreeTextAreWrittenOneWayEverywhere() throws Exception {
        Path exports = dir.resolve("exports");
        Path journals = dir.resolve("journals");
        GameSession session = GameSession.builder("text-edge").playerId("p \uD83C\uDFAE")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).build())
                .exporters("json", "csv").exportSetting(SessionReportJson.DIRECTORY_SETTING, exports.toString())
                .exportSetting(SessionReportCsv.DIRECTORY_SETTING, exports.toString())
                .journalDirectory(journals).build();
        session.onDataChannelOpen(named("probe via 10.1.2.3:5000 \uD800", ScriptedRttSource.repeating(
                RttReading.measured(40))), named("ice [2001:db8::7]:3478", ScriptedRttSource.repeating(
                RttReading.measured(41))));
        scheduler.advance(Duration.ofSeconds(3));
        session.onDataChannelClose("bye \uDC00 from 192.168.7.9");
        scheduler.advance(Duration.ofSeconds(1));
        session.close();
        SessionReport live = session.exportReport();

        assertThat(live.validationData().latencySource()).isEqualTo("probe via <redacted> \uFFFD");
        assertThat(live.validationData().secondary().source()).isEqualTo("ice <redacted>");
        assertThat(live.sessionMetrics().connection().events()).anySatisfy(event ->
                assertThat(event.reason()).isEqualTo("bye \uFFFD from <redacted>"));
        Path json;
        try (Stream<Path> files = Files.list(exports)) {
            json = files.filter(f -> f.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        assertThat(SessionReportJson.read(json)).isEqualTo(live);
        SessionJournal.Recovery recovery = SessionJournal.recover(session.journalPath().orElseThrow());
        assertThat(recovery.problems()).isEmpty();
        assertThat(recovery.report()).isEqualTo(live);

        List<Path> written;
        try (Stream<Path> files = Stream.concat(Files.list(exports), Files.list(journals))) {
            written = files.toList();
        }
        assertThat(written).hasSizeGreaterThanOrEqualTo(3); // the JSON, the CSV and the journal
        for (Path file : written) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            assertThat(text).as(file.toString()).doesNotContain("10.1.2.3", "2001:db8", "192.168.7.9");
        }
    }

    @Test
    void anIdThatIsNotWellFormedUtf16IsRefusedAtBuild() {
        assertThatThrownBy(() -> GameSession.builder("s-1").playerId("p\uD800").exporters().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("playerId must be well-formed UTF-16, has a lone surrogate U+D800 at index 1");
        assertThatThrownBy(() -> GameSession.builder("\uDFFFs").exporters().build())
                .hasMessageContaining("sessionId must be well-formed UTF-16");
    }

    private static RttSource named(String name, RttSource source) {
        return new RttSource() {
            @Override
            public CompletionStage<RttReading> read() {
                return source.read();
            }

            @Override
            public String name() {
                return name;
            }
        };
    }
}
