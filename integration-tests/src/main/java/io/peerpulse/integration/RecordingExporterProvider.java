package io.peerpulse.integration;

import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.RttSample;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test exporter found by ServiceLoader: through {@code provides} on the module path and through
 * {@code META-INF/services} on the class path. It records every call per session.
 */
public final class RecordingExporterProvider implements SessionExporterProvider {

    /** Calls by session id, in order: "started", "sample", "ended". */
    public static final Map<String, List<String>> CALLS = new ConcurrentHashMap<>();
    /** The reports handed to sessionEnded, by session id. */
    public static final Map<String, SessionReport> REPORTS = new ConcurrentHashMap<>();
    private static final Map<String, CompletableFuture<RttSample>> FIRST_SAMPLES = new ConcurrentHashMap<>();

    /** Called by ServiceLoader. */
    public RecordingExporterProvider() {
    }

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public SessionExporter create(ExportSettings settings) {
        return new SessionExporter() {
            @Override
            public void sessionStarted(String sessionId) {
                calls(sessionId).add("started");
            }

            @Override
            public void sampleRecorded(String sessionId, RttSample sample) {
                calls(sessionId).add("sample");
                firstSample(sessionId).complete(sample);
            }

            @Override
            public void sessionEnded(SessionReport report) {
                String id = report.sessionMetrics().sessionId();
                calls(id).add("ended");
                REPORTS.put(id, report);
            }
        };
    }

    /**
     * Completed with the first sample a session's exporter receives: a test waits on it, bounded.
     *
     * @param sessionId the session
     * @return the future of its first sample
     */
    public static CompletableFuture<RttSample> firstSample(String sessionId) {
        return FIRST_SAMPLES.computeIfAbsent(sessionId, id -> new CompletableFuture<>());
    }

    private static List<String> calls(String sessionId) {
        return CALLS.computeIfAbsent(sessionId, id -> new CopyOnWriteArrayList<>());
    }
}
