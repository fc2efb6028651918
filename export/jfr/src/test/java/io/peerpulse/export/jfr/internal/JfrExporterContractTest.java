package io.peerpulse.export.jfr.internal;

import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SessionExporterContract;
import org.junit.jupiter.api.extension.ExtendWith;

/** The testkit's exporter contract, applied to the {@code jfr} exporter (no recording running). */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class JfrExporterContractTest extends SessionExporterContract {

    @Override
    protected SessionExporterProvider createProvider() {
        return new JfrExporterProvider();
    }
}
