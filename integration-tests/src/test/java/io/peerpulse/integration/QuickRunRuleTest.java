package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What {@code ./run-tests --quick} leaves out is decided here by default: every test class of this module is tagged
 * {@code integration} (real peers, Chromium, Prometheus, child JVMs) unless it is named below as one that needs
 * none of them. A new real-peer test that forgets its tag therefore fails this test instead of quietly slowing the
 * quick run (five did, 37 s of a 150 s run).
 */
class QuickRunRuleTest {

    /** The test classes of this module that use no peer, browser, server or child JVM: they run in the quick run. */
    private static final Set<String> QUICK = Set.of("BrowserScriptInJarTest", "DocsReferencesTest", "FileExportersTest",
            "NamingRuleTest", "QuickRunRuleTest");

    private static final Path SOURCES = Path.of("src", "test", "java", "io", "peerpulse", "integration");

    @Test
    void everyTestClassHereIsTaggedIntegrationUnlessItIsAQuickOne() throws Exception {
        List<String> testClasses = testClassNames();
        assertThat(testClasses).as("test classes found under " + SOURCES.toAbsolutePath()).hasSizeGreaterThan(20)
                .containsAll(QUICK);
        List<String> untagged = new ArrayList<>();
        List<String> quickButTagged = new ArrayList<>();
        for (String name : testClasses) {
            boolean integration = Arrays.stream(Class.forName(getClass().getPackageName() + "." + name)
                    .getAnnotationsByType(Tag.class)).anyMatch(tag -> tag.value().equals("integration"));
            if (QUICK.contains(name) && integration) {
                quickButTagged.add(name);
            } else if (!QUICK.contains(name) && !integration) {
                untagged.add(name);
            }
        }
        assertThat(untagged).as("test classes without @Tag(\"integration\"): tag them, or add them to QUICK if they"
                + " use no peer, browser, server or child JVM").isEmpty();
        assertThat(quickButTagged).as("classes in QUICK that are tagged integration").isEmpty();
    }

    private static List<String> testClassNames() throws IOException {
        try (Stream<Path> files = Files.list(SOURCES)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith("Test.java"))
                    .map(name -> name.substring(0, name.length() - ".java".length())).sorted().toList();
        }
    }
}
