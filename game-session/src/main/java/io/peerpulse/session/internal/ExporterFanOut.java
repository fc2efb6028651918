package io.peerpulse.session.internal;

import org.jspecify.annotations.Nullable;

import io.peerpulse.session.ConnectionEvent;
import io.peerpulse.session.PathChange;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.shared.FaultLog;
import io.peerpulse.telemetry.shared.Redaction;
import io.peerpulse.telemetry.shared.Plugins;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * One session's exporters, each behind its own {@link ExporterChannel}. The methods that queue a call run under the
 * session's lock and add to {@code toStart} the channels whose drain the caller must {@link #startDrains start} after
 * releasing it; only samples are ever dropped.
 */
public final class ExporterFanOut {

    private static final System.Logger LOG = System.getLogger(ExporterFanOut.class.getName());

    private final String sessionId;
    private final List<ExporterChannel> channels;

    private ExporterFanOut(String sessionId, List<ExporterChannel> channels) {
        this.sessionId = sessionId;
        this.channels = channels;
    }

    /**
     * Selects the providers and creates their exporters, failing or leaving out one that cannot be created as
     * {@code GameSession.Builder.build()} says.
     *
     * @param sessionId the session's id
     * @param providers the providers to choose from, {@code null} for those ServiceLoader finds
     * @param names     the names selected, {@code null} for all
     * @param settings  the exporters' settings
     * @param givenKeys the keys the caller set (not system properties), checked by {@link #checkKeys}, which
     *                  also logs mistyped system properties
     * @param executors runs the calls of the exporters of a provider name
     * @param maxQueued sample calls are dropped while this many wait for one exporter
     * @param nanoClock the session's monotonic clock, for the JVM-wide rate limit of log lines ({@link FaultLog})
     * @return the exporters
     */
    public static ExporterFanOut create(String sessionId, @Nullable List<? extends SessionExporterProvider> providers,
                                        @Nullable List<String> names, ExportSettings settings,
                                        java.util.Collection<String> givenKeys,
                                        Function<String, Executor> executors, int maxQueued, LongSupplier nanoClock) {
        FaultLog faults = new FaultLog(LOG, nanoClock, "session '" + sessionId + "'", "sessions");
        List<? extends SessionExporterProvider> available;
        String notLoaded = "";
        if (providers != null) {
            available = providers;
        } else {
            Plugins.Loaded<SessionExporterProvider> found = Providers.discover();
            available = found.providers();
            notLoaded = found.notLoaded();
        }
        Map<String, SessionExporterProvider> selected = Providers.select(available, names, notLoaded);
        checkKeys(givenKeys, available, System.getProperties().stringPropertyNames());
        Map<String, SessionExporter> created = new LinkedHashMap<>();
        selected.forEach((name, provider) -> {
            SessionExporter exporter;
            try {
                exporter = provider.create(settings);
            } catch (IllegalArgumentException badSetting) {
                // a configuration error: fail fast, naming the exporter and (in its message) the setting
                throw new IllegalArgumentException("exporter '" + name + "': " + badSetting.getMessage(), badSetting);
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable t) {
                Throwable safe = Redaction.redactThrown(t); // a plugin's message may quote a server or a peer
                brokenPlugin(name, provider, names != null, sessionId, faults, safe.toString(), safe);
                return;
            }
            if (exporter == null) {
                brokenPlugin(name, provider, names != null, sessionId, faults, "create() answered null", null);
            } else {
                created.put(name, exporter);
            }
        });
        List<ExporterChannel> channels = new ArrayList<>();
        created.forEach((name, exporter) -> channels.add(
                new ExporterChannel(name, sessionId, exporter, executors.apply(name), maxQueued, faults)));
        return new ExporterFanOut(sessionId, List.copyOf(channels));
    }

