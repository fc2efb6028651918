package io.peerpulse.export.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.testkit.SessionExporterContract;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reading hostile files: thousands of random mutations of a real export (fixed seeds), and a few
 * crafted ones. Every read either returns a report that its own records accept, or fails with the
 * documented exception — never with anything else, and never by hanging or running out of stack.
 */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class SessionReportJsonFuzzTest {

    private static final String SYNTAX = "{}[]\",:-0e.9ntf\\u";
    private static final String VALID = SessionReportJson.toJson(SessionExporterContract.fullReport("fuzz"));

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a parser that spins fails, not hangs
    void randomMutationsEitherReadOrFailWithIoException() {
        SplittableRandom random = new SplittableRandom(20261125);
        int read = 0;
        int refused = 0;
        List<String> unexpected = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            String mutated = mutate(VALID, random);
            try {
                SessionReport report = SessionReportJson.read(
                        new ByteArrayInputStream(mutated.getBytes(StandardCharsets.UTF_8)));
                assertThat(report.sessionMetrics()).isNotNull();
                read++;
            } catch (IOException expected) {
                assertThat(expected.getMessage()).isNotBlank();
                refused++;
            } catch (RuntimeException | StackOverflowError e) {
                unexpected.add(e + " for input #" + i);
            }
        }
        assertThat(unexpected).isEmpty();
        // both branches really ran: mutations that keep a valid report, and ones that break it
        assertThat(read).isPositive();
        assertThat(refused).isPositive();
    }

    /**
     * A file cut off (a copy or a disk that stopped short) is told as such, with its true length: Parsson's own
     * position at the end of the input lies past the end, and reading on after it once made the decoder fail
     * with "Current state = FLUSHED".
     */
    @Test
    void aCutOffExportSaysWhereItEnds() throws IOException {
        byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
        List<String> wrong = new ArrayList<>();
        for (int cut = 1; cut < valid.length; cut += 7) {
            try {
                SessionReportJson.read(new ByteArrayInputStream(java.util.Arrays.copyOf(valid, cut)));
                wrong.add(cut + ": read");
            } catch (IOException e) {
                String expected = "not a session report: stream: the document ends early, after " + cut
                        + " bytes (a file cut off?)";
                if (!e.getMessage().equals(expected) && !e.getMessage().contains("not valid UTF-8 at byte")) {
                    wrong.add(cut + ": " + e.getMessage());
                }
            }
        }
        assertThat(wrong).isEmpty();
        Utf8Reader reader = new Utf8Reader(new ByteArrayInputStream("ab".getBytes(StandardCharsets.UTF_8)));
        char[] chars = new char[8];
        assertThat(reader.read(chars, 0, 8)).isEqualTo(2);
        assertThat(reader.read(chars, 0, 8)).isEqualTo(-1);
        assertThat(reader.read(chars, 0, 8)).as("asked again after the end").isEqualTo(-1);
        assertThatThrownBy(() -> SessionReportJson.read(new ByteArrayInputStream(new byte[0])))
                .isInstanceOf(IOException.class).hasMessage("not a session report: stream: the document is empty");
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void craftedHostileDocumentsAreRefusedCleanly() {
        List<String> hostile = List.of(
                "", "null", "[]", "42", "\"text\"", "{", "{}",
                "[".repeat(100_000) + "]".repeat(100_000),
                "{\"sessionMetrics\":" + "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000) + "}",
                VALID.replace("\"rttMs\": ", "\"rttMs\": -"),
                VALID.replaceFirst("\"sampleCount\": \\d+", "\"sampleCount\": 99999"),
                VALID.replaceFirst("\"rttMs\": [0-9.]+", "\"rttMs\": 1e999"),
                VALID.replaceFirst("\"timestampEpochMs\": \\d+", "\"timestampEpochMs\": \"yesterday\""),
                VALID.replaceFirst("\"samples\": \\[", "\"samples\": {").substring(0, VALID.length() / 2));
        for (String document : hostile) {
            try {
                SessionReportJson.read(new ByteArrayInputStream(document.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException expected) {
                continue;
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError("unexpected " + e + " for a document starting "
                        + document.substring(0, Math.min(60, document.length())), e);
            }
        }
    }

    /** One to three random edits: delete, insert, duplicate or replace a span, or cut the end. */
    private static String mutate(String text, SplittableRandom random) {
        StringBuilder out = new StringBuilder(text);
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && out.length() > 0; e++) {
            int at = random.nextInt(out.length());
            int span = Math.min(out.length() - at, 1 + random.nextInt(12));
            switch (random.nextInt(6)) {
                case 0 -> out.delete(at, at + span);
                case 1 -> out.insert(at, randomText(random, span));
                case 2 -> out.insert(at, out.substring(at, at + span));
                case 3 -> out.replace(at, at + span, randomText(random, span));
                case 4 -> out.setLength(at);
                default -> out.replace(at, at + 1, String.valueOf(SYNTAX.charAt(random.nextInt(SYNTAX.length()))));
            }
        }
        return out.toString();
    }

    private static String randomText(SplittableRandom random, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) (random.nextInt(5) == 0 ? random.nextInt(0x3000) : 32 + random.nextInt(95)));
        }
        return text.toString();
    }
}
