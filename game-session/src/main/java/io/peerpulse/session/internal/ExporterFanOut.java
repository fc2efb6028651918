package io.peerpulse.session.internal;

import org.jspecify.annotations.Nullable;

import io.peerpulse.session.ConnectionEvent;
import io.peerpulse.session.GameSession;
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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * One session's exporters, each behind its own {@link ExporterChannel}. The methods that queue a call run under the
 * session's lock and add to {@code toStart} the channels whose drain the caller must {@link #startDrains start} after
 * releasing it; only samples are ever dropped.
 */
public final class ExporterFanOut {

    private static final System.Logger LOG = System.getLogger(ExporterFanOut.class.getName());

    private final List<ExporterChannel> channels;

    private ExporterFanOut(List<ExporterChannel> channels) {
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
     * @param givenKeys the keys the caller set (not system properties), checked by {@link Providers#checkKeys}, which
     *                  also logs mistyped system properties
     * @param executors runs the calls of the exporters of a provider name
     * @param nanoClock the session's monotonic clock, for the JVM-wide rate limit of log lines ({@link FaultLog})
     * @return the exporters
     */
    public static ExporterFanOut create(String sessionId, @Nullable List<? extends SessionExporterProvider> providers,
                                        @Nullable List<String> names, ExportSettings settings,
                                        java.util.Collection<String> givenKeys,
                                        Function<String, Executor> executors, LongSupplier nanoClock) {
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
        Providers.checkKeys(givenKeys, available, System.getProperties().stringPropertyNames());
        List<ExporterChannel> channels = new ArrayList<>();
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
                brokenPlugin(name, provider, names != null, faults, safe.toString(), safe);
                return;
            }
            if (exporter == null) {
                brokenPlugin(name, provider, names != null, faults, "create() answered null", null);
            } else {
                channels.add(new ExporterChannel(name, sessionId, exporter, executors.apply(name),
                        GameSession.MAX_QUEUED_EXPORTER_CALLS, faults));
            }
        });
        return new ExporterFanOut(List.copyOf(channels));
    }

    /** An exporter that cannot be created: named explicitly, it fails; selected by default, it is logged. */
    private static void brokenPlugin(String name, SessionExporterProvider provider, boolean explicit, FaultLog faults,
                                     String why, @Nullable Throwable cause) {
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
     * Waits in real time until every exporter finished {@code sessionEnded}, at most until {@code deadline}
     * ({@link SerialQueue#awaitUntil}); an exporter still running then is logged and left to finish on its own.
     *
     * @param timeout the exporter timeout, for the log line
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
            ExporterChannel channel = channels.get(i);
            SerialQueue.awaitUntil(done.get(i), deadline, () -> channel.hung("did not finish sessionEnded within"
                    + " the exporter timeout " + timeout + "; close() returns without waiting for it"));
        }
    }
}
