package io.peerpulse.export.micrometer.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;

/**
 * The exporter named {@code micrometer}: records every RTT sample of a session into the
 * {@link MeterRegistry} given as the session's {@code exportAttribute(MeterRegistry.class, …)}, else
 * into {@link Metrics#globalRegistry}. Found with {@link java.util.ServiceLoader}; the module's README
 * lists the meters and the settings ({@code peerpulse.export.micrometer.*}).
 *
 * @since 0.1.0
 */
public final class MicrometerExporterProvider implements SessionExporterProvider {

    /**
     * The provider's name.
     *
     * @since 0.1.0
     */
    public static final String NAME = "micrometer";

    /**
     * Called by {@link java.util.ServiceLoader}.
     *
     * @since 0.1.0
     */
    public MicrometerExporterProvider() {
    }

    /**
     * @return {@value #NAME}
     * @since 0.1.0
     */
    @Override
    public java.util.Set<String> settingKeys() {
        return java.util.Set.of(MicrometerSettings.TAGS, MicrometerSettings.HISTOGRAM, MicrometerSettings.SLO,
                MicrometerSettings.KEEP_METERS);
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Checks the settings and makes the session's exporter; it registers nothing until the session
     * starts.
     *
     * @param settings the session's export settings
     * @return a new exporter
     * @throws IllegalArgumentException naming the setting when a {@code peerpulse.export.micrometer.*}
     *                                  value is bad
     * @since 0.1.0
     */
    @Override
    public SessionExporter create(ExportSettings settings) {
        MicrometerSettings parsed = MicrometerSettings.from(settings);
        MeterRegistry registry = settings.attribute(MeterRegistry.class).orElse(Metrics.globalRegistry);
        return new MicrometerExporter(registry, parsed);
    }

    @Override
    public String toString() {
        return "SessionExporterProvider[" + NAME + "]";
    }
}
