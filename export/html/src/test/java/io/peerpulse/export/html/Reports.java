package io.peerpulse.export.html;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.testkit.SampleReports;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** Real session reports, made by a GameSession driven in virtual time. */
final class Reports {

    private Reports() {
    }

    /** 60 s at 1 Hz: two rounds, RTT around 80 ms, a 12 s outage in the middle. */
    static SessionReport withGapAndRounds(String sessionId) {
        VirtualScheduler scheduler = new VirtualScheduler();
        ScriptedRttSource source = new ScriptedRttSource();
        for (int i = 0; i < 25; i++) {
            source.thenMeasured(78 + (i * 7 % 9));
        }
        for (int i = 0; i < 12; i++) {
            source.thenUnavailable("outage");
        }
        for (int i = 0; i < 24; i++) {
            source.thenMeasured(95 + (i * 5 % 11));
        }
        GameSession session = GameSession.builder(sessionId).playerId("p<1>")
                .exporterProviders(List.of())
                .executor(Runnable::run)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock())
                        .pollInterval(Duration.ofSeconds(1)).build())
                .build();
        session.onDataChannelOpen(source);
        session.beginRound(1);
        scheduler.advance(Duration.ofSeconds(30));
        session.beginRound(2);
        scheduler.advance(Duration.ofSeconds(30));
        session.endRound();
        session.close();
        scheduler.shutdownNow();
        return session.exportReport();
    }

    /** 10 s at 1 Hz of values with three decimals: 93.27 to 96.891 ms. */
    static SessionReport withThreeDecimals(String sessionId) {
        VirtualScheduler scheduler = new VirtualScheduler();
        ScriptedRttSource source = new ScriptedRttSource();
        for (double ms : new double[] {93.27, 94.005, 95.5, 96.004, 96.891, 93.999, 94.5, 95.001, 96.1, 96.891}) {
            source.thenMeasured(ms);
        }
        GameSession session = GameSession.builder(sessionId).exporterProviders(List.of()).executor(Runnable::run)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).pollInterval(Duration.ofSeconds(1)).build())
                .build();
        session.onDataChannelOpen(source);
        scheduler.advance(Duration.ofMillis(9_500));
        session.close();
        scheduler.shutdownNow();
        return session.exportReport();
    }

    /** 3 h at 1 Hz with one outage of 4 polls: a 5 s gap, coverage 0.99953…, which rounds to 100.0 %. */
    static SessionReport threeHoursWithOneShortGap(String sessionId) {
        VirtualScheduler scheduler = new VirtualScheduler();
        ScriptedRttSource source = new ScriptedRttSource();
        for (int i = 0; i < 3 * 3600 + 1; i++) {
            if (i >= 5_000 && i < 5_004) {
                source.thenUnavailable("outage");
            } else {
                source.thenMeasured(80);
            }
        }
        GameSession session = GameSession.builder(sessionId).exporterProviders(List.of()).executor(Runnable::run)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).pollInterval(Duration.ofSeconds(1)).build())
                .build();
        session.onDataChannelOpen(source);
        scheduler.advance(Duration.ofHours(3));
        session.close();
        scheduler.shutdownNow();
        return session.exportReport();
    }

    /**
     * A buggy game beside a flapping peer, {@code minutes} long: the game begins a round every frame (60 Hz), the
     * source is polled at 10 Hz and measures at every fifth poll only (a gap every half second).
     */
    static SessionReport roundEveryFrameAndGapEveryHalfSecond(String sessionId, int minutes) {
        VirtualScheduler scheduler = new VirtualScheduler();
        ScriptedRttSource source = new ScriptedRttSource();
        for (int i = 0; i < minutes * 600 + 10; i++) {
            source.then(i % 5 == 4 ? RttReading.measured(40 + i % 7) : RttReading.stale());
        }
        GameSession session = GameSession.builder(sessionId).exporterProviders(List.of()).executor(Runnable::run)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).nanoClock(scheduler.nanoClock())
                        .pollInterval(Duration.ofMillis(100)).build())
                .build();
        session.onDataChannelOpen(source);
        for (int frame = 0; frame < minutes * 3600; frame++) {
            session.beginRound(frame);
            if (frame % 6 == 5) {
                scheduler.advance(Duration.ofMillis(100));
            }
        }
        session.close();
        scheduler.shutdownNow();
        return session.exportReport();
    }

    /** A session that never measured. */
    static SessionReport empty(String sessionId) {
        GameSession session = GameSession.builder(sessionId).exporterProviders(List.of()).executor(Runnable::run)
                .build();
        session.close();
        return session.exportReport();
    }

    /**
     * 30 s at 1 Hz with two views: a probe (primary; 31 pings, 2 lost, 1 late, an offset of -12.345 ms ±
     * 0.812 ms) and an ICE-like source beside it at 75 ms.
     */
    static SessionReport withProbeAndSecondary(String sessionId) {
        VirtualScheduler scheduler = new VirtualScheduler();
        ScriptedRttSource probeScript = new ScriptedRttSource();
        ScriptedRttSource iceScript = new ScriptedRttSource();
        for (int i = 0; i < 40; i++) {
            probeScript.thenMeasured(80 + i % 3);
            iceScript.thenMeasured(75);
        }
        GameSession session = GameSession.builder(sessionId).exporterProviders(List.of()).executor(Runnable::run)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).pollInterval(Duration.ofSeconds(1)).build())
                .build();
        long now = scheduler.clock().millis();
        session.onDataChannelOpen(new Probe(probeScript, SampleReports.record(ProbeStats.class, "sentCount", 31L,
                "answeredCount", 28L, "lostCount", 2L, "lateCount", 1L, "unansweredCount", 1L, "lossRatio", 2.0 / 30,
                "offsetMs", -12.345, "errorBoundMs", 0.812, "offsetEpochMs", now, "maxHoldMs", 0.004,
                "malformedCount", 5L, "unknownVersionCount", 6L, "unmatchedCount", 108_514L,
                "inboundDroppedCount", 80_148L)), new Ice(iceScript));
        scheduler.advance(Duration.ofMillis(30_070));
        session.close();
        scheduler.shutdownNow();
        return session.exportReport();
    }

    /** A scripted probing source with fixed statistics. */
    private record Probe(ScriptedRttSource script, ProbeStats probeStats) implements ProbeStatsSource {
        @Override
        public CompletionStage<RttReading> read() {
            return script.read();
        }

        @Override
        public String name() {
            return "probe";
        }
    }

    /** A scripted source named as the ICE view. */
    private record Ice(ScriptedRttSource script) implements RttSource {
        @Override
        public CompletionStage<RttReading> read() {
            return script.read();
        }

        @Override
        public String name() {
            return "ice";
        }
    }
}
