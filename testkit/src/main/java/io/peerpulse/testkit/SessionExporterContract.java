package io.peerpulse.testkit;

import io.peerpulse.virtualtime.VirtualScheduler;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.spi.RttReading;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link SessionExporterProvider} and its {@link SessionExporter}s must keep; an
 * exporter plugin's own test extends this class.
 *
 * <pre>{@code
 * class JsonExporterContractTest extends SessionExporterContract {
 *     @TempDir Path dir;
 *
 *     @Override
 *     protected SessionExporterProvider createProvider() {
 *         return new JsonExporterProvider();
 *     }
 *
 *     @Override
 *     protected ExportSettings exportSettings() {
 *         return ExportSettings.of(Map.of("peerpulse.export.json.directory", dir.toString()), Map.of());
 *     }
 *
 *     @Override
 *     protected void verifyExport(SessionReport report) {
 *         assertThat(dir.resolve(report.sessionMetrics().sessionId() + ".json")).exists();
 *     }
 * }
 * }</pre>
 *
 * <p>The reports handed to the exporter are real: made by a {@link GameSession} driven in virtual
 * time ({@link #reportWithoutSamples(String)}, {@link #fullReport(String)}). Every call to the exporter
 * runs on a helper thread and must return within {@link #callTimeout()}, so a hanging exporter fails
 * the contract instead of hanging the build; what a call throws fails it too, with the exception as
 * cause. To skip a check that cannot apply, override its method and annotate it with
 * {@code @Disabled("why")}.
 *
 * @since 0.1.0
 */
public abstract class SessionExporterContract {

    private static final int SAMPLES = 40;

    /**
     * For subclasses.
     *
     * @since 0.1.0
     */
    protected SessionExporterContract() {
    }

    /**
     * Creates the provider under test, fresh for each test.
     *
     * @return the provider
     * @throws Exception when it cannot be set up
     * @since 0.1.0
     */
    protected abstract SessionExporterProvider createProvider() throws Exception;

    /**
     * The settings handed to {@link SessionExporterProvider#create(ExportSettings)}; default none
     * (system properties still answer).
     *
     * @return the settings
     * @since 0.1.0
     */
    protected ExportSettings exportSettings() {
        return ExportSettings.of(Map.of(), Map.of());
    }

    /**
     * How long one call to the exporter may take; default 10 s.
     *
     * @return a positive duration
     * @since 0.1.0
     */
    protected Duration callTimeout() {
        return Duration.ofSeconds(10);
    }

    /**
     * Checks what the exporter made of a report, after its {@code sessionEnded} returned; does
     * nothing by default.
     *
     * @param report the report it was given
     * @throws Exception when the check cannot run
     * @since 0.1.0
     */
    protected void verifyExport(SessionReport report) throws Exception {
    }

    /**
     * The provider's name is a lower-case token: letters, digits, {@code -} and {@code _}.
     *
     * @throws Exception when the provider cannot be created
     * @since 0.1.0
     */
    @Test
    @DisplayName("the provider's name is a lower-case token")
    public void providerNameIsALowerCaseToken() throws Exception {
        SessionExporterProvider provider = provider();
        String name = get("name()", provider::name);
        if (name == null || !io.peerpulse.telemetry.shared.Plugins.NAME.matcher(name).matches()) {
            fail("the provider's name() is %s: it must be a lower-case token (letters, digits, '-', '_'),"
                    + " e.g. \"json\", since sessions select exporters by it", name == null ? "null" : "'" + name + "'");
        }
    }

    /**
     * {@code settingKeys()} declares every setting under {@code peerpulse.export.<name>.} that the exporter reads
     * (in {@code create}, {@code sessionStarted} or {@code sessionEnded}), unless it declares none: a
     * {@code GameSession}'s {@code build()} refuses an {@code exportSetting} under that prefix that
     * {@code settingKeys()} does not name (and logs such a system property at WARNING as a mistype).
     *
     * @throws Exception when the provider cannot be created
     * @since 0.1.0
     */
    @Test
    @DisplayName("settingKeys() declares every setting the exporter reads")
    public void settingKeysDeclareEverySettingTheExporterReads() throws Exception {
        SessionExporterProvider provider = provider();
        String name = get("name()", provider::name);
        java.util.Set<String> declared = get("settingKeys()", provider::settingKeys);
        if (declared == null || declared.isEmpty()) {
            return; // a session leaves the prefix unchecked
        }
        String prefix = "peerpulse.export." + name + ".";
        java.util.Set<String> read = java.util.concurrent.ConcurrentHashMap.newKeySet();
        ExportSettings given = exportSettings();
        ExportSettings recording = new ExportSettings() {
            @Override
            public java.util.Optional<String> get(String key) {
                read.add(key);
                return given.get(key);
            }

            @Override
            public <T> java.util.Optional<T> attribute(Class<T> type) {
                return given.attribute(type);
            }
        };
        SessionExporter exporter = get("create(settings)", () -> provider.create(recording));
        if (exporter == null) {
            fail("create(settings) answered null: it must answer an exporter, or throw when it cannot make one");
        }
        SessionReport report = reportWithoutSamples("contract-settings");
        call("sessionStarted", () -> exporter.sessionStarted("contract-settings"));
        call("sessionEnded with a report whose latency is null", () -> exporter.sessionEnded(report));
        List<String> undeclared = read.stream().filter(key -> key.startsWith(prefix) && !declared.contains(key))
                .sorted().toList();
        if (!undeclared.isEmpty()) {
            fail("the exporter read the setting %s, which settingKeys() %s does not declare: a GameSession's build()"
                    + " refuses an exportSetting under '%s' that settingKeys() does not name (and logs a -D system"
                    + " property of it as a mistype), so no user can set it. Add it to settingKeys()",
                    String.join(", ", undeclared),
                    new java.util.TreeSet<>(declared), prefix);
        }
    }

    /**
     * {@code create(settings)} answers an exporter, a new one for every session.
     *
     * @throws Exception when the provider cannot be created
     * @since 0.1.0
     */
    @Test
    @DisplayName("create() answers a new exporter for every session")
    public void createAnswersANewExporterForEverySession() throws Exception {
        SessionExporterProvider provider = provider();
        SessionExporter first = create(provider);
        SessionExporter second = create(provider);
        if (second == first) {
            // `return report -> write(report);` looks like a new exporter per call, but a lambda that captures
            // nothing is made once and reused
            fail("create() called twice answered the same exporter (%s): each session needs its own%s",
                    first.getClass().getName(), first.getClass().isSynthetic() || first.getClass().isHidden()
                            ? ". It is a lambda that captures nothing, which Java makes once and reuses: return a new"
                            + " instance of a class of your own (or a lambda capturing the settings)" : "");
        }
    }

    /**
     * A session that never measured: {@code sessionStarted} then {@code sessionEnded} with every
     * {@code latency} {@code null}.
     *
     * @throws Exception when the provider cannot be created
     * @since 0.1.0
     */
    @Test
    @DisplayName("sessionEnded accepts a report without samples (latency null)")
    public void sessionEndedAcceptsAReportWithoutSamples() throws Exception {
        SessionReport report = reportWithoutSamples("contract-empty");
        SessionExporter exporter = create(provider());
        call("sessionStarted", () -> exporter.sessionStarted("contract-empty"));
        call("sessionEnded with a report whose latency is null", () -> exporter.sessionEnded(report));
        verifyExport(report);
    }

    /**
     * A full session in the documented order: {@code sessionStarted}; every {@code sampleRecorded} with the
     * source, connection, path and quality changes among them, as a session calls them; then
     * {@code sessionEnded} with rounds, a reconnection, path and quality changes and gaps.
     *
     * @throws Exception when the provider cannot be created
     * @since 0.1.0
     */
    @Test
    @DisplayName("a full session in the documented order works")
    public void aFullSessionInTheDocumentedOrderWorks() throws Exception {
        runFullSession(create(provider()), "contract-full");
    }

    /**
     * Two sessions' exporters from the same provider work at the same time on two threads. The wait for each
     * session is bounded by {@link #callTimeout()} for each of its calls (52) and one more.
     *
     * @throws Exception when the provider cannot be created
     * @since 0.1.0
     */
    @Test
    @DisplayName("two sessions' exporters work at the same time")
    public void twoSessionsAtTheSameTimeWork() throws Exception {
        SessionExporterProvider provider = provider();
        SessionExporter first = create(provider);
        SessionExporter second = create(provider);
        SessionReport reportA = fullReport("contract-parallel-a");
        SessionReport reportB = fullReport("contract-parallel-b");
        ExecutorService sessions = Executors.newFixedThreadPool(2, daemon("session-exporter-contract-session"));
        try {
            Future<?> a = sessions.submit(() -> {
                runFullSession(first, reportA);
                return null;
            });
            Future<?> b = sessions.submit(() -> {
                runFullSession(second, reportB);
                return null;
            });
            for (Future<?> session : List.of(a, b)) {
                SessionReport report = session == a ? reportA : reportB;
                Duration wait = sessionWait(report);
                try {
                    // every call is bounded by callTimeout(): the wait covers all of them, one after another
                    session.get(wait.toNanos(), TimeUnit.NANOSECONDS);
                } catch (TimeoutException hung) {
                    fail(String.format(Locale.ROOT, "session '%s' did not end within %s (%d calls to its exporter at"
                            + " %s each): a call that returned late was not noticed",
                            report.sessionMetrics().sessionId(), io.peerpulse.telemetry.shared.Durations.format(wait),
                            callsOf(report), io.peerpulse.telemetry.shared.Durations.format(callTimeout())));
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof AssertionError assertion) {
                        throw assertion;
                    }
                    throw e;
                }
            }
        } finally {
            sessions.shutdownNow();
        }
    }

    /**
     * A report of a session that was built and closed without a data channel ever opening: every
     * {@code latency} is {@code null}, counters are zero, lists are empty.
     *
     * @param sessionId the session's id
     * @return the report
     * @since 0.1.0
     */
    public static SessionReport reportWithoutSamples(String sessionId) {
        VirtualScheduler scheduler = new VirtualScheduler();
        GameSession session = session(sessionId, scheduler);
        try {
            scheduler.advance(Duration.ofSeconds(5));
        } finally {
            session.close();
            scheduler.shutdownNow();
        }
        return session.exportReport();
    }

    /**
     * A report of a full session, made in virtual time: {@value #SAMPLES} samples over two
     * connections (a close, an outage that shows as a gap and LOST, a reconnection on a new relayed
     * path), two rounds, one rejected implausible value, and changes of quality and path.
     *
     * @param sessionId the session's id
     * @return the report
     * @since 0.1.0
     */
    public static SessionReport fullReport(String sessionId) {
        VirtualScheduler scheduler = new VirtualScheduler();
        GameSession session = session(sessionId, scheduler);
        try {
            NetworkPath direct = new NetworkPath("host", "srflx", "udp");
            NetworkPath relayed = new NetworkPath("relay", "srflx", "udp");
            ScriptedRttSource first = new ScriptedRttSource();
            for (int i = 0; i < SAMPLES / 2; i++) {
                first.then(RttReading.measured(40 + i * 7.25, direct));
            }
            first.thenMeasured(Double.NaN).thenStale().orElse(RttReading.unavailable("closed"));
            session.onDataChannelOpen(first);
            session.beginRound(1);
            scheduler.advance(Duration.ofSeconds(SAMPLES / 2 + 1));
            session.endRound();
            session.onDataChannelClose("peer left");
            scheduler.advance(Duration.ofSeconds(6));
            ScriptedRttSource second = new ScriptedRttSource();
            for (int i = 0; i < SAMPLES / 2; i++) {
                second.then(RttReading.measured(95.5 + (i % 3), relayed));
            }
            second.thenFail(new IOException("stats failed")).orElse(RttReading.stale(relayed));
            session.onDataChannelOpen(second);
            session.beginRound(2);
            scheduler.advance(Duration.ofSeconds(SAMPLES / 2 + 2));
        } finally {
            session.close();
            scheduler.shutdownNow();
        }
        return session.exportReport();
    }

    private static GameSession session(String sessionId, VirtualScheduler scheduler) {
        return GameSession.builder(sessionId)
                .playerId("contract-player")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock()).build())
                .exporterProviders(List.of())
                .executor(Runnable::run)
                .build();
    }

    /**
     * The full report's session as its exporter hears it: {@code sessionStarted}; then, in time order, the source
     * and each connection change, path change, sample and quality change (at one instant in the order the session
     * calls them: source, connection, path, sample, quality); then {@code sessionEnded}.
     */
    private void runFullSession(SessionExporter exporter, String sessionId) throws Exception {
        runFullSession(exporter, fullReport(sessionId));
    }

    private void runFullSession(SessionExporter exporter, SessionReport report) throws Exception {
        String sessionId = report.sessionMetrics().sessionId();
        call("sessionStarted", () -> exporter.sessionStarted(sessionId));
        for (Call c : calls(exporter, report)) {
            call(c.what(), c.run());
        }
        call("sessionEnded with a full report", () -> exporter.sessionEnded(report));
        verifyExport(report);
    }

    /**
     * How long {@link #twoSessionsAtTheSameTimeWork()} waits for one session: {@link #callTimeout()} for each of
     * its calls to the exporter, and one more for {@code verifyExport} and the helper threads.
     */
    Duration sessionWait(SessionReport report) {
        return callTimeout().multipliedBy(callsOf(report) + 1L);
    }

    /** The calls a full session makes to its exporter: sessionStarted, the notices, sessionEnded. */
    private static int callsOf(SessionReport report) {
        return calls(new SessionExporter() {
            @Override
            public void sessionEnded(SessionReport ended) {
            }
        }, report).size() + 2;
    }

    /** A notice to the exporter, at the session's time {@code atMs}, of a rank among those at the same instant. */
    private record Call(long atMs, int rank, String what, ExporterCall run) {
    }

    private static List<Call> calls(SessionExporter exporter, SessionReport report) {
        String sessionId = report.sessionMetrics().sessionId();
        List<Call> calls = new java.util.ArrayList<>();
        String source = report.validationData().latencySource();
        long startMs = report.sessionMetrics().startEpochMs();
        if (source != null) {
            calls.add(new Call(startMs, 0, "sourceChanged", () -> exporter.sourceChanged(sessionId, source)));
        }
        for (var event : report.sessionMetrics().connection().events()) {
            calls.add(new Call(event.timestampEpochMs(), 1, "connectionChanged " + event.type(),
                    () -> exporter.connectionChanged(sessionId, event)));
        }
        for (var change : report.multiplayerMetrics().pathChanges()) {
            calls.add(new Call(change.timestampEpochMs(), 2, "pathChanged", () -> exporter.pathChanged(sessionId, change)));
        }
        List<RttSample> samples = java.util.Objects.requireNonNull(report.validationData().latency(),
                "the full report has samples").samples();
        for (int i = 0; i < samples.size(); i++) {
            RttSample sample = samples.get(i);
            calls.add(new Call(sample.timestampEpochMs(), 3, "sampleRecorded #" + (i + 1),
                    () -> exporter.sampleRecorded(sessionId, sample)));
        }
        for (var change : report.multiplayerMetrics().qualityChanges()) {
            calls.add(new Call(change.timestampEpochMs(), 4, "qualityChanged to " + change.current(),
                    () -> exporter.qualityChanged(sessionId, change)));
        }
        calls.sort(java.util.Comparator.comparingLong(Call::atMs).thenComparingInt(Call::rank)); // stable
        return calls;
    }

    private SessionExporterProvider provider() throws Exception {
        SessionExporterProvider provider = createProvider();
        assertThat(provider).as("createProvider()").isNotNull();
        return provider;
    }

    private SessionExporter create(SessionExporterProvider provider) {
        ExportSettings settings = exportSettings();
        SessionExporter exporter = get("create(settings)", () -> provider.create(settings));
        if (exporter == null) {
            fail("create(settings) answered null: it must answer an exporter, or throw when it cannot make one");
        }
        return exporter;
    }

    /** A call to the exporter. */
    @FunctionalInterface
    private interface ExporterCall {
        void run() throws Exception;
    }

    private void call(String what, ExporterCall call) {
        get(what, () -> {
            call.run();
            return null;
        });
    }

    /** Runs {@code call} on a helper thread and waits for it at most {@link #callTimeout()}. */
    private <T> T get(String what, Callable<T> call) {
        Duration timeout = callTimeout();
        ExecutorService caller = Executors.newSingleThreadExecutor(daemon("session-exporter-contract-call"));
        try {
            return caller.submit(call).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException hung) {
            return fail("%s did not return within %s: an exporter must never block without bound (sessions"
                    + " stop waiting for sessionEnded after their exporter timeout)", what,
                    io.peerpulse.telemetry.shared.Durations.format(timeout));
        } catch (ExecutionException thrown) {
            return fail(what + " threw " + thrown.getCause(), thrown.getCause());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return fail("interrupted while waiting for " + what, interrupted);
        } finally {
            caller.shutdownNow();
        }
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
