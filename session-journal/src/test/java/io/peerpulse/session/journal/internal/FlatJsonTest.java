package io.peerpulse.session.journal.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FlatJsonTest {

    // ---- round trips ---------------------------------------------------------------------------

    @Test
    void stringsRoundTripWhateverTheyHold() {
        String nonBmp = "😀 𝄞 \uD83D\uDE00";
        String controls = "\0\u0001\b\f\n\r\t\u001F\u007F\u2028\u2029";
        String[] values = {"", "plain", "say \"hi\"", "back\\slash\\", "\\\"", "\\u0041 is not an escape here",
                controls, nonBmp, "séance 日本", "/slash/", "{\"not\":\"nested\"}", "trailing,comma,"};
        for (String value : values) {
            String line = FlatJson.object().put("k", value).toString();
            assertThat(line).as("one line").doesNotContain("\n", "\r", "\u2028", "\u2029");
            assertThat(FlatJson.parse(line).requireString("k")).as(line).isEqualTo(value);
            // and through the bytes of the journal file
            String decoded = new String(line.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            assertThat(FlatJson.parse(decoded).requireString("k")).isEqualTo(value);
        }
    }

    @Test
    void everyControlCharacterIsEscapedAndReadBack() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x20; c++) {
            all.append(c);
        }
        String line = FlatJson.object().put("k", all.toString()).toString();
        for (int k = 0; k < line.length(); k++) {
            assertThat(line.charAt(k)).as("raw control character in %s", line).isGreaterThanOrEqualTo(' ');
        }
        assertThat(FlatJson.parse(line).requireString("k")).isEqualTo(all.toString());
    }

    @Test
    void aLoneSurrogateIsWrittenAsTheReplacementCharacterSoTheLineStaysReadable() {
        String line = FlatJson.object().put("k", "a\uD800b\uDC00c").toString();
        assertThat(FlatJson.parse(line).requireString("k")).isEqualTo("a\uFFFDb\uFFFDc");
    }

    @Test
    void nullRoundTripsAndIsTellableFromAbsent() {
        FlatJson.Parsed parsed = FlatJson.parse(FlatJson.object().put("k", (String) null).toString());
        assertThat(parsed.has("k")).isTrue();
        assertThat(parsed.has("other")).isFalse();
        assertThat(parsed.string("k")).isEmpty();
        assertThat(parsed.optionalLong("k")).isEmpty();
        assertThatThrownBy(() -> parsed.requireString("k")).hasMessage("'k' is null");
        assertThatThrownBy(() -> parsed.requireLong("k")).hasMessage("'k' is null");
        assertThatThrownBy(() -> parsed.requireDouble("other")).hasMessage("'other' is missing");
    }

    @Test
    void longsRoundTripAtTheExtremes() {
        long[] values = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE + 1,
                Integer.MAX_VALUE + 1L, 1_767_225_600_000L};
        for (long value : values) {
            FlatJson.Parsed parsed = FlatJson.parse(FlatJson.object().put("k", value).toString());
            assertThat(parsed.requireLong("k")).isEqualTo(value);
            assertThat(parsed.optionalLong("k")).contains(value);
        }
    }

    @Test
    void doublesRoundTripBitExactly() {
        double[] values = {0.0, -0.0, 0.1, 0.1 + 0.2, 1 / 3.0, 42.5, -1e-4, 59_999.999, 1e23, 2e23,
                Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Math.nextDown(Double.MIN_NORMAL),
                Double.longBitsToDouble(0x000F_FFFF_FFFF_FFFFL), Double.MAX_VALUE, -Double.MAX_VALUE,
                Math.nextUp(1.0), Math.ulp(1.0)};
        for (double value : values) {
            assertBitExact(value);
        }
        SplittableRandom random = new SplittableRandom(20_260_101);
        for (int n = 0; n < 10_000; n++) {
            double value = Double.longBitsToDouble(random.nextLong());
            if (Double.isFinite(value)) {
                assertBitExact(value);
            }
            assertBitExact(random.nextDouble() * 1000);
        }
        assertThat(FlatJson.object().put("k", 0.1).toString()).as("shortest digits").isEqualTo("{\"k\":0.1}");
        assertThat(FlatJson.object().put("k", -0.0).toString()).isEqualTo("{\"k\":-0.0}");
    }

    private static void assertBitExact(double value) {
        String line = FlatJson.object().put("k", value).toString();
        assertThat(Double.doubleToRawLongBits(FlatJson.parse(line).requireDouble("k"))).as(line)
                .isEqualTo(Double.doubleToRawLongBits(value));
    }

    @Test
    void theWriterRefusesNonFiniteDoubles() {
        assertThatThrownBy(() -> FlatJson.object().put("rttMs", Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rttMs");
        assertThatThrownBy(() -> FlatJson.object().put("rttMs", Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aWholeJournalLineRoundTripsWithItsMembersInOrder() {
        String line = FlatJson.object().put("type", "poll").put("t", 1_767_225_600_123L).put("outcome", "MEASURED")
                .put("rttMs", 40.125).put("rttBits", Double.doubleToRawLongBits(40.125)).put("reason", (String) null)
                .toString();
        FlatJson.Parsed parsed = FlatJson.parse("  " + line + " \r");
        assertThat(parsed.requireString("type")).isEqualTo("poll");
        assertThat(parsed.requireLong("t")).isEqualTo(1_767_225_600_123L);
        assertThat(parsed.requireDouble("rttMs")).isEqualTo(40.125);
        assertThat(parsed.requireLong("rttBits")).isEqualTo(Double.doubleToRawLongBits(40.125));
        assertThat(FlatJson.parse("{}").has("type")).isFalse();
        assertThat(FlatJson.parse(" { \"a\" : 1 , \"b\" : \"x\" } ").requireLong("a")).isEqualTo(1);
    }

    @Test
    void validJsonNumbersAndEscapesAreRead() {
        FlatJson.Parsed parsed = FlatJson.parse("{\"a\":-0,\"b\":1E+2,\"c\":2.50e-1,\"d\":1e3,\"e\":-12.0,"
                + "\"s\":\"\\u00e9\\/\\b\\f\\uD83D\\uDE00\\u004A\"}");
        assertThat(parsed.requireLong("a")).isZero();
        assertThat(parsed.requireDouble("b")).isEqualTo(100.0);
        assertThat(parsed.requireDouble("c")).isEqualTo(0.25);
        assertThat(parsed.requireLong("d")).as("a whole number written with an exponent").isEqualTo(1000);
        assertThat(parsed.requireLong("e")).as("a whole number written with a fraction part of 0").isEqualTo(-12);
        assertThat(parsed.requireString("s")).isEqualTo("é/\b\f😀J");
    }

    // ---- rejections ----------------------------------------------------------------------------

    static Stream<Arguments> notJson() {
        return Stream.of(
                // numbers outside RFC 8259's grammar
                bad("{\"t\":+1}", "'t'", "'+1'", "character 6"),
                bad("{\"t\":1.}", "'t'", "'1.'", "no digit after '.'", "character 6"),
                bad("{\"t\":1.e5}", "'t'", "no digit after '.'"),
                bad("{\"t\":.5}", "'t'", "'.5'", "character 6"),
                bad("{\"t\":01}", "'t'", "'01'", "leading zero", "character 6"),
                bad("{\"t\":-01}", "'t'", "leading zero"),
                bad("{\"t\":00}", "'t'", "leading zero"),
                bad("{\"t\":-}", "'t'", "'-'", "no digit after '-'", "character 6"),
                bad("{\"t\":1e}", "'t'", "'1e'", "no digit in the exponent", "character 6"),
                bad("{\"t\":1E+}", "'t'", "no digit in the exponent"),
                bad("{\"t\":NaN}", "'t'", "'NaN'", "no NaN or Infinity", "character 6"),
                bad("{\"t\":Infinity}", "'t'", "'Infinity'", "no NaN or Infinity"),
                bad("{\"t\":-Infinity}", "'t'", "'-Infinity'", "not a JSON number"),
                bad("{\"t\":0x10}", "'t'", "after the value of 't'", "character 7"),
                bad("{\"t\":1 2}", "'t'", "character 8"),
                // literals the writer never writes, and misspelt ones
                bad("{\"ok\":true}", "'ok'", "'true'", "no true or false"),
                bad("{\"ok\":false}", "'ok'", "'false'"),
                bad("{\"a\":nul}", "'a'", "'nul'"),
                bad("{\"a\":nullx}", "'a'", "'nullx'"),
                bad("{\"a\":}", "'a'", "'}'", "character 6"),
                bad("{\"a\":'x'}", "'a'", "character 6"),
                // keys
                bad("{\"t\":1,\"t\":2}", "the key 't' appears twice", "character 8"),
                bad("{\"t\":1,\"u\":null,\"t\":1}", "'t' appears twice", "character 17"),
                bad("{t:1}", "a key in double quotes", "character 2"),
                bad("{\"t\" 1}", "':' was expected after the key 't'", "character 6"),
                // strings
                bad("{\"s\":\"a\nb\"}", "'s'", "control character U+000A", "character 8"),
                bad("{\"s\":\"a\tb\"}", "'s'", "U+0009", "unescaped"),
                bad("{\"s\":\"\u0000\"}", "U+0000"),
                bad("{\"s\u0001\":1}", "a key", "U+0001", "character 4"),
                bad("{\"s\":\"\\x41\"}", "'s'", "invalid escape '\\x'", "character 7"),
                bad("{\"s\":\"\\'\"}", "invalid escape"),
                bad("{\"s\":\"\\u12\"}", "'s'", "four hex digits", "character 7"),
                bad("{\"s\":\"\\u+123\"}", "four hex digits"),
                bad("{\"s\":\"\\u12G4\"}", "four hex digits"),
                bad("{\"s\":\"\\uD800\"}", "'s'", "high surrogate \\uD800", "without a low surrogate", "character 7"),
                bad("{\"s\":\"\\uD800x\"}", "without a low surrogate"),
                bad("{\"s\":\"\\uD800\\u0041\"}", "without a low surrogate"),
                bad("{\"s\":\"\\uD800\\uD800\"}", "without a low surrogate"),
                bad("{\"s\":\"\\uDC00\"}", "'s'", "low surrogate \\uDC00", "without a high surrogate"),
                bad("{\"s\":\"a\uD800\"}", "'s'", "lone surrogate U+D800", "character 8"),
                bad("{\"s\":\"\uDC00b\"}", "lone surrogate U+DC00"),
                // flat only
                bad("{\"o\":{\"a\":1}}", "'o'", "nested object", "character 6"),
                bad("{\"o\":[1,2]}", "'o'", "an array", "character 6"),
                bad("{\"o\":{}}", "nested object"),
                bad("[1]", "an object '{' was expected", "character 1"),
                bad("\"x\"", "an object '{' was expected"),
                // commas, trailing text, concatenation
                bad("{\"t\":1,}", "trailing comma", "character 8"),
                bad("{,}", "a key in double quotes", "character 2"),
                bad("{\"t\":1,,\"u\":2}", "a key in double quotes was expected after ','", "character 8"),
                bad("{\"t\":1\"u\":2}", "',' or '}' was expected after the value of 't'", "character 7"),
                bad("{\"t\":1} x", "text follows the end of the object", "character 9"),
                bad("{\"t\":1}}", "text follows", "character 8"),
                bad("{\"t\":1}{\"t\":2}", "a second object", "character 8"),
                bad("{\"t\":1} {}", "a second object", "character 9"),
                // unterminated: a torn line
                bad("", "the line is empty"),
                bad("   ", "the line is empty"),
                bad("{", "the end of the line", "character 2"),
                bad("{\"t", "inside a key", "no closing", "character 2"),
                bad("{\"t\"", "':' was expected after the key 't'", "end of the line"),
                bad("{\"t\":", "the value of 't'", "line ends", "character 6"),
                bad("{\"t\":1", "after the value of 't'", "end of the line", "character 7"),
                bad("{\"t\":1,", "a key in double quotes", "end of the line", "character 8"),
                bad("{\"s\":\"abc", "inside the value of 's'", "no closing", "character 6"),
                bad("{\"s\":\"abc\\", "inside an escape", "character 10"),
                bad("{\"t\":1e5", "after the value of 't'"),
                bad("{\"type\":\"poll\",\"t\":", "the value of 't'"));
    }

    private static Arguments bad(String line, String... messageParts) {
        return Arguments.of(line, messageParts);
    }

    @ParameterizedTest
    @MethodSource("notJson")
    void whatJsonRejectsIsRejectedNamingWhatAndWhere(String line, String[] messageParts) {
        assertThatThrownBy(() -> FlatJson.parse(line)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll(messageParts)
                .hasMessageContaining("at character ");
    }

    @Test
    void anErrorMessageNamesTheCharacterCountedFromOne() {
        assertThatThrownBy(() -> FlatJson.parse("x")).hasMessage("an object '{' was expected, found 'x' at character 1");
        assertThatThrownBy(() -> FlatJson.parse("{\"t\":01}"))
                .hasMessage("the value of 't' is not a JSON number: '01' has a leading zero at character 6");
    }

    // ---- number accessors ----------------------------------------------------------------------

    @Test
    void anIntegerOutsideTheLongRangeIsRefusedNotWrapped() {
        FlatJson.Parsed parsed = FlatJson.parse("{\"a\":9223372036854775808,\"b\":-9223372036854775809,"
                + "\"c\":1e19,\"d\":1e999999999,\"e\":18446744073709551616,\"f\":9223372036854775807,"
                + "\"g\":-9223372036854775808}");
        assertThatThrownBy(() -> parsed.requireLong("a")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("'a'", "9223372036854775808", "outside the integer range");
        assertThatThrownBy(() -> parsed.requireLong("b")).hasMessageContainingAll("'b'", "-9223372036854775809");
        assertThatThrownBy(() -> parsed.requireLong("c")).hasMessageContainingAll("'c'", "1e19", "outside");
        assertThatThrownBy(() -> parsed.requireLong("d")).hasMessageContainingAll("'d'", "1e999999999", "outside");
        assertThatThrownBy(() -> parsed.optionalLong("e")).hasMessageContainingAll("'e'", "outside");
        assertThat(parsed.requireLong("f")).isEqualTo(Long.MAX_VALUE);
        assertThat(parsed.requireLong("g")).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void aFractionIsNoInteger() {
        FlatJson.Parsed parsed = FlatJson.parse("{\"a\":1.9,\"b\":-0.5,\"c\":1e-1,\"d\":1.0000000000000000001,"
                + "\"e\":1e-999999999}");
        assertThatThrownBy(() -> parsed.requireLong("a")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'a' must be a whole number, was 1.9");
        assertThatThrownBy(() -> parsed.requireLong("b")).hasMessage("'b' must be a whole number, was -0.5");
        assertThatThrownBy(() -> parsed.requireLong("c")).hasMessageContaining("'c' must be a whole number");
        assertThatThrownBy(() -> parsed.requireLong("d")).hasMessageContaining("'d' must be a whole number");
        assertThatThrownBy(() -> parsed.requireLong("e")).hasMessageContaining("'e' must be a whole number");
    }

    @Test
    void aNumberTooLargeForADoubleIsRefused() {
        FlatJson.Parsed parsed = FlatJson.parse("{\"a\":1e400,\"b\":-1e400,\"c\":1.7976931348623157e308,"
                + "\"d\":1e-400}");
        assertThatThrownBy(() -> parsed.requireDouble("a")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'a' is too large for a double, was 1e400");
        assertThatThrownBy(() -> parsed.requireDouble("b")).hasMessageContainingAll("'b'", "-1e400");
        assertThat(parsed.requireDouble("c")).isEqualTo(Double.MAX_VALUE);
        assertThat(parsed.requireDouble("d")).as("underflow rounds to zero, as any decimal rounds").isZero();
    }

    @Test
    void aMemberOfTheWrongKindIsRefusedNamingKeyAndValue() {
        FlatJson.Parsed parsed = FlatJson.parse("{\"n\":12.5,\"s\":\"twelve\"}");
        assertThatThrownBy(() -> parsed.requireString("n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'n' must be a string, was the number 12.5");
        assertThatThrownBy(() -> parsed.requireLong("s")).hasMessage("'s' must be a number, was the string \"twelve\"");
        assertThatThrownBy(() -> parsed.requireDouble("s")).hasMessageContaining("'s' must be a number");
        assertThatThrownBy(() -> parsed.requireLong("missing")).hasMessage("'missing' is missing");
    }
}
