package io.peerpulse.export.files;

import io.peerpulse.session.spi.SessionExporter;

import io.peerpulse.session.spi.ExportSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileExporterProviderTest {

    private static final String KEY = "peerpulse.export.text-report.directory";

    @TempDir
    Path dir;

    /** Writes the session id and the player id, one a line. */
    static final class TextProvider extends FileExporterProvider {
        TextProvider() {
            super("text-report", "txt", (report, out) -> out.write((report.sessionMetrics().sessionId() + "\n"
                    + report.sessionMetrics().playerId() + "\n").getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void theNameGivesTheDirectorySetting() {
        TextProvider provider = new TextProvider();
        assertThat(provider.name()).isEqualTo("text-report");
        assertThat(provider.extension()).isEqualTo("txt");
        assertThat(provider.directorySetting()).isEqualTo(KEY);
    }

    @Test
    void theFileIsDirStemDotExtensionAndASecondOneGetsASuffix() throws IOException {
        Path out = dir.resolve("not/yet");
        close(session("exp-42", out));
        close(session("exp-42", out));
        close(session("../escape", out));

        assertThat(out.resolve("exp-42.txt")).hasContent("exp-42\np1");
        assertThat(out.resolve("exp-42-1.txt")).hasContent("exp-42\np1");
        Path escaped = out.resolve(ExportFiles.fileStem("../escape") + ".txt");
        assertThat(escaped).hasContent("../escape\np1");
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile)).containsExactlyInAnyOrder(out.resolve("exp-42.txt"),
                    out.resolve("exp-42-1.txt"), escaped);
        }
    }

    @Test
    void theExporterReturnsTheFileRulesFailuresAndLeavesNothing() throws IOException {
        SessionReport report = close(session("report", dir));
        Files.writeString(dir.resolve("file"), "x");
        SessionExporter blocked = new TextProvider().create(settings(dir.resolve("file/sub").toString()));
        assertThatThrownBy(() -> blocked.sessionEnded(report)).isInstanceOf(IOException.class)
                .hasMessageContaining(dir.resolve("file/sub").toAbsolutePath().toString());

        FileExporterProvider failing = new FileExporterProvider("failing", "txt", (r, out) -> {
            out.write(1);
            throw new IOException("no more");
        }) { };
        assertThatThrownBy(() -> failing.create(settings(dir.toString())).sessionEnded(report))
                .isInstanceOf(IOException.class).hasMessage("no more");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("report.txt", "file");
        }
    }

    @Test
    void withoutTheSettingTheDirectoryIsTheDefault() {
        assertThat(System.getProperty(KEY)).as("precondition: no system property").isNull();
        assertThat(new TextProvider().directory(ExportSettings.of(Map.of(), Map.of())))
                .isEqualTo(Path.of(ExportFiles.DEFAULT_DIRECTORY)).isEqualTo(Path.of("peerpulse-sessions"));
        assertThat(new TextProvider().create(ExportSettings.of(Map.of(), Map.of())))
                .hasToString("text-report exporter[peerpulse-sessions]");
    }

    @Test
    void theSettingIsUsedAndABadOneFailsCreateNamingTheKey() {
        assertThat(new TextProvider().directory(settings(dir.toString()))).isEqualTo(dir);
        assertThatThrownBy(() -> new TextProvider().create(raw("  ")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(KEY + " must not be blank");
        assertThatThrownBy(() -> new TextProvider().create(raw("")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(KEY + " must not be blank");
        assertThatThrownBy(() -> new TextProvider().create(raw("a\0b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(KEY + " is not a valid path");
        assertThatThrownBy(() -> GameSession.builder("s").exporterProviders(List.of(new TextProvider()))
                .exportSetting(KEY, "bad\0dir").executor(Runnable::run).build())
                .as("fails the session's build, not its end")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll("text-report", KEY);
    }

    /**
     * The setting names a file that exists (a typo, or the jsonl file's name given as a directory): refused at
     * {@code build()}, naming the key and the value, not found only at {@code close()} as a WARNING after the
     * session ran, with this exporter's file lost.
     */
    @Test
    void aDirectorySettingNamingAFileFailsTheBuildNotTheEnd() throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("sessions.jsonl"), "{}\n");
        assertThatThrownBy(() -> session("in-a-file", file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("exporter 'text-report': " + KEY + " is '" + file + "', which is a file, not a directory");
        assertThatThrownBy(() -> new TextProvider().directory(settings(file.toString())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(KEY, "not a directory");
        assertThat(file).hasContent("{}\n");
        java.nio.file.Files.createSymbolicLink(dir.resolve("link"), java.nio.file.Files.createDirectory(dir.resolve("d")));
        assertThat(new TextProvider().create(settings(dir.resolve("link").toString())))
                .as("a link to a directory is a directory").isNotNull();
    }

    @Test
    void aBadNameOrExtensionFailsTheConstructor() {
        assertThatThrownBy(() -> new FileExporterProvider("Json", "json", (r, out) -> { }) { })
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Json'");
        assertThatThrownBy(() -> new FileExporterProvider("a.b", "json", (r, out) -> { }) { })
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a.b'");
        assertThatThrownBy(() -> new FileExporterProvider("json", ".json", (r, out) -> { }) { })
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("extension", "'.json'");
        assertThatThrownBy(() -> new FileExporterProvider("json", "json", null) { })
                .isInstanceOf(NullPointerException.class).hasMessage("writer");
    }

    private GameSession session(String id, Path directory) {
        return GameSession.builder(id).playerId("p1").exporterProviders(List.of(new TextProvider()))
                .exportSetting(KEY, directory.toString()).executor(Runnable::run).build();
    }

    private static SessionReport close(GameSession session) {
        session.close();
        return session.exportReport();
    }

    /** Settings answering every key with {@code value}, which {@link ExportSettings#of} would refuse. */
    private static ExportSettings raw(String value) {
        return new ExportSettings() {
            @Override
            public Optional<String> get(String key) {
                return Optional.of(value);
            }

            @Override
            public <T> Optional<T> attribute(Class<T> type) {
                return Optional.empty();
            }
        };
    }

    private static ExportSettings settings(String directory) {
        return ExportSettings.of(Map.of(KEY, directory), Map.of());
    }
}
