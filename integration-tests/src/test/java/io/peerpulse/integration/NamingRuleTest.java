package io.peerpulse.integration;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ResolvedModule;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One naming rule for every exported type, checked over every public record component and every public
 * no-argument method of every public type in every package a PeerPulse module exports to all (the JSON
 * export's keys are the records' component names, so this checks them too):
 * <ul>
 *   <li>an integer is a count ({@code …Count}), a duration ({@code …Ms}, {@code …Nanos}), a wall-clock
 *       instant ({@code …EpochMs}), a monotonic reading ({@code …NanoTime}), or a {@code …Number} /
 *       {@code …Index} / {@code …Bytes} / {@code …Id} / {@code …Port};</li>
 *   <li>a fractional number is a duration in ms ({@code …Ms}), a ratio ({@code …Ratio}) or a connection quality
 *       score, unitless 0–100 ({@code …Score}, or {@code score} alone); the one exception is a
 *       {@code QualityReason}'s {@code value} and {@code threshold}, whose unit its {@code metric} names;</li>
 *   <li>a plural name is a list (or a set, map or array), never one number or string;</li>
 *   <li>quantiles are {@code p95Ms}, {@code p99Ms}; the middle one is {@code medianMs}, never {@code p50Ms}.</li>
 * </ul>
 * Every module of the build that exports a package to all is checked: the test finds them in the sources
 * ({@code module-info.java} under the repository) and fails naming any it cannot see, so that a module added later
 * is not skipped silently. It sees the modules of the boot layer and, in a layer of their own, those listed in
 * {@code peerpulse.naming.modules} (exporters the other tests must not find: integration-tests' pom).
 * Runs on the module path only: it reads the boot layer's modules.
 */
class NamingRuleTest {

    /** Modules the source scan must find, so that a broken scan cannot pass on nothing. */
    private static final Set<String> MODULES = Set.of("io.peerpulse.telemetry", "io.peerpulse.webrtc",
            "io.peerpulse.session", "io.peerpulse.session.journal", "io.peerpulse.testkit", "io.peerpulse.lab",
            "io.peerpulse.virtualtime", "io.peerpulse.export.files", "io.peerpulse.export.json",
            "io.peerpulse.export.csv", "io.peerpulse.export.jsonl", "io.peerpulse.export.html");
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern MODULE_NAME = Pattern.compile("\\bmodule\\s+([\\w.]+)\\s*\\{");
    /** An export to all: {@code exports p;}, not {@code exports p to …;}. */
    private static final Pattern EXPORT_TO_ALL = Pattern.compile("\\bexports\\s+[\\w.]+\\s*;");
    private static final Pattern INTEGER_NAME = Pattern.compile(".*(Count|Ms|EpochMs|Nanos|NanoTime|Number|Index|Bytes|Id|Port)");
    private static final Pattern FRACTION_NAME = Pattern.compile(".*(Ms|Ratio|Score)|score");
    /** Fractions in the unit another component names. */
    private static final Set<String> UNIT_NAMED_ELSEWHERE = Set.of("io.peerpulse.session.QualityReason.value",
            "io.peerpulse.session.QualityReason.threshold");
    /** Methods every type has, or that JUnit calls, or that are verbs: not state. */
    private static final Set<String> NOT_STATE = Set.of("hashCode", "toString", "getClass", "size", "ordinal",
            "values", "hashCodeOfState", "length", "read", "next", "start", "stop", "close", "run", "build");

    @Test
    void everyExportedRecordAndAccessorFollowsTheNamingRule() throws IOException {
        List<String> violations = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        for (ModuleLayer layer : layers()) {
            for (ResolvedModule module : layer.configuration().modules()) {
                if (module.name().startsWith("io.peerpulse.")) {
                    seen.add(module.name());
                    checkExported(layer.findModule(module.name()).orElseThrow(), module, violations);
                }
            }
        }
        Set<String> inBuild = exportingModulesOfTheBuild();
        assertThat(inBuild).as("modules exporting a package to all, found in " + ROOT).containsAll(MODULES);
        assertThat(seen).as("the modules checked (a module missing here: add it to integration-tests' pom, as a"
                + " dependency and, unless the tests require it, to peerpulse.naming.modules)").containsAll(inBuild);
        assertThat(violations).as("names breaking the rule").isEmpty();
    }

    /** Checks every public type of the packages the module exports to all. */
    private static void checkExported(Module loaded, ResolvedModule module, List<String> violations)
            throws IOException {
        Set<String> exported = module.reference().descriptor().exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        try (ModuleReader reader = module.reference().open()) {
            for (String resource : reader.list().filter(r -> r.endsWith(".class")).toList()) {
                String className = resource.substring(0, resource.length() - 6).replace('/', '.');
                int dot = className.lastIndexOf('.');
                if (dot < 0 || !exported.contains(className.substring(0, dot)) || className.endsWith("module-info")
                        || className.endsWith("package-info")) {
                    continue;
                }
                Class<?> type = classIn(loaded, className);
                if (type != null && Modifier.isPublic(type.getModifiers())) {
                    check(type, violations);
                }
            }
        }
    }

    /** The boot layer, then a layer of the modules {@code peerpulse.naming.modules} lists (if any). */
    private static List<ModuleLayer> layers() {
        List<ModuleLayer> layers = new ArrayList<>(List.of(ModuleLayer.boot()));
        String listed = System.getProperty("peerpulse.naming.modules", "");
        Path[] paths = Arrays.stream(listed.split(java.io.File.pathSeparator)).filter(p -> !p.isBlank())
                .map(Path::of).toArray(Path[]::new);
        if (paths.length > 0) {
            ModuleFinder finder = ModuleFinder.of(paths);
            Set<String> names = finder.findAll().stream().map(m -> m.descriptor().name()).collect(Collectors.toSet());
            Configuration configuration = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(), names);
            layers.add(ModuleLayer.boot().defineModulesWithOneLoader(configuration, ClassLoader.getSystemClassLoader()));
        }
        return layers;
    }

    /** The modules under {@link #ROOT} whose {@code module-info.java} (main code) exports a package to all. */
    private static Set<String> exportingModulesOfTheBuild() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(f -> f.endsWith(Path.of("src", "main", "java", "module-info.java")))
                    .filter(f -> java.util.stream.StreamSupport.stream(ROOT.relativize(f).spliterator(), false)
                            .noneMatch(part -> part.toString().equals("target") || part.toString().startsWith(".")))
                    .map(NamingRuleTest::exportingModule).filter(name -> !name.isEmpty())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** @return the module's name when it exports a package to all, else "" */
    private static String exportingModule(Path moduleInfo) {
        String text;
        try {
            text = Files.readString(moduleInfo).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher name = MODULE_NAME.matcher(text);
        return name.find() && EXPORT_TO_ALL.matcher(text).find() ? name.group(1) : "";
    }

    private static Class<?> classIn(Module module, String className) {
        try {
            return Class.forName(module, className);
        } catch (LinkageError e) {
            return null; // a type needing an optional dependency that is absent here
        }
    }

    private static void check(Class<?> type, List<String> violations) {
        if (type.isRecord()) {
            for (RecordComponent component : type.getRecordComponents()) {
                checkName(type.getName() + "." + component.getName(), component.getName(), component.getType(),
                        violations);
            }
            return;
        }
        for (Method method : type.getMethods()) {
            if (method.getParameterCount() != 0 || method.getDeclaringClass() != type || method.isSynthetic()
                    || Modifier.isStatic(method.getModifiers()) || method.getReturnType() == void.class
                    || NOT_STATE.contains(method.getName())) {
                continue;
            }
            String name = method.getName().startsWith("get") && method.getName().length() > 3
                    ? Character.toLowerCase(method.getName().charAt(3)) + method.getName().substring(4)
                    : method.getName();
            checkName(type.getName() + "." + method.getName() + "()", name, method.getReturnType(), violations);
        }
    }

    private static void checkName(String where, String name, Class<?> type, List<String> violations) {
        boolean integer = type == long.class || type == int.class || type == short.class || type == Long.class
                || type == Integer.class || type == Short.class;
        boolean fraction = type == double.class || type == float.class || type == Double.class || type == Float.class;
        if (integer && !INTEGER_NAME.matcher(name).matches()) {
            violations.add(where + ": an integer named neither …Count, …Ms, …EpochMs, …Nanos, …NanoTime, …Number,"
                    + " …Index nor …Bytes");
        }
        if (fraction && !FRACTION_NAME.matcher(name).matches() && !UNIT_NAMED_ELSEWHERE.contains(where)) {
            violations.add(where + ": a fractional number named neither …Ms, …Ratio nor …Score");
        }
        if (plural(name) && (integer || fraction || type == String.class)) {
            violations.add(where + ": a plural name for one " + type.getSimpleName() + ", not a list");
        }
        if (name.matches("p50.*")) {
            violations.add(where + ": the middle quantile is medianMs");
        }
    }

    private static boolean plural(String name) {
        return name.endsWith("s") && !name.endsWith("ss") && !name.endsWith("Ms") && !name.endsWith("Nanos")
                && !name.endsWith("Bytes")
                && !name.endsWith("us") && !name.equals("is") && !name.startsWith("is") && !name.startsWith("has");
    }

}
