package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import io.peerpulse.session.core.EventLog;
import io.peerpulse.session.core.EventLogProvider;
import io.peerpulse.session.core.SessionConfig;
import io.peerpulse.session.core.SessionCore;
import io.peerpulse.session.core.SessionStart;
import io.peerpulse.session.internal.Bulkheads;
import io.peerpulse.session.internal.ExporterFanOut;
import io.peerpulse.session.internal.SharedExecutor;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.TelemetryOptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.Iterator;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;

/** The one {@link GameSession.Builder}: setters store, {@link #build()} validates through {@link SessionConfig}. */
final class SessionBuilder implements GameSession.Builder {

    private final String sessionId;
    private @Nullable String playerId;
    private TelemetryOptions telemetryOptions = TelemetryOptions.defaults();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Map<Class<?>, Object> attributes = new LinkedHashMap<>();
    private @Nullable List<String> exporterNames;
    private boolean exporterNamesNull;
    private @Nullable List<? extends SessionExporterProvider> providers;
    private boolean providersSet;
    private @Nullable Executor executor;
    private boolean executorSet;
    private Duration exporterTimeout = GameSession.DEFAULT_EXPORTER_TIMEOUT;
    private Duration fairFrom = GameSession.DEFAULT_FAIR_FROM;
    private Duration poorFrom = GameSession.DEFAULT_POOR_FROM;
    private int recentSamples = GameSession.DEFAULT_RECENT_SAMPLES;
    private int toleratedBadPolls = GameSession.DEFAULT_TOLERATED_BAD_POLLS;
    private int gapAfterPolls = GameSession.DEFAULT_GAP_AFTER_POLLS;
    private Duration fallbackAfter = GameSession.DEFAULT_FALLBACK_AFTER;
    private @Nullable Path journalDirectory;
    private boolean journalEnabled = true;
    private @Nullable Boolean journalFsync;

    SessionBuilder(String sessionId) {
        this.sessionId = sessionId;
    }

    @Override
    public GameSession.Builder playerId(String playerId) {
        this.playerId = playerId;
        return this;
    }

    @Override
    public GameSession.Builder telemetryOptions(TelemetryOptions options) {
        this.telemetryOptions = options;
        return this;
    }

    @Override
    public GameSession.Builder exportSetting(String key, String value) {
        settings.put(key, value);
        return this;
    }

    @Override
    public <T> GameSession.Builder exportAttribute(Class<T> type, T value) {
        attributes.put(type, value);
        return this;
    }

    @Override
    public GameSession.Builder exporters(String... names) {
        this.exporterNamesNull = names == null;
        this.exporterNames = names == null ? null : new ArrayList<>(Arrays.asList(names));
        return this;
    }

    @Override
    public GameSession.Builder exporterProviders(List<? extends SessionExporterProvider> providers) {
        this.providers = providers == null ? null : new ArrayList<>(providers);
        this.providersSet = true;
        return this;
    }

    @Override
    public GameSession.Builder executor(Executor executor) {
        this.executor = executor;
        this.executorSet = true;
        return this;
    }

    @Override
    public GameSession.Builder exporterTimeout(Duration timeout) {
        this.exporterTimeout = timeout;
        return this;
    }

    @Override
    public GameSession.Builder qualityThresholds(Duration fairFrom, Duration poorFrom) {
        this.fairFrom = fairFrom;
        this.poorFrom = poorFrom;
        return this;
    }

    @Override
    public GameSession.Builder qualityRecentSamples(int samples) {
        this.recentSamples = samples;
        return this;
    }

    @Override
    public GameSession.Builder toleratedBadPolls(int polls) {
        this.toleratedBadPolls = polls;
        return this;
    }

    @Override
    public GameSession.Builder gapAfterPolls(int polls) {
        this.gapAfterPolls = polls;
        return this;
    }

    @Override
    public GameSession.Builder fallbackAfter(Duration after) {
        this.fallbackAfter = after;
        return this;
    }

    @Override
    public GameSession.Builder journalDirectory(Path directory) {
        this.journalDirectory = directory;
        return this;
    }

    @Override
    public GameSession.Builder journal(boolean enabled) {
        this.journalEnabled = enabled;
        return this;
    }

    @Override
    public GameSession.Builder journalFsync(boolean fsync) {
        this.journalFsync = fsync;
        return this;
    }

