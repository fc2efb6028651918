package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the Markdown files of the repository point at exists: every relative link resolves to a file (and its
 * anchor to a heading or an {@code <a id>} of it), and every test a document names as proof
 * ({@code module/…/SomeTest}, {@code SomeTest.method}, {@code …otherMethod}) is a test of that module with that
 * method. A renamed or moved test otherwise leaves RELIABILITY.md citing a proof that does not exist.
 */
class DocsReferencesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern FENCE = Pattern.compile("(?s)```.*?```");
    private static final Pattern HEADING = Pattern.compile("(?m)^#+\\s+(.+)$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a (?:id|name)=\"([^\"]+)\"");
    /** {@code `module/…/Class`}, {@code `Class.method`}, then any {@code , `…method`} following it. */
    private static final Pattern TEST_REF = Pattern.compile(
            "`(?:([\\w-]+(?:/[\\w-]+)?)/…/)?(?:[a-z]+\\.)*([A-Z]\\w*Test)(?:\\.(\\w+))?`((?:,?\\s*`…\\w+`)*)");
    private static final Pattern CONTINUATION = Pattern.compile("`…(\\w+)`");

    @Test
    void everyRelativeLinkResolvesToAFileAndAnchor() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : markdownFiles()) {
            String text = FENCE.matcher(Files.readString(doc)).replaceAll("");
            Matcher link = LINK.matcher(text);
            while (link.find()) {
                String target = link.group(1);
                if (target.startsWith("http://") || target.startsWith("https://") || target.startsWith("mailto:")) {
                    continue;
                }
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
                    broken.add(ROOT.relativize(doc) + ": " + target + " (no such file)");
                } else if (hash >= 0 && !anchors(resolved).contains(target.substring(hash + 1))) {
                    broken.add(ROOT.relativize(doc) + ": " + target + " (no such heading)");
                }
            }
        }
        assertThat(broken).as("relative links in the *.md files").isEmpty();
    }

    @Test
    void everyTestNamedAsProofExistsWithItsMethods() throws IOException {
        List<Path> tests = repositoryFiles().stream()
                .filter(p -> p.toString().contains("/src/test/java/") && p.toString().endsWith("Test.java"))
                .toList();
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (Path doc : markdownFiles()) {
            Matcher ref = TEST_REF.matcher(Files.readString(doc));
            while (ref.find()) {
                String module = ref.group(1);
                String name = ref.group(2);
                List<Path> candidates = tests.stream()
                        .filter(p -> p.getFileName().toString().equals(name + ".java"))
                        .filter(p -> module == null || ROOT.relativize(p).startsWith(module))
                        .toList();
                checked++;
                if (candidates.isEmpty()) {
                    missing.add(ROOT.relativize(doc) + ": " + ref.group() + " (no test " + name
                            + (module == null ? "" : " in " + module) + ")");
                    continue;
                }
                List<String> methods = new ArrayList<>();
                if (ref.group(3) != null) {
                    methods.add(ref.group(3));
                }
                Matcher more = CONTINUATION.matcher(ref.group(4));
                while (more.find()) {
                    methods.add(more.group(1));
                }
                for (String method : methods) {
                    Pattern declared = Pattern.compile("\\bvoid\\s+" + method + "\\s*\\(");
                    if (candidates.stream().noneMatch(p -> declared.matcher(read(p)).find())) {
                        missing.add(ROOT.relativize(doc) + ": " + name + "." + method + " (no such test method)");
                    }
                }
            }
        }
        assertThat(checked).as("test references found").isGreaterThan(50);
        assertThat(missing).as("tests named in the *.md files").isEmpty();
    }

    /**
     * Every doc comment of the shipped code stands right above the member it describes: one followed by another doc
     * comment is stranded (javac 17 does not warn of it), and the Javadoc shows the member below without it.
     */
    @Test
    void noDocCommentIsStrandedAboveAnother() throws IOException {
        Pattern stranded = Pattern.compile("\\*/\\s*/\\*\\*");
        List<String> found = new ArrayList<>();
        for (Path source : repositoryFiles()) {
            String path = source.toString().replace('\\', '/');
            if (path.endsWith(".java") && path.contains("/src/main/java/")) {
                String text = Files.readString(source);
                Matcher at = stranded.matcher(text);
                while (at.find()) {
                    found.add(ROOT.relativize(source) + ":" + (text.substring(0, at.start()).split("\n", -1).length));
                }
            }
        }
        assertThat(found).as("doc comments followed by another doc comment").isEmpty();
    }

    private static List<Path> markdownFiles() throws IOException {
        List<Path> docs = repositoryFiles().stream().filter(p -> p.toString().endsWith(".md")).sorted().toList();
        assertThat(docs).as("*.md files under " + ROOT).hasSizeGreaterThan(10);
        return docs;
    }

    /**
     * The repository's own files: build output ({@code target}), {@code node_modules} and hidden directories are not
     * entered, because the build writes into them while this test runs (surefire's reports of the tests beside it).
     */
    private static List<Path> repositoryFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        Files.walkFileTree(ROOT, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                boolean skip = !dir.equals(ROOT)
                        && (name.equals("target") || name.equals("node_modules") || name.startsWith("."));
                return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                files.add(file);
                return FileVisitResult.CONTINUE;
            }
        });
        return files;
    }

    /** GitHub's anchors: headings lower-cased, punctuation but '-' dropped, spaces as '-'; and {@code <a id>}. */
    private static Set<String> anchors(Path doc) {
        Set<String> anchors = new HashSet<>();
        String text = FENCE.matcher(read(doc)).replaceAll("");
        Matcher heading = HEADING.matcher(text);
        while (heading.find()) {
            anchors.add(heading.group(1).strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}_\\- ]", "")
                    .replace(' ', '-'));
        }
        Matcher html = HTML_ANCHOR.matcher(text);
        while (html.find()) {
            anchors.add(html.group(1));
        }
        return anchors;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
