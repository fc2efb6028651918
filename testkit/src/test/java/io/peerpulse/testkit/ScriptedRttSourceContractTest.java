package io.peerpulse.testkit;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import java.io.IOException;

/** A well-behaved source keeps the contract. */
class ScriptedRttSourceContractTest extends RttSourceContract {

    @Override
    protected RttSource createSource() {
        return new ScriptedRttSource()
                .thenMeasured(0.0)
                .thenMeasured(80.5, 1_767_225_600_000L)
                .thenStale()
                .thenUnavailable("not connected since 12:30:45")
                .thenFail(new IOException("stats request failed"))
                .thenMeasured(60_000.0)
                .orElse(RttReading.measured(42.0));
    }
}