    @Override
    public GameSession build() {
        // The telemetry's log lines name the session unless the caller named it.
        TelemetryOptions options = telemetryOptions != null && telemetryOptions.name().isEmpty() && sessionId != null
                && !sessionId.isBlank() ? withName(telemetryOptions, sessionId) : telemetryOptions;
        SessionConfig config = new SessionConfig(sessionId, playerId, options, exporterTimeout,
                fairFrom, poorFrom, recentSamples, toleratedBadPolls, gapAfterPolls, fallbackAfter);
        if (exporterNamesNull) {
            throw new IllegalArgumentException("exporters must not be null; call exporters() for none");
        }
        if (providersSet && providers == null) {
            throw new IllegalArgumentException("exporterProviders must not be null");
        }
        if (executorSet && executor == null) {
            throw new IllegalArgumentException("executor must not be null");
        }
        Map<String, String> journalSettings = new LinkedHashMap<>(settings);
        if (journalDirectory != null) {
            journalSettings.put(EventLogProvider.DIRECTORY_SETTING, journalDirectory.toString());
        }
        if (journalFsync != null) {
            journalSettings.put(EventLogProvider.FSYNC_SETTING, journalFsync.toString());
        }
        ExportSettings exportSettings = ExportSettings.of(settings, attributes);
        Executor own = executor;
        Executor runner = own != null ? own : SharedExecutor.get();
        // On the shared pool each exporter plugin holds at most half its threads (a stuck one cannot take all).
        Function<String, Executor> exporterRunners = own != null ? name -> own : Bulkheads.shared()::forPlugin;
        // Exporters first: a bad setting fails build() before anything (the journal) is opened.
        ExporterFanOut exporters = ExporterFanOut.create(sessionId, providersSet ? providers : null,
                exporterNames, exportSettings, exporterRunners, GameSession.MAX_QUEUED_EXPORTER_CALLS,
                () -> options.nanoClock().getAsLong() / 1_000_000); // rate limits on the monotonic clock
        long startMs = options.clock().millis();
        SessionStart start = new SessionStart(startMs, options.nanoClock().getAsLong(),
                startMs - System.currentTimeMillis());
        EventLog log = journalEnabled ? openJournal(config, start, ExportSettings.of(journalSettings, attributes))
                : EventLog.NONE;
        GameSession session = GameSession.create(new SessionCore(config, start, exporters, runner, log));
        exporters.started();
        return session;
    }

    /**
     * The journal the settings ask for, from the journal module found with {@link ServiceLoader}; or none. A
     * broken provider is skipped (logged); two are refused, naming both.
     */
    private static EventLog openJournal(SessionConfig config, SessionStart start, ExportSettings settings) {
        Optional<String> directory = settings.get(EventLogProvider.DIRECTORY_SETTING);
        if (directory.isEmpty()) {
            return EventLog.NONE;
        }
        List<EventLogProvider> found = new ArrayList<>();
        Iterator<EventLogProvider> providers = ServiceLoader.load(EventLogProvider.class,
                SessionBuilder.class.getClassLoader()).iterator();
        while (true) {
            try {
                if (!providers.hasNext()) {
                    break;
                }
                found.add(providers.next());
            } catch (ServiceConfigurationError broken) {
                System.getLogger(GameSession.class.getName()).log(System.Logger.Level.WARNING,
                        "a session journal provider could not be loaded: " + broken.getMessage(), broken);
            }
        }
        if (found.size() > 1) {
            throw new IllegalStateException("two session journals are present: " + found.get(0).getClass().getName()
                    + " and " + found.get(1).getClass().getName() + "; keep one io.peerpulse:session-journal");
        }
        if (found.isEmpty()) {
            throw new IllegalStateException(EventLogProvider.DIRECTORY_SETTING + " is set ('" + directory.get()
                    + "'), but no session journal is present: add the artifact io.peerpulse:session-journal (module"
                    + " io.peerpulse.session.journal) to the module or class path, or turn the journal off with"
                    + " GameSession.Builder.journal(false)");
        }
        return found.get(0).open(config, start, settings).orElse(EventLog.NONE);
    }

    /** The options with a name for the telemetry's log lines; the caller's options when the id is no valid name. */
    private static TelemetryOptions withName(TelemetryOptions options, String sessionId) {
        try {
            return options.toBuilder().name(sessionId).build();
        } catch (IllegalArgumentException notAName) {
            return options;
        }
    }
}
