package io.peerpulse.session.journal;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.virtualtime.ScriptedReplies;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * This module's scripted source for its own tests: the testkit's {@code ScriptedRttSource} cannot be
 * used here (the testkit depends on this module), so the same script engine is wrapped again.
 */
final class ScriptedRttSource implements RttSource {

    private final ScriptedReplies<RttReading> script = new ScriptedReplies<>(RttReading.stale());

    static ScriptedRttSource repeating(RttReading reading) {
        return new ScriptedRttSource().orElse(reading);
    }

    ScriptedRttSource then(RttReading reading) {
        script.then(reading);
        return this;
    }

    ScriptedRttSource thenMeasured(double rttMs) {
        return then(RttReading.measured(rttMs));
    }

    ScriptedRttSource thenMeasured(double rttMs, long timestampEpochMs) {
        return then(RttReading.measured(rttMs, timestampEpochMs));
    }

    ScriptedRttSource thenStale() {
        return then(RttReading.stale());
    }

    ScriptedRttSource thenUnavailable(String reason) {
        return then(RttReading.unavailable(reason));
    }

    ScriptedRttSource thenFail(Throwable failure) {
        script.thenFail(failure);
        return this;
    }

    ScriptedRttSource thenThrow(RuntimeException exception) {
        script.thenThrow(exception);
        return this;
    }

    ScriptedRttSource thenHang() {
        script.thenHang();
        return this;
    }

    ScriptedRttSource thenReturnNull() {
        script.thenReturnNull();
        return this;
    }

    ScriptedRttSource orElse(RttReading reading) {
        script.orElse(reading);
        return this;
    }

    ScriptedRttSource orElseHang() {
        script.orElseHang();
        return this;
    }

    @Override
    public CompletionStage<RttReading> read() {
        return script.next();
    }

    int readCount() {
        return script.callCount();
    }

    int inFlight() {
        return script.inFlightCount();
    }

    int maxConcurrentReads() {
        return script.maxInFlightCount();
    }

    List<CompletableFuture<RttReading>> pendingReads() {
        return script.pendingReplies();
    }

    int remainingSteps() {
        return script.remainingStepCount();
    }
}