    /**
     * Refuses a {@code peerpulse.*} session setting that nothing reads, and logs such a system property, by the
     * rule of game-session's README ("Writing an exporter"). One of PeerPulse's own providers, from its own module,
     * that declares no key reads none (the {@code jfr} exporter); another that declares none leaves its prefix open.
     *
     * @param givenKeys        the keys of the session's settings
     * @param available        the providers found
     * @param systemProperties the names of the system properties
     * @throws IllegalArgumentException naming the key and why, with the closest known key when it is a typo
     */
    static void checkKeys(java.util.Collection<String> givenKeys, List<? extends SessionExporterProvider> available,
                          java.util.Collection<String> systemProperties) {
        java.util.Set<String> known = new java.util.TreeSet<>(SESSION_KEYS);
        java.util.Set<String> openPrefixes = new java.util.HashSet<>();
        java.util.Set<String> readingNone = new java.util.HashSet<>();
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (SessionExporterProvider provider : available) {
            String name;
            try {
                name = provider.name();
            } catch (RuntimeException broken) {
                continue; // a broken plugin without a name (the catalog logs it): no prefix is its own
            }
            names.add(name);
            java.util.Set<String> keys;
            try {
                keys = provider.settingKeys();
            } catch (RuntimeException broken) {
                keys = java.util.Set.of(); // a broken plugin: its prefix stays unchecked
            }
            if ((keys == null || keys.isEmpty()) && Providers.isOwn(name)
                    && provider.getClass().getPackageName().startsWith("io.peerpulse.export." + name)) {
                // one of ours, from its own module (not an application's wrapper of it), declaring no key reads
                // none: any key of it is a mistake
                readingNone.add(name);
            } else if (keys == null || keys.isEmpty()) {
                openPrefixes.add("peerpulse.export." + name + ".");
            } else {
                known.addAll(keys);
            }
        }
        for (String key : givenKeys) {
            String problem = problem(key, known, openPrefixes, readingNone, names);
            if (problem != null) {
                throw new IllegalArgumentException("exportSetting '" + key + "' " + problem);
            }
        }
        for (String property : systemProperties) {
            String plain = property.strip().toLowerCase(java.util.Locale.ROOT);
            if (givenKeys.contains(property) || property.equals(SharedExecutor.MAX_THREADS_PROPERTY)
                    || SESSION_NAMESPACES.stream().noneMatch(plain::startsWith)) {
                continue;
            }
            String problem = problem(property, known, openPrefixes, readingNone, names);
            if (problem != null && WARNED_PROPERTIES.add(property)) {
                LOG.log(Level.WARNING, "system property '" + property + "' " + problem + "; it is ignored");
            }
        }
    }

    /** @return what is wrong with a {@code peerpulse.*} key, after "the key", or {@code null} when nothing is */
    private static @Nullable String problem(String key, java.util.Set<String> known, java.util.Set<String> openPrefixes,
                                            java.util.Set<String> readingNone, java.util.Set<String> names) {
        // "PeerPulse.export…" or " peerpulse.export…" is a mistyped key of ours, not another namespace
        String plain = key.strip().toLowerCase(java.util.Locale.ROOT);
        if (!plain.startsWith("peerpulse.") || known.contains(key)
                || openPrefixes.stream().anyMatch(key::startsWith)) {
            return null;
        }
        if (key.equals(SharedExecutor.MAX_THREADS_PROPERTY)) {
            return "is a system property, read once for the whole JVM when the shared pool is first used, not a"
                    + " session setting: give it to java as -D" + key + "=…";
        }
        String exporter = key.startsWith(EXPORT_PREFIX) && key.indexOf('.', EXPORT_PREFIX.length()) > 0
                ? key.substring(EXPORT_PREFIX.length(), key.indexOf('.', EXPORT_PREFIX.length())) : null;
        if (exporter != null && readingNone.contains(exporter)) {
            return "is read by no exporter found and not by the session: the " + exporter + " exporter reads no setting";
        }
        if (exporter != null && !names.contains(exporter) && Providers.isOwn(exporter)) {
            // not a typo: that exporter is missing, and a key of another is no answer
            return "is for the " + exporter + " exporter, which was not found (exporters found: "
                    + (names.isEmpty() ? "none" : String.join(", ", names)) + "). " + Providers.howToAdd(exporter);
        }
        String closest = null;
        int best = Integer.MAX_VALUE;
        for (String candidate : known) {
            // an abbreviation ("…json.dir") means the key it starts, before any nearer by letters ("…jsonl.file")
            int distance = candidate.startsWith(plain) ? -1 : distance(plain, candidate);
            if (distance < best) {
                best = distance;
                closest = candidate;
            }
        }
        return "is read by no exporter found and not by the session"
                + (closest == null ? "" : "; did you mean '" + closest + "'?")
                + " (known keys: " + String.join(", ", known) + ")";
    }

    /** The namespaces of the session's own system properties, checked for mistypes (others are other code's). */
    private static final List<String> SESSION_NAMESPACES = List.of("peerpulse.export.", "peerpulse.journal.",
            "peerpulse.session.");

    /** The system properties already logged as mistyped: each once for the JVM. */
    private static final java.util.Set<String> WARNED_PROPERTIES = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final String EXPORT_PREFIX = "peerpulse.export.";

    /** The session's own keys: the journal's. */
    private static final java.util.Set<String> SESSION_KEYS = java.util.Set.of(
            io.peerpulse.session.core.EventLogProvider.DIRECTORY_SETTING,
            io.peerpulse.session.core.EventLogProvider.FSYNC_SETTING);

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** An exporter that cannot be created: named explicitly, it fails; selected by default, it is logged. */
    private static void brokenPlugin(String name, SessionExporterProvider provider, boolean explicit, String sessionId,
                                     FaultLog faults, String why, @Nullable Throwable cause) {
        String what = "exporter '" + name + "' (" + provider.getClass().getName() + ") could not be created: " + why;
        if (explicit) {
            throw new IllegalStateException(what, cause);
        }
        faults.report("exporter '" + name + "'", "could not be created",
                () -> "could not be created (" + provider.getClass().getName() + ": " + why
                        + ") and is left out of the session", cause);
    }

