package io.peerpulse.export.micrometer.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.telemetry.RttSample;
import org.jspecify.annotations.Nullable;

/**
 * One session's Micrometer exporter: leases the shared meters when the session starts, records every
 * sample into the RTT timer, moves the session between the quality gauges as its quality changes, adds the
 * session's poll counts and time in each quality when it ends and releases the meters.
 */
final class MicrometerExporter implements SessionExporter {

    private final MeterRegistry registry;
    private final MicrometerSettings settings;
    /** Guarded by {@code this}; calls never overlap, the lock only publishes across the session's threads. */
    private SharedMeters.@Nullable Lease lease;
    private boolean ended;

    /**
     * @param registry where the meters go
     * @param settings the session's checked settings
     */
    MicrometerExporter(MeterRegistry registry, MicrometerSettings settings) {
        this.registry = registry;
        this.settings = settings;
    }

    @Override
    public synchronized void sessionStarted(String sessionId) {
        if (lease == null && !ended) {
            lease = SharedMeters.acquire(registry, settings);
        }
    }

    @Override
    public void sampleRecorded(String sessionId, RttSample sample) {
        SharedMeters.Lease current;
        synchronized (this) {
            current = lease;
        }
        if (current != null) {
            current.record(sample.rttMs());
        }
    }

    @Override
    public void qualityChanged(String sessionId, QualityChange change) {
        SharedMeters.Lease current;
        synchronized (this) {
            current = lease;
        }
        if (current != null) {
            current.quality(change.current());
        }
    }

    @Override
    public void sessionEnded(SessionReport report) {
        SharedMeters.Lease current;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            // sessionStarted failed (the registry refused a meter): try once more, so the counts are not lost
            current = lease != null ? lease : SharedMeters.acquire(registry, settings);
            lease = null;
        }
        try {
            current.count(report.validationData().counters());
            current.time(report.multiplayerMetrics().qualitySummary());
        } finally {
            current.release();
        }
    }

    @Override
    public String toString() {
        return "MicrometerExporter[" + registry.getClass().getSimpleName() + ", " + settings + "]";
    }
}
