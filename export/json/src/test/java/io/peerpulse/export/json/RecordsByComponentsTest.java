package io.peerpulse.export.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SessionExporterContract;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A report reads back whatever compiled its records. javac 21 and later mark the parameters of a record's compact
 * canonical constructor <i>mandated</i> in the class file, also with {@code --release 17}; JDK 17's reflection then
 * gives those parameters their raw types ({@code List}, not {@code List<RttSample>}), and Yasson, which bound a record
 * by its constructor's parameters, read a report's lists as lists of maps and refused the streamed samples: built
 * with JDK 25 and run on JDK 17, no export could be read. Here the report's classes are loaded again from their
 * class files, changed as such a compiler makes them ({@link Recompiled#MANDATED}: on JDK 17 the types are lost), or
 * with the constructors' generic signatures left out ({@link Recompiled#UNSIGNED}: the types are lost on every JDK).
 */
@ExtendWith(LogCapture.class) // the session made here logs the faults it is given
class RecordsByComponentsTest {

    private static final SessionReport FULL = SessionExporterContract.fullReport("recompiled");
    /** Read with the samples streamed. */
    private static final String VALID = SessionReportJson.toJson(FULL);
    /** A sample with a key the record does not know: read as one tree, nothing streamed. */
    private static final String WHOLE;

    static {
        int samples = VALID.indexOf("\"samples\": [");
        int rtt = VALID.indexOf("\"rttMs\":", samples);
        WHOLE = VALID.substring(0, rtt) + "\"later\": [1, {\"x\": null}], " + VALID.substring(rtt);
    }

    /** How the records' class files are changed. */
    enum Recompiled {
        /** The canonical constructor's parameters marked mandated (flag 0x8000), as javac 21 and later mark them. */
        MANDATED,
        /** The constructors without their Signature attribute: their parameters have raw types on any JDK. */
        UNSIGNED
    }

    @ParameterizedTest
    @EnumSource(Recompiled.class)
    void aReportReadsBackWhateverCompiledItsRecords(Recompiled how) throws Exception {
        ClassLoader loader = new RecompiledRecords(how, RecordsByComponentsTest.class.getClassLoader());
        Class<?> stats = Class.forName(LatencyStats.class.getName(), false, loader);
        assertThat(stats.getClassLoader()).isSameAs(loader);
        Constructor<?> canonical = stats.getDeclaredConstructor(
                java.util.Arrays.stream(stats.getRecordComponents()).map(c -> c.getType()).toArray(Class<?>[]::new));
        Type samples = canonical.getParameters()[canonical.getParameterCount() - 1].getParameterizedType();
        if (how == Recompiled.UNSIGNED) { // the setting this test means, on every JDK (MANDATED: on JDK 17)
            assertThat(samples).isEqualTo(List.class);
        }
        assertThat(stats.getRecordComponents()[canonical.getParameterCount() - 1].getGenericType())
                .isInstanceOf(ParameterizedType.class);

        Class<?> json = Class.forName(SessionReportJson.class.getName(), true, loader);
        assertThat(json.getClassLoader()).isSameAs(loader);
        for (String document : List.of(VALID, WHOLE)) {
            Object report;
            try {
                report = json.getMethod("read", InputStream.class)
                        .invoke(null, new ByteArrayInputStream(document.getBytes(StandardCharsets.UTF_8)));
            } catch (InvocationTargetException e) {
                throw new AssertionError((document == VALID ? "streamed: " : "whole: ") + e.getCause(), e.getCause());
            }
            assertThat(report.getClass().getClassLoader()).isSameAs(loader);
            assertThat(report.toString()).isEqualTo(FULL.toString()); // RttSample[…], not {rttMs=…} (a map)
        }
    }

    /**
     * Loads PeerPulse's classes itself, from the class files its parent has, the records' changed; everything else
     * from the parent.
     */
    private static final class RecompiledRecords extends ClassLoader {

        private final Recompiled how;

        RecompiledRecords(Recompiled how, ClassLoader parent) {
            super(parent);
            this.how = how;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("io.peerpulse.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded == null) {
                    byte[] bytes;
                    try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        if (in == null) {
                            throw new ClassNotFoundException(name);
                        }
                        bytes = in.readAllBytes();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    byte[] changed = recompiled(bytes, how);
                    loaded = defineClass(name, changed, 0, changed.length);
                }
                if (resolve) {
                    resolveClass(loaded);
                }
                return loaded;
            }
        }
    }

    /**
     * The class file changed in place, when it is a record's: each constructor's MethodParameters flags get
     * 0x8000 (mandated), or its Signature attribute is renamed to a name the JVM does not know (so ignored).
     */
    static byte[] recompiled(byte[] classFile, Recompiled how) {
        ByteBuffer in = ByteBuffer.wrap(classFile.clone());
        in.position(8);
        int count = in.getShort() & 0xFFFF;
        String[] utf8 = new String[count];
        for (int i = 1; i < count; i++) {
            int tag = in.get();
            switch (tag) {
                case 1 -> {
                    byte[] text = new byte[in.getShort() & 0xFFFF];
                    in.get(text);
                    utf8[i] = new String(text, StandardCharsets.UTF_8); // modified UTF-8: the names here are ASCII
                }
                case 7, 8, 16, 19, 20 -> in.position(in.position() + 2);
                case 15 -> in.position(in.position() + 3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.position(in.position() + 4);
                case 5, 6 -> {
                    in.position(in.position() + 8);
                    i++;
                }
                default -> throw new IllegalArgumentException("constant pool tag " + tag);
            }
        }
        int unknown = -1; // a name no JVM takes for an attribute
        for (int i = 1; i < count; i++) {
            if ("<init>".equals(utf8[i])) {
                unknown = i;
            }
        }
        in.position(in.position() + 6);
        int interfaces = in.getShort() & 0xFFFF;
        in.position(in.position() + 2 * interfaces);
        skipMembers(in, utf8, null); // fields
        List<Integer> changes = new ArrayList<>();
        skipMembers(in, utf8, changes); // methods: where a constructor's attributes say what to change
        boolean record = false;
        for (int attributes = in.getShort() & 0xFFFF; attributes > 0; attributes--) {
            record |= "Record".equals(utf8[in.getShort() & 0xFFFF]);
            skip(in);
        }
        if (!record) {
            return classFile;
        }
        for (int at : changes) {
            int attribute = in.getShort(at) & 0xFFFF;
            if (how == Recompiled.MANDATED && "MethodParameters".equals(utf8[attribute])) {
                int parameters = in.get(at + 6) & 0xFF;
                for (int p = 0; p < parameters; p++) {
                    int flags = at + 7 + 4 * p + 2;
                    in.putShort(flags, (short) (in.getShort(flags) | 0x8000));
                }
            } else if (how == Recompiled.UNSIGNED && "Signature".equals(utf8[attribute])) {
                in.putShort(at, (short) unknown);
            }
        }
        return in.array();
    }

    /** Skips an attribute's length and content. */
    private static void skip(ByteBuffer in) {
        int length = in.getInt();
        in.position(in.position() + length);
    }

    /** Skips fields or methods; for methods, adds where each attribute of a constructor starts to {@code changes}. */
    private static void skipMembers(ByteBuffer in, String[] utf8, List<Integer> changes) {
        for (int members = in.getShort() & 0xFFFF; members > 0; members--) {
            in.getShort();
            boolean constructor = "<init>".equals(utf8[in.getShort() & 0xFFFF]);
            in.getShort();
            for (int attributes = in.getShort() & 0xFFFF; attributes > 0; attributes--) {
                if (changes != null && constructor) {
                    changes.add(in.position());
                }
                in.getShort();
                skip(in);
            }
        }
    }
}
