package io.peerpulse.export.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.peerpulse.export.json.internal.JsonExporterProvider;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.ProbeStatsSource;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.testkit.SampleReports;
import io.peerpulse.testkit.ScriptedRttSource;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.testkit.SessionExporterContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** docs/session-report.schema.json (draft 2020-12) describes real exports, strictly. */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class SchemaTest {

    private static Schema schema;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadSchema() throws IOException {
        Path file = Path.of(System.getProperty("peerpulse.schema", "../../docs/session-report.schema.json"));
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(Files.readString(file), InputFormat.JSON);
    }

    @Test
    void realExportsOfAFullAndAnEmptySessionAreValid() throws Exception {
        var exporter = new JsonExporterProvider().create(
                ExportSettings.of(Map.of(SessionReportJson.DIRECTORY_SETTING, dir.toString()), Map.of()));
        exporter.sessionEnded(SessionExporterContract.fullReport("schema-full"));
        exporter.sessionEnded(SessionExporterContract.reportWithoutSamples("schema-empty"));

        for (String name : List.of("schema-full.json", "schema-empty.json")) {
            assertThat(validate(Files.readString(dir.resolve(name)))).as(name).isEmpty();
        }
    }

    @Test
    void realExportsWithTwoViewsAProbeAndAFallbackAreValid() throws Exception {
        var exporter = new JsonExporterProvider().create(
                ExportSettings.of(Map.of(SessionReportJson.DIRECTORY_SETTING, dir.toString()), Map.of()));
        SessionReport answered = twoViews("schema-probe", RttReading.measured(80.125), 0.042);
        SessionReport fellBack = twoViews("schema-fallback", RttReading.unavailable("not answered yet"), null);
        assertThat(answered.validationData().probe().offsetMs()).isEqualTo(0.042);
        assertThat(answered.validationData().secondary()).isNotNull();
        assertThat(fellBack.validationData().fallback()).isNotNull();
        exporter.sessionEnded(answered);
        exporter.sessionEnded(fellBack);

        for (String name : List.of("schema-probe.json", "schema-fallback.json")) {
            String json = Files.readString(dir.resolve(name));
            assertThat(validate(json)).as(name).isEmpty();
            assertThat(validate(json.replaceFirst("\"sentCount\":", "\"sent\":"))).as("a renamed count").isNotEmpty();
        }
        assertThat(SessionReportJson.read(dir.resolve("schema-fallback.json"))).isEqualTo(fellBack);
    }

    /** A session in virtual time measuring with a probe-like primary and an ICE-like secondary. */
    private static SessionReport twoViews(String id, RttReading probeAnswers, Double offsetMs) {
        VirtualScheduler scheduler = new VirtualScheduler();
        GameSession session = GameSession.builder(id)
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler).clock(scheduler.clock()).build())
                .exporterProviders(List.of()).executor(Runnable::run).build();
        ScriptedRttSource script = ScriptedRttSource.repeating(probeAnswers);
        ProbeStatsSource probe = new ProbeStatsSource() {
            @Override
            public CompletionStage<RttReading> read() {
                return script.read();
            }

            @Override
            public String name() {
                return "probe";
            }

            @Override
            public ProbeStats probeStats() {
                long sent = script.readCount();
                long answered = offsetMs == null ? 0 : sent;
                return SampleReports.record(ProbeStats.class, "sentCount", sent, "answeredCount", answered,
                        "unansweredCount", sent - answered, "offsetMs", offsetMs,
                        "errorBoundMs", offsetMs == null ? null : 0.5,
                        "offsetEpochMs", offsetMs == null ? null : scheduler.clock().millis(),
                        "malformedCount", 1L, "unknownVersionCount", 2L, "unmatchedCount", 3L,
                        "inboundDroppedCount", 4L);
            }
        };
        ScriptedRttSource iceScript = new ScriptedRttSource().thenMeasured(81).thenStale().thenStale()
                .thenMeasured(80).orElse(RttReading.stale());
        RttSource ice = new RttSource() {
            @Override
            public CompletionStage<RttReading> read() {
                return iceScript.read();
            }

            @Override
            public String name() {
                return "ice";
            }

            @Override
            public Duration refreshPeriod() {
                return Duration.ofMillis(2500);
            }
        };
        try {
            session.onDataChannelOpen(probe, ice);
            scheduler.advance(Duration.ofSeconds(15));
        } finally {
            session.close();
            scheduler.shutdownNow();
        }
        return session.exportReport();
    }

    /** Reasons, scores and times in grade (issue 26): a 140 ms probe losing one ping in five, in a round. */
    @Test
    void realExportsWithQualityReasonsAndSummariesAreValidAndReadBack() throws Exception {
        VirtualScheduler scheduler = new VirtualScheduler();
        GameSession session = GameSession.builder("schema-quality")
                .telemetryOptions(TelemetryOptions.builder().firstPollDelay(Duration.ZERO).scheduler(scheduler)
                        .clock(scheduler.clock()).build())
                .exporterProviders(List.of()).executor(Runnable::run).build();
        ScriptedRttSource script = new ScriptedRttSource();
        for (int i = 0; i < 6; i++) {
            script.thenMeasured(140).thenMeasured(141.5).thenMeasured(139).thenMeasured(140).thenStale();
        }
        long[] answered = new long[1];
        ProbeStatsSource probe = new ProbeStatsSource() {
            @Override
            public CompletionStage<RttReading> read() {
                return script.read().thenApply(reading -> {
                    if (reading instanceof RttReading.Measured) {
                        answered[0]++;
                    }
                    return reading;
                });
            }

            @Override
            public String name() {
                return "probe";
            }

            @Override
            public ProbeStats probeStats() {
                long sent = script.readCount();
                long lost = sent - answered[0];
                return SampleReports.record(ProbeStats.class, "sentCount", sent, "answeredCount", (long) answered[0],
                        "lostCount", lost, "lossRatio", sent == 0 ? 0.0 : (double) lost / sent);
            }
        };
        try {
            session.beginRound(1);
            session.onDataChannelOpen(probe);
            scheduler.advance(Duration.ofSeconds(25));
        } finally {
            session.close();
            scheduler.shutdownNow();
        }
        SessionReport report = session.exportReport();
        assertThat(report.multiplayerMetrics().qualityChanges()).last()
                .satisfies(change -> assertThat(change.reasons()).isNotEmpty());
        assertThat(report.multiplayerMetrics().rounds().get(0).quality().poorMs()).isPositive();
        var exporter = new JsonExporterProvider().create(
                ExportSettings.of(Map.of(SessionReportJson.DIRECTORY_SETTING, dir.toString()), Map.of()));
        exporter.sessionEnded(report);
        String json = Files.readString(dir.resolve("schema-quality.json"));
        assertThat(validate(json)).isEmpty();
        assertThat(json).contains("\"metric\": \"LOSS\"", "\"p5Score\":", "\"hysteresisPollCount\": 3");
        assertThat(validate(json.replaceFirst("\"metric\": \"LOSS\"", "\"metric\": \"PACKETS\"")))
                .as("an unknown metric").isNotEmpty();
        assertThat(SessionReportJson.read(dir.resolve("schema-quality.json"))).isEqualTo(report);
    }

    @Test
    void theSchemaIsStrictEnoughToCatchADifferentShape() {
        SessionReport report = SessionExporterContract.fullReport("schema-strict");
        String json = SessionReportJson.toJson(report);

        assertThat(validate(json.replaceFirst("\"latency\": \\{", "\"latencyStats\": {")))
                .as("a renamed key").isNotEmpty();
        assertThat(validate(json.replaceFirst("\"reconnectionCount\":", "\"reconnections\":")))
                .as("a count under the name of a list").isNotEmpty();
        assertThat(validate(json.replaceFirst("\"firstSampleIndex\": 0,", "")))
                .as("a missing key").isNotEmpty();
        assertThat(validate(json.replaceFirst("\"rttMs\": ([0-9.]+)", "\"rttMs\": \"$1\"")))
                .as("a number as a string").isNotEmpty();
        assertThat(validate(json.replaceFirst("\"quality\": \"GOOD\"", "\"quality\": \"GREAT\"")))
                .as("an unknown quality").isNotEmpty();
        assertThat(validate(json.replaceFirst("\"localType\": \"relay\"", "\"localType\": \"10.0.0.1\"")))
                .as("an address as a path type").isNotEmpty();
    }

    /**
     * Exports of earlier versions the schema says it describes (since c910106), written by the real
     * {@code peerpulse demo} at the commit each name gives (src/test/resources/earlier/): valid, a key added since
     * being absent. The schema required every key, also the probe's four counts of refused messages added in
     * 07c9d9c, so a file written the day before was invalid.
     */
    @Test
    void exportsOfEarlierVersionsItDescribesAreValid() throws Exception {
        for (String commit : List.of("a429c5a", "c910106")) {
            String json = Files.readString(Path.of("src/test/resources/earlier/demo-" + commit + ".json"));
            assertThat(validate(json)).as(commit).isEmpty();
        }
    }

    /**
     * The schema against the records, not only against the exports above: every component of every record a
     * {@link SessionReport} reaches is a key of its object in the schema and every key a component; a component is
     * {@code @Nullable} exactly where the schema allows {@code null}; an enum's values are the schema's, or a part of
     * them the schema names on purpose ({@code QualityReason.level}: FAIR, POOR or LOST); every definition is reached.
     * The exports above leave out what none of their sessions holds.
     */
    @Test
    void theSchemaDescribesEveryComponentOfTheRecords() throws IOException {
        jakarta.json.JsonObject root;
        try (var reader = jakarta.json.Json.createReader(Files.newBufferedReader(
                Path.of(System.getProperty("peerpulse.schema", "../../docs/session-report.schema.json"))))) {
            root = reader.readObject();
        }
        RecordsAgainstSchema check = new RecordsAgainstSchema(root.getJsonObject("$defs"));
        check.record(SessionReport.class, root, "SessionReport");
        assertThat(check.problems).as("records against the schema").isEmpty();
        assertThat(check.records).as("records reached").isGreaterThan(20);
        assertThat(check.unreached()).as("definitions no record reaches").isEmpty();
    }

    /** Walks the records from {@link SessionReport} beside the schema's objects. */
    private static final class RecordsAgainstSchema {
        private final jakarta.json.JsonObject defs;
        private final java.util.Set<String> reached = new java.util.HashSet<>();
        private final java.util.Set<Class<?>> seen = new java.util.HashSet<>();
        final List<String> problems = new java.util.ArrayList<>();
        int records;

        RecordsAgainstSchema(jakarta.json.JsonObject defs) {
            this.defs = defs;
        }

        java.util.Set<String> unreached() {
            java.util.Set<String> left = new java.util.TreeSet<>(defs.keySet());
            left.removeAll(reached);
            return left;
        }

        void record(Class<?> type, jakarta.json.JsonObject schema, String where) {
            if (!seen.add(type)) {
                return;
            }
            records++;
            jakarta.json.JsonObject properties = schema.getJsonObject("properties");
            if (properties == null) {
                problems.add(where + ": no properties in the schema");
                return;
            }
            java.util.Set<String> names = new java.util.HashSet<>();
            for (java.lang.reflect.RecordComponent component : type.getRecordComponents()) {
                String name = component.getName();
                String at = where + "." + name;
                names.add(name);
                if (!properties.containsKey(name)) {
                    problems.add(at + ": not in the schema");
                    continue;
                }
                jakarta.json.JsonObject property = properties.getJsonObject(name);
                boolean nullable = component.getAccessor().getAnnotatedReturnType()
                        .isAnnotationPresent(org.jspecify.annotations.Nullable.class);
                if (nullable != allowsNull(property)) {
                    problems.add(at + ": @Nullable " + nullable + ", the schema allows null " + !nullable);
                }
                Class<?> raw = component.getType();
                if (raw.isRecord()) {
                    record(raw, object(property), at);
                } else if (java.util.Collection.class.isAssignableFrom(raw)) {
                    java.lang.reflect.Type item = ((java.lang.reflect.ParameterizedType) component.getGenericType())
                            .getActualTypeArguments()[0];
                    jakarta.json.JsonObject array = object(property);
                    if (item instanceof Class<?> itemType && itemType.isRecord()) {
                        if (!array.containsKey("items")) {
                            problems.add(at + ": a list without items in the schema");
                        } else {
                            record(itemType, object(array.getJsonObject("items")), at + "[]");
                        }
                    }
                } else if (raw.isEnum()) {
                    java.util.Set<String> constants = new java.util.TreeSet<>();
                    for (Object constant : raw.getEnumConstants()) {
                        constants.add(((Enum<?>) constant).name());
                    }
                    java.util.Set<String> listed = new java.util.TreeSet<>();
                    object(property).getJsonArray("enum").forEach(v -> {
                        if (v instanceof jakarta.json.JsonString text) {
                            listed.add(text.getString());
                        }
                    });
                    boolean narrowed = type == io.peerpulse.session.QualityReason.class && name.equals("level");
                    if (narrowed ? !constants.containsAll(listed) || listed.isEmpty() : !listed.equals(constants)) {
                        problems.add(at + ": enum " + constants + ", the schema's " + listed);
                    }
                }
            }
            for (String key : properties.keySet()) {
                if (!names.contains(key)) {
                    problems.add(where + "." + key + ": in the schema, no component of " + type.getSimpleName());
                }
            }
        }

        /** Through a {@code $ref}, and past the {@code null} of a {@code oneOf}/{@code anyOf}. */
        jakarta.json.JsonObject object(jakarta.json.JsonObject schema) {
            jakarta.json.JsonObject target = ref(schema);
            for (String choice : List.of("oneOf", "anyOf")) {
                if (target.containsKey(choice)) {
                    for (jakarta.json.JsonValue option : target.getJsonArray(choice)) {
                        jakarta.json.JsonObject candidate = ref(option.asJsonObject());
                        if (!"null".equals(candidate.getString("type", ""))) {
                            return candidate;
                        }
                    }
                }
            }
            return target;
        }

        private jakarta.json.JsonObject ref(jakarta.json.JsonObject schema) {
            if (!schema.containsKey("$ref")) {
                return schema;
            }
            String ref = schema.getString("$ref");
            String name = ref.substring(ref.lastIndexOf('/') + 1);
            reached.add(name);
            return defs.getJsonObject(name);
        }

        private boolean allowsNull(jakarta.json.JsonObject schema) {
            jakarta.json.JsonObject target = ref(schema);
            jakarta.json.JsonValue type = target.get("type");
            if (type instanceof jakarta.json.JsonString one && one.getString().equals("null")
                    || type instanceof jakarta.json.JsonArray many && many.contains(jakarta.json.Json.createValue("null"))) {
                return true;
            }
            for (String choice : List.of("oneOf", "anyOf")) {
                if (target.containsKey(choice)) {
                    for (jakarta.json.JsonValue option : target.getJsonArray(choice)) {
                        if (allowsNull(option.asJsonObject())) {
                            return true;
                        }
                    }
                }
            }
            return target.containsKey("enum") && target.getJsonArray("enum").contains(jakarta.json.JsonValue.NULL);
        }
    }

    private static List<Error> validate(String json) {
        return schema.validate(json, InputFormat.JSON);
    }
}
