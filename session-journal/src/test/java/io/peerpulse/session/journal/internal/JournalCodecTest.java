package io.peerpulse.session.journal.internal;

import static io.peerpulse.telemetry.fixtures.Records.path;
import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.core.SessionEvent;
import io.peerpulse.session.core.Stamp;
import io.peerpulse.telemetry.NetworkPath;
import io.peerpulse.telemetry.PollEvent;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.ProbeStats;
import io.peerpulse.testkit.SampleReports;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every kind of event to one line and back, exactly; the checksum rule. */
class JournalCodecTest {

    private static final Stamp AT = new Stamp(1_767_225_600_123L, -42_000_000_001L);
    private static final NetworkPath DIRECT = path("host", "srflx", "udp");
    private static final NetworkPath RELAYED = path("relay", "relay", "tcp");

    private static SessionEvent roundTrip(SessionEvent event) {
        String line = JournalCodec.encode(event, 7);
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        assertThat(LineChecksum.problem(bytes, bytes.length)).as(line).isNull();
        return JournalCodec.decode(FlatJson.parse(line));
    }

    @Test
    void everyKindOfEventComesBackEqual() {
        List<SessionEvent> events = List.of(
                new SessionEvent.Opened(AT, SessionEvent.OpenKind.FIRST, new SessionEvent.Source("probe", 0),
                        new SessionEvent.Source("ice", 2_500_000_000L)),
                new SessionEvent.Opened(AT, SessionEvent.OpenKind.SAME, new SessionEvent.Source("x \"y\"\n", 1), null),
                new SessionEvent.Opened(AT, SessionEvent.OpenKind.NEW, new SessionEvent.Source("z", 2), null),
                new SessionEvent.Polled(AT, SessionEvent.View.PRIMARY, new PollEvent(PollOutcome.MEASURED, AT.epochMs(),
                        sample(12, 0.1 + 0.2), DIRECT, RELAYED)),
                new SessionEvent.Polled(AT, SessionEvent.View.PRIMARY, new PollEvent(PollOutcome.MEASURED, AT.epochMs(),
                        sample(AT.epochMs(), Double.MIN_VALUE), null, DIRECT)),
                new SessionEvent.Polled(AT, SessionEvent.View.SECONDARY, new PollEvent(PollOutcome.STALE, AT.epochMs(),
                        null, null, null)),
                new SessionEvent.Polled(AT, SessionEvent.View.PRIMARY, new PollEvent(PollOutcome.SKIPPED, AT.epochMs(),
                        null, null, null)),
                new SessionEvent.Polled(AT, SessionEvent.View.PRIMARY, new PollEvent(PollOutcome.MEASURED, AT.epochMs(),
                        sample(AT.epochMs(), 40.5), null, null, 1_425.125)), // a late poll
                new SessionEvent.ProbeRead(AT, SampleReports.record(ProbeStats.class, "sentCount", 10L,
                        "answeredCount", 7L, "lostCount", 2L, "lateCount", 1L, "unansweredCount", 1L,
                        "lossRatio", 2.0 / 9, "offsetMs", -0.000_001, "errorBoundMs", 1e-300, "offsetEpochMs", 99L)),
                new SessionEvent.ProbeRead(AT, SampleReports.record(ProbeStats.class, "sentCount", 10L,
                        "answeredCount", 9L, "unansweredCount", 1L, "processedLateCount", 3L)),
                new SessionEvent.ProbeRead(AT, SampleReports.record(ProbeStats.class)),
                // a flood of forged pongs: refused, unmatched and dropped messages, beside a loss they may explain
                new SessionEvent.ProbeRead(AT, SampleReports.record(ProbeStats.class, "sentCount", 120L,
                        "answeredCount", 60L, "lostCount", 60L, "lossRatio", 0.5, "peerPingsDroppedCount", 5L,
                        "malformedCount", 7L, "unknownVersionCount", 2L, "unmatchedCount", 108_514L,
                        "inboundDroppedCount", 80_148L)),
                new SessionEvent.ChannelClosed(AT, "peer <redacted> left"),
                new SessionEvent.ChannelClosed(AT, null),
                new SessionEvent.RoundBegan(AT, Integer.MAX_VALUE),
                new SessionEvent.RoundEnded(AT),
                new SessionEvent.Ended(AT));
        for (SessionEvent event : events) {
            assertThat(roundTrip(event)).as(JournalCodec.encode(event, 7)).isEqualTo(event);
        }
    }

    @Test
    void linesWrittenBeforeLatenessWasJournaledReadAsOnTime() {
        SessionEvent poll = JournalCodec.decode(FlatJson.parse("{\"type\":\"poll\",\"seq\":1,\"epochMs\":1,"
                + "\"nanoTime\":1,\"outcome\":\"STALE\"}"));
        assertThat(((SessionEvent.Polled) poll).poll().lateMs()).isZero();
        SessionEvent probe = JournalCodec.decode(FlatJson.parse("{\"type\":\"probe\",\"seq\":2,\"epochMs\":1,"
                + "\"nanoTime\":1,\"sentCount\":1,\"answeredCount\":1,\"lostCount\":0,\"lateCount\":0,"
                + "\"unansweredCount\":0,\"lossRatio\":0.0,\"lossRatioBits\":0}"));
        assertThat(((SessionEvent.ProbeRead) probe).stats().processedLateCount()).isZero();
    }

