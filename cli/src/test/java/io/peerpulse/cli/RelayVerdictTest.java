package io.peerpulse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The demo's verdict compares with what the relay imposed and says both that and what was asked. */
class RelayVerdictTest {

    @Test
    void aSlowLinkMeasuredRightIsWithinWhatTheRelayImposed() {
        // a busy machine: asked 80, the relay really held 81.7; PeerPulse measured 81.9
        assertThat(RelayVerdict.line(81.9, 80, 81.7)).isEqualTo("median 81.9 ms is within the 81.7 ms the relay"
                + " actually imposed ± 1.6 ms (asked 80.0 ms; the link was +1.7 ms off the asked)");
    }

    @Test
    void aMeasurementTwoMillisecondsOffIsOutside() {
        assertThat(RelayVerdict.line(83.9, 80, 81.7)).startsWith("median 83.9 ms is OUTSIDE the 81.7 ms");
        assertThat(RelayVerdict.line(19.0, 20, 21.1)).as("1 ms at least: 20 ms asked")
                .startsWith("median 19.0 ms is OUTSIDE").contains("± 1.0 ms");
    }

    @Test
    void saysSoWhenTheRelayRecordedNothing() {
        assertThat(RelayVerdict.line(80, 80, Double.NaN)).isEqualTo("median 80.0 ms; asked 80.0 ms; the relay "
                + "recorded no round trip to compare with").doesNotContain("OUTSIDE");
    }

    @Test
    void withJitterGivesTheDifferenceFromWhatWasImposedWithoutAVerdict() {
        assertThat(RelayVerdict.jitterLine(41.5, 40, 41.0, 3)).isEqualTo("median 41.5 ms, asked 40.0 ms, the relay"
                + " actually imposed 41.0 ms; the link was +1.0 ms off the asked: +0.5 ms (with jitter the median of"
                + " 3 samples varies)");
        assertThat(RelayVerdict.jitterLine(41.5, 40, Double.NaN, 3)).isEqualTo("median 41.5 ms, asked 40.0 ms: +1.5 ms (the relay recorded no round trip; with jitter the median of 3"
                + " samples varies)");
    }
}
