package io.peerpulse.cli;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What this module's tests run a child JVM with: this JVM's {@code java} and the test's whole class path. */
final class ChildJava {

    private ChildJava() {
    }

    /** @return {@code <java.home>/bin/java} */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * @return this module's {@code target/test-classes} and {@code target/classes}, then every entry of the test's
     *         module path and class path
     */
    static String classPath() {
        Set<String> entries = new LinkedHashSet<>(List.of(Path.of("target", "test-classes").toAbsolutePath().toString(),
                Path.of("target", "classes").toAbsolutePath().toString()));
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            Arrays.stream(System.getProperty(property, "").split(File.pathSeparator)).filter(s -> !s.isBlank())
                    .forEach(entries::add);
        }
        return String.join(File.pathSeparator, entries);
    }
}
