package io.peerpulse.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.internal.ExporterFanOut;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.fixtures.Records;
import io.peerpulse.telemetry.shared.Plugins;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Building a session: validation, exporter selection and creation. Sessions built here never measure. */
class GameSessionBuilderTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    /** A provider that records what it was asked to create. */
    record Provider(String name, Function<ExportSettings, SessionExporter> factory) implements SessionExporterProvider {
        static Provider named(String name) {
            return new Provider(name, settings -> report -> { });
        }

        @Override
        public SessionExporter create(ExportSettings settings) {
            return factory.apply(settings);
        }
    }

    private static GameSession.Builder builder() {
        return GameSession.builder("session-1").executor(Runnable::run).exporterProviders(List.of());
    }

    static Stream<Arguments> badInput() {
        return Stream.of(
                bad(b -> { }, null, "sessionId must not be null"),
                bad(b -> { }, " \t", "sessionId must not be blank"),
                bad(b -> { }, "x".repeat(257), "sessionId must be at most 256 characters, was 257"),
                bad(b -> { }, "line\nbreak", "sessionId must not contain control characters"),
                bad(b -> { }, "peer-10.0.0.7", "sessionId must not contain an IP address"),
                bad(b -> b.playerId(""), "s", "playerId must not be blank"),
                bad(b -> b.playerId("fe80::1"), "s", "playerId must not contain an IP address"),
                bad(b -> b.telemetryOptions(null), "s", "telemetryOptions must not be null"),
                bad(b -> b.exportSetting(null, "v"), "s", "exportSetting key must not be blank"),
                bad(b -> b.exportSetting("k", null), "s", "exportSetting 'k' must not have a null value"),
                bad(b -> b.exportAttribute(null, "v"), "s", "exportAttribute type must not be null"),
                bad(b -> b.exportAttribute(String.class, null), "s", "exportAttribute java.lang.String must be an"),
                bad(b -> b.exporters((String[]) null), "s", "exporters must not be null"),
                bad(b -> b.exporters("json", null), "s", "exporters must not contain a blank name, was null"),
                bad(b -> b.exporterProviders(null), "s", "exporterProviders must not be null"),
                bad(b -> b.executor(null), "s", "executor must not be null"),
                bad(b -> b.exporterTimeout(Duration.ZERO), "s", "exporterTimeout must be above 0"),
                bad(b -> b.exporterTimeout(null), "s", "exporterTimeout must be above 0"),
                bad(b -> b.qualityThresholds(Duration.ZERO, Duration.ofMillis(300)), "s", "fairFrom must be above 0"),
                bad(b -> b.qualityThresholds(Duration.ofMillis(150), Duration.ofMillis(150)), "s",
                        "poorFrom must be above fairFrom"),
                bad(b -> b.qualityThresholds(null, Duration.ofMillis(300)), "s",
                        "qualityThresholds fairFrom must not be null"),
                bad(b -> b.qualityThresholds(Duration.ofMillis(150), null), "s",
                        "qualityThresholds poorFrom must not be null"),
                bad(b -> b.qualityRecentSamples(0), "s", "qualityRecentSamples must be between 1 and 10000, was 0"),
                bad(b -> b.toleratedBadPolls(-1), "s", "toleratedBadPolls must be >= 0, was -1"),
                bad(b -> b.gapAfterPolls(0), "s", "gapAfterPolls must be between 1 and 1000000, was 0"));
    }

    private static Arguments bad(Consumer<GameSession.Builder> setter, String sessionId, String message) {
        return Arguments.of(setter, sessionId, message);
    }

    @ParameterizedTest
    @MethodSource("badInput")
    void badInputFailsAtBuildNamingTheField(Consumer<GameSession.Builder> setter, String sessionId, String message) {
        GameSession.Builder builder = GameSession.builder(sessionId).exporterProviders(List.of());
        setter.accept(builder); // setters accept anything
        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void anIdThatLooksLikeAnAddressIsNotEchoed() {
        assertThatThrownBy(() -> GameSession.builder("192.168.1.20").build())
                .hasMessageNotContaining("192.168");
    }

    @Test
    void anUnknownExporterNameFailsListingTheKnownOnes() {
        GameSession.Builder builder = builder()
                .exporterProviders(List.of(Provider.named("json"), Provider.named("micrometer")))
                .exporters("json", "csv");
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown exporter 'csv'")
                .hasMessageContaining("known exporters: json, micrometer")
                .hasMessageContaining("add the artifact that provides it (io.peerpulse:export-csv)")
                .hasMessageContaining("ServicesResourceTransformer");
    }

    /**
     * A shaded jar built without merging the services files keeps one exporter's: the settings of the others are
     * then keys of a missing exporter, not typos of the one found.
     */
    @Test
    void aSettingOfOneOfPeerPulsesExportersNotFoundNamesItAndHowToAddIt() {
        GameSession.Builder builder = GameSession.builder("s-1").executor(Runnable::run)
                .exporterProviders(List.of(declaring("json")))
                .exportSetting("peerpulse.export.json.directory", "out")
                .exportSetting("peerpulse.export.csv.directory", "out");
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("exportSetting 'peerpulse.export.csv.directory' is for the csv exporter, which"
                        + " was not found (exporters found: json)")
                .hasMessageContaining("(io.peerpulse:export-csv) to the class or module path")
                .hasMessageContaining("ServicesResourceTransformer")
                .hasMessageNotContaining("did you mean");
    }

    /**
     * {@code exporters("JSON")}, {@code exporters(" json")} or {@code exporters("json,csv")}: the exporters are
     * there, so the hint is the name as written, not "add the artifact … ServicesResourceTransformer".
     */
    @Test
    void aFoundExporterMisspelledInCaseSpaceOrAsOneCommaListIsNamedNotSentToTheArtifacts() {
        java.util.Map<String[], String> hints = new java.util.LinkedHashMap<>();
        hints.put(new String[] {"JSON"}, "unknown exporter 'JSON'; did you mean 'json'? (names are lower-case,"
                + " without spaces)");
        hints.put(new String[] {" json"}, "unknown exporter ' json'; did you mean 'json'? (names are lower-case,"
                + " without spaces)");
        hints.put(new String[] {"json,csv"}, "unknown exporter 'json,csv': give each name as its own argument,"
                + " exporters(\"json\", \"csv\")");
        hints.forEach((names, hint) -> assertThatThrownBy(() -> builder()
                .exporterProviders(List.of(Provider.named("json"), Provider.named("csv"))).exporters(names).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("exporters names an " + hint + "; known exporters: json, csv"));
    }

    @Test
    void anExporterNamedTwiceFailsQuotingIt() {
        GameSession.Builder builder = builder().exporterProviders(List.of(Provider.named("json"))).exporters("json", "json");
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'json' twice")
                .hasMessageContaining("known exporters: json");
    }

    @Test
    void anyNameFailsWhenNoProviderExists() {
        assertThatThrownBy(() -> builder().exporters("json").build())
                .hasMessageContaining("known exporters: none");
    }

    @Test
    void aSharedOrInvalidNameFailsOnlyWhereItIsSelectedAndIsLoggedOnceOtherwise() {
        List<SessionExporterProvider> providers = List.of(Provider.named("twin"), Provider.named("twin"),
                Provider.named("BAD"), Provider.named("fine"));
        try (GameSession explicit = builder().exporterProviders(providers).exporters("fine").build();
             GameSession byDefault = builder().exporterProviders(providers).build()) {
            assertThat(explicit.exporterNames()).containsExactly("fine");
            assertThat(byDefault.exporterNames()).containsExactly("fine");
            assertThat(log.warnings(Plugins.class)).hasSize(2);
            assertThat(log.warnings(Plugins.class)).anySatisfy(w -> assertThat(w).contains("two SessionExporterProviders are"
                    + " named 'twin'", "left out"));
            assertThat(log.warnings(Plugins.class)).anySatisfy(w -> assertThat(w).contains("invalid name 'BAD'"));
        }
        assertThatThrownBy(() -> builder().exporterProviders(providers).exporters("twin").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("two SessionExporterProviders are named 'twin'");
        assertThatThrownBy(() -> builder().exporterProviders(providers).exporters("BAD").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("invalid name 'BAD'");
    }

    @Test
    void aProviderWhoseNameThrowsIsLeftOutAndTheOthersStillWork() {
        SessionExporterProvider nameThrows = new SessionExporterProvider() {
            @Override
            public String name() {
                throw new IllegalStateException("acme config not read yet");
            }

            @Override
            public SessionExporter create(ExportSettings settings) {
                return report -> { };
            }
        };
        List<SessionExporterProvider> providers = List.of(nameThrows, Provider.named("fine"));
        try (GameSession byDefault = builder().exporterProviders(providers).build();
             GameSession explicit = builder().exporterProviders(providers).exporters("fine").build()) {
            assertThat(byDefault.exporterNames()).containsExactly("fine");
            assertThat(explicit.exporterNames()).containsExactly("fine");
        }
        assertThat(log.warnings(Plugins.class)).anySatisfy(warning -> assertThat(warning)
                .contains(nameThrows.getClass().getName(), "failed in name()", "acme config not read yet"));
    }

    @Test
    void anExporterNamedExplicitlyThatCannotBeCreatedFailsTheBuildNamingItAndWhy() {
        Provider throwing = new Provider("throwing", settings -> {
            throw new IllegalStateException("no licence");
        });
        Provider answeringNull = new Provider("null", settings -> null);
        List<SessionExporterProvider> providers = List.of(throwing, answeringNull, Provider.named("fine"));
        assertThatThrownBy(() -> builder().exporterProviders(providers).exporters("fine", "throwing").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exporter 'throwing'").hasMessageContaining("no licence")
                .hasRootCauseMessage("no licence");
        assertThatThrownBy(() -> builder().exporterProviders(providers).exporters("null").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exporter 'null'").hasMessageContaining("create() answered null");
    }

    /** A plugin's provider that cannot be loaded: its constructor throws. */
    public static final class UnloadableExporterProvider implements SessionExporterProvider {
        public UnloadableExporterProvider() {
            throw new IllegalStateException("acme licence file missing");
        }

        @Override
        public String name() {
            return "acme";
        }

        @Override
        public SessionExporter create(ExportSettings settings) {
            return report -> { };
        }
    }

    @Test
    void anExporterAskedForWhoseProviderCannotBeLoadedIsNamedWithWhy(@org.junit.jupiter.api.io.TempDir
                                                                     java.nio.file.Path dir) throws Exception {
        try (var classPath = io.peerpulse.telemetry.fixtures.UnloadableProvider.onThisThread(SessionExporterProvider.class,
                UnloadableExporterProvider.class, dir)) {
            // its name is unknown, as it never loaded: the message says what did not load, and why
            assertThatThrownBy(() -> GameSession.builder("s").executor(Runnable::run).exporters("acme").build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unknown exporter 'acme'")
                    .hasMessageContaining("1 provider could not be loaded: ")
                    .hasMessageContaining(UnloadableExporterProvider.class.getName())
                    .hasMessageContaining("acme licence file missing");
            assertThat(log.warnings()).anySatisfy(warning -> assertThat(warning)
                    .contains(UnloadableExporterProvider.class.getName(), "acme licence file missing"));
            // the default selection goes on without it
            try (GameSession session = GameSession.builder("s").executor(Runnable::run).build()) {
                assertThat(session.exportReport()).isNotNull();
            }
        }
    }

    /** Another plugin's provider that cannot be loaded, for a failure of its own. */
    public static final class AnotherUnloadableExporterProvider implements SessionExporterProvider {
        public AnotherUnloadableExporterProvider() {
            throw new IllegalStateException("acme licence expired");
        }

        @Override
        public String name() {
            return "acme";
        }

        @Override
        public SessionExporter create(ExportSettings settings) {
            return report -> { };
        }
    }

    @Test
    void aProviderThatCannotBeLoadedIsLoggedOnceNotAtEverySession(@org.junit.jupiter.api.io.TempDir
                                                                   java.nio.file.Path dir) throws Exception {
        try (var classPath = io.peerpulse.telemetry.fixtures.UnloadableProvider.onThisThread(SessionExporterProvider.class,
                AnotherUnloadableExporterProvider.class, dir)) {
            for (int i = 0; i < 3; i++) { // a server builds session after session
                try (GameSession session = GameSession.builder("s-" + i).executor(Runnable::run).build()) {
                    assertThat(session.exporterNames()).isEmpty();
                }
            }
        }
        assertThat(log.warnings(Plugins.class)).filteredOn(warning -> warning.contains(
                AnotherUnloadableExporterProvider.class.getName())).hasSize(1);
    }

    @Test
    void selectsTheNamedExportersInTheGivenOrderElseEveryProvider() {
        List<SessionExporterProvider> providers = List.of(Provider.named("a"), Provider.named("b"), Provider.named("c"));
        try (GameSession all = builder().exporterProviders(providers).build();
             GameSession some = builder().exporterProviders(providers).exporters("c", "a").build();
             GameSession none = builder().exporterProviders(providers).exporters().build()) {
            assertThat(all.exporterNames()).containsExactly("a", "b", "c");
            assertThat(some.exporterNames()).containsExactly("c", "a");
            assertThat(none.exporterNames()).isEmpty();
        }
    }

    @Test
    void discoveryOnThisModulePathFindsNoProvider() {
        try (GameSession session = GameSession.builder("s").executor(Runnable::run).build()) {
            assertThat(session.exporterNames()).isEmpty();
        }
    }

    @Test
    void anExporterThatCannotBeCreatedIsNamedWithoutTheAddressItsErrorQuotes() {
        Provider pushing = new Provider("pushing", settings -> {
            throw new IllegalStateException("cannot reach push gateway 10.9.8.7:9091");
        });
        try (GameSession session = builder()
                .telemetryOptions(TelemetryOptions.builder().nanoClock(() -> System.nanoTime()).build())
                .exporterProviders(List.of(pushing))
                .build()) {
            assertThat(session.exporterNames()).isEmpty();
        }
        assertThat(log.records()).singleElement().satisfies(r -> {
            java.io.StringWriter printed = new java.io.StringWriter();
            printed.append(r.getMessage()).append('\n');
            r.getThrown().printStackTrace(new java.io.PrintWriter(printed));
            assertThat(printed.toString()).doesNotContain("10.9.8.7")
                    .contains("exporter 'pushing'", "cannot reach push gateway <redacted>");
        });
        assertThatThrownBy(() -> builder().exporterProviders(List.of(pushing)).exporters("pushing").build())
                .satisfies(thrown -> {
                    java.io.StringWriter trace = new java.io.StringWriter();
                    thrown.printStackTrace(new java.io.PrintWriter(trace));
                    assertThat(trace.toString()).doesNotContain("10.9.8.7").contains("cannot reach push gateway <redacted>");
                });
    }

    @Test
    void providersGetTheSettingsAndAFailingOrNullCreateIsLeftOut() {
        List<String> seen = new ArrayList<>();
        Provider reading = new Provider("reading", settings -> {
            seen.add(settings.get("dir").orElseThrow() + "|" + settings.attribute(Integer.class).orElseThrow());
            return report -> { };
        });
        Provider throwing = new Provider("throwing", settings -> {
            throw new IllegalStateException("cannot create");
        });
        Provider answeringNull = new Provider("null", settings -> null);
        try (GameSession session = builder()
                // a clock of its own (real time all the same): the first lines it asserts are its own for the JVM
                .telemetryOptions(TelemetryOptions.builder().nanoClock(() -> System.nanoTime()).build())
                .exporterProviders(List.of(throwing, reading, answeringNull))
                .exportSetting("dir", "out")
                .exportAttribute(Integer.class, 7)
                .build()) {
            assertThat(session.exporterNames()).containsExactly("reading");
            assertThat(seen).containsExactly("out|7");
            assertThat(log.warnings(ExporterFanOut.class)).hasSize(2);
            assertThat(log.warnings(ExporterFanOut.class).get(0)).contains("exporter 'throwing' of session 'session-1'",
                    "could not be created", "cannot create", "left out");
            assertThat(log.warnings(ExporterFanOut.class).get(1)).contains("exporter 'null' of session 'session-1'", "answered null");
        }
    }

    @Test
    void anExporterRejectingItsSettingsFailsTheBuildNamingExporterAndSetting(@org.junit.jupiter.api.io.TempDir
                                                                             java.nio.file.Path journals) {
        Provider picky = new Provider("picky", settings -> {
            throw new IllegalArgumentException("peerpulse.export.picky.size must be a number, was 'big'");
        });
        assertThatThrownBy(() -> builder().exporterProviders(List.of(Provider.named("fine"), picky))
                .journalDirectory(journals).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("exporter 'picky': peerpulse.export.picky.size must be a number, was 'big'");
        assertThat(journals.toFile().list()).as("nothing opened for a session that was never built").isEmpty();
    }

    @Test
    void aJournalDirectoryWithoutTheJournalModuleFailsTheBuildNamingWhatToAdd(@org.junit.jupiter.api.io.TempDir
                                                                          java.nio.file.Path dir) {
        // this module's tests have no io.peerpulse.session.journal: asking for a journal must not pass silently
        assertThatThrownBy(() -> builder().journalDirectory(dir).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("peerpulse.journal.directory").hasMessageContaining("io.peerpulse:session-journal");
        assertThatThrownBy(() -> builder().exportSetting("peerpulse.journal.directory", dir.toString()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("session-journal");
        try (GameSession session = builder().journalDirectory(dir).journal(false).build()) {
            assertThat(session.journalPath()).isEmpty();
        }
        assertThat(dir.toFile().list()).isEmpty();
    }

    @Test
    void aNewSessionHasEmptyExportsAndItsDefaults() {
        try (GameSession session = builder().playerId("p1").build()) {
            SessionReport report = session.exportReport();
            assertThat(report.sessionMetrics().sessionId()).isEqualTo("session-1");
            assertThat(report.sessionMetrics().playerId()).isEqualTo("p1");
            assertThat(report.sessionMetrics().latency()).isNull();
            assertThat(report.sessionMetrics().endEpochMs()).isNull();
            assertThat(report.validationData().counters()).isEqualTo(TelemetryCounters.ZERO);
            assertThat(report.validationData().coverage().gaps()).isEmpty();
            assertThat(report.multiplayerMetrics().quality()).isEqualTo(ConnectionQuality.UNKNOWN);
            assertThat(report.multiplayerMetrics().qualityThresholds())
                    .isEqualTo(QualityThresholds.DEFAULT);
            assertThat(session.latest()).isEqualTo(Records.record(LiveRtt.class, "quality", ConnectionQuality.UNKNOWN,
                    "lastRttMs", Double.NaN, "recentMedianMs", Double.NaN, "score", Double.NaN, "reasons", List.of()));
            assertThat(session.getLatencyStats()).isEmpty();
            assertThat(session.exportReport().sessionMetrics().endEpochMs()).as("a snapshot, not ended").isNull();
        }
    }

    @Test
    void closeWithoutAChannelStillEndsTheSessionOnceAndAnOpenAfterItFails() {
        List<SessionReport> ended = new ArrayList<>();
        GameSession session = builder()
                .exporterProviders(List.of(new Provider("x", settings -> ended::add)))
                .build();
        session.close();
        session.close();
        assertThat(ended).hasSize(1);
        assertThat(ended.get(0).sessionMetrics().latency()).isNull();
        assertThat(session.exportReport()).isSameAs(ended.get(0));
        assertThat(session.exportSessionMetrics()).isSameAs(ended.get(0).sessionMetrics());
        assertThat(session.isClosed()).isTrue();
        assertThatThrownBy(() -> session.onDataChannelOpen(() -> null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("session-1");
        assertThatThrownBy(() -> session.beginRound(1)).isInstanceOf(IllegalStateException.class);
        session.onDataChannelClose("late callback"); // ignored
        assertThat(session.endRound()).isEmpty();
    }

    /** A provider that declares the one key it reads. */
    private static io.peerpulse.session.spi.SessionExporterProvider declaring(String name) {
        return new io.peerpulse.session.spi.SessionExporterProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public java.util.Set<String> settingKeys() {
                return java.util.Set.of("peerpulse.export." + name + ".directory");
            }

            @Override
            public io.peerpulse.session.spi.SessionExporter create(io.peerpulse.session.spi.ExportSettings settings) {
                return report -> { };
            }
        };
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "peerpulse.export.json.director|peerpulse.export.json.directory",
            "peerpulse.export.jsn.directory|peerpulse.export.json.directory",
            "peerpulse.journal.directroy|peerpulse.journal.directory"
    })
    void aMistypedPeerPulseSettingFailsTheBuildNamingTheClosestKey(String typo, String meant) {
        GameSession.Builder builder = GameSession.builder("s-1").executor(Runnable::run)
                .exporterProviders(List.of(declaring("json"), declaring("csv"))).exporters("csv")
                .exportSetting(typo, "out");
        org.assertj.core.api.Assertions.assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("exportSetting '" + typo + "' is read by no exporter found and not by the"
                        + " session; did you mean '" + meant + "'?");
    }

    /** A provider declaring the given keys. */
    private static io.peerpulse.session.spi.SessionExporterProvider declaring(String name, String... keys) {
        return new io.peerpulse.session.spi.SessionExporterProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public java.util.Set<String> settingKeys() {
                return java.util.Set.of(keys);
            }

            @Override
            public io.peerpulse.session.spi.SessionExporter create(io.peerpulse.session.spi.ExportSettings settings) {
                return report -> { };
            }
        };
    }

    /**
     * The mistakes a newcomer makes with PeerPulse's real keys: an abbreviation ({@code dir}) points at the key it
     * shortens, not at the nearest by letters ({@code jsonl.file}, {@code journal.fsync}); a key in another case or
     * with a space around it is checked like any other, not let through as "not PeerPulse's"; the JVM-wide system
     * property given as a session setting says so. (A key of the jfr exporter, which reads none: JfrExporterTest.)
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "peerpulse.export.json.dir|did you mean 'peerpulse.export.json.directory'?",
            "peerpulse.journal.dir|did you mean 'peerpulse.journal.directory'?",
            "PeerPulse.export.json.directory|did you mean 'peerpulse.export.json.directory'?",
            "' peerpulse.export.json.directory'|did you mean 'peerpulse.export.json.directory'?",
            "peerpulse.session.executor.maxThreads|is a system property, read once for the whole JVM"
    })
    void theMistakesNewcomersMakeWithRealKeysAreRefusedWithTheRightHint(String typo, String hint) {
        GameSession.Builder builder = GameSession.builder("s-1").executor(Runnable::run)
                .exporterProviders(List.of(declaring("json"), declaring("csv"), declaring("html"),
                        declaring("jsonl", "peerpulse.export.jsonl.file")))
                .exportSetting(typo, "out");
        org.assertj.core.api.Assertions.assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("exportSetting '" + typo + "'").hasMessageContaining(hint);
    }

    /**
     * {@code JAVA_TOOL_OPTIONS=-Dpeerpulse.export.json.directroy=runs}: a system property is JVM-wide and may be
     * meant for other code, so it is not refused; but a mistyped one under the session's namespaces is named at
     * {@code build()} with the same hint a session setting gets, once per key for the JVM, never silently
     * ignored. Other namespaces ({@code peerpulse.chromium}) say nothing.
     */
    @Test
    void aMistypedSystemPropertyIsAWarningOncePerKeyWithTheSameHint() {
        String typo = "peerpulse.export.json.directroy-" + System.nanoTime();
        String cased = "PeerPulse.journal.directory-" + System.nanoTime();
        String elsewhere = "peerpulse.tool-" + System.nanoTime(); // e.g. peerpulse.chromium: not the session's
        System.setProperty(typo, "runs");
        System.setProperty(cased, "journals");
        System.setProperty(elsewhere, "x");
        try {
            for (int i = 0; i < 2; i++) {
                GameSession.builder("s-" + i).executor(Runnable::run).exporterProviders(List.of(declaring("json")))
                        .exportSetting("peerpulse.export.json.directory", "out").journal(false).build().close();
            }
            assertThat(log.warnings().stream().filter(w -> w.contains(typo)).toList()).as("once per key")
                    .containsExactly("system property '" + typo + "' is read by no exporter found and not by the"
                            + " session; did you mean 'peerpulse.export.json.directory'? (known keys:"
                            + " peerpulse.export.json.directory, peerpulse.journal.directory, peerpulse.journal.fsync);"
                            + " it is ignored");
            assertThat(log.warnings().stream().filter(w -> w.contains(cased)).toList())
                    .singleElement().asString().contains("did you mean 'peerpulse.journal.directory'?");
            assertThat(log.warnings()).hasSize(2);
        } finally {
            System.clearProperty(typo);
            System.clearProperty(cased);
            System.clearProperty(elsewhere);
        }
    }

    @Test
    void knownKeysOtherNamespacesAndProvidersWithoutDeclaredKeysPass() {
        io.peerpulse.session.spi.SessionExporterProvider open = new io.peerpulse.session.spi.SessionExporterProvider() {
            @Override
            public String name() {
                return "ndjson";
            }

            @Override
            public io.peerpulse.session.spi.SessionExporter create(io.peerpulse.session.spi.ExportSettings settings) {
                return report -> { };
            }
        };
        GameSession.builder("s-1").executor(Runnable::run).exporterProviders(List.of(declaring("json"), open))
                .exporters("json")
                .exportSetting("peerpulse.export.json.directory", "out")     // declared by a provider found
                .exportSetting("peerpulse.export.ndjson.whatever", "x")      // a provider that declares nothing
                .exportSetting("acme.exporter.bucket", "b")                  // not PeerPulse's namespace
                .exportSetting("peerpulse.journal.fsync", "false")           // the session's own
                .journal(false).build().close();
    }

    /**
     * {@code peerpulse.journal.fsync=true} (or {@code journalFsync(true)}) asks for a journal that survives a power
     * loss; without a journal directory there is no journal at all, and the session used to say nothing, so a
     * researcher believed the runs durable. One WARNING per session names the key and what is missing; {@code false}
     * and {@code journal(false)} (no journal wanted) say nothing.
     */
    @Test
    void fsyncWithoutAJournalDirectoryIsAWarningNamingTheKey() {
        GameSession.builder("fsync-1").executor(Runnable::run).exporters()
                .exportSetting("peerpulse.journal.fsync", "true").build().close();
        GameSession.builder("fsync-2").executor(Runnable::run).exporters().journalFsync(true).build().close();
        assertThat(log.warnings()).hasSize(2).allSatisfy(w -> assertThat(w).contains("peerpulse.journal.fsync",
                "no journal directory", "peerpulse.journal.directory", "journalDirectory", "no journal is written"));
        assertThat(log.warnings().get(0)).startsWith("session 'fsync-1': ");
        GameSession.builder("fsync-3").executor(Runnable::run).exporters()
                .exportSetting("peerpulse.journal.fsync", "false").build().close();
        GameSession.builder("fsync-4").executor(Runnable::run).exporters().journalFsync(true).journal(false)
                .build().close();
        assertThat(log.warnings()).hasSize(2);
    }
}
