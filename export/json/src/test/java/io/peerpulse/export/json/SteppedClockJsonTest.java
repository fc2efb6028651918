package io.peerpulse.export.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.ClockStep;
import io.peerpulse.session.CoverageGap;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.RoundMetrics;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session whose wall clock stepped back 5 s and forward 400 days: its places on the monotonic clock (a round's,
 * a gap's, a quality change's {@code …ElapsedMs}, a step's {@code firstSampleIndex}) survive the JSON file, and a
 * file of an earlier version, without them, still reads, with {@code null} for each.
 */
class SteppedClockJsonTest {

    @TempDir
    Path dir;

    private static SessionReport stepped() {
        VirtualScheduler scheduler = new VirtualScheduler();
        ScriptedRttSource source = new ScriptedRttSource();
        for (int i = 0; i <= 20; i++) {
            if (i >= 12 && i <= 16) {
                source.thenUnavailable("outage");
            } else {
                source.thenMeasured(40);
            }
        }
        GameSession session = GameSession.builder("stepped-json").exporterProviders(List.of()).executor(Runnable::run)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock()).pollInterval(Duration.ofSeconds(1))
                        .build())
                .build();
        session.onDataChannelOpen(source);
        scheduler.runDueTasks();
        scheduler.advance(Duration.ofSeconds(8));
        session.beginRound(1);
        scheduler.advance(Duration.ofMillis(2_500));
        scheduler.stepWallClock(Duration.ofSeconds(-5));
        scheduler.advance(Duration.ofSeconds(5));
        scheduler.stepWallClock(Duration.ofDays(400));
        scheduler.advance(Duration.ofMillis(4_500));
        session.close();
        scheduler.shutdownNow();
        return session.exportReport();
    }

    @Test
    void thePlacesOnTheMonotonicClockReadBackAsWritten() throws IOException {
        SessionReport report = stepped();
        assertThat(report.validationData().clock().clockSteps()).extracting(ClockStep::firstSampleIndex)
                .containsExactly(11L, 12L);
        assertThat(report.multiplayerMetrics().rounds()).extracting(RoundMetrics::startElapsedMs).containsExactly(8_000L);
        assertThat(report.validationData().coverage().gaps()).extracting(CoverageGap::startElapsedMs)
                .containsExactly(11_000L);
        assertThat(report.multiplayerMetrics().qualityChanges()).extracting(QualityChange::elapsedMs)
                .containsExactly(0L, 15_000L, 17_000L);

        assertThat(SessionReportJson.read(SessionReportJson.export(report, dir))).isEqualTo(report);
    }

    @Test
    void aFileOfAnEarlierVersionWithoutThemReadsThemAsNull() {
        String json = SessionReportJson.toJson(stepped());
        String earlier = without(Json.createReader(new StringReader(json)).readValue(), "startElapsedMs", "elapsedMs",
                "firstSampleIndex").toString();
        assertThat(earlier).doesNotContain("ElapsedMs").doesNotContain("elapsedMs").contains("clockSteps");

        SessionReport read = SessionReportJson.fromJson(earlier);

        assertThat(read.validationData().clock().clockSteps()).extracting(ClockStep::firstSampleIndex)
                .containsExactly(null, null);
        assertThat(read.multiplayerMetrics().rounds()).extracting(RoundMetrics::startElapsedMs).containsExactly((Long) null);
        assertThat(read.validationData().coverage().gaps()).extracting(CoverageGap::startElapsedMs)
                .containsExactly((Long) null);
        assertThat(read.multiplayerMetrics().qualityChanges()).extracting(QualityChange::elapsedMs)
                .containsOnlyNulls();
        assertThat(read.multiplayerMetrics().rounds()).extracting(RoundMetrics::firstSampleIndex)
                .as("a round's firstSampleIndex is of every version: the sample of 9 s").containsExactly(9L);
    }

    /** The value with the keys left out of every object but a round (whose firstSampleIndex is older). */
    private static JsonValue without(JsonValue value, String... keys) {
        if (value instanceof JsonObject object) {
            boolean round = object.containsKey("roundNumber");
            JsonObjectBuilder copy = Json.createObjectBuilder();
            object.forEach((key, member) -> {
                if (!List.of(keys).contains(key) || round && key.equals("firstSampleIndex")) {
                    copy.add(key, without(member, keys));
                }
            });
            return copy.build();
        }
        if (value instanceof JsonArray array) {
            JsonArrayBuilder copy = Json.createArrayBuilder();
            array.forEach(member -> copy.add(without(member, keys)));
            return copy.build();
        }
        return value;
    }
}