    /**
     * How many of the exporters are stuck: their oldest unfinished call has been running or waiting longer
     * than {@code timeout} (each logged at WARNING the first time).
     *
     * @param timeout the exporter timeout
     * @return the count
     */
    public long stuckCount(Duration timeout) {
        long now = System.nanoTime();
        return channels.stream().filter(channel -> channel.stuck(now, timeout)).count();
    }

    /** @return the exporters' names, in call order */
    public List<String> names() {
        return channels.stream().map(ExporterChannel::name).toList();
    }

    /** @return sample calls dropped because an exporter fell behind, over all exporters */
    public long dropped() {
        return channels.stream().mapToLong(ExporterChannel::dropped).sum();
    }

    /** Tells every exporter the session started; not under a lock. */
    public void started() {
        List<ExporterChannel> toStart = new ArrayList<>();
        notice("sessionStarted", (exporter, id) -> exporter.sessionStarted(id), toStart);
        startDrains(toStart);
    }

    /** Queues {@code sampleRecorded} for every exporter; dropped for one that is far behind. */
    public void sample(RttSample sample, List<ExporterChannel> toStart) {
        for (ExporterChannel channel : channels) {
            if (channel.enqueueSample(sample)) {
                toStart.add(channel);
            }
        }
    }

    /** Queues {@code qualityChanged} for every exporter. */
    public void quality(QualityChange change, List<ExporterChannel> toStart) {
        notice("qualityChanged", (exporter, id) -> exporter.qualityChanged(id, change), toStart);
    }

    /** Queues {@code connectionChanged} for every exporter. */
    public void connection(ConnectionEvent event, List<ExporterChannel> toStart) {
        notice("connectionChanged", (exporter, id) -> exporter.connectionChanged(id, event), toStart);
    }

    /** Queues {@code sourceChanged} for every exporter. */
    public void source(String sourceName, List<ExporterChannel> toStart) {
        notice("sourceChanged", (exporter, id) -> exporter.sourceChanged(id, sourceName), toStart);
    }

    /** Queues {@code pathChanged} for every exporter. */
    public void path(PathChange change, List<ExporterChannel> toStart) {
        notice("pathChanged", (exporter, id) -> exporter.pathChanged(id, change), toStart);
    }

    /** Queues one call, never dropped, for every exporter. */
    private void notice(String method, ExporterChannel.Notice notice, List<ExporterChannel> toStart) {
        for (ExporterChannel channel : channels) {
            if (channel.enqueueNotice(method, notice)) {
                toStart.add(channel);
            }
        }
    }

    /**
     * Queues {@code sessionEnded} for every exporter, after its last sample.
     *
     * @return one future per exporter, completed when its {@code sessionEnded} returned or threw
     */
    public List<CompletableFuture<Void>> ended(SessionReport report, List<ExporterChannel> toStart) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (ExporterChannel channel : channels) {
            CompletableFuture<Void> finished = new CompletableFuture<>();
            done.add(finished);
            if (channel.enqueueEnded(report, finished)) {
                toStart.add(channel);
            }
        }
        return done;
    }

    /** Starts the drains the queuing methods asked for; after the session's lock. */
    public static void startDrains(List<ExporterChannel> toStart) {
        toStart.forEach(ExporterChannel::startDrain);
    }

    /**
     * Waits in real time until every exporter finished {@code sessionEnded}, at most {@code timeout} in
     * all; an exporter still running then is logged and left to finish on its own.
     */
    public void await(List<CompletableFuture<Void>> done, Duration timeout) {
        await(done, timeout, System.nanoTime() + timeout.toNanos());
    }

    /**
     * Like {@link #await(List, Duration)}, until {@code deadline} ({@link System#nanoTime()}): already past, it only
     * logs the exporters still running.
     */
    public void await(List<CompletableFuture<Void>> done, Duration timeout, long deadline) {
        for (int i = 0; i < done.size(); i++) {
            if (channels.get(i).callingNow()) {
                // close() from this exporter's own call: its sessionEnded runs once this call returns. Reached when
                // GameSession.close() was called from an exporter call and its exporter-timeout timer fired before
                // close() registered what logs the late ones: that then runs here, on the exporter's thread (with
                // a 1 ns timeout in 265 of 400 closes); inCallback() does not cover this path
                continue;
            }
            try {
                done.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                channels.get(i).hung("did not finish sessionEnded within the exporter timeout " + timeout
                        + "; close() returns without waiting for it");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.log(Level.WARNING, () -> "close() of session '" + sessionId
                        + "' was interrupted while waiting for its exporters");
                return;
            } catch (ExecutionException e) {
                // never: the futures are only completed normally
            }
        }
    }
}
