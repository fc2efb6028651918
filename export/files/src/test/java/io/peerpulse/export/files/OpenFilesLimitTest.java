package io.peerpulse.export.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process at its limit of open files, for real ({@code ulimit -n} in a child JVM). The JVM hands the C library's
 * words to its exceptions, and the C library speaks the user's language ({@code LANGUAGE=de}, as a German desktop
 * sets it, even under {@code LC_ALL=C.UTF-8}) once its catalog is loaded: EMFILE is then "Zu viele offene Dateien",
 * and a file export said "export directory … is not writable: zu viele offene Dateien", blaming the directory and
 * saying nothing of the limit. In any language the limit is named, with what to do.
 */
@Tag("integration")
@EnabledOnOs(OS.LINUX)
class OpenFilesLimitTest {

    @Test
    void theLimitOfOpenFilesIsNamedWhateverTheLanguageOfTheSystemsMessages(@TempDir Path dir)
            throws IOException, InterruptedException {
        for (String language : new String[] {"de", "fr", "en"}) {
            Path out = dir.resolve("out-" + language);
            Path exports = Files.createDirectories(dir.resolve("exports-" + language));
            ProcessBuilder builder = new ProcessBuilder("bash", "-c", "ulimit -n 64 && exec \"$0\" -cp \"$1\" "
                    + OpenFilesLimitMain.class.getName() + " \"$2\"", java(), classPath(), exports.toString())
                    .redirectOutput(out.toFile()).redirectErrorStream(true);
            builder.environment().put("LC_ALL", "C.UTF-8");
            builder.environment().put("LANGUAGE", language);
            Process child = builder.start();
            if (!child.waitFor(60, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                throw new AssertionError("the child did not exit within 60 s");
            }
            String printed = Files.readString(out, StandardCharsets.UTF_8);

            assertThat(child.exitValue()).as(printed).isZero();
            assertThat(printed).as(language).contains("at the limit after ")
                    .contains("export: export directory " + exports.toAbsolutePath() + ": no file can be opened: too many"
                            + " open files: the process is at its limit of open files (ulimit -n); raise it");
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** This module's classes and the test's module path and class path. */
    private static String classPath() {
        Set<String> entries = new LinkedHashSet<>(List.of(Path.of("target", "test-classes").toAbsolutePath().toString(),
                Path.of("target", "classes").toAbsolutePath().toString()));
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            Arrays.stream(System.getProperty(property, "").split(File.pathSeparator)).filter(s -> !s.isBlank())
                    .forEach(entries::add);
        }
        return String.join(File.pathSeparator, entries);
    }
}
