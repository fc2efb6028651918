package io.peerpulse.export.html;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.List;

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

    /** A session that never measured. */
    static SessionReport empty(String sessionId) {
        GameSession session = GameSession.builder(sessionId).exporterProviders(List.of()).executor(Runnable::run)
                .build();
        session.close();
        return session.exportReport();
    }
}
