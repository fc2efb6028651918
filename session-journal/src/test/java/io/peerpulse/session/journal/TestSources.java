package io.peerpulse.session.journal;

import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.testkit.SampleReports;
import io.peerpulse.testkit.ScriptedRttSource;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** The two views' sources of the journal's tests (as game-session's own tests have them). */
final class TestSources {

    private TestSources() {
    }

    /**
     * A probe named "probe": answered and lost pings counted from its script's readings; the peer's refused, unmatched
     * and dropped messages as the test sets them (a flood).
     */
    static final class ScriptedProbe implements ProbeStatsSource {
        private final ScriptedRttSource script;
        int reads;
        int answered;
        int lost;
        ProbeStats offset;
        long malformed;
        long unknownVersion;
        long unmatched;
        long inboundDropped;

        ScriptedProbe(ScriptedRttSource script) {
            this.script = script;
        }

        @Override
        public CompletionStage<RttReading> read() {
            reads++;
            return script.read().thenApply(reading -> {
                if (reading instanceof RttReading.Measured) {
                    answered++;
                } else if (reading instanceof RttReading.Stale) {
                    lost++;
                }
                return reading;
            });
        }

        @Override
        public String name() {
            return "probe";
        }

        @Override
        public ProbeStats probeStats() {
            long decided = answered + lost;
            return SampleReports.record(ProbeStats.class, "sentCount", (long) reads, "answeredCount", (long) answered,
                    "lostCount", (long) lost, "unansweredCount", (long) (reads - answered - lost),
                    "lossRatio", decided == 0 ? 0.0 : (double) lost / decided,
                    "offsetMs", offset == null ? null : offset.offsetMs(),
                    "errorBoundMs", offset == null ? null : offset.errorBoundMs(),
                    "offsetEpochMs", offset == null ? null : offset.offsetEpochMs(),
                    "malformedCount", malformed, "unknownVersionCount", unknownVersion, "unmatchedCount", unmatched,
                    "inboundDroppedCount", inboundDropped);
        }
    }

    /** A source like the ICE view: named "ice", refreshing every 2.5 s. */
    static final class IceLike implements RttSource {
        private final RttSource script;

        IceLike(RttSource script) {
            this.script = script;
        }

        static IceLike everyThirdPoll(double rttMs) {
            ScriptedRttSource script = new ScriptedRttSource();
            for (int i = 0; i < 100; i++) {
                script.thenMeasured(rttMs).thenStale().thenStale();
            }
            return new IceLike(script);
        }

        @Override
        public CompletionStage<RttReading> read() {
            return script.read();
        }

        @Override
        public String name() {
            return "ice";
        }

        @Override
        public Duration refreshPeriod() {
            return Duration.ofMillis(2500);
        }
    }
}
