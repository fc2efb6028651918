package io.peerpulse.export.jfr.internal;

import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;

/**
 * The {@code jfr} provider: a {@link JfrExporter} for every session. It reads no setting; which events are
 * recorded is the recording's choice (its settings, e.g. {@code jfr configure} or {@code Recording.enable}).
 *
 * @since 0.1.0
 */
public final class JfrExporterProvider implements SessionExporterProvider {

    /** The exporter's name. */
    static final String NAME = "jfr";

    /**
     * Called by {@link java.util.ServiceLoader}.
     *
     * @since 0.1.0
     */
    public JfrExporterProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SessionExporter create(ExportSettings settings) {
        return new JfrExporter();
    }
}
