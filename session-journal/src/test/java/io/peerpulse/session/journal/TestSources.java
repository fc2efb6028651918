package io.peerpulse.session.journal;

import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.testkit.ScriptedRttSource;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** The two views' sources of the journal's tests (as game-session's own tests have them). */
final class TestSources {

    private TestSources() {
    }

    /** A probe named "probe": answered and lost pings counted from its script's readings. */
    static final class ScriptedProbe implements ProbeStatsSource {
        private final ScriptedRttSource script;
        int reads;
        int answered;
        int lost;
        ProbeStats offset;

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
            return new ProbeStats(reads, answered, lost, 0, reads - answered - lost, decided == 0 ? 0
                    : (double) lost / decided, offset == null ? null : offset.offsetMs(),
                    offset == null ? null : offset.errorBoundMs(), offset == null ? null : offset.offsetEpochMs(), 0, 0, 0, 0);
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