    @Test
    void probeLinesWrittenBeforeTheRefusedAndDroppedMessagesWereJournaledReadAsNone() {
        // a format-5 line of the version before, as written: every count it had, none of the four
        SessionEvent probe = JournalCodec.decode(FlatJson.parse("{\"type\":\"probe\",\"seq\":2,\"epochMs\":1,"
                + "\"nanoTime\":1,\"sentCount\":9,\"answeredCount\":8,\"lostCount\":1,\"lateCount\":0,"
                + "\"unansweredCount\":0,\"cappedHoldCount\":0,\"peerPingsDroppedCount\":4,\"processedLateCount\":1,"
                + "\"lossRatio\":0.1111111111111111,\"lossRatioBits\":" + Double.doubleToRawLongBits(1.0 / 9)
                + ",\"maxHoldMs\":0.0,\"maxHoldMsBits\":0}"));
        assertThat(((SessionEvent.ProbeRead) probe).stats()).isEqualTo(SampleReports.record(ProbeStats.class,
                "sentCount", 9L, "answeredCount", 8L, "lostCount", 1L, "lossRatio", 1.0 / 9,
                "peerPingsDroppedCount", 4L, "processedLateCount", 1L));
    }

    @Test
    void theChecksumIsOfTheLineWithoutItsCrcMember() {
        String line = JournalCodec.encode(new SessionEvent.RoundEnded(AT), 3);
        assertThat(line).isEqualTo("{\"type\":\"roundEnd\",\"seq\":3,\"epochMs\":1767225600123,\"nanoTime\":-42000000001,"
                + "\"crc\":\"" + line.substring(line.length() - 10, line.length() - 2) + "\"}");
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update("{\"type\":\"roundEnd\",\"seq\":3,\"epochMs\":1767225600123,\"nanoTime\":-42000000001}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(line).endsWith(",\"crc\":\"" + String.format("%08x", crc.getValue()) + "\"}");

        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        bytes[10] ^= 1;
        assertThat(LineChecksum.problem(bytes, bytes.length)).matches("CRC32C [0-9a-f]{8}, expected [0-9a-f]{8}");
        byte[] bare = "{\"type\":\"roundEnd\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(LineChecksum.problem(bare, bare.length)).isEqualTo("no crc member at its end");
        byte[] upper = line.replaceAll("\"crc\":\"[0-9a-f]{8}\"", "\"crc\":\"ABCDEF12\"").getBytes(StandardCharsets.UTF_8);
        assertThat(LineChecksum.problem(upper, upper.length)).isEqualTo("its crc is not 8 lower-case hex digits");
    }

    @Test
    void anUnknownTypeOrAMissingMemberIsNamed() {
        assertThatThrownBy(() -> JournalCodec.decode(FlatJson.parse("{\"type\":\"fallback\",\"seq\":1,\"epochMs\":1,\"nanoTime\":1}")))
                .hasMessage("unknown type 'fallback'");
        assertThatThrownBy(() -> JournalCodec.decode(FlatJson.parse("{\"type\":\"roundBegin\",\"seq\":1,\"epochMs\":1}")))
                .hasMessageContaining("'nanoTime' is missing");
        assertThatThrownBy(() -> JournalCodec.decode(FlatJson.parse(
                "{\"type\":\"poll\",\"seq\":1,\"epochMs\":1,\"nanoTime\":1,\"outcome\":\"MAYBE\"}")))
                .hasMessageContaining("unknown outcome 'MAYBE'");
        assertThatThrownBy(() -> JournalCodec.decode(FlatJson.parse(
                "{\"type\":\"open\",\"seq\":1,\"epochMs\":1,\"nanoTime\":1,\"kind\":\"first\",\"name\":\"a\",\"refreshNanos\":-1}")))
                .hasMessageContaining("'refreshNanos' must be at least 0");
    }

    @Test
    void aProbeLineOfAnEarlierVersionWithANonFiniteOffsetIsInvalid() { // ProbeStats refuses it since
        assertThatThrownBy(() -> JournalCodec.decode(FlatJson.parse("{\"type\":\"probe\",\"seq\":2,\"epochMs\":1,"
                + "\"nanoTime\":1,\"sentCount\":1,\"answeredCount\":1,\"lostCount\":0,\"lateCount\":0,"
                + "\"unansweredCount\":0,\"lossRatio\":0.0,\"lossRatioBits\":0,\"offsetMs\":null,\"offsetMsBits\":"
                + Double.doubleToRawLongBits(Double.NaN) + ",\"errorBoundMs\":0.5,\"errorBoundMsBits\":"
                + Double.doubleToRawLongBits(0.5) + ",\"offsetEpochMs\":5}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("offsetMs must be finite, was NaN");
    }
}
