package io.peerpulse.export.micrometer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SessionExporterContract;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** The testkit's exporter contract, on a registry of this test's own; every meter is gone afterwards. */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class MicrometerExporterContractTest extends SessionExporterContract {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Override
    protected SessionExporterProvider createProvider() {
        return new MicrometerExporterProvider();
    }

    @Override
    protected ExportSettings exportSettings() {
        // the removal mode, checked after each case: the default keeps meters (see MicrometerExporterTest)
        return ExportSettings.of(Map.of(MicrometerSettings.KEEP_METERS, "false"), Map.of(MeterRegistry.class, registry));
    }

    @AfterEach
    void everyMeterIsRemovedOnceEverySessionEnded() {
        assertThat(registry.getMeters()).isEmpty();
        assertThat(SharedMeters.metersInUse(registry)).isZero();
    }
}
